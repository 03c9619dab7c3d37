// The calls module's MediaPort on the real media plane. Signalling calls it synchronously
// (the SDP answer needs an address now), so `allocate` reserves an RTP port at once and
// starts creating the leg's media session (router + PlainTransport on that port) in the
// background; `update`, `bridge` and `release` queue behind it. Each SIP leg starts in a
// session of its own, which the application then grows (prompts, agent leg, recording) via
// `sessionOf`. Two legs in different sessions are bridged by piping their producers between
// the routers. Failures are reported as 'warning' (signalling has no way to wait for them).
import { EventEmitter } from 'node:events';
import type { MediaPort } from '../calls/media-port.ts';
import type { LocalMedia, NegotiatedMedia } from '../calls/sdp-offer-answer.ts';
import type { MediaEngine } from './media-engine.ts';
import type { MediaSession } from './media-session.ts';
import type { DtmfSource } from './dtmf-detector.ts';

export type SipMediaPortEvents = {
  digit: [legId: string, digit: string, source: DtmfSource];
  warning: [error: Error];
};

interface PortLeg {
  id: string;
  port: number;
  /** Resolves when the session and transport exist; every operation on the leg chains on it. */
  ready: Promise<MediaSession | undefined>;
  media?: NegotiatedMedia;
  peer?: string;
  released: boolean;
}

export class SipMediaPort extends EventEmitter<SipMediaPortEvents> implements MediaPort {
  readonly #engine: MediaEngine;
  readonly #legs = new Map<string, PortLeg>();

  constructor(engine: MediaEngine) {
    super();
    this.#engine = engine;
  }

  allocate(legId: string): LocalMedia {
    if (this.#legs.has(legId)) throw new Error(`media leg ${legId} is already allocated`);
    const port = this.#engine.env.ports.allocate();
    const c = this.#engine.config;
    const leg: PortLeg = { id: legId, port, released: false, ready: Promise.resolve(undefined) };
    leg.ready = this.#createSession(leg);
    this.#legs.set(legId, leg);
    return { ip: c.announcedIp ?? c.listenIp, port };
  }

  update(legId: string, media: NegotiatedMedia): void {
    const leg = this.#legs.get(legId);
    if (!leg) return this.#warn(new Error(`media update for unknown leg ${legId}`));
    leg.media = media;
    this.#chain(leg, async (session) => {
      await session.updateSipLeg(legId, media);
      if (leg.peer) await this.#pipe(leg, this.#legs.get(leg.peer));
    });
  }

  bridge(a: string, b: string): void {
    const legA = this.#legs.get(a);
    const legB = this.#legs.get(b);
    if (!legA || !legB) return this.#warn(new Error(`media bridge of unknown leg ${legA ? b : a}`));
    legA.peer = b;
    legB.peer = a;
    void Promise.all([legA.ready, legB.ready]).then(async () => {
      await this.#pipe(legA, legB);
      await this.#pipe(legB, legA);
    }).catch((error: Error) => this.#warn(error));
  }

  release(legId: string): void {
    const leg = this.#legs.get(legId);
    if (!leg) return;
    leg.released = true;
    this.#legs.delete(legId);
    const peer = leg.peer ? this.#legs.get(leg.peer) : undefined;
    if (peer?.peer === legId) peer.peer = undefined;
    this.#chain(leg, (session) => session.close());
  }

  /** The media session a SIP leg lives in (prompts, DTMF, agent legs, recording). */
  async sessionOf(legId: string): Promise<MediaSession> {
    const leg = this.#legs.get(legId);
    const session = await leg?.ready;
    if (!session) throw new Error(`no media session for leg ${legId}`);
    return session;
  }

  async #createSession(leg: PortLeg): Promise<MediaSession | undefined> {
    try {
      const session = await this.#engine.createSession(leg.id);
      session.on('digit', (legId, digit, source) => this.emit('digit', legId, digit, source));
      session.on('warning', (error) => this.#warn(error));
      await session.addSipLeg(leg.id, leg.port);
      return session;
    } catch (error) {
      this.#engine.env.ports.release(leg.port);
      this.#warn(error as Error);
      return undefined;
    }
  }

  #chain(leg: PortLeg, fn: (session: MediaSession) => Promise<void>): void {
    leg.ready = leg.ready.then(async (session) => {
      if (session && !session.closed) {
        try {
          await fn(session);
        } catch (error) {
          this.#warn(error as Error);
        }
      }
      return session;
    });
  }

  /** Makes `to` hear `from`: directly when in one session, else through a pipe. */
  async #pipe(from: PortLeg, to: PortLeg | undefined): Promise<void> {
    if (!to || to.released || from.released) return;
    const [src, dst] = await Promise.all([from.ready, to.ready]);
    if (!src || !dst || src.closed || dst.closed) return;
    const producer = src.leg(from.id).producer;
    if (!producer) return; // not negotiated yet: update() pipes again
    const pipedId = `pipe:${from.id}`;
    if (src === dst) {
      await dst.setHearing(to.id, [from.id]);
      return;
    }
    await dst.removeLeg(pipedId);
    const { pipeProducer } = await src.router.pipeToRouter({ producerId: producer.id, router: dst.router });
    if (!pipeProducer) return;
    dst.addPipedSource(pipedId, pipeProducer, src.leg(from.id).codec);
    await dst.setHearing(to.id, [pipedId]);
  }

  #warn(error: Error): void {
    this.emit('warning', error);
  }
}
