// Time is injected: the transaction layer asks a Clock for timers, so tests drive it with a
// VirtualClock and exact millisecond steps, and the edge passes the real one.
export type TimerHandle = { readonly id: number };

export interface Clock {
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

interface Pending {
  handle: TimerHandle;
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that only moves when told to; timers due at the same instant fire in creation order. */
export class VirtualClock implements Clock {
  private time: number;
  private seq = 0;
  private pending = new Map<number, Pending>();

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const handle = { id: ++this.seq };
    this.pending.set(handle.id, { handle, at: this.time + Math.max(0, ms), seq: handle.id, fn });
    return handle;
  }

  clearTimer(handle: TimerHandle): void {
    this.pending.delete(handle.id);
  }

  /** Moves time forward, firing every timer that falls due on the way, in time order. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let next: Pending | undefined;
      for (const p of this.pending.values()) {
        if (p.at <= target && (!next || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p;
      }
      if (!next) break;
      this.pending.delete(next.handle.id);
      this.time = next.at;
      next.fn();
    }
    this.time = target;
  }

  get pendingCount(): number {
    return this.pending.size;
  }
}
