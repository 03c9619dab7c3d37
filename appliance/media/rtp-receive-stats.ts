// Reception quality of one RTP stream as RFC 3550 Appendix A defines it: packets expected
// from the extended highest sequence number (A.1, A.3), lost = expected - received, and the
// interarrival jitter estimate J += (|D| - J) / 16 in timestamp units (A.8). Pure: arrival
// times are passed in.

export interface RtpReceiveReport {
  received: number;
  expected: number;
  lost: number;
  /** Packets that came again (same sequence number as one already counted recently). */
  duplicates: number;
  /** Interarrival jitter in ms. */
  jitterMs: number;
  /** Largest forward jump in sequence numbers (1 when nothing was lost). */
  maxSeqGap: number;
}

/** How far back duplicates are recognised (in sequence numbers; a power of two). */
const RECENT = 1024;

export class RtpReceiveStats {
  readonly #clockRate: number;
  #baseSeq = -1;
  #maxSeq = 0;
  #cycles = 0;
  #received = 0;
  #duplicates = 0;
  #maxGap = 0;
  #jitter = 0;
  #lastTransit: number | undefined;
  #ssrc: number | undefined;
  /** The extended sequence number last seen in each slot (seq mod 1024): a duplicate finds itself. */
  readonly #recent = new Float64Array(RECENT).fill(NaN);

  constructor(clockRate = 8000) {
    this.#clockRate = clockRate;
  }

  /** One packet of the stream. A new SSRC starts the counts afresh (a new source). */
  packet(ssrc: number, sequenceNumber: number, timestamp: number, arrivalMs: number): void {
    if (this.#ssrc !== ssrc) this.#reset(ssrc, sequenceNumber);
    const extended = this.#extend(sequenceNumber);
    const slot = extended & (RECENT - 1);
    if (this.#recent[slot] === extended) {
      this.#duplicates += 1;
      return;
    }
    this.#recent[slot] = extended;
    this.#received += 1;
    const transit = (arrivalMs * this.#clockRate) / 1000 - timestamp;
    if (this.#lastTransit !== undefined) {
      let d = transit - this.#lastTransit;
      // timestamps wrap at 2^32; keep the difference small
      if (d > 2 ** 31) d -= 2 ** 32;
      if (d < -(2 ** 31)) d += 2 ** 32;
      this.#jitter += (Math.abs(d) - this.#jitter) / 16;
    }
    this.#lastTransit = transit;
  }

  report(): RtpReceiveReport {
    const expected = this.#baseSeq < 0 ? 0 : this.#cycles + this.#maxSeq - this.#baseSeq + 1;
    return {
      received: this.#received,
      expected,
      lost: Math.max(0, expected - this.#received),
      duplicates: this.#duplicates,
      jitterMs: (this.#jitter * 1000) / this.#clockRate,
      maxSeqGap: this.#maxGap,
    };
  }

  #reset(ssrc: number, seq: number): void {
    this.#ssrc = ssrc;
    this.#baseSeq = seq;
    this.#maxSeq = seq;
    this.#cycles = 0;
    this.#received = 0;
    this.#duplicates = 0;
    this.#maxGap = 0;
    this.#jitter = 0;
    this.#lastTransit = undefined;
    this.#recent.fill(NaN);
  }

  /** Extended sequence number (A.1): cycles of 2^16 counted as the sequence wraps. */
  #extend(seq: number): number {
    const delta = (seq - this.#maxSeq) & 0xffff;
    if (delta !== 0 && delta < 0x8000) {
      if (seq < this.#maxSeq) this.#cycles += 0x10000;
      this.#maxGap = Math.max(this.#maxGap, delta);
      this.#maxSeq = seq;
      return this.#cycles + seq;
    }
    if (delta === 0) return this.#cycles + seq;
    // an older packet (reordered): it belongs to this cycle or the previous one
    return seq > this.#maxSeq ? this.#cycles - 0x10000 + seq : this.#cycles + seq;
  }
}
