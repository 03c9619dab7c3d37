// One call's recording: the timeline that lines up caller and agent, and the files it is
// flushed to every `flushIntervalMs`. Time is passed in (a monotonic clock from the caller).
import type { ActiveRecording, RecordingEncoding, RecordingLayout, RecordingRow, RecordingStore } from './recording-store.ts';
import { RecordingTimeline, type RecordingChannel, type TimelineAudio } from './recording-timeline.ts';

export interface CallRecorderOptions {
  store: RecordingStore;
  callId: string;
  layouts: readonly RecordingLayout[];
  encoding: RecordingEncoding;
  latencyMs: number;
  flushIntervalMs: number;
  nowMs: number;
}

export class CallRecorder {
  readonly #timeline: RecordingTimeline;
  readonly #flushMs: number;
  #lastFlush: number;
  #stopped: Promise<RecordingRow[]> | undefined;

  private constructor(private readonly active: ActiveRecording, options: CallRecorderOptions) {
    this.#timeline = new RecordingTimeline({ startMs: options.nowMs, latencyMs: options.latencyMs, bufferMs: Math.max(5000, options.flushIntervalMs * 3) });
    this.#flushMs = options.flushIntervalMs;
    this.#lastFlush = options.nowMs;
  }

  static async start(options: CallRecorderOptions): Promise<CallRecorder> {
    const active = await options.store.start({ callId: options.callId, layouts: options.layouts, encoding: options.encoding });
    return new CallRecorder(active, options);
  }

  get id(): string {
    return this.active.id;
  }

  get stats() {
    return this.#timeline.stats;
  }

  get paused(): boolean {
    return this.#timeline.isPaused;
  }

  push(channel: RecordingChannel, audio: TimelineAudio): void {
    if (!this.#stopped) this.#timeline.push(channel, audio);
  }

  /** Writes what the timeline has released, at most once per flush interval. */
  tick(nowMs: number): void {
    if (this.#stopped || nowMs - this.#lastFlush < this.#flushMs) return;
    this.#lastFlush = nowMs;
    this.active.write(this.#timeline.drain(nowMs));
  }

  pause(nowMs: number): void {
    this.#timeline.pause(nowMs);
  }

  resume(nowMs: number): void {
    this.#timeline.resume(nowMs);
  }

  /** Ends the recording; resolves with its committed rows. Safe to call twice. */
  stop(nowMs: number): Promise<RecordingRow[]> {
    this.#timeline.resume(nowMs);
    this.#stopped ??= this.active.finish(this.#timeline.finish(nowMs), this.#timeline.pauses);
    return this.#stopped;
  }
}
