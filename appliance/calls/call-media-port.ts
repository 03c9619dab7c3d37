// The MediaPort the call control gives the B2BUA. Most legs get a media session of their own
// (SipMediaPort); a leg the call control places for a call (an agent's desk phone, a transfer
// target) joins the customer's session instead (`allocate(id, { with })`), so the two legs
// are bridged inside one router: nothing is piped between routers (mediasoup 3.12 cannot
// pipe between two routers of one worker), and the recording, music on hold and the agent's
// hearing are all set in one place.
import type { MediaEngine } from '../media/media-engine.ts';
import type { MediaSession } from '../media/media-session.ts';
import type { SipMediaPort } from '../media/sip-media-port.ts';
import type { MediaPort } from './media-port.ts';
import type { LocalMedia, NegotiatedMedia } from './sdp-offer-answer.ts';

interface Adopted {
  host: string;
  ready: Promise<MediaSession | undefined>;
}

export class CallMediaPort implements MediaPort {
  readonly #adopted = new Map<string, Adopted>();

  constructor(
    private readonly inner: SipMediaPort,
    private readonly engine: MediaEngine,
    private readonly warn: (error: Error) => void,
  ) {}

  allocate(legId: string, options?: { with?: string }): LocalMedia {
    if (!options?.with) return this.inner.allocate(legId);
    const c = this.engine.config;
    const port = this.engine.env.ports.allocate();
    const ready = this.sessionOf(options.with).then(async (session) => {
      await session.addSipLeg(legId, port);
      return session;
    }).catch((error: Error) => {
      this.engine.env.ports.release(port);
      this.warn(error);
      return undefined;
    });
    this.#adopted.set(legId, { host: options.with, ready });
    return { ip: c.announcedIp ?? c.listenIp, port };
  }

  update(legId: string, media: NegotiatedMedia): void {
    const a = this.#adopted.get(legId);
    if (!a) return this.inner.update(legId, media);
    this.#chain(a, (s) => s.updateSipLeg(legId, media));
  }

  bridge(legA: string, legB: string): void {
    const a = this.#adopted.get(legA);
    const b = this.#adopted.get(legB);
    const adopted = a ?? b;
    if (!adopted) return this.inner.bridge(legA, legB);
    this.#chain(adopted, (s) => s.bridge(legA, legB));
  }

  release(legId: string): void {
    const a = this.#adopted.get(legId);
    if (!a) return this.inner.release(legId);
    this.#adopted.delete(legId);
    this.#chain(a, (s) => s.removeLeg(legId));
  }

  /** The media session a leg lives in (its own, or the call's it joined). */
  async sessionOf(legId: string): Promise<MediaSession> {
    const a = this.#adopted.get(legId);
    if (!a) return this.inner.sessionOf(legId);
    const s = await a.ready;
    if (!s) throw new Error(`no media session for leg ${legId}`);
    return s;
  }

  #chain(a: Adopted, fn: (s: MediaSession) => Promise<void>): void {
    a.ready = a.ready.then(async (s) => {
      if (s && !s.closed) await fn(s).catch((e: Error) => this.warn(e));
      return s;
    });
  }
}
