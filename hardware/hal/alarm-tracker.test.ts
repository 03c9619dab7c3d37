import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialAlarmState, stepAlarm, type AlarmHolds, type AlarmOutput, type AlarmTrackerState } from './alarm-tracker.ts';

/** Feeds (time, present) observations and returns what came out, skipping nothing. */
function run(holds: AlarmHolds, observations: [number, boolean][]): string[] {
  let s: AlarmTrackerState = initialAlarmState;
  const out: string[] = [];
  for (const [t, present] of observations) {
    let o: AlarmOutput;
    [s, o] = stepAlarm(s, present, t, holds);
    if (o.kind === 'raised') out.push(`raised@${o.at}`);
    if (o.kind === 'cleared') out.push(`cleared@${o.at}/${o.durationMs}`);
  }
  return out;
}

test('without holds an alarm is raised and cleared on the readings that show it', () => {
  assert.deepEqual(run({ raiseHoldMs: 0, clearHoldMs: 0 }, [[0, false], [1000, true], [2000, true], [3000, false]]), ['raised@1000', 'cleared@3000/2000']);
});

test('a clear shorter than the clear hold does not end the alarm', () => {
  const obs: [number, boolean][] = [[0, true], [1000, false], [5000, true], [6000, false], [15_000, false], [16_000, false]];
  assert.deepEqual(run({ raiseHoldMs: 0, clearHoldMs: 10_000 }, obs), ['raised@0', 'cleared@16000/16000']);
});

test('a glitch shorter than the raise hold never raises', () => {
  assert.deepEqual(run({ raiseHoldMs: 2500, clearHoldMs: 0 }, [[0, true], [1000, true], [2000, false], [3000, true], [5500, true]]), ['raised@5500']);
});
