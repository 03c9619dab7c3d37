// One timer for all real-time media work in the process (players, mixers, DTMF timeouts,
// recording flushes): a 5 ms interval on the monotonic clock, running only while someone
// listens. Each callback decides from the time it is given what is due (FramePacer), so the
// timer's own jitter never accumulates.
import { performance } from 'node:perf_hooks';

export type TickFn = (nowMs: number) => void;

/** Monotonic milliseconds (immune to wall-clock steps). */
export const monotonicMs = (): number => performance.now();

export class FrameTicker {
  readonly #fns = new Set<TickFn>();
  #timer: NodeJS.Timeout | undefined;
  /** Callbacks that threw (reported through onError, the loop keeps running). */
  errors = 0;

  constructor(
    private readonly intervalMs = 5,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Registers a callback; returns its removal. */
  add(fn: TickFn): () => void {
    this.#fns.add(fn);
    this.#timer ??= setInterval(() => this.#tick(), this.intervalMs);
    return () => {
      this.#fns.delete(fn);
      if (this.#fns.size === 0 && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  get size(): number {
    return this.#fns.size;
  }

  #tick(): void {
    const now = monotonicMs();
    for (const fn of this.#fns) {
      try {
        fn(now);
      } catch (error) {
        this.errors += 1;
        this.onError(error);
      }
    }
  }
}
