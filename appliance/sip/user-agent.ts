// The user agent core (RFC 3261 §8, §12): dispatches what the stack hands up to dialogs and
// sessions, answers OPTIONS, challenges where configured, and creates outgoing calls.
import { incomingDialogId, responseDialogId } from './core/dialog.ts';
import type { DigestServer } from './core/digest.ts';
import { formatNameAddr } from './core/header-values.ts';
import { newCallId, newTag } from './core/ids.ts';
import { getHeader, request, type SipRequest } from './core/sip-message.ts';
import type { IncomingRequest, SipStack } from './core/sip-stack.ts';
import type { Endpoint, TransportProtocol } from './core/transport-port.ts';
import { allowHeader, InviteSession, type UacCredentials } from './invite-session.ts';
import { TypedEmitter } from './typed-emitter.ts';

export type UserAgentEvents = {
  /** A new incoming call: ring, answer or reject the session. */
  invite: (session: InviteSession, incoming: IncomingRequest) => void;
  /** REGISTER for the registrar; answered 501 when nobody listens. */
  register: (incoming: IncomingRequest) => void;
  /** Any other out-of-dialog request (MESSAGE, SUBSCRIBE...); answered 501 when nobody listens. */
  request: (incoming: IncomingRequest) => void;
};

export interface UserAgentOptions {
  /** User part of our Contact. */
  user?: string;
  /** Challenge incoming INVITEs with digest (calls from trunks that must authenticate). */
  inviteAuth?: { server: DigestServer; passwordOf(user: string): string | undefined; exempt?(source: Endpoint): boolean };
}

export interface OutgoingCall {
  to: string;
  from: string;
  fromDisplayName?: string;
  target: Endpoint;
  sdp?: string;
  headers?: [string, string][];
  credentials?: UacCredentials;
}

export class UserAgent extends TypedEmitter<UserAgentEvents> {
  private readonly sessions = new Map<string, InviteSession>();
  private readonly byCallId = new Map<string, InviteSession>();

  constructor(readonly stack: SipStack, private readonly options: UserAgentOptions = {}) {
    super();
    stack.handlers = {
      onRequest: (i) => this.onRequest(i),
      onAck: (ack) => this.onAck(ack),
      onStrayResponse: (res) => {
        const s = this.findByResponse(getHeader(res, 'Call-ID'), responseDialogId(res));
        if (s && res.status >= 200 && res.status < 300 && getHeader(res, 'CSeq')?.endsWith('INVITE')) s.on2xx(res);
      },
    };
  }

  contactFor(protocol: TransportProtocol): string {
    const t = this.stack.transport(protocol);
    const transportParam = protocol === 'UDP' ? '' : `;transport=${protocol.toLowerCase()}`;
    return `<sip:${this.options.user ?? 'cc'}@${t?.host ?? '127.0.0.1'}:${t?.port ?? 5060}${transportParam}>`;
  }

  get activeSessions(): number {
    return this.byCallId.size;
  }

  /** Places a call (the UAC side of a leg). */
  call(call: OutgoingCall): InviteSession {
    const from = formatNameAddr({ uri: call.from, params: { tag: newTag() }, ...(call.fromDisplayName ? { displayName: call.fromDisplayName } : {}) });
    const contact = this.contactFor(call.target.protocol);
    const headers: [string, string][] = [
      ['From', from], ['To', `<${call.to}>`], ['Call-ID', newCallId()], ['CSeq', '1 INVITE'], ['Contact', contact],
      ['Allow', allowHeader], ['Supported', 'replaces'], ...(call.headers ?? []),
    ];
    if (call.sdp) headers.push(['Content-Type', 'application/sdp']);
    const invite = request('INVITE', call.to, headers, call.sdp ?? '');
    const session = new InviteSession(this.stack, 'uac', invite, call.target, contact, undefined, call.credentials);
    this.track(session);
    session.start();
    return session;
  }

  /** The session that owns a dialog, for REFER with Replaces (RFC 3891 §3). */
  findDialog(callId: string, localTag: string, remoteTag: string): InviteSession | undefined {
    const s = this.byCallId.get(callId);
    return s?.dialog && s.dialog.localTag === localTag && s.dialog.remoteTag === remoteTag ? s : undefined;
  }

  private track(session: InviteSession): void {
    this.byCallId.set(session.callId, session);
    session.once('ended', () => {
      this.byCallId.delete(session.callId);
      if (session.dialogId) this.sessions.delete(session.dialogId);
    });
  }

  private findByResponse(callId: string | undefined, dialogId: string | undefined): InviteSession | undefined {
    return (dialogId && this.sessions.get(dialogId)) || (callId ? this.byCallId.get(callId) : undefined);
  }

  private findForRequest(req: SipRequest): InviteSession | undefined {
    const id = incomingDialogId(req);
    if (id) {
      const s = this.sessions.get(id);
      if (s) return s;
    }
    const s = this.byCallId.get(getHeader(req, 'Call-ID') ?? '');
    if (s?.dialogId) {
      this.sessions.set(s.dialogId, s);
      return s.dialogId === id ? s : undefined;
    }
    return undefined;
  }

  private onAck(ack: SipRequest): void {
    this.findForRequest(ack)?.receiveAck(ack);
  }

  private onRequest(incoming: IncomingRequest): void {
    const req = incoming.request;
    const hasToTag = /;\s*tag\s*=/i.test(getHeader(req, 'To') ?? '');
    if (hasToTag) {
      const s = this.findForRequest(req);
      if (s) return s.receiveRequest(incoming);
      if (req.method === 'OPTIONS') return void incoming.respond(200, { headers: [['Allow', allowHeader]] });
      return void incoming.respond(481); // §12.2.2: no such dialog
    }
    switch (req.method) {
      case 'INVITE':
        return this.onInvite(incoming);
      case 'OPTIONS':
        incoming.respond(200, { headers: [['Allow', allowHeader], ['Accept', 'application/sdp'], ['Supported', 'replaces']] });
        return;
      case 'REGISTER':
        if (this.listenerCount('register')) this.emit('register', incoming);
        else incoming.respond(501);
        return;
      case 'BYE':
        incoming.respond(481);
        return;
      default:
        if (this.listenerCount('request')) this.emit('request', incoming);
        else incoming.respond(req.method === 'SUBSCRIBE' || req.method === 'MESSAGE' ? 501 : 405, { headers: [['Allow', allowHeader]] });
    }
  }

  private onInvite(incoming: IncomingRequest): void {
    const auth = this.options.inviteAuth;
    if (auth && !auth.exempt?.(incoming.source)) {
      const now = this.stack.clock.now();
      const { verdict } = auth.server.verify(getHeader(incoming.request, 'Proxy-Authorization'), 'INVITE', now, auth.passwordOf);
      if (verdict !== 'ok') {
        const headers = auth.server.challenges(now, verdict === 'stale').map((c): [string, string] => ['Proxy-Authenticate', c]);
        incoming.respond(407, { headers });
        return;
      }
    }
    const session = new InviteSession(this.stack, 'uas', incoming.request, incoming.source, this.contactFor(incoming.source.protocol), incoming);
    this.track(session);
    if (this.listenerCount('invite')) this.emit('invite', session, incoming);
    else session.reject(480);
  }
}
