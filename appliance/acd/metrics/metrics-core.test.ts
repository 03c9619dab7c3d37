import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { ContactRecord } from '../commands.ts';
import { count, derive, emptyCounters, DEFAULT_DEFINITIONS, type ServiceLevelFormula } from './definitions.ts';
import { createMetrics, localDayStart, observeAgentState, observeContact, snapshot } from './metrics-core.ts';
import { AcdHarness } from '../harness.ts';
import { liveView } from '../live-view.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const rec = (kind: ContactRecord['kind'], waitS: number, extra: Partial<ContactRecord> = {}): ContactRecord => ({
  kind, contactId: `c${Math.random()}`, queueId: 'q1', channel: 'voice', at: T0, waitMs: waitS * 1000, ...extra,
});

describe('metric definitions', () => {
  // 4 answered (3 within 20 s), 3 abandoned (1 within 20 s, 2 after), 1 short abandon (2 s), 1 overflow
  const sample = [rec('answered', 5), rec('answered', 10), rec('answered', 20), rec('answered', 45), rec('abandoned', 12), rec('abandoned', 30), rec('abandoned', 60), rec('abandoned', 2), rec('overflowed', 90)];
  const expected: [ServiceLevelFormula, number][] = [
    ['answered', 3 / 4],
    ['offered', 3 / 7],
    ['offered-excluding-early-abandons', 3 / 6],
    ['abandons-within-positive', 4 / 7],
  ];
  for (const [formula, sl] of expected) {
    test(`service level "${formula}" counts as its vendors do, short abandons excluded`, () => {
      const c = emptyCounters();
      const d = { ...DEFAULT_DEFINITIONS, serviceLevelFormula: formula };
      for (const r of sample) count(c, r, d);
      assert.equal(derive(c, d).serviceLevel, sl);
    });
  }

  test('ASA, AHT (talk + hold + wrap-up) and abandonment rate', () => {
    const c = emptyCounters();
    for (const r of sample) count(c, r, DEFAULT_DEFINITIONS);
    count(c, rec('handled', 5, { talkMs: 100_000, holdMs: 20_000, wrapUpMs: 30_000 }), DEFAULT_DEFINITIONS);
    count(c, rec('handled', 5, { talkMs: 50_000, holdMs: 0, wrapUpMs: 0 }), DEFAULT_DEFINITIONS);
    const m = derive(c, DEFAULT_DEFINITIONS);
    assert.equal(m.asaSeconds, (5 + 10 + 20 + 45) / 4);
    assert.equal(m.ahtSeconds, 100);
    assert.equal(m.abandonRate, 3 / 7);
    assert.equal(m.shortAbandons, 1);
    assert.equal(m.overflowed, 1);
  });

  test('nothing counted gives null, not zero or NaN', () => {
    const m = derive(emptyCounters(), DEFAULT_DEFINITIONS);
    assert.equal(m.serviceLevel, null);
    assert.equal(m.ahtSeconds, null);
  });
});

describe('rolling windows', () => {
  test('the window keeps the last 15 minutes while today keeps the whole day', () => {
    const m = createMetrics({}, T0);
    observeContact(m, rec('answered', 5, { at: T0 }));
    observeContact(m, rec('answered', 50, { at: T0 + 10 * 60_000 }));
    const at20 = snapshot(m, T0 + 20 * 60_000);
    assert.equal(at20.queues.q1!.window.answered, 1);
    assert.equal(at20.queues.q1!.window.serviceLevel, 0);
    assert.equal(at20.queues.q1!.today.answered, 2);
    assert.equal(at20.site.today.contacts.serviceLevel, 0.5);
  });

  test('today starts again at local midnight', () => {
    const offset = 8 * 60; // UTC+8
    const m = createMetrics({ utcOffsetMinutes: offset }, T0);
    const midnight = localDayStart(T0, offset) + 86_400_000;
    observeContact(m, rec('answered', 5, { at: midnight - 1000 }));
    assert.equal(snapshot(m, midnight - 1).site.today.contacts.answered, 1);
    assert.equal(snapshot(m, midnight + 1).site.today.contacts.answered, 0);
    assert.equal(new Date(midnight + offset * 60_000).getUTCHours(), 0);
  });

  test('occupancy is handling time over staffed time, in the window and today', () => {
    const m = createMetrics({}, T0);
    const s = (from: string, to: string, min: number) => observeAgentState(m, { agentId: 'a', from: from as never, to: to as never, at: T0 + min * 60_000 });
    s('logged-out', 'ready', 0);
    s('ready', 'busy', 10);
    s('busy', 'wrap-up', 25);
    s('wrap-up', 'ready', 30);
    s('ready', 'not-ready', 35);
    const snap = snapshot(m, T0 + 40 * 60_000);
    // window 25..40: wrap-up 25-30 (5), ready 30-35 (5), not ready 35-40 (not staffed)
    assert.equal(snap.site.window.occupancy, 5 / 10);
    // today 0..40: ready 10 + 5, handling 15 + 5
    assert.equal(snap.site.today.occupancy, 20 / 35);
  });

  test('a snapshot joins the live view: agents by state, waiting and longest wait', () => {
    const h = new AcdHarness({ skills: ['en'], agents: [{ id: 'a', skills: { en: 1 } }], queues: [{ id: 'q1', skills: [{ skill: 'en' }] }] }, { start: T0 });
    h.send({ type: 'AgentLoggedIn', agentId: 'a' });
    h.send({ type: 'ContactArrived', contactId: 'c', queueId: 'q1', channel: 'voice' });
    h.advance(42_000);
    const m = createMetrics({}, T0);
    const snap = snapshot(m, h.now, liveView(h.state, h.now));
    assert.equal(snap.site.agentsByState?.['not-ready'], 1);
    assert.equal(snap.queues.q1!.waiting, 1);
    assert.equal(snap.queues.q1!.longestWaitSeconds, 42);
  });
});
