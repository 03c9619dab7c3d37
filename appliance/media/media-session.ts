// One call's media on one mediasoup router: its legs (SIP peers on PlainTransports, agents'
// browsers on WebRtcTransports), who hears whom, the appliance's own voice on each leg
// (prompts, music on hold, DTMF), DTMF detection and the recording.
//
// Each leg hears exactly one producer at a time through a consumer on its transport (other
// consumers toward it stay paused): its player while that plays, else its single source
// leg (same G.711 law: forwarded by mediasoup untouched), else its mix (several sources or
// another law, produced by the mix bridge in Node). Every leg's producer is also tapped
// into Node over a DirectTransport for DTMF, recording and mixing.
import { EventEmitter } from 'node:events';
import type { DirectTransport, DtlsParameters, Producer, Router, RtpCapabilities, RtpParameters } from 'mediasoup/node/lib/types.js';
import type { RecordingRow } from './recording-store.ts';
import type { RecordingChannel } from './recording-timeline.ts';
import { CallRecorder } from './call-recorder.ts';
import { DtmfDetector, type DtmfSource } from './dtmf-detector.ts';
import { G711_PAYLOAD_TYPE, type G711Codec } from './g711.ts';
import { MixBridge, type MixListener } from './mix-bridge.ts';
import { matrixFor, type MixMode } from './mixer.ts';
import type { MediaEnvironment } from './media-environment.ts';
import type { PlayItem } from './prompt-library.ts';
import { PromptPlayer, type PlaybackEndReason } from './prompt-player.ts';
import { parseRtp, serializeRtp } from './rtp-packet.ts';
import type { RtpReceiveReport } from './rtp-receive-stats.ts';
import { codecOfRouterPt, g711ProducerParameters, randomSsrc } from './rtp-parameters.ts';
import { SessionLeg } from './session-leg.ts';
import type { ToneName } from './tones.ts';

export type SessionEndReason = 'closed' | 'worker-died';

export type MediaSessionEvents = {
  /** A complete digit on a leg (RFC 4733 or SIP INFO). */
  digit: [legId: string, digit: string, source: DtmfSource, durationMs: number | undefined];
  'prompt-started': [legId: string, playbackId: string];
  'prompt-ended': [legId: string, playbackId: string, reason: PlaybackEndReason | 'failed'];
  /** A WebRTC leg got a consumer its browser must receive (signalling relays it). */
  'webrtc-consumer': [legId: string, consumer: { id: string; producerId: string; kind: 'audio'; rtpParameters: RtpParameters }];
  'recording-finished': [rows: RecordingRow[]];
  closed: [reason: SessionEndReason];
  /** Something failed without ending the call (a route, a prompt, a recording write). */
  warning: [error: Error];
};

export interface MediaSessionOptions {
  id: string;
  router: Router;
  workerIndex: number;
  env: MediaEnvironment;
}

export class MediaSession extends EventEmitter<MediaSessionEvents> {
  readonly id: string;
  readonly router: Router;
  readonly workerIndex: number;
  readonly #env: MediaEnvironment;
  readonly #legs = new Map<string, SessionLeg>();
  /** listener leg -> the legs it hears. */
  readonly #hearing = new Map<string, string[]>();
  readonly #mix: MixBridge;
  #direct: Promise<DirectTransport> | undefined;
  #recorder: CallRecorder | undefined;
  readonly #channels = new Map<string, RecordingChannel>();
  #removeTick: () => void;
  #closed = false;

  constructor(options: MediaSessionOptions) {
    super();
    this.id = options.id;
    this.router = options.router;
    this.workerIndex = options.workerIndex;
    this.#env = options.env;
    this.#mix = new MixBridge({ send: (listener, packet) => this.#legs.get(listener)?.mixOut?.send(serializeRtp(packet)) });
    this.#removeTick = options.env.ticker.add((now) => this.#tick(now));
    this.router.once('workerclose', () => void this.#end('worker-died'));
  }

  get closed(): boolean {
    return this.#closed;
  }

  get legIds(): string[] {
    return [...this.#legs.keys()];
  }

  leg(legId: string): SessionLeg {
    const leg = this.#legs.get(legId);
    if (!leg) throw new Error(`no leg ${legId} in media session ${this.id}`);
    return leg;
  }

  /** A SIP leg on its own RTP port (`port` when the SDP already carries one). */
  async addSipLeg(legId: string, port?: number): Promise<{ ip: string; port: number }> {
    const leg = await SessionLeg.sip(legId, this.router, this.#env, port);
    this.#adopt(leg);
    return { ip: leg.localIp, port: leg.port! };
  }

  /** A browser leg; returns what mediasoup-client (or a crafted SDP) needs to connect. */
  async addWebRtcLeg(legId: string) {
    const leg = await SessionLeg.webrtc(legId, this.router, this.#env);
    this.#adopt(leg);
    return { ...leg.webRtcParameters(), routerRtpCapabilities: this.router.rtpCapabilities };
  }

  /** A source from another session's router (pipeToRouter), so legs here can hear it. */
  addPipedSource(legId: string, producer: Producer, codec: G711Codec): void {
    const leg = SessionLeg.piped(legId, producer, codec, this.#env);
    this.#adopt(leg);
    void this.#tap(leg).then(() => this.#rerouteAll());
  }

  /** The SIP peer's media from the SDP offer/answer (first time, re-INVITE, hold). */
  async updateSipLeg(legId: string, media: Parameters<SessionLeg['applySip']>[0]): Promise<void> {
    const leg = this.leg(legId);
    const changed = await leg.applySip(media);
    if (changed) await this.#tap(leg);
    await this.#rerouteAll();
  }

  async connectWebRtcLeg(legId: string, dtlsParameters: DtlsParameters): Promise<void> {
    await this.leg(legId).connectWebRtc(dtlsParameters);
  }

  /** The browser's send parameters; returns the producer id. */
  async produceWebRtc(legId: string, rtpParameters: RtpParameters): Promise<string> {
    const leg = this.leg(legId);
    const producer = await leg.produceWebRtc(rtpParameters);
    await this.#tap(leg);
    await this.#rerouteAll();
    return producer.id;
  }

  /** What the browser can receive (mediasoup-client's device.rtpCapabilities). */
  async setWebRtcCapabilities(legId: string, capabilities: RtpCapabilities): Promise<void> {
    this.leg(legId).setReceiveCapabilities(capabilities);
    await this.#rerouteAll();
  }

  /** Two legs hear each other (and only each other). */
  async bridge(a: string, b: string): Promise<void> {
    this.#hearing.set(a, [b]);
    this.#hearing.set(b, [a]);
    await this.#rerouteAll();
  }

  /** Who a leg hears, set directly (an empty list: nobody). */
  async setHearing(listener: string, sources: readonly string[]): Promise<void> {
    this.#hearing.set(listener, [...sources]);
    await this.#rerouteAll();
  }

  /** A supervised call or a conference: the mode's matrix decides who hears whom. */
  async setMixMode(mode: MixMode, parties: { caller: string; agent: string; supervisors: readonly string[] }): Promise<void> {
    for (const [listener, sources] of matrixFor(mode, parties)) this.#hearing.set(listener, [...sources]);
    await this.#rerouteAll();
  }

  /** Loss and jitter of what a leg's peer sends (RFC 3550 Appendix A). */
  receiveStats(legId: string): RtpReceiveReport {
    return this.leg(legId).stats.report();
  }

  hearing(listener: string): readonly string[] {
    return this.#hearing.get(listener) ?? [];
  }

  /** Plays prompts to a leg; resolves once loaded (ends are reported as 'prompt-ended'). */
  async play(legId: string, playbackId: string, items: readonly PlayItem[], options: { bargeIn?: boolean } = {}): Promise<void> {
    const leg = this.leg(legId);
    let source;
    try {
      source = await this.#env.library.load(items, leg.codec);
    } catch (error) {
      this.emit('prompt-ended', legId, playbackId, 'failed');
      throw error;
    }
    (await this.#player(leg)).play(playbackId, source, this.#env.now(), options);
  }

  async stopPlayback(legId: string, playbackId?: string): Promise<void> {
    (await this.#player(this.leg(legId))).stop(playbackId);
  }

  /** Music on hold (or a call progress tone) whenever nothing else plays to the leg. */
  async setBackground(legId: string, what: { moh: true } | { tone: ToneName } | undefined): Promise<void> {
    const leg = this.leg(legId);
    const player = await this.#player(leg);
    const source = what === undefined ? undefined : 'moh' in what ? await this.#env.library.musicOnHold(leg.codec) : this.#env.library.tone(what.tone, leg.codec);
    player.setBackground(source, this.#env.now());
  }

  /** DTMF toward a leg as RFC 4733 events. */
  async sendDigits(legId: string, digits: string, options: { durationMs?: number; gapMs?: number } = {}): Promise<void> {
    if (!/^[0-9*#A-Da-d]+$/.test(digits)) throw new RangeError(`"${digits}" holds characters that are not DTMF digits`);
    (await this.#player(this.leg(legId))).sendDigits(`dtmf-${Date.now()}`, digits, this.#env.now(), options);
  }

  /** A digit the SIP layer received by INFO (merged with RFC 4733, duplicates dropped). */
  infoDigit(legId: string, digit: string, durationMs?: number): void {
    const leg = this.leg(legId);
    for (const out of leg.dtmf.info(digit, this.#env.now(), durationMs)) this.#onDtmf(leg, out);
  }

  /** Starts recording: `caller` on the left channel, `agent` on the right. */
  async startRecording(legs: { caller: string; agent?: string }): Promise<string> {
    const env = this.#env;
    if (!env.recordings) throw new Error('recording is not configured');
    if (this.#recorder) return this.#recorder.id;
    const cfg = env.config.recording;
    this.#recorder = await CallRecorder.start({
      store: env.recordings, callId: this.id, layouts: cfg.layouts, encoding: cfg.encoding,
      latencyMs: cfg.latencyMs, flushIntervalMs: cfg.flushIntervalMs, nowMs: env.now(),
    });
    this.#channels.clear();
    this.#channels.set(legs.caller, 'caller');
    if (legs.agent) this.#channels.set(legs.agent, 'agent');
    return this.#recorder.id;
  }

  /** Which leg is recorded on a channel (a transfer brings another agent). */
  setRecordingLeg(channel: RecordingChannel, legId: string): void {
    for (const [id, c] of this.#channels) if (c === channel) this.#channels.delete(id);
    this.#channels.set(legId, channel);
  }

  pauseRecording(): void {
    this.#recorder?.pause(this.#env.now());
  }

  resumeRecording(): void {
    this.#recorder?.resume(this.#env.now());
  }

  /** Packets the recorder took, and those too late for their place (benchmarks, telemetry). */
  get recordingStats(): CallRecorder['stats'] | undefined {
    return this.#recorder?.stats;
  }

  get recordingPaused(): boolean {
    return this.#recorder?.paused ?? false;
  }

  async stopRecording(): Promise<RecordingRow[]> {
    const recorder = this.#recorder;
    if (!recorder) return [];
    this.#recorder = undefined;
    const rows = await recorder.stop(this.#env.now());
    this.emit('recording-finished', rows);
    return rows;
  }

  async removeLeg(legId: string): Promise<void> {
    const leg = this.#legs.get(legId);
    if (!leg) return;
    this.#legs.delete(legId);
    this.#hearing.delete(legId);
    leg.close();
    await this.#rerouteAll();
  }

  /** Ends the call's media: the recording is finished and committed, the router closed. */
  async close(): Promise<void> {
    await this.#end('closed');
  }

  async #end(reason: SessionEndReason): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#removeTick();
    try {
      await this.stopRecording();
    } catch (error) {
      this.emit('warning', error as Error);
    }
    for (const leg of this.#legs.values()) leg.close();
    this.#legs.clear();
    if (!this.router.closed) this.router.close();
    this.emit('closed', reason);
  }

  #adopt(leg: SessionLeg): void {
    if (this.#closed) {
      leg.close();
      throw new Error(`media session ${this.id} is closed`);
    }
    if (this.#legs.has(leg.id)) {
      leg.close();
      throw new Error(`leg ${leg.id} already exists in media session ${this.id}`);
    }
    this.#legs.set(leg.id, leg);
  }

  #directTransport(): Promise<DirectTransport> {
    this.#direct ??= this.router.createDirectTransport({ maxMessageSize: 1500 });
    return this.#direct;
  }

  /** Taps a leg's producer into Node: DTMF, recording, mixing. */
  async #tap(leg: SessionLeg): Promise<void> {
    const producer = leg.producer;
    if (!producer || leg.tap?.producerId === producer.id) return;
    leg.tap?.close();
    const direct = await this.#directTransport();
    const tap = await direct.consume({ producerId: producer.id, rtpCapabilities: this.router.rtpCapabilities });
    leg.tap = tap;
    const tePt = this.#env.config.telephoneEventPayloadType;
    tap.on('rtp', (data: Buffer) => {
      const r = parseRtp(data);
      if (!r.ok) return;
      const p = r.packet;
      const now = this.#env.now();
      leg.stats.packet(p.ssrc, p.sequenceNumber, p.timestamp, now);
      if (p.payloadType === tePt) {
        for (const out of leg.dtmf.rtp(p, now)) this.#onDtmf(leg, out);
        return;
      }
      const codec = codecOfRouterPt(p.payloadType);
      if (!codec) return;
      const channel = this.#channels.get(leg.id);
      if (channel && this.#recorder) this.#recorder.push(channel, { ssrc: p.ssrc, timestamp: p.timestamp, codec, payload: p.payload, arrivalMs: now });
      if (this.#mix.active) this.#mix.push(leg.id, codec, p.payload, now);
    });
  }

  #onDtmf(leg: SessionLeg, out: ReturnType<DtmfDetector['tick']>[number]): void {
    if (out.type === 'key-down') {
      leg.player?.player.bargeIn();
      return;
    }
    leg.player?.player.bargeIn(); // an INFO digit has no key-down
    this.emit('digit', leg.id, out.digit, out.source, out.durationMs);
  }

  #player(leg: SessionLeg): Promise<PromptPlayer> {
    if (leg.player) return Promise.resolve(leg.player.player);
    leg.playerCreating ??= this.#createPlayer(leg);
    return leg.playerCreating;
  }

  async #createPlayer(leg: SessionLeg): Promise<PromptPlayer> {
    const direct = await this.#directTransport();
    const codec = leg.codec;
    const ssrc = randomSsrc();
    const tePt = this.#env.config.telephoneEventPayloadType;
    const producer = await direct.produce({ kind: 'audio', rtpParameters: g711ProducerParameters(codec, G711_PAYLOAD_TYPE[codec], ssrc, tePt) });
    const player = new PromptPlayer({ ssrc, payloadType: G711_PAYLOAD_TYPE[codec], telephoneEventPayloadType: tePt, silenceCodec: codec, send: (p) => producer.send(serializeRtp(p)) });
    player.on('started', (id) => this.emit('prompt-started', leg.id, id));
    player.on('ended', (id, reason) => this.emit('prompt-ended', leg.id, id, reason));
    player.on('active', () => void this.#route(leg));
    leg.player = { player, producer };
    return player;
  }

  async #rerouteAll(): Promise<void> {
    this.#configureMix();
    await Promise.all([...this.#legs.values()].map((leg) => this.#route(leg)));
  }

  /** The producer a leg should hear now (its player first, unless `withPlayer` is false). */
  #desired(leg: SessionLeg, withPlayer = true): Producer | 'mix' | undefined {
    if (withPlayer && leg.player?.player.active) return leg.player.producer;
    const sources = (this.#hearing.get(leg.id) ?? []).map((id) => this.#legs.get(id)).filter((l): l is SessionLeg => l?.producer !== undefined);
    if (sources.length === 0) return undefined;
    if (sources.length === 1 && sources[0]!.codec === leg.codec) return sources[0]!.producer;
    return 'mix';
  }

  #configureMix(): void {
    const listeners = new Map<string, MixListener>();
    const matrix = new Map<string, string[]>();
    for (const leg of this.#legs.values()) {
      if (leg.kind === 'piped' || this.#desired(leg, false) !== 'mix') continue;
      listeners.set(leg.id, { codec: leg.codec, payloadType: G711_PAYLOAD_TYPE[leg.codec], ssrc: leg.mixSsrc });
      matrix.set(leg.id, this.#hearing.get(leg.id) ?? []);
    }
    this.#mix.configure(matrix, listeners, this.#env.now());
  }

  /** Routes are changed one at a time per leg, in order. */
  #route(leg: SessionLeg): Promise<void> {
    leg.routing = leg.routing.then(async () => {
      if (this.#closed || !this.#legs.has(leg.id)) return;
      let target = this.#desired(leg);
      if (target === 'mix') target = await leg.mixProducer(await this.#directTransport());
      const consumer = await leg.hear(target);
      if (consumer && leg.kind === 'webrtc') {
        this.emit('webrtc-consumer', leg.id, { id: consumer.id, producerId: consumer.producerId, kind: 'audio', rtpParameters: consumer.rtpParameters });
      }
    }).catch((error: Error) => {
      this.emit('warning', error);
    });
    return leg.routing;
  }

  #tick(now: number): void {
    this.#mix.tick(now);
    for (const leg of this.#legs.values()) {
      leg.player?.player.tick(now);
      for (const out of leg.dtmf.tick(now)) this.#onDtmf(leg, out);
    }
    this.#recorder?.tick(now);
  }
}

