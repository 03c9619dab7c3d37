// The appliance's own voice on one leg: prompts in order, DTMF digits (RFC 4733) and an
// endless background (music on hold, a tone) when nothing else is queued, as one RTP stream
// with 20 ms packets, continuous sequence numbers and timestamps, and the marker bit at each
// talkspurt start. Pure: `tick(nowMs)` is driven by a timer and packets go to `send`.
import { EventEmitter } from 'node:events';
import { SilenceSource, type FrameSource } from './frame-sources.ts';
import type { G711Codec } from './g711.ts';
import type { RtpPacket } from './rtp-packet.ts';
import { FramePacer, RtpStream } from './rtp-packetizer.ts';
import { planTelephoneEvent, type PlannedEventPacket } from './telephone-event.ts';

export type PlaybackEndReason = 'done' | 'stopped' | 'barge-in';

export type PromptPlayerEvents = {
  started: [playbackId: string];
  ended: [playbackId: string, reason: PlaybackEndReason];
  /** The player starts or stops sending (the leg should hear it, or go back to its call). */
  active: [active: boolean];
};

export interface PromptPlayerOptions {
  ssrc: number;
  payloadType: number;
  telephoneEventPayloadType: number;
  send: (packet: RtpPacket) => void;
  /** Delay before the first frame of a talkspurt, so the route to the listener is in place. */
  leadInMs?: number;
  initialSequence?: number;
  initialTimestamp?: number;
  /** Law of the silence sent before digits when nothing was sent yet. */
  silenceCodec?: G711Codec;
}

type Item =
  | { kind: 'prompt'; id: string; source: FrameSource; bargeIn: boolean; started: boolean }
  | { kind: 'digits'; id: string; slots: (PlannedEventPacket | undefined)[][]; at: number; eventTs: number };

const FRAME_MS = 20;
const SAMPLES = 160;

export class PromptPlayer extends EventEmitter<PromptPlayerEvents> {
  readonly stream: RtpStream;
  readonly #options: PromptPlayerOptions;
  readonly #queue: Item[] = [];
  #background: FrameSource | undefined;
  #pacer: FramePacer | undefined;
  /** When the last frame sent ends (ms), to account for idle time in the media clock. */
  #lastFrameMs: number | undefined;
  /** Due time of the slot being filled. */
  #slotMs = 0;

  constructor(options: PromptPlayerOptions) {
    super();
    this.#options = options;
    this.stream = new RtpStream({ ssrc: options.ssrc, payloadType: options.payloadType, initialSequence: options.initialSequence, initialTimestamp: options.initialTimestamp });
  }

  get active(): boolean {
    return this.#pacer !== undefined;
  }

  /** Ids of queued playbacks, the current one first. */
  get queued(): string[] {
    return this.#queue.map((i) => i.id);
  }

  play(playbackId: string, source: FrameSource, nowMs: number, options: { bargeIn?: boolean } = {}): void {
    this.#queue.push({ kind: 'prompt', id: playbackId, source, bargeIn: options.bargeIn ?? false, started: false });
    this.#activate(nowMs);
  }

  /** Sends DTMF digits as telephone-events (RFC 4733), queued after what is playing. */
  sendDigits(id: string, digits: string, nowMs: number, options: { durationMs?: number; gapMs?: number } = {}): void {
    const gapSlots = Math.ceil((options.gapMs ?? 60) / FRAME_MS);
    const slots: (PlannedEventPacket | undefined)[][] = [];
    for (const digit of digits) {
      // one 20 ms slot per update packet of the digit, then silent slots between digits
      const base = slots.length;
      for (const p of planTelephoneEvent(digit, { durationMs: options.durationMs ?? 100, intervalMs: FRAME_MS })) {
        (slots[base + Math.round(p.atMs / FRAME_MS)] ??= []).push(p);
      }
      for (let i = 0; i < gapSlots; i++) slots.push([undefined]);
    }
    // a stream's first packet must be audio: mediasoup creates the producer's stream from it
    if (this.stream.sent === 0 && this.#queue.length === 0 && !this.#background) {
      this.#queue.push({ kind: 'prompt', id: `${id}-lead-in`, source: new SilenceSource(this.#options.silenceCodec ?? 'PCMU', 40), bargeIn: false, started: false });
    }
    this.#queue.push({ kind: 'digits', id, slots, at: 0, eventTs: 0 });
    this.#activate(nowMs);
  }

  /** What plays when the queue is empty (music on hold); undefined for nothing. */
  setBackground(source: FrameSource | undefined, nowMs: number): void {
    this.#background = source;
    if (source) this.#activate(nowMs);
    else this.#settle();
  }

  get hasBackground(): boolean {
    return this.#background !== undefined;
  }

  /** Stops one playback, or everything queued (not the background) without an id. */
  stop(playbackId?: string, reason: PlaybackEndReason = 'stopped'): void {
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      const item = this.#queue[i]!;
      if (playbackId !== undefined && item.id !== playbackId) continue;
      this.#queue.splice(i, 1);
      this.emit('ended', item.id, reason);
    }
    this.#settle();
  }

  /** A key was pressed: interruptible prompts stop. */
  bargeIn(): void {
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      const item = this.#queue[i]!;
      if (item.kind === 'prompt' && item.bargeIn) {
        this.#queue.splice(i, 1);
        this.emit('ended', item.id, 'barge-in');
      }
    }
    this.#settle();
  }

  tick(nowMs: number): void {
    const pacer = this.#pacer;
    if (!pacer) return;
    const first = pacer.nextDueMs;
    const { send, dropped } = pacer.tick(nowMs);
    // frames too late to send still consume their audio and media time
    for (let i = 0; i < dropped + send && this.#pacer === pacer; i++) {
      this.#slotMs = first + i * FRAME_MS;
      this.#slot(i >= dropped);
    }
  }

  #activate(nowMs: number): void {
    if (this.#pacer) return;
    const start = nowMs + (this.#options.leadInMs ?? FRAME_MS);
    if (this.#lastFrameMs !== undefined) {
      // the media clock ran on while we were silent (RFC 3550 §5.1): the next frame is marked
      this.stream.silence(Math.max(0, Math.round(((start - this.#lastFrameMs) * SAMPLES) / FRAME_MS)));
    }
    this.#pacer = new FramePacer({ startMs: start });
    this.emit('active', true);
  }

  #settle(): void {
    if (this.#pacer && this.#queue.length === 0 && !this.#background) this.#deactivate();
  }

  #deactivate(): void {
    this.#pacer = undefined;
    this.emit('active', false);
  }

  #frame(frame: Uint8Array, emit: boolean): void {
    if (emit) this.#options.send(this.stream.media(frame));
    else this.stream.skip(SAMPLES);
    this.#lastFrameMs = this.#slotMs + FRAME_MS;
  }

  /** One 20 ms slot: a frame of the current item, of the background, or the end of activity. */
  #slot(emit: boolean): void {
    for (;;) {
      const item = this.#queue[0];
      if (!item) {
        const frame = this.#background?.next();
        if (!frame) {
          this.#background = undefined;
          this.#deactivate();
          return;
        }
        this.#frame(frame, emit);
        return;
      }
      if (item.kind === 'prompt') {
        if (!item.started) {
          item.started = true;
          this.emit('started', item.id);
        }
        const frame = item.source.next();
        if (frame) {
          this.#frame(frame, emit);
          return;
        }
        this.#queue.shift();
        this.emit('ended', item.id, 'done');
        continue;
      }
      if (item.at >= item.slots.length) {
        this.#queue.shift();
        this.emit('ended', item.id, 'done');
        continue;
      }
      const packets = item.slots[item.at]!;
      if (packets[0]?.marker) item.eventTs = this.stream.timestamp;
      item.at += 1;
      for (const p of packets) {
        if (p && emit) this.#options.send(this.stream.other(this.#options.telephoneEventPayloadType, p.payload, item.eventTs, p.marker));
      }
      this.stream.skip(SAMPLES);
      this.#lastFrameMs = this.#slotMs + FRAME_MS;
      return;
    }
  }
}
