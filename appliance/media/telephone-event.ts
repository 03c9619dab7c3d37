// RFC 4733 telephone-events (DTMF named events, §3.2): payload codec, a receiver that turns a
// stream of event packets into digits, and a sender's packet plan. Pure: arrival times are
// passed in.
//
// A sender repeats an event's packets every few ms with a growing duration, all stamped with
// the event's start timestamp (§2.5.1.2), marks the first (§2.5.1.3) and sends the final
// packet (E bit set) three times (§2.5.1.4). Packets can be lost, duplicated or reordered, so
// the receiver keys events on their timestamp: one digit per timestamp, reported once.

export interface TelephoneEventPayload {
  /** 0-9, 10 = '*', 11 = '#', 12-15 = A-D, 16 = flash (§3.2). */
  event: number;
  end: boolean;
  /** Power level in -dBm0, 0 (loudest) to 63. */
  volume: number;
  /** In RTP clock units since the event's timestamp. */
  duration: number;
}

const DIGITS = '0123456789*#ABCD';

/** The digit of an event code ('!' for flash), or undefined for a non-DTMF event. */
export function digitOfEvent(event: number): string | undefined {
  if (event === 16) return '!';
  return DIGITS[event];
}

/** The event code of a digit. */
export function eventOfDigit(digit: string): number {
  if (digit === '!') return 16;
  const i = DIGITS.indexOf(digit.toUpperCase());
  if (i < 0) throw new RangeError(`"${digit}" is not a DTMF digit`);
  return i;
}

export function parseTelephoneEvent(payload: Uint8Array): TelephoneEventPayload | undefined {
  if (payload.length < 4) return undefined;
  return {
    event: payload[0]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: (payload[2]! << 8) | payload[3]!,
  };
}

export function serializeTelephoneEvent(e: TelephoneEventPayload): Uint8Array {
  return Uint8Array.of(e.event & 0xff, (e.end ? 0x80 : 0) | (e.volume & 0x3f), (e.duration >> 8) & 0xff, e.duration & 0xff);
}

export type DtmfEndReason = 'end-bit' | 'next-event' | 'timeout';

export type TelephoneEventOutput =
  | { type: 'begin'; digit: string; event: number; rtpTimestamp: number; atMs: number }
  | {
      type: 'end';
      digit: string;
      event: number;
      rtpTimestamp: number;
      /** Duration in ms as the sender last reported it. */
      durationMs: number;
      volume: number;
      atMs: number;
      reason: DtmfEndReason;
    };

export interface TelephoneEventReceiverOptions {
  clockRate?: number;
  /** An event whose packets stop without an end packet is closed after this long (ms). */
  endTimeoutMs?: number;
}

interface OpenEvent {
  timestamp: number;
  event: number;
  duration: number;
  volume: number;
  lastMs: number;
  /** Length of the earlier segments of a long event (§2.5.1.3). */
  carried: number;
}

/** Receives the telephone-event packets of one RTP stream (one SSRC). */
export class TelephoneEventReceiver {
  readonly #clockRate: number;
  readonly #endTimeoutMs: number;
  #open: OpenEvent | undefined;
  /** Timestamps of recently finished events: their late duplicates are ignored. */
  readonly #finished: number[] = [];

  constructor(options: TelephoneEventReceiverOptions = {}) {
    this.#clockRate = options.clockRate ?? 8000;
    this.#endTimeoutMs = options.endTimeoutMs ?? 250;
  }

  /** One telephone-event packet with its RTP timestamp and marker, received at `nowMs`. */
  receive(rtpTimestamp: number, marker: boolean, payload: Uint8Array, nowMs: number): TelephoneEventOutput[] {
    const out: TelephoneEventOutput[] = [];
    const e = parseTelephoneEvent(payload);
    if (!e || digitOfEvent(e.event) === undefined) return out; // not DTMF (§3.2 only)
    const ts = rtpTimestamp >>> 0;
    if (this.#finished.includes(ts)) return out; // retransmitted end packet or a late duplicate
    const open = this.#open;
    if (open && open.timestamp !== ts) {
      // §2.5.1.3: an event longer than the duration field continues as a segment with a new
      // timestamp, same event, no marker.
      const gap = (ts - open.timestamp) >>> 0;
      if (!marker && e.event === open.event && gap <= 0xffff && gap >= open.duration) {
        this.#remember(open.timestamp);
        open.carried += gap;
        open.timestamp = ts;
        open.duration = e.duration;
        open.lastMs = nowMs;
        if (e.end) out.push(this.#close('end-bit', nowMs));
        return out;
      }
      out.push(this.#close('next-event', nowMs));
    }
    if (!this.#open) {
      this.#open = { timestamp: ts, event: e.event, duration: e.duration, volume: e.volume, lastMs: nowMs, carried: 0 };
      out.push({ type: 'begin', digit: digitOfEvent(e.event)!, event: e.event, rtpTimestamp: ts, atMs: nowMs });
    }
    const current = this.#open!;
    current.duration = Math.max(current.duration, e.duration);
    current.volume = e.volume;
    current.lastMs = nowMs;
    if (e.end) out.push(this.#close('end-bit', nowMs));
    return out;
  }

  /** Closes an event whose packets stopped without an end packet. Call on a timer. */
  tick(nowMs: number): TelephoneEventOutput[] {
    if (this.#open && nowMs - this.#open.lastMs >= this.#endTimeoutMs) return [this.#close('timeout', nowMs)];
    return [];
  }

  /** Whether an event is in progress (its end not yet seen). */
  get active(): boolean {
    return this.#open !== undefined;
  }

  #remember(timestamp: number): void {
    this.#finished.push(timestamp);
    if (this.#finished.length > 8) this.#finished.shift();
  }

  #close(reason: DtmfEndReason, nowMs: number): TelephoneEventOutput {
    const open = this.#open!;
    this.#open = undefined;
    this.#remember(open.timestamp);
    return {
      type: 'end',
      digit: digitOfEvent(open.event)!,
      event: open.event,
      rtpTimestamp: open.timestamp,
      durationMs: Math.round(((open.duration + open.carried) * 1000) / this.#clockRate),
      volume: open.volume,
      atMs: nowMs,
      reason,
    };
  }
}

export interface PlannedEventPacket {
  /** Offset from the event's start at which to send it (ms). */
  atMs: number;
  marker: boolean;
  payload: Uint8Array;
}

export interface EventPlanOptions {
  durationMs?: number;
  volume?: number;
  /** Interval between updates; the packetization interval of the stream (§2.5.1.2). */
  intervalMs?: number;
  clockRate?: number;
}

/**
 * The packets that send one digit: updates every interval with the duration so far, then the
 * end packet three times (§2.5.1.4). All carry the same timestamp: the caller's start time.
 */
export function planTelephoneEvent(digit: string, options: EventPlanOptions = {}): PlannedEventPacket[] {
  const event = eventOfDigit(digit);
  const durationMs = Math.max(40, options.durationMs ?? 100);
  const interval = options.intervalMs ?? 20;
  const volume = options.volume ?? 10;
  const unitsPerMs = (options.clockRate ?? 8000) / 1000;
  const packets: PlannedEventPacket[] = [];
  const updates = Math.ceil(durationMs / interval);
  for (let i = 0; i < updates; i++) {
    const duration = Math.min((i + 1) * interval, durationMs) * unitsPerMs;
    packets.push({ atMs: i * interval, marker: i === 0, payload: serializeTelephoneEvent({ event, end: false, volume, duration }) });
  }
  const finalDuration = durationMs * unitsPerMs;
  for (let i = 0; i < 3; i++) {
    packets.push({ atMs: (updates + i) * interval, marker: false, payload: serializeTelephoneEvent({ event, end: true, volume, duration: finalDuration }) });
  }
  return packets;
}
