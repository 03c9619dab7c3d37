// Back-to-back user agent: every call is two legs with their own dialogs (RFC 3261 §6 B2BUA,
// RFC 7092). Inbound legs are routed by DID (config) to an extension (registrar), a queue or
// an IVR flow; outbound legs go to registered phones or through trunk groups. Hold, DTMF
// (INFO), hangup, cancel, blind transfer (REFER) and attended transfer (REFER with Replaces,
// RFC 3891) are mirrored between the legs. SDP is terminated here: each leg negotiates with
// the appliance's own media address, which the MediaPort provides.
import { routeForDid, outboundRouteFor, type Route, type SipConfig } from '../sip/config.ts';
import { parseNameAddr } from '../sip/core/header-values.ts';
import { getHeader } from '../sip/core/sip-message.ts';
import { parseSipUri } from '../sip/core/sip-uri.ts';
import type { Endpoint } from '../sip/core/transport-port.ts';
import type { InviteSession, ReferRequest } from '../sip/invite-session.ts';
import type { TrunkManager } from '../sip/trunks.ts';
import { TypedEmitter } from '../sip/typed-emitter.ts';
import type { UserAgent } from '../sip/user-agent.ts';
import type { MediaPort } from './media-port.ts';
import { createOffer, negotiate, readAnswer, type LocalMedia } from './sdp-offer-answer.ts';

export interface CallLeg {
  id: string;
  session: InviteSession;
  local: LocalMedia;
  peer?: CallLeg;
}

export interface Location {
  uri: string;
  endpoint: Endpoint;
}

export type B2buaEvents = {
  /** An inbound call routed to a queue or IVR: the application answers or rejects the leg. */
  call: (leg: CallLeg, route: Route, dialled: string) => void;
  bridged: (a: CallLeg, b: CallLeg) => void;
  ended: (leg: CallLeg) => void;
  dtmf: (leg: CallLeg, digit: string) => void;
};

export interface B2buaOptions {
  ua: UserAgent;
  config: Pick<SipConfig, 'dids' | 'outboundRoutes'>;
  media: MediaPort;
  /** Registered contacts of a user (the registrar's location service). */
  locate(user: string): Location[];
  trunks?: TrunkManager;
}

export class B2bua extends TypedEmitter<B2buaEvents> {
  private seq = 0;
  readonly legs = new Map<string, CallLeg>();
  /**
   * While draining (before an update installs) new calls are refused with 503 and Retry-After
   * (RFC 3261 §21.5.4), so a gateway or trunk group tries another box; calls in progress and
   * takeovers of them (Replaces) go on.
   */
  draining = false;

  constructor(private readonly options: B2buaOptions) {
    super();
    options.ua.on('invite', (session) => this.onInvite(session));
  }

  /** `pre`: media already allocated for the leg (its SDP offer was sent with that address). */
  private newLeg(session: InviteSession, pre?: { id: string; local: LocalMedia }): CallLeg {
    const id = pre?.id ?? `leg-${++this.seq}`;
    const leg: CallLeg = { id, session, local: pre?.local ?? this.options.media.allocate(id) };
    this.legs.set(id, leg);
    session.hooks.answerOffer = (offer) => {
      const r = negotiate(offer, leg.local);
      if (!r.ok) return undefined;
      this.options.media.update(id, r.media);
      return r.answer;
    };
    session.once('ended', () => {
      this.legs.delete(id);
      this.options.media.release(id);
      this.emit('ended', leg);
      const peer = leg.peer;
      leg.peer = undefined;
      if (peer && peer.peer === leg) {
        peer.peer = undefined;
        peer.session.bye();
      }
    });
    session.on('hold', (held) => leg.peer?.session.reinvite(createOffer(leg.peer.local, held ? 'sendonly' : 'sendrecv')));
    session.on('dtmf', (digit, duration) => {
      this.emit('dtmf', leg, digit);
      leg.peer?.session.sendDtmf(digit, duration);
    });
    session.on('refer', (refer) => this.onRefer(leg, refer));
    // delayed offer: we offered in our 2xx and the peer answered in its ACK (RFC 3261 §13.2.1)
    const offeredInInvite = session.role === 'uas' && session.remoteSdp !== undefined;
    session.once('confirmed', () => {
      const media = !offeredInInvite && session.remoteSdp ? readAnswer(session.remoteSdp) : undefined;
      if (media) this.options.media.update(id, media);
    });
    return leg;
  }

  private onInvite(session: InviteSession): void {
    const leg = this.newLeg(session);
    const offer = session.remoteSdp;
    if (offer) {
      const r = negotiate(offer, leg.local);
      if (!r.ok) return session.reject(488, r.reason);
      this.options.media.update(leg.id, r.media);
      session.localSdp = r.answer;
    }
    // RFC 3891: an INVITE with Replaces takes over an existing leg (attended transfer, pickup)
    const replaces = getHeader(session.request, 'Replaces');
    if (replaces) return this.onReplaces(leg, replaces);
    if (this.draining) return session.reject(503, 'Draining for maintenance', [['Retry-After', '300']]);
    const dialled = parseSipUri(session.request.uri)?.user ?? parseSipUri(parseNameAddr(getHeader(session.request, 'To') ?? '')?.uri ?? '')?.user ?? '';
    const route = routeForDid(this.options.config.dids, dialled) ?? (this.options.locate(dialled).length ? { kind: 'extension' as const, user: dialled } : undefined);
    if (!route) return session.reject(404);
    if (route.kind === 'extension') return this.connect(leg, route.user);
    if (this.listenerCount('call')) this.emit('call', leg, route, dialled);
    else session.reject(480);
  }

  /** Answers a leg with the SDP negotiated on arrival (IVR/queue legs). */
  answer(leg: CallLeg): void {
    leg.session.answer(leg.session.localSdp ?? createOffer(leg.local));
  }

  /** Rings a registered user and bridges the inbound leg when the phone answers. */
  connect(inbound: CallLeg, user: string): void {
    const location = this.options.locate(user)[0];
    if (!location) return inbound.session.reject(480);
    const from = getHeader(inbound.session.request, 'From');
    const caller = parseSipUri(parseNameAddr(from ?? '')?.uri ?? '')?.user ?? 'anonymous';
    this.dialLeg(inbound, (offer) => this.options.ua.call({
      to: location.uri, from: `sip:${caller}@${this.options.ua.stack.transport(location.endpoint.protocol)?.host ?? 'localhost'}`,
      target: location.endpoint, sdp: offer,
    }));
  }

  /** Places an outbound call for a leg through the trunk group the dialled number routes to. */
  dialOut(inbound: CallLeg, number: string): void {
    const route = outboundRouteFor(this.options.config.outboundRoutes, number);
    const trunks = this.options.trunks;
    if (!route || !trunks) return inbound.session.reject(404);
    const outId = `${inbound.id}-out`;
    const outLocal = this.options.media.allocate(outId, { with: inbound.id });
    trunks.dial(route.trunkGroup, number.slice(route.strip), createOffer(outLocal), {
      onSession: (s) => this.attachOutbound(inbound, s, outLocal, outId),
      onFailed: (status) => inbound.session.reject(status >= 400 ? status : 480),
    });
  }

  private dialLeg(inbound: CallLeg, place: (offer: string) => InviteSession): void {
    const id = `leg-${++this.seq}`;
    // a port that can, puts the new leg into the inbound leg's media (one router per call)
    const local = this.options.media.allocate(id, { with: inbound.id });
    const session = place(createOffer(local));
    this.attachOutbound(inbound, session, local, id);
    session.once('ended', (cause) => {
      if (inbound.session.state !== 'confirmed') inbound.session.reject(cause.status && cause.status >= 400 ? cause.status : 480);
    });
  }

  private attachOutbound(inbound: CallLeg, session: InviteSession, local: LocalMedia, id: string): void {
    // the leg keeps the id its media was allocated under, so updates and bridges reach it
    const out = this.newLeg(session, { id, local });
    const onInboundEnd = () => session.bye();
    inbound.session.once('ended', onInboundEnd);
    session.on('progress', (status) => {
      if (status === 180 || status === 183) inbound.session.ring();
    });
    session.once('answered', (sdp) => {
      const media = readAnswer(sdp);
      if (media) this.options.media.update(out.id, media);
      this.bridge(inbound, out);
      this.answer(inbound);
    });
  }

  /**
   * Rings a registered user on a new leg (an agent's desk phone) and returns it at once; the
   * application bridges it when it answers. Undefined when the user has no registration.
   */
  callUser(user: string, fromUser: string, options: { mediaWith?: string } = {}): CallLeg | undefined {
    const location = this.options.locate(user)[0];
    if (!location) return undefined;
    const id = `leg-${++this.seq}`;
    const local = this.options.media.allocate(id, options.mediaWith ? { with: options.mediaWith } : undefined);
    const host = this.options.ua.stack.transport(location.endpoint.protocol)?.host ?? 'localhost';
    const session = this.options.ua.call({ to: location.uri, from: `sip:${fromUser}@${host}`, target: location.endpoint, sdp: createOffer(local) });
    this.applyAnswer(id, session);
    return this.newLeg(session, { id, local });
  }

  /** A UAC leg's media follows the SDP answer in the 2xx (RFC 3264 §5). */
  private applyAnswer(id: string, session: InviteSession): void {
    session.once('answered', (sdp) => {
      const media = readAnswer(sdp);
      if (media) this.options.media.update(id, media);
    });
  }

  /**
   * Dials a number through a trunk group (the given one, else the outbound route's) on a new
   * leg, presenting the group's DOD caller id. False when no route or trunk fits.
   */
  dialNumber(number: string, handlers: { trunkGroup?: string; mediaWith?: string; onLeg(leg: CallLeg): void; onFailed(status: number, reason: string): void }): boolean {
    const route = handlers.trunkGroup ? { trunkGroup: handlers.trunkGroup, strip: 0 } : outboundRouteFor(this.options.config.outboundRoutes, number);
    const trunks = this.options.trunks;
    if (!route || !trunks) return false;
    const id = `leg-${++this.seq}`;
    const local = this.options.media.allocate(id, handlers.mediaWith ? { with: handlers.mediaWith } : undefined);
    let leg: CallLeg | undefined;
    trunks.dial(route.trunkGroup, number.slice(route.strip), createOffer(local), {
      onSession: (s) => {
        // a failover attempt reuses the first attempt's media address (same SDP offer)
        if (leg) return void s.once('answered', () => handlers.onFailed(500, 'failover answered after the first attempt ended'));
        this.applyAnswer(id, s);
        leg = this.newLeg(s, { id, local });
        handlers.onLeg(leg);
      },
      onFailed: (status, reason) => {
        if (!leg) this.options.media.release(id);
        handlers.onFailed(status, reason);
      },
    });
    return true;
  }

  /** Separates two bridged legs without ending either (transfer, hold by the application). */
  unbridge(a: CallLeg): void {
    const b = a.peer;
    a.peer = undefined;
    if (b && b.peer === a) b.peer = undefined;
  }

  bridge(a: CallLeg, b: CallLeg): void {
    a.peer = b;
    b.peer = a;
    this.options.media.bridge(a.id, b.id);
    this.emit('bridged', a, b);
  }

  private legOf(session: InviteSession | undefined): CallLeg | undefined {
    if (!session) return undefined;
    for (const l of this.legs.values()) if (l.session === session) return l;
    return undefined;
  }

  /** Blind transfer: the referring party's partner is connected to the Refer-To target. */
  private onRefer(leg: CallLeg, refer: ReferRequest): void {
    const partner = leg.peer;
    if (!partner) return refer.notify(503, 'Service Unavailable');
    const target = parseNameAddr(refer.referTo)?.uri ?? '';
    if (refer.replaces) {
      // attended transfer: join our partner with the partner of the replaced dialog
      const replaced = this.legOf(this.options.ua.findDialog(refer.replaces.callId, refer.replaces.toTag, refer.replaces.fromTag)
        ?? this.options.ua.findDialog(refer.replaces.callId, refer.replaces.fromTag, refer.replaces.toTag));
      const other = replaced?.peer;
      if (!replaced || !other) return refer.notify(481, 'Call Does Not Exist');
      leg.peer = undefined;
      replaced.peer = undefined;
      this.bridge(partner, other);
      refer.notify(200, 'OK');
      leg.session.bye();
      replaced.session.bye();
      return;
    }
    const user = parseSipUri(target)?.user ?? '';
    leg.peer = undefined;
    partner.peer = undefined;
    const located = this.options.locate(user).length > 0;
    const id = `leg-${++this.seq}`;
    const local = this.options.media.allocate(id, { with: partner.id });
    const place = located
      ? (offer: string) => this.options.ua.call({ to: this.options.locate(user)[0]!.uri, from: 'sip:transfer@appliance', target: this.options.locate(user)[0]!.endpoint, sdp: offer })
      : undefined;
    if (!place) {
      refer.notify(404, 'Not Found');
      return;
    }
    const session = place(createOffer(local));
    const out = this.newLeg(session, { id, local });
    session.once('answered', () => {
      refer.notify(200, 'OK');
      this.bridge(partner, out);
      leg.session.bye();
    });
    session.once('ended', (c) => { if (!out.peer) refer.notify(c.status ?? 480, c.reason); });
  }

  private onReplaces(leg: CallLeg, replaces: string): void {
    const [callId, ...params] = replaces.split(';').map((s) => s.trim());
    const p = Object.fromEntries(params.map((x) => x.split('=') as [string, string]));
    const session = this.options.ua.findDialog(callId ?? '', p['to-tag'] ?? '', p['from-tag'] ?? '');
    const old = this.legOf(session);
    if (!old || old.session.state !== 'confirmed') return leg.session.reject(481);
    const partner = old.peer;
    old.peer = undefined;
    this.answer(leg);
    if (partner) {
      partner.peer = undefined;
      this.bridge(leg, partner);
    }
    old.session.bye();
  }
}
