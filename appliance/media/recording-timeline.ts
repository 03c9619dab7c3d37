// Places the two sides of a call on one sample timeline for recording: caller and agent RTP
// arrive separately, with jitter, losses, silence suppression and SSRC changes (a transfer,
// a prompt player taking over). Each channel is anchored on the arrival time of its first
// packet and then follows its RTP timestamps (RFC 3550 §5.1), re-anchoring when the SSRC
// changes or the timestamps stray from the wall clock (see #strayed: a burst handled late by
// this process keeps its places). Gaps become silence; audio is handed
// out `latencyMs` behind real time so late packets still land in place. Paused ranges (card
// numbers read out) are never kept: samples inside them are zeroed as soon as they arrive.
// Pure: arrival times are passed in.
import { ALAW_TO_LINEAR, ULAW_TO_LINEAR, type G711Codec } from './g711.ts';
import { timestampDelta } from './rtp-packet.ts';

export type RecordingChannel = 'caller' | 'agent';
export const RECORDING_CHANNELS: readonly RecordingChannel[] = ['caller', 'agent'];

export interface TimelineAudio {
  ssrc: number;
  timestamp: number;
  codec: G711Codec;
  payload: Uint8Array;
  arrivalMs: number;
}

export interface RecordingTimelineOptions {
  startMs: number;
  sampleRate?: number;
  /** How far behind real time audio is released (room for jitter). */
  latencyMs?: number;
  /** Timestamps further than this from the arrival clock re-anchor the channel. */
  resyncMs?: number;
  /** Ring buffer per channel; must exceed latencyMs. */
  bufferMs?: number;
}

export interface TimelineChunk {
  /** Sample index of the first sample since the recording started. */
  from: number;
  caller: Int16Array;
  agent: Int16Array;
}

export interface TimelineStats {
  packets: number;
  /** Packets (or parts) that arrived after their place had been released. */
  late: number;
  resyncs: number;
  /** Packets dropped because they fell inside a pause. */
  paused: number;
}

export interface PausedRange {
  startMs: number;
  endMs?: number;
}

interface Anchor {
  ssrc: number;
  timestamp: number;
  position: number;
  /** Arrival time of the first packet of the current run of packets far behind the clock. */
  behindSinceMs?: number;
}

export class RecordingTimeline {
  readonly #start: number;
  readonly #perMs: number;
  readonly #latency: number;
  readonly #resync: number;
  readonly #resyncMs: number;
  readonly #capacity: number;
  readonly #buffers: Record<RecordingChannel, Int16Array>;
  readonly #anchors: Partial<Record<RecordingChannel, Anchor>> = {};
  /** Paused ranges in samples; the last may be open. */
  readonly #paused: { start: number; end: number }[] = [];
  #cursor = 0;
  #highWater = 0;
  readonly stats: TimelineStats = { packets: 0, late: 0, resyncs: 0, paused: 0 };

  constructor(options: RecordingTimelineOptions) {
    this.#start = options.startMs;
    this.#perMs = (options.sampleRate ?? 8000) / 1000;
    this.#latency = Math.round((options.latencyMs ?? 200) * this.#perMs);
    this.#resyncMs = options.resyncMs ?? 1000;
    this.#resync = Math.round(this.#resyncMs * this.#perMs);
    this.#capacity = Math.max(this.#latency * 2, Math.round((options.bufferMs ?? 5000) * this.#perMs));
    this.#buffers = { caller: new Int16Array(this.#capacity), agent: new Int16Array(this.#capacity) };
  }

  /** Samples released so far (the recording's length). */
  get length(): number {
    return this.#cursor;
  }

  get isPaused(): boolean {
    const last = this.#paused[this.#paused.length - 1];
    return last !== undefined && last.end === Infinity;
  }

  /** Pause ranges in ms since the start, for the recording's metadata. */
  get pauses(): PausedRange[] {
    return this.#paused.map((p) => (p.end === Infinity ? { startMs: p.start / this.#perMs } : { startMs: p.start / this.#perMs, endMs: p.end / this.#perMs }));
  }

  pause(nowMs: number): void {
    if (!this.isPaused) this.#paused.push({ start: this.#position(nowMs), end: Infinity });
  }

  resume(nowMs: number): void {
    const last = this.#paused[this.#paused.length - 1];
    if (last && last.end === Infinity) last.end = Math.max(last.start, this.#position(nowMs));
  }

  /**
   * Whether a channel's timestamps strayed from the arrival clock (`drift` = timestamp place
   * minus arrival place, in samples). Ahead by more than resyncMs: re-anchor at once (the
   * future has no place yet). Behind: packets this process handled late after a stall (a GC
   * pause, a busy CPU) come in a burst and must keep their places, whereas a source whose
   * clock really went back stays behind; so re-anchor only after resyncMs of arrivals behind.
   */
  #strayed(anchor: Anchor, drift: number, arrivalMs: number): boolean {
    if (drift > this.#resync) return true;
    if (drift >= -this.#resync) {
      anchor.behindSinceMs = undefined;
      return false;
    }
    anchor.behindSinceMs ??= arrivalMs;
    return arrivalMs - anchor.behindSinceMs >= this.#resyncMs;
  }

  push(channel: RecordingChannel, audio: TimelineAudio): void {
    this.stats.packets += 1;
    const length = audio.payload.length;
    // the frame ends when it arrives; a channel's first frame is never placed in released time
    const arrival = Math.max(this.#cursor, this.#position(audio.arrivalMs) - length);
    let anchor = this.#anchors[channel];
    let position = anchor ? anchor.position + timestampDelta(anchor.timestamp, audio.timestamp) : arrival;
    if (!anchor || anchor.ssrc !== audio.ssrc || this.#strayed(anchor, position - arrival, audio.arrivalMs)) {
      if (anchor) this.stats.resyncs += 1;
      position = arrival;
      anchor = { ssrc: audio.ssrc, timestamp: audio.timestamp, position };
      this.#anchors[channel] = anchor;
    }
    if (this.#inPause(position, position + length)) {
      this.stats.paused += 1;
      return;
    }
    let from = 0;
    if (position < this.#cursor) {
      this.stats.late += 1;
      from = this.#cursor - position;
      if (from >= length) return;
    }
    const end = position + length;
    if (end > this.#cursor + this.#capacity) return; // beyond the buffer: the next resync fixes it
    // decoded straight into the ring, in at most two runs (this runs for every packet of every call)
    const buffer = this.#buffers[channel];
    const table = audio.codec === 'PCMU' ? ULAW_TO_LINEAR : ALAW_TO_LINEAR;
    const payload = audio.payload;
    for (let i = from; i < length;) {
      const index = (position + i) % this.#capacity;
      const stop = i + Math.min(length - i, this.#capacity - index);
      for (let k = index - i; i < stop; i++) buffer[i + k] = table[payload[i]!]!;
    }
    if (this.#paused.length > 0) this.#zeroPaused(buffer, position + from, end);
    this.#highWater = Math.max(this.#highWater, end);
  }

  /** Audio up to `latencyMs` before `nowMs` not handed out yet (silence where nothing came). */
  drain(nowMs: number): TimelineChunk {
    return this.#release(Math.max(this.#cursor, this.#position(nowMs) - this.#latency));
  }

  /** Everything up to `nowMs` or the last sample received, whichever is later (call ended). */
  finish(nowMs: number): TimelineChunk {
    return this.#release(Math.max(this.#cursor, this.#position(nowMs), this.#highWater));
  }

  #release(until: number): TimelineChunk {
    const from = this.#cursor;
    const chunk: TimelineChunk = { from, caller: new Int16Array(until - from), agent: new Int16Array(until - from) };
    // positions beyond the buffer's reach were never written: they stay silent
    const reach = Math.min(until - from, this.#capacity);
    for (const channel of RECORDING_CHANNELS) {
      const buffer = this.#buffers[channel];
      const out = chunk[channel];
      for (let p = 0; p < reach;) {
        const index = (from + p) % this.#capacity;
        const run = Math.min(reach - p, this.#capacity - index);
        out.set(buffer.subarray(index, index + run), p);
        buffer.fill(0, index, index + run);
        p += run;
      }
      if (this.#paused.length > 0) this.#zeroPaused(out, from, until, from);
    }
    this.#cursor = until;
    return chunk;
  }

  #position(ms: number): number {
    return Math.round((ms - this.#start) * this.#perMs);
  }

  #inPause(start: number, end: number): boolean {
    return this.#paused.some((p) => start >= p.start && end <= p.end);
  }

  /** Zeroes the part of [start, end) inside pauses; `base` maps positions to indexes of `out`. */
  #zeroPaused(out: Int16Array, start: number, end: number, base?: number): void {
    for (const p of this.#paused) {
      const a = Math.max(start, p.start);
      const b = Math.min(end, p.end);
      for (let pos = a; pos < b; pos++) out[base === undefined ? pos % this.#capacity : pos - base] = 0;
    }
  }
}

/** Caller on the left, agent on the right (interleaved 16-bit stereo). */
export function interleaveStereo(left: Int16Array, right: Int16Array): Int16Array {
  const n = Math.min(left.length, right.length);
  const out = new Int16Array(n * 2);
  for (let i = 0; i < n; i++) {
    out[2 * i] = left[i]!;
    out[2 * i + 1] = right[i]!;
  }
  return out;
}

/** Both sides summed into one channel, saturated to 16 bits. */
export function mixMono(a: Int16Array, b: Int16Array): Int16Array {
  const n = Math.min(a.length, b.length);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const s = a[i]! + b[i]!;
    out[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
  }
  return out;
}
