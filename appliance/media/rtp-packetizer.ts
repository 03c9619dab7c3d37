// Outgoing RTP timing for audio the appliance itself sends (prompts, tones, mixes, DTMF).
// RtpStream keeps one SSRC's sequence numbers and timestamps continuous (RFC 3550 §5.1) and
// sets the marker on the first packet of each talkspurt (RFC 3551 §4.1); FramePacer says
// how many 20 ms frames are due at a given time. Pure: time is passed in.
import type { RtpPacket } from './rtp-packet.ts';

export interface RtpStreamOptions {
  ssrc: number;
  payloadType: number;
  /** Samples per second of the RTP clock; 8000 for G.711 and telephone-event. */
  clockRate?: number;
  /** Random initial values (RFC 3550 §5.1); given by tests to make packets predictable. */
  initialSequence?: number;
  initialTimestamp?: number;
}

export class RtpStream {
  readonly ssrc: number;
  readonly payloadType: number;
  readonly clockRate: number;
  #sequence: number;
  #timestamp: number;
  #talking = false;
  #sent = 0;

  constructor(options: RtpStreamOptions) {
    this.ssrc = options.ssrc >>> 0;
    this.payloadType = options.payloadType;
    this.clockRate = options.clockRate ?? 8000;
    this.#sequence = (options.initialSequence ?? randomUint(16)) & 0xffff;
    this.#timestamp = (options.initialTimestamp ?? randomUint(32)) >>> 0;
  }

  /** Packets written so far. */
  get sent(): number {
    return this.#sent;
  }

  /** Timestamp the next media frame will carry. */
  get timestamp(): number {
    return this.#timestamp;
  }

  /** Sequence number the next packet will carry. */
  get nextSequence(): number {
    return this.#sequence;
  }

  /**
   * The packet for one frame of `samples` sampling instants starting now. The first frame
   * after construction or after `silence()` is a talkspurt start and carries the marker.
   */
  media(payload: Uint8Array, samples = payload.length): RtpPacket {
    const packet: RtpPacket = {
      payloadType: this.payloadType,
      marker: !this.#talking,
      sequenceNumber: this.#sequence,
      timestamp: this.#timestamp,
      ssrc: this.ssrc,
      payload,
    };
    this.#talking = true;
    this.#advance(samples);
    return packet;
  }

  /** Nothing is sent for `samples` instants (DTX); the clock runs on, the next frame is marked. */
  silence(samples: number): void {
    this.#talking = false;
    this.#timestamp = (this.#timestamp + samples) >>> 0;
  }

  /**
   * A packet of another payload format on the same clock and SSRC, stamped with `timestamp`
   * (RFC 4733 §2.3: an event's packets all carry the timestamp of its start).
   */
  other(payloadType: number, payload: Uint8Array, timestamp: number, marker: boolean): RtpPacket {
    const packet: RtpPacket = { payloadType, marker, sequenceNumber: this.#sequence, timestamp: timestamp >>> 0, ssrc: this.ssrc, payload };
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.#sent += 1;
    return packet;
  }

  /** Moves the media clock on without a packet (the time an event occupied). */
  skip(samples: number): void {
    this.#timestamp = (this.#timestamp + samples) >>> 0;
  }

  #advance(samples: number): void {
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + samples) >>> 0;
    this.#sent += 1;
  }
}

export interface FramePacerOptions {
  /** When frame 0 is due. */
  startMs: number;
  frameMs?: number;
  /**
   * When the caller falls further behind than this many frames (a blocked event loop), the
   * missed frames are dropped instead of sent as a burst the receiver would have to absorb.
   */
  maxBurst?: number;
}

export interface PacerTick {
  /** Frames to send now. */
  send: number;
  /** Frames dropped because they were too late; their time passes as silence. */
  dropped: number;
}

/** Wall-clock pacing of fixed-length frames: frame n is due at startMs + n * frameMs. */
export class FramePacer {
  readonly frameMs: number;
  readonly #maxBurst: number;
  #startMs: number;
  #next = 0;

  constructor(options: FramePacerOptions) {
    this.#startMs = options.startMs;
    this.frameMs = options.frameMs ?? 20;
    this.#maxBurst = Math.max(1, options.maxBurst ?? 5);
  }

  /** Index of the next frame to send. */
  get nextFrame(): number {
    return this.#next;
  }

  /** When the next frame is due. */
  get nextDueMs(): number {
    return this.#startMs + this.#next * this.frameMs;
  }

  /** Frames due at `nowMs` (and those dropped for lateness); advances past them. */
  tick(nowMs: number): PacerTick {
    const due = Math.floor((nowMs - this.#startMs) / this.frameMs) + 1 - this.#next;
    if (due <= 0) return { send: 0, dropped: 0 };
    const send = Math.min(due, this.#maxBurst);
    const dropped = due - send;
    this.#next += due;
    return { send, dropped };
  }

  /** Restarts the schedule: the next frame is due at `startMs` (after a pause). */
  restart(startMs: number): void {
    this.#startMs = startMs;
    this.#next = 0;
  }
}

function randomUint(bits: 16 | 32): number {
  return Math.floor(Math.random() * 2 ** bits) >>> 0;
}
