// Digits of one call leg from both places they can come from: RFC 4733 telephone-events in
// the RTP stream (one receiver per SSRC) and SIP INFO (the fallback for gateways without
// telephone-event). Some gateways send both for one key press; a digit reported by one
// source is not reported again by the other within `dedupeMs`. Pure.
import { TelephoneEventReceiver, type TelephoneEventOutput } from './telephone-event.ts';

export type DtmfSource = 'rfc4733' | 'sip-info';

export type DtmfOutput =
  /** A key went down (RFC 4733 only): stop an interruptible prompt now. */
  | { type: 'key-down'; digit: string; source: DtmfSource; atMs: number }
  /** A complete digit, reported once. */
  | { type: 'digit'; digit: string; source: DtmfSource; durationMs?: number; atMs: number };

export interface DtmfDetectorOptions {
  telephoneEventPayloadType: number;
  dedupeMs?: number;
  endTimeoutMs?: number;
}

export interface DtmfRtp {
  payloadType: number;
  ssrc: number;
  timestamp: number;
  marker: boolean;
  payload: Uint8Array;
}

export class DtmfDetector {
  readonly #pt: number;
  readonly #dedupeMs: number;
  readonly #endTimeoutMs: number;
  readonly #receivers = new Map<number, TelephoneEventReceiver>();
  #last: { digit: string; source: DtmfSource; atMs: number } | undefined;
  /** RFC 4733 events whose key-down was suppressed as a duplicate of an INFO digit. */
  readonly #suppressed = new Set<string>();

  constructor(options: DtmfDetectorOptions) {
    this.#pt = options.telephoneEventPayloadType;
    this.#dedupeMs = options.dedupeMs ?? 500;
    this.#endTimeoutMs = options.endTimeoutMs ?? 250;
  }

  /** Any RTP packet of the leg; only telephone-event packets matter. */
  rtp(packet: DtmfRtp, nowMs: number): DtmfOutput[] {
    if (packet.payloadType !== this.#pt) return [];
    let rx = this.#receivers.get(packet.ssrc);
    if (!rx) {
      if (this.#receivers.size >= 4) this.#receivers.delete(this.#receivers.keys().next().value!); // old sources
      rx = new TelephoneEventReceiver({ endTimeoutMs: this.#endTimeoutMs });
      this.#receivers.set(packet.ssrc, rx);
    }
    return this.#fromEvents(packet.ssrc, rx.receive(packet.timestamp, packet.marker, packet.payload, nowMs));
  }

  /** A digit from SIP INFO (application/dtmf-relay or application/dtmf). */
  info(digit: string, nowMs: number, durationMs?: number): DtmfOutput[] {
    if (this.#duplicate(digit, 'sip-info', nowMs)) return [];
    this.#last = { digit, source: 'sip-info', atMs: nowMs };
    const out: DtmfOutput = { type: 'digit', digit, source: 'sip-info', atMs: nowMs };
    if (durationMs !== undefined) out.durationMs = durationMs;
    return [out];
  }

  /** Ends events whose end packets never came. Call every few tens of ms. */
  tick(nowMs: number): DtmfOutput[] {
    const out: DtmfOutput[] = [];
    // runs every 5 ms for every leg: only an event in progress can time out
    for (const [ssrc, rx] of this.#receivers) if (rx.active) out.push(...this.#fromEvents(ssrc, rx.tick(nowMs)));
    return out;
  }

  #fromEvents(ssrc: number, events: TelephoneEventOutput[]): DtmfOutput[] {
    const out: DtmfOutput[] = [];
    for (const e of events) {
      const key = `${ssrc}:${e.rtpTimestamp}`;
      if (e.type === 'begin') {
        if (this.#duplicate(e.digit, 'rfc4733', e.atMs)) {
          this.#suppressed.add(key);
          continue;
        }
        this.#last = { digit: e.digit, source: 'rfc4733', atMs: e.atMs };
        out.push({ type: 'key-down', digit: e.digit, source: 'rfc4733', atMs: e.atMs });
      } else {
        if (this.#suppressed.delete(key)) continue;
        this.#last = { digit: e.digit, source: 'rfc4733', atMs: e.atMs };
        out.push({ type: 'digit', digit: e.digit, source: 'rfc4733', durationMs: e.durationMs, atMs: e.atMs });
      }
    }
    return out;
  }

  #duplicate(digit: string, source: DtmfSource, nowMs: number): boolean {
    const last = this.#last;
    return last !== undefined && last.source !== source && last.digit === digit && nowMs - last.atMs <= this.#dedupeMs;
  }
}
