// The real clock for the edge: wall time and Node timers behind the core's Clock interface.
import type { Clock, TimerHandle } from '../core/clock.ts';

export const systemClock: Clock = {
  now: () => Date.now(),
  // unref: protocol timers alone must not keep a process alive after its sockets closed
  setTimer: (ms, fn) => setTimeout(fn, ms).unref() as unknown as TimerHandle,
  clearTimer: (h) => clearTimeout(h as unknown as NodeJS.Timeout),
};
