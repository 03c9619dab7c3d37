// One INVITE dialog usage (RFC 3261 §13–§15), either side: ringing and answering with 2xx
// retransmission until the ACK (§13.3.1.4), ACK for 2xx (§13.2.2.4), CANCEL (§9), BYE,
// re-INVITE for hold (RFC 3264 §8.4), INFO DTMF relay, REFER/NOTIFY (RFC 3515) with Replaces
// (RFC 3891). Runs on the stack's injected clock, so it is pure too.
import { uacDialog, uasDialog, inDialogRequest, acceptInDialogRequest, nextHop, idOf, type Dialog } from './core/dialog.ts';
import { buildAuthorization, parseChallenge } from './core/digest.ts';
import { tagOf } from './core/header-values.ts';
import { getHeader, setHeader, removeHeaders, type SipRequest, type SipResponse } from './core/sip-message.ts';
import type { IncomingRequest, SipStack } from './core/sip-stack.ts';
import type { TimerHandle } from './core/clock.ts';
import type { Transaction } from './core/transaction.ts';
import type { Endpoint } from './core/transport-port.ts';
import { TypedEmitter } from './typed-emitter.ts';

export type SessionState = 'incoming' | 'calling' | 'early' | 'confirmed' | 'terminated';

export interface EndCause {
  by: 'local' | 'remote' | 'network';
  status?: number;
  reason: string;
}

export interface ReferRequest {
  referTo: string;
  replaces?: { callId: string; toTag: string; fromTag: string };
  /** Sends a NOTIFY with a sipfrag status line (RFC 3515 §2.4.5); final when status ≥ 200. */
  notify(status: number, reason: string): void;
}

export type InviteSessionEvents = {
  progress: (status: number, sdp: string | undefined) => void;
  answered: (sdp: string) => void;
  confirmed: () => void;
  ended: (cause: EndCause) => void;
  hold: (held: boolean) => void;
  dtmf: (digit: string, durationMs: number) => void;
  refer: (refer: ReferRequest) => void;
  notify: (sipfrag: string) => void;
};

export interface SessionHooks {
  /** Answers an SDP offer from the peer (re-INVITE); the media plane's hook. */
  answerOffer?(offer: string): string | undefined;
}

export interface UacCredentials {
  username: string;
  password: string;
}

export class InviteSession extends TypedEmitter<InviteSessionEvents> {
  state: SessionState;
  dialog: Dialog | undefined;
  remoteSdp: string | undefined;
  localSdp: string | undefined;
  hooks: SessionHooks = {};
  private retransmit: TimerHandle | undefined;
  private inviteTx: Transaction | undefined;
  private cancelWanted = false;
  private authTried = false;
  private heldByPeer = false;
  /** The SDP answer sent in the ACK when the peer offered in its 2xx. */
  private ackBody: string | undefined;

  constructor(
    readonly stack: SipStack,
    readonly role: 'uas' | 'uac',
    private invite: SipRequest,
    readonly target: Endpoint,
    readonly contact: string,
    private readonly incoming?: IncomingRequest,
    private readonly credentials?: UacCredentials,
  ) {
    super();
    this.state = role === 'uas' ? 'incoming' : 'calling';
    this.remoteSdp = role === 'uas' && invite.body ? invite.body : undefined;
    if (incoming) incoming.onCancel = () => this.end({ by: 'remote', status: 487, reason: 'cancelled' });
  }

  get request(): SipRequest {
    return this.invite;
  }

  get callId(): string {
    return getHeader(this.invite, 'Call-ID') ?? '';
  }

  // ---- UAS side -------------------------------------------------------------------------

  ring(sdp?: string): void {
    if (!this.incoming?.pending) return;
    this.dialog ??= uasDialog(this.invite, this.incoming.toTag, 'early');
    this.state = 'early';
    this.incoming.respond(sdp ? 183 : 180, sdp ? this.sdpInit(sdp) : { headers: [['Contact', this.contact]] });
  }

  answer(sdp: string): void {
    if (!this.incoming?.pending) return;
    this.dialog ??= uasDialog(this.invite, this.incoming.toTag, 'confirmed');
    this.dialog.state = 'confirmed';
    this.localSdp = sdp;
    const res = this.incoming.respond(200, this.sdpInit(sdp));
    this.state = 'confirmed';
    this.retransmit2xx(this.incoming, res);
  }

  reject(status: number, reason?: string, headers?: [string, string][]): void {
    if (!this.incoming?.pending) return;
    this.incoming.respond(status, { ...(reason ? { reason } : {}), ...(headers ? { headers } : {}) });
    this.end({ by: 'local', status, reason: reason ?? 'rejected' });
  }

  /** §13.3.1.4: the UAS core retransmits the 2xx from T1 doubling to T2 until the ACK, 64*T1 at most. */
  private retransmit2xx(incoming: IncomingRequest, res: SipResponse): void {
    const { T1, T2 } = this.stack.timers;
    const clock = this.stack.clock;
    const started = clock.now();
    let interval = T1;
    const tick = () => {
      if (clock.now() - started >= 64 * T1) {
        this.retransmit = undefined;
        this.sendInDialog('BYE');
        this.end({ by: 'network', status: 408, reason: 'no ACK for 2xx' });
        return;
      }
      incoming.transaction.respond(res);
      interval = Math.min(interval * 2, T2);
      this.retransmit = clock.setTimer(interval, tick);
    };
    this.retransmit = clock.setTimer(interval, tick);
  }

  /** The ACK of our 2xx arrived (routed here by the user agent). */
  receiveAck(ack: SipRequest): void {
    if (this.retransmit) {
      this.stack.clock.clearTimer(this.retransmit);
      this.retransmit = undefined;
      if (ack.body) this.remoteSdp = ack.body; // delayed offer answered in the ACK
      this.emit('confirmed');
    }
  }

  // ---- UAC side -------------------------------------------------------------------------

  /** Sends the initial INVITE; the user agent calls this once after construction. */
  start(): void {
    this.localSdp = this.invite.body || undefined;
    this.inviteTx = this.stack.sendRequest(this.invite, this.target, {
      onResponse: (r) => this.onInviteResponse(r),
      onTimeout: () => this.end({ by: 'network', status: 408, reason: 'timeout' }),
      onTransportError: () => this.end({ by: 'network', status: 503, reason: 'transport error' }),
    });
  }

  cancel(): void {
    if (this.role !== 'uac' || this.state === 'confirmed' || this.state === 'terminated') return;
    this.cancelWanted = true;
    // §9.1: CANCEL only once a provisional response has arrived
    if (this.state === 'early' && this.inviteTx) this.stack.cancel(this.inviteTx, this.target);
  }

  private onInviteResponse(res: SipResponse): void {
    if (res.status < 200) {
      if (this.cancelWanted && this.inviteTx && this.state === 'calling') {
        this.state = 'early';
        this.stack.cancel(this.inviteTx, this.target);
        return;
      }
      if (this.state === 'calling') this.state = 'early';
      if (tagOf(getHeader(res, 'To')) && !this.dialog) this.dialog = uacDialog(this.invite, res);
      if (res.body) this.remoteSdp = res.body;
      this.emit('progress', res.status, res.body || undefined);
      return;
    }
    if (res.status < 300) return this.on2xx(res);
    if ((res.status === 401 || res.status === 407) && this.credentials && !this.authTried) return this.retryWithAuth(res);
    this.end({ by: 'remote', status: res.status, reason: res.reason });
  }

  /** A 2xx, first or retransmitted (§13.2.2.4): every one is ACKed; a second fork gets BYE. */
  on2xx(res: SipResponse): void {
    const remoteTag = tagOf(getHeader(res, 'To'));
    if (this.state === 'confirmed' || this.state === 'terminated') {
      const fork = uacDialog(this.invite, res);
      this.sendAck(fork);
      if (!this.dialog || remoteTag !== this.dialog.remoteTag) this.stack.sendRequest(inDialogRequest(fork, 'BYE'), nextHop(fork) ?? this.target);
      return;
    }
    this.dialog = uacDialog(this.invite, res);
    this.state = 'confirmed';
    this.remoteSdp = res.body || this.remoteSdp;
    // delayed offer (§13.2.1): the 2xx carried the offer, so our ACK carries the answer
    if (!this.localSdp && res.body) this.ackBody = this.hooks.answerOffer?.(res.body);
    if (this.ackBody) this.localSdp = this.ackBody;
    this.sendAck(this.dialog);
    if (this.cancelWanted) return this.bye();
    this.emit('answered', this.remoteSdp ?? '');
  }

  private sendAck(dialog: Dialog): void {
    const cseq = Number(getHeader(this.invite, 'CSeq')?.split(' ')[0] ?? 1);
    const ack = inDialogRequest(dialog, 'ACK', { cseq, ...(this.ackBody ? { body: this.ackBody, headers: [['Content-Type', 'application/sdp']] } : {}) });
    for (const name of ['Authorization', 'Proxy-Authorization']) {
      const v = getHeader(this.invite, name);
      if (v) setHeader(ack, name, v);
    }
    this.stack.sendStateless(ack, nextHop(dialog) ?? this.target);
  }

  private retryWithAuth(res: SipResponse): void {
    const header = res.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
    const challenge = parseChallenge(getHeader(res, header) ?? '');
    if (!challenge || !this.credentials) return this.end({ by: 'remote', status: res.status, reason: res.reason });
    this.authTried = true;
    const next: SipRequest = { ...this.invite, headers: this.invite.headers.map((h) => ({ ...h })) };
    removeHeaders(next, 'Via');
    const cseq = Number(getHeader(next, 'CSeq')?.split(' ')[0] ?? 1) + 1;
    setHeader(next, 'CSeq', `${cseq} INVITE`);
    setHeader(next, res.status === 401 ? 'Authorization' : 'Proxy-Authorization', buildAuthorization(challenge, this.credentials, 'INVITE', next.uri));
    this.invite = next;
    this.start();
  }

  // ---- both sides, within the dialog ----------------------------------------------------

  bye(): void {
    if (this.state === 'terminated') return;
    if (this.role === 'uac' && this.state !== 'confirmed') return this.cancel();
    if (this.role === 'uas' && this.state !== 'confirmed') return this.reject(480);
    this.sendInDialog('BYE');
    this.end({ by: 'local', reason: 'hangup' });
  }

  /** Sends a re-INVITE with a new offer, e.g. a=sendonly to hold (RFC 3264 §8.4). */
  reinvite(sdp: string, onResult?: (status: number, answer?: string) => void): void {
    if (!this.dialog || this.state !== 'confirmed') return onResult?.(481);
    const dialog = this.dialog;
    const req = inDialogRequest(dialog, 'INVITE', { contact: this.contact, headers: [['Content-Type', 'application/sdp']], body: sdp });
    this.stack.sendRequest(req, nextHop(dialog) ?? this.target, {
      onResponse: (r) => {
        if (r.status < 200) return;
        if (r.status < 300) {
          this.localSdp = sdp;
          if (r.body) this.remoteSdp = r.body;
          const cseq = Number(getHeader(req, 'CSeq')?.split(' ')[0] ?? 1);
          this.stack.sendStateless(inDialogRequest(dialog, 'ACK', { cseq }), nextHop(dialog) ?? this.target);
        }
        onResult?.(r.status, r.body || undefined);
      },
      onTimeout: () => onResult?.(408),
    });
  }

  sendDtmf(digit: string, durationMs = 160): void {
    this.sendInDialog('INFO', { headers: [['Content-Type', 'application/dtmf-relay']], body: `Signal=${digit}\r\nDuration=${durationMs}\r\n` });
  }

  /** REFER (RFC 3515); for an attended transfer the target carries Replaces (RFC 3891 §3). */
  refer(referTo: string, onNotify?: (sipfrag: string) => void): void {
    if (onNotify) this.on('notify', onNotify);
    this.sendInDialog('REFER', { headers: [['Refer-To', referTo], ['Referred-By', `<${this.contact.replace(/^<|>$/g, '')}>`]] });
  }

  sendInDialog(method: string, init: { headers?: [string, string][]; body?: string } = {}, onResponse?: (r: SipResponse) => void): void {
    if (!this.dialog) return;
    const req = inDialogRequest(this.dialog, method, { ...init, contact: method === 'REFER' ? this.contact : undefined });
    this.stack.sendRequest(req, nextHop(this.dialog) ?? this.target, { onResponse: (r) => onResponse?.(r) });
  }

  /** A request inside our dialog, routed here by the user agent. */
  receiveRequest(incoming: IncomingRequest): void {
    const req = incoming.request;
    if (!this.dialog) return void incoming.respond(481);
    const check = acceptInDialogRequest(this.dialog, req);
    if (!check.ok) return void incoming.respond(check.status, { reason: check.reason });
    switch (req.method) {
      case 'BYE':
        incoming.respond(200);
        this.end({ by: 'remote', reason: 'hangup' });
        return;
      case 'INVITE':
        return this.onReinvite(incoming);
      case 'INFO':
        return this.onInfo(incoming);
      case 'REFER':
        return this.onRefer(incoming);
      case 'NOTIFY':
        incoming.respond(200);
        this.emit('notify', req.body);
        return;
      case 'OPTIONS':
        incoming.respond(200, { headers: [['Allow', allowHeader]] });
        return;
      default:
        incoming.respond(501);
    }
  }

  private onReinvite(incoming: IncomingRequest): void {
    const offer = incoming.request.body;
    const answer = offer ? (this.hooks.answerOffer?.(offer) ?? this.localSdp) : this.localSdp;
    if (!answer) return void incoming.respond(488);
    this.remoteSdp = offer || this.remoteSdp;
    this.localSdp = answer;
    const res = incoming.respond(200, this.sdpInit(answer));
    this.retransmit2xx(incoming, res);
    const held = offer ? isHoldOffer(offer) : false;
    if (held !== this.heldByPeer) {
      this.heldByPeer = held;
      this.emit('hold', held);
    }
  }

  private onInfo(incoming: IncomingRequest): void {
    const type = getHeader(incoming.request, 'Content-Type')?.toLowerCase() ?? '';
    incoming.respond(200);
    if (type.startsWith('application/dtmf-relay') || type.startsWith('application/dtmf')) {
      const signal = /Signal\s*=\s*([0-9A-D*#])/i.exec(incoming.request.body)?.[1];
      const duration = Number(/Duration\s*=\s*(\d+)/i.exec(incoming.request.body)?.[1] ?? 160);
      if (signal) this.emit('dtmf', signal.toUpperCase(), duration);
    }
  }

  private onRefer(incoming: IncomingRequest): void {
    const referTo = getHeader(incoming.request, 'Refer-To');
    if (!referTo) return void incoming.respond(400, { reason: 'Missing Refer-To' });
    incoming.respond(202);
    const replacesRaw = /[?&]Replaces=([^&>]+)/i.exec(referTo)?.[1];
    let replaces: ReferRequest['replaces'];
    if (replacesRaw) {
      const decoded = decodeURIComponent(replacesRaw);
      const [callId, ...params] = decoded.split(';');
      const p = Object.fromEntries(params.map((x) => x.split('=') as [string, string]));
      if (callId && p['to-tag'] && p['from-tag']) replaces = { callId, toTag: p['to-tag'], fromTag: p['from-tag'] };
    }
    const notify = (status: number, reason: string) => {
      const state = status >= 200 ? 'terminated;reason=noresource' : 'active;expires=60';
      this.sendInDialog('NOTIFY', {
        headers: [['Event', 'refer'], ['Subscription-State', state], ['Content-Type', 'message/sipfrag;version=2.0']],
        body: `SIP/2.0 ${status} ${reason}\r\n`,
      });
    };
    notify(100, 'Trying');
    this.emit('refer', { referTo, ...(replaces ? { replaces } : {}), notify });
  }

  private sdpInit(sdp: string): { headers: [string, string][]; body: string } {
    return { headers: [['Contact', this.contact], ['Content-Type', 'application/sdp'], ['Allow', allowHeader]], body: sdp };
  }

  end(cause: EndCause): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    if (this.dialog) this.dialog.state = 'terminated';
    if (this.retransmit) this.stack.clock.clearTimer(this.retransmit);
    this.retransmit = undefined;
    this.emit('ended', cause);
  }

  get dialogId(): string | undefined {
    return this.dialog ? idOf(this.dialog) : undefined;
  }
}

export const allowHeader = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY';

/** RFC 3264 §8.4: sendonly/inactive, or the RFC 2543 c=0.0.0.0 form, means the peer holds. */
export function isHoldOffer(sdp: string): boolean {
  return /^a=(sendonly|inactive)\s*$/m.test(sdp) || /^c=IN IP4 0\.0\.0\.0\s*$/m.test(sdp);
}
