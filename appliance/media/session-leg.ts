// One leg of a media session and its mediasoup objects: the transport toward the peer (a
// PlainTransport on a reserved port for SIP, a WebRtcTransport for a browser), the producer
// of what the peer sends, the consumers of what it may hear (one resumed at a time), and
// the appliance's own producers toward it (player, mix output).
import type {
  Consumer, DirectTransport, DtlsParameters, PlainTransport, Producer, Router, RtpCapabilities, RtpParameters, WebRtcTransport,
} from 'mediasoup/node/lib/types.js';
import { DtmfDetector } from './dtmf-detector.ts';
import { RtpReceiveStats } from './rtp-receive-stats.ts';
import { G711_PAYLOAD_TYPE, type G711Codec } from './g711.ts';
import type { MediaEnvironment } from './media-environment.ts';
import type { PromptPlayer } from './prompt-player.ts';
import { g711CodecOf, g711ProducerParameters, g711ReceiveCapabilities, randomSsrc } from './rtp-parameters.ts';

export type LegKind = 'sip' | 'webrtc' | 'piped';
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** A SIP peer's media as negotiated in SDP (the calls module's NegotiatedMedia). */
export interface SipMedia {
  remoteIp: string;
  remotePort: number;
  codec: G711Codec;
  payloadType: number;
  telephoneEvent?: number;
  /** Our direction as written in the answer: recvonly/inactive mean we must not send. */
  direction: Direction;
}

export class SessionLeg {
  transport: PlainTransport | WebRtcTransport | undefined;
  port: number | undefined;
  localIp = '';
  codec: G711Codec = 'PCMU';
  producer: Producer | undefined;
  tap: Consumer | undefined;
  recvCaps: RtpCapabilities | undefined;
  /** Consumers toward this leg by producer id; at most one is resumed. */
  readonly consumers = new Map<string, Consumer>();
  hearingId: string | undefined;
  player: { player: PromptPlayer; producer: Producer } | undefined;
  playerCreating: Promise<PromptPlayer> | undefined;
  mixOut: Producer | undefined;
  readonly mixSsrc = randomSsrc();
  readonly dtmf: DtmfDetector;
  /** Reception quality of what the peer sends (as seen at the tap). */
  readonly stats = new RtpReceiveStats();
  routing: Promise<void> = Promise.resolve();
  /** False while our direction is recvonly/inactive (the peer holds the call). */
  sendAllowed = true;
  #sip: SipMedia | undefined;
  #remote: string | undefined;

  private constructor(
    readonly id: string,
    readonly kind: LegKind,
    private readonly router: Router | undefined,
    private readonly env: MediaEnvironment,
  ) {
    this.dtmf = new DtmfDetector({ telephoneEventPayloadType: env.config.telephoneEventPayloadType });
  }

  static async sip(id: string, router: Router, env: MediaEnvironment, port?: number): Promise<SessionLeg> {
    const leg = new SessionLeg(id, 'sip', router, env);
    await leg.#openPlain(port);
    return leg;
  }

  static async webrtc(id: string, router: Router, env: MediaEnvironment): Promise<SessionLeg> {
    const leg = new SessionLeg(id, 'webrtc', router, env);
    const c = env.config;
    leg.transport = await router.createWebRtcTransport({
      listenIps: [{ ip: c.listenIp, ...(c.announcedIp ? { announcedIp: c.announcedIp } : {}) }],
      enableUdp: true, enableTcp: true, preferUdp: true,
    });
    leg.localIp = c.announcedIp ?? c.listenIp;
    return leg;
  }

  static piped(id: string, producer: Producer, codec: G711Codec, env: MediaEnvironment): SessionLeg {
    const leg = new SessionLeg(id, 'piped', undefined, env);
    leg.producer = producer;
    leg.codec = codec;
    return leg;
  }

  webRtcParameters() {
    const t = this.transport as WebRtcTransport;
    return { transportId: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters };
  }

  /** Applies negotiated SIP media; returns whether the producer was (re)created. */
  async applySip(media: SipMedia): Promise<boolean> {
    if (this.kind !== 'sip') throw new Error(`leg ${this.id} is not a SIP leg`);
    const previous = this.#sip;
    this.#sip = { ...media };
    this.sendAllowed = media.direction === 'sendrecv' || media.direction === 'sendonly';
    const comedia = this.env.config.sipRtpMode === 'comedia';
    const remote = media.remoteIp === '0.0.0.0' ? undefined : `${media.remoteIp}:${media.remotePort}`;
    let fresh = false;
    if (!comedia && remote && this.#remote && remote !== this.#remote) {
      // PlainTransport.connect() works once: a moved peer gets a new transport on the same port
      this.#closeTransport();
      await this.#openPlain(this.port);
      fresh = true;
    }
    if (!comedia && remote && !this.#remote) {
      await (this.transport as PlainTransport).connect({ ip: media.remoteIp, port: media.remotePort, rtcpPort: media.remotePort + 1 });
      this.#remote = remote;
    }
    const tePt = this.env.config.telephoneEventPayloadType;
    const codecChanged = previous?.codec !== media.codec;
    if (codecChanged) {
      for (const c of this.consumers.values()) c.close();
      this.consumers.clear();
      this.hearingId = undefined;
    }
    this.codec = media.codec;
    this.recvCaps = g711ReceiveCapabilities(media.codec, media.telephoneEvent, tePt);
    const same = !fresh && previous && this.producer && !this.producer.closed && previous.codec === media.codec
      && previous.payloadType === media.payloadType && previous.telephoneEvent === media.telephoneEvent;
    if (same) return false;
    this.producer?.close();
    this.producer = await this.transport!.produce({
      kind: 'audio',
      rtpParameters: g711ProducerParameters(media.codec, media.payloadType, randomSsrc(), media.telephoneEvent),
    });
    return true;
  }

  async connectWebRtc(dtlsParameters: DtlsParameters): Promise<void> {
    await (this.transport as WebRtcTransport).connect({ dtlsParameters });
  }

  async produceWebRtc(rtpParameters: RtpParameters): Promise<Producer> {
    const codec = g711CodecOf(rtpParameters);
    if (!codec) throw new Error(`leg ${this.id}: the browser must send G.711 (got ${rtpParameters.codecs[0]?.mimeType ?? 'nothing'})`);
    this.producer?.close();
    this.codec = codec;
    this.producer = await this.transport!.produce({ kind: 'audio', rtpParameters });
    return this.producer;
  }

  setReceiveCapabilities(capabilities: RtpCapabilities): void {
    this.recvCaps = capabilities;
    if (!this.producer) {
      const first = capabilities.codecs?.find((c) => /^audio\/pcm[ua]$/i.test(c.mimeType));
      if (first) this.codec = first.mimeType.toUpperCase().endsWith('PCMA') ? 'PCMA' : 'PCMU';
    }
  }

  /** The producer of this leg's mix output (created on first use, recreated on a law change). */
  async mixProducer(direct: DirectTransport): Promise<Producer> {
    const pt = G711_PAYLOAD_TYPE[this.codec];
    if (this.mixOut && !this.mixOut.closed && this.mixOut.rtpParameters.codecs[0]?.payloadType === pt) return this.mixOut;
    this.mixOut?.close();
    // the SSRC stays: the mix bridge's stream toward this leg is already numbered with it
    this.mixOut = await direct.produce({ kind: 'audio', rtpParameters: g711ProducerParameters(this.codec, pt, this.mixSsrc) });
    return this.mixOut;
  }

  /**
   * Makes `target` the one producer this leg hears (nothing when undefined or when we may not
   * send). Returns the consumer when one had to be created.
   */
  async hear(target: Producer | undefined): Promise<Consumer | undefined> {
    if (!this.transport || !this.recvCaps || !this.router) return undefined;
    const wanted = this.sendAllowed ? target : undefined;
    for (const [producerId, c] of this.consumers) {
      if (producerId !== wanted?.id && !c.paused && !c.closed) await c.pause();
    }
    this.hearingId = wanted?.id;
    if (!wanted) return undefined;
    const existing = this.consumers.get(wanted.id);
    if (existing && !existing.closed) {
      if (existing.paused) await existing.resume();
      return undefined;
    }
    if (!this.router.canConsume({ producerId: wanted.id, rtpCapabilities: this.recvCaps })) {
      throw new Error(`leg ${this.id} cannot receive producer ${wanted.id} (codec mismatch)`);
    }
    const consumer = await this.transport.consume({ producerId: wanted.id, rtpCapabilities: this.recvCaps });
    const forget = () => {
      if (this.consumers.get(wanted.id) === consumer) this.consumers.delete(wanted.id);
    };
    consumer.on('producerclose', forget);
    consumer.on('transportclose', forget);
    this.consumers.set(wanted.id, consumer);
    return consumer;
  }

  close(): void {
    this.tap?.close();
    this.player?.producer.close();
    this.player?.player.stop();
    this.mixOut?.close();
    if (this.kind === 'piped') this.producer?.close();
    this.#closeTransport();
    if (this.port !== undefined) this.env.ports.release(this.port);
  }

  #closeTransport(): void {
    this.transport?.close();
    this.transport = undefined;
    this.producer = undefined;
    this.consumers.clear();
    this.hearingId = undefined;
    this.#remote = undefined;
  }

  async #openPlain(port?: number): Promise<void> {
    const c = this.env.config;
    const listenIp = { ip: c.listenIp, ...(c.announcedIp ? { announcedIp: c.announcedIp } : {}) };
    for (let attempt = 0; ; attempt++) {
      const p = port ?? this.env.ports.allocate();
      try {
        this.transport = await this.router!.createPlainTransport({ listenIp, port: p, rtcpMux: false, comedia: c.sipRtpMode === 'comedia' });
        this.port = p;
        this.localIp = c.announcedIp ?? (c.listenIp === '0.0.0.0' ? '127.0.0.1' : c.listenIp);
        return;
      } catch (error) {
        const inUse = /in use/i.test((error as Error).message);
        // another process holds the port: never hand it out again, and pick another unless
        // the port is already in an SDP we sent
        if (inUse) this.env.ports.retire(p);
        else if (port === undefined) this.env.ports.release(p);
        if (port !== undefined || !inUse || attempt >= 3) throw error;
      }
    }
  }
}
