/**
 * Debounces one alarm condition. Drivers already integrate the line (a T1/E1 red alarm is
 * declared after ~2.5 s of LOS/LOF), but a marginal line flaps; ANSI T1.231 clears a red alarm
 * only after 10 s of good signal, which is the default `clearHoldMs` here. Pure: the caller
 * passes each observation with its time.
 */
export type AlarmPhase = 'clear' | 'pending-raise' | 'raised' | 'pending-clear';

export interface AlarmTrackerState {
  phase: AlarmPhase;
  /** When the current pending phase began, or when the alarm was raised. */
  since: number;
  raisedAt: number;
}

export interface AlarmHolds {
  raiseHoldMs: number;
  clearHoldMs: number;
}

export type AlarmOutput = { kind: 'none' } | { kind: 'raised'; at: number } | { kind: 'cleared'; at: number; durationMs: number };

type Transition = (s: AlarmTrackerState, now: number, holds: AlarmHolds) => [AlarmTrackerState, AlarmOutput];

const none: AlarmOutput = { kind: 'none' };
const raise = (now: number): [AlarmTrackerState, AlarmOutput] => [{ phase: 'raised', since: now, raisedAt: now }, { kind: 'raised', at: now }];
const clear = (s: AlarmTrackerState, now: number): [AlarmTrackerState, AlarmOutput] => [
  { phase: 'clear', since: now, raisedAt: 0 },
  { kind: 'cleared', at: now, durationMs: now - s.raisedAt },
];

/** The whole machine: phase × (condition present | absent). */
const table: Record<AlarmPhase, { present: Transition; absent: Transition }> = {
  clear: {
    present: (_s, now, h) => (h.raiseHoldMs <= 0 ? raise(now) : [{ phase: 'pending-raise', since: now, raisedAt: 0 }, none]),
    absent: (s) => [s, none],
  },
  'pending-raise': {
    present: (s, now, h) => (now - s.since >= h.raiseHoldMs ? raise(now) : [s, none]),
    // A glitch shorter than the hold never reaches anyone.
    absent: (_s, now) => [{ phase: 'clear', since: now, raisedAt: 0 }, none],
  },
  raised: {
    present: (s) => [s, none],
    absent: (s, now, h) => (h.clearHoldMs <= 0 ? clear(s, now) : [{ ...s, phase: 'pending-clear', since: now }, none]),
  },
  'pending-clear': {
    // Back before the hold ran out: still the same alarm, no new event.
    present: (s) => [{ ...s, phase: 'raised' }, none],
    absent: (s, now, h) => (now - s.since >= h.clearHoldMs ? clear(s, now) : [s, none]),
  },
};

export const initialAlarmState: AlarmTrackerState = { phase: 'clear', since: 0, raisedAt: 0 };

export function stepAlarm(state: AlarmTrackerState, present: boolean, now: number, holds: AlarmHolds): [AlarmTrackerState, AlarmOutput] {
  const row = table[state.phase];
  return (present ? row.present : row.absent)(state, now, holds);
}
