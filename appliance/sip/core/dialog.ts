// Dialog state (RFC 3261 §12) as plain data with pure transitions: creation on the UAS and
// UAC sides, in-dialog request construction, and CSeq checks on incoming requests.
import { canonicalHeaderName } from './header-names.ts';
import { parseCSeq, parseNameAddr, tagOf } from './header-values.ts';
import { getHeader, getHeaders, type SipRequest, type SipResponse } from './sip-message.ts';
import { parseSipUri } from './sip-uri.ts';
import type { Endpoint, TransportProtocol } from './transport-port.ts';

export type DialogState = 'early' | 'confirmed' | 'terminated';

export interface Dialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  localSeq: number;
  remoteSeq: number | undefined;
  /** From/To values as they appear in requests we send (with tags). */
  localUri: string;
  remoteUri: string;
  remoteTarget: string;
  routeSet: string[];
  state: DialogState;
}

export function dialogId(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

export const idOf = (d: Dialog): string => dialogId(d.callId, d.localTag, d.remoteTag);

function contactUri(msg: SipRequest | SipResponse): string | undefined {
  const c = getHeader(msg, 'Contact');
  return c ? parseNameAddr(c)?.uri : undefined;
}

function withTag(value: string, tag: string): string {
  return tagOf(value) ? value : `${value};tag=${tag}`;
}

/** §12.1.1: the UAS side, from the request and the tag of its dialog-creating response. */
export function uasDialog(req: SipRequest, localTag: string, state: DialogState): Dialog {
  return {
    callId: getHeader(req, 'Call-ID') ?? '',
    localTag,
    remoteTag: tagOf(getHeader(req, 'From')) ?? '',
    localSeq: 0,
    remoteSeq: parseCSeq(getHeader(req, 'CSeq') ?? '')?.seq,
    localUri: withTag(getHeader(req, 'To') ?? '', localTag),
    remoteUri: getHeader(req, 'From') ?? '',
    remoteTarget: contactUri(req) ?? req.uri,
    routeSet: getHeaders(req, 'Record-Route'),
    state,
  };
}

/** §12.1.2: the UAC side, from our request and a 1xx-with-tag or 2xx response. */
export function uacDialog(req: SipRequest, res: SipResponse): Dialog {
  return {
    callId: getHeader(req, 'Call-ID') ?? '',
    localTag: tagOf(getHeader(req, 'From')) ?? '',
    remoteTag: tagOf(getHeader(res, 'To')) ?? '',
    localSeq: parseCSeq(getHeader(req, 'CSeq') ?? '')?.seq ?? 1,
    remoteSeq: undefined,
    localUri: getHeader(req, 'From') ?? '',
    remoteUri: getHeader(res, 'To') ?? '',
    remoteTarget: contactUri(res) ?? req.uri,
    routeSet: getHeaders(res, 'Record-Route').reverse(),
    state: res.status >= 200 ? 'confirmed' : 'early',
  };
}

/** §12.2.1.1: a request within the dialog; ACK and CANCEL reuse the INVITE's CSeq number. */
export function inDialogRequest(
  dialog: Dialog,
  method: string,
  init: { headers?: [string, string][]; body?: string; cseq?: number; contact?: string } = {},
): SipRequest {
  let seq = init.cseq;
  if (seq === undefined) {
    dialog.localSeq += 1;
    seq = dialog.localSeq;
  }
  const headers: [string, string][] = [];
  for (const r of dialog.routeSet) headers.push(['Route', r]);
  headers.push(['From', dialog.localUri], ['To', dialog.remoteUri], ['Call-ID', dialog.callId], ['CSeq', `${seq} ${method}`]);
  if (init.contact) headers.push(['Contact', init.contact]);
  headers.push(...(init.headers ?? []));
  return { type: 'request', method, uri: dialog.remoteTarget, headers: headers.map(([name, value]) => ({ name: canonicalHeaderName(name), value })), body: init.body ?? '' };
}

export type InDialogCheck = { ok: true } | { ok: false; status: 500; reason: string };

/** §12.2.2: a CSeq lower than the last one is refused with 500; a target refresh updates the target. */
export function acceptInDialogRequest(dialog: Dialog, req: SipRequest): InDialogCheck {
  const seq = parseCSeq(getHeader(req, 'CSeq') ?? '')?.seq ?? 0;
  if (req.method !== 'ACK' && req.method !== 'CANCEL') {
    if (dialog.remoteSeq !== undefined && seq < dialog.remoteSeq) return { ok: false, status: 500, reason: 'CSeq Out of Order' };
    if (dialog.remoteSeq === undefined || seq > dialog.remoteSeq) dialog.remoteSeq = seq;
  }
  if (req.method === 'INVITE' || req.method === 'UPDATE') {
    const target = contactUri(req);
    if (target) dialog.remoteTarget = target;
  }
  return { ok: true };
}

/** Where a request goes next: the first Route (loose routing, §16.12) or the remote target. */
export function nextHop(dialog: Dialog, fallback: TransportProtocol = 'UDP'): Endpoint | undefined {
  const first = dialog.routeSet[0];
  const uri = first ? parseNameAddr(first)?.uri : dialog.remoteTarget;
  return uri ? uriEndpoint(uri, fallback) : undefined;
}

export function uriEndpoint(uri: string, fallback: TransportProtocol = 'UDP'): Endpoint | undefined {
  const u = parseSipUri(uri);
  if (!u) return undefined;
  const t = u.params.transport?.toUpperCase();
  const protocol: TransportProtocol = t === 'TCP' ? 'TCP' : t === 'WS' || t === 'WSS' ? 'WS' : t === 'UDP' ? 'UDP' : fallback;
  const host = u.params.maddr ?? u.host.replace(/^\[|\]$/g, '');
  return { protocol, host, port: u.port ?? 5060 };
}

/** The dialog a message belongs to, seen from our side (our tag is To in requests we receive). */
export function incomingDialogId(req: SipRequest): string | undefined {
  const local = tagOf(getHeader(req, 'To'));
  const remote = tagOf(getHeader(req, 'From'));
  const callId = getHeader(req, 'Call-ID');
  return local && remote !== undefined && callId ? dialogId(callId, local, remote) : undefined;
}

export function responseDialogId(res: SipResponse): string | undefined {
  const local = tagOf(getHeader(res, 'From'));
  const remote = tagOf(getHeader(res, 'To'));
  const callId = getHeader(res, 'Call-ID');
  return local && remote && callId ? dialogId(callId, local, remote) : undefined;
}
