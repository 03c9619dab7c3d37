// Live mixing for listeners that hear several participants (three-way, whisper, barge,
// listen) or one participant in another G.711 law: incoming RTP payloads queue per source
// (a small jitter buffer, re-cut into 20 ms frames), and every 20 ms each listener gets one
// frame: its single same-law source passed through untouched, else the saturated sum of its
// decoded sources encoded in the listener's law. Each listener's output is one continuous
// RTP stream. Pure: `tick(nowMs)` is driven by a timer, packets go to `send`.
import { G711_SILENCE, decodeG711, encodeG711, type G711Codec } from './g711.ts';
import type { HearingMatrix } from './mixer.ts';
import { mixPcm } from './mixer.ts';
import type { RtpPacket } from './rtp-packet.ts';
import { FramePacer, RtpStream } from './rtp-packetizer.ts';

const FRAME = 160;

export interface MixListener {
  codec: G711Codec;
  payloadType: number;
  ssrc: number;
}

export interface MixBridgeOptions {
  send: (listener: string, packet: RtpPacket) => void;
  /** Frames a source may queue before the oldest are dropped (bounds the added delay). */
  maxQueueFrames?: number;
}

interface SourceQueue {
  codec: G711Codec;
  bytes: Uint8Array[];
  /** Bytes already used of bytes[0]. */
  offset: number;
  queued: number;
}

export class MixBridge {
  readonly #options: MixBridgeOptions;
  #matrix: HearingMatrix = new Map();
  readonly #listeners = new Map<string, { spec: MixListener; stream: RtpStream }>();
  readonly #sources = new Map<string, SourceQueue>();
  #pacer: FramePacer | undefined;
  /** Frames dropped from overfull source queues. */
  overflow = 0;

  constructor(options: MixBridgeOptions) {
    this.#options = options;
  }

  /** Who hears whom, and the law and stream of each listener that the bridge feeds. */
  configure(matrix: HearingMatrix, listeners: ReadonlyMap<string, MixListener>, nowMs: number): void {
    this.#matrix = matrix;
    for (const id of [...this.#listeners.keys()]) if (!listeners.has(id)) this.#listeners.delete(id);
    for (const [id, spec] of listeners) {
      const existing = this.#listeners.get(id);
      if (!existing || existing.spec.codec !== spec.codec || existing.spec.ssrc !== spec.ssrc) {
        this.#listeners.set(id, { spec, stream: new RtpStream({ ssrc: spec.ssrc, payloadType: spec.payloadType }) });
      }
    }
    if (this.#listeners.size === 0) this.#pacer = undefined;
    else this.#pacer ??= new FramePacer({ startMs: nowMs + FRAME / 8 });
  }

  get active(): boolean {
    return this.#pacer !== undefined;
  }

  /** An audio payload from a participant (any frame length). */
  push(source: string, codec: G711Codec, payload: Uint8Array, _nowMs: number): void {
    if (!this.#pacer) return;
    let q = this.#sources.get(source);
    if (!q || q.codec !== codec) {
      q = { codec, bytes: [], offset: 0, queued: 0 };
      this.#sources.set(source, q);
    }
    q.bytes.push(payload);
    q.queued += payload.length;
    const max = (this.#options.maxQueueFrames ?? 6) * FRAME;
    while (q.queued - q.offset > max) {
      this.#take(q); // keep the newest audio: drop a frame from the head
      this.overflow += 1;
    }
  }

  tick(nowMs: number): void {
    const pacer = this.#pacer;
    if (!pacer) return;
    const { send, dropped } = pacer.tick(nowMs);
    for (let i = 0; i < dropped + send; i++) this.#mixOne(i >= dropped);
  }

  #mixOne(emit: boolean): void {
    const frames = new Map<string, { codec: G711Codec; bytes: Uint8Array }>();
    for (const [id, q] of this.#sources) {
      const bytes = this.#take(q);
      if (bytes) frames.set(id, { codec: q.codec, bytes });
    }
    const decoded = new Map<string, Int16Array>();
    const pcm = (id: string) => {
      let d = decoded.get(id);
      if (!d) {
        const f = frames.get(id)!;
        d = decodeG711(f.codec, f.bytes);
        decoded.set(id, d);
      }
      return d;
    };
    for (const [listener, { spec, stream }] of this.#listeners) {
      if (!emit) {
        stream.skip(FRAME);
        continue;
      }
      const present = (this.#matrix.get(listener) ?? []).filter((s) => frames.has(s));
      let payload: Uint8Array;
      if (present.length === 0) {
        payload = new Uint8Array(FRAME).fill(G711_SILENCE[spec.codec]);
      } else if (present.length === 1 && frames.get(present[0]!)!.codec === spec.codec) {
        payload = frames.get(present[0]!)!.bytes;
      } else {
        const mixed = mixPcm(new Map(present.map((s) => [s, pcm(s)])), new Map([[listener, present]]), FRAME).get(listener)!;
        payload = encodeG711(spec.codec, mixed);
      }
      this.#options.send(listener, stream.media(payload));
    }
  }

  /** The next 160 bytes of a source, or undefined when it has less queued (late or silent). */
  #take(q: SourceQueue): Uint8Array | undefined {
    if (q.queued - q.offset < FRAME) return undefined;
    const out = new Uint8Array(FRAME);
    let filled = 0;
    while (filled < FRAME) {
      const head = q.bytes[0]!;
      const n = Math.min(FRAME - filled, head.length - q.offset);
      out.set(head.subarray(q.offset, q.offset + n), filled);
      filled += n;
      q.offset += n;
      if (q.offset === head.length) {
        q.bytes.shift();
        q.queued -= head.length;
        q.offset = 0;
      }
    }
    return out;
  }
}
