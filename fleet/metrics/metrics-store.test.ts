import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LiveMetrics, QueueFigures } from '../../protocol/metrics.ts';
import { MetricsStore, TOTALS } from './metrics-store.ts';

const ref = { site: 'sh01', device: 'box1' };
const t0 = 1_790_000_000_000;

const figures = (waiting: number): QueueFigures => ({
  waiting,
  longestWaitS: waiting * 10,
  agents: { loggedIn: 3, ready: 1, notReady: 0, ringing: 0, busy: 2, wrapUp: 0 },
  today: { offered: 10, answered: 9, abandoned: 1, shortAbandons: 0, overflowed: 0 },
  serviceLevel: { pct: 90, thresholdS: 20 },
  asaS: 8,
  ahtS: 120,
  abandonPct: 10,
});
const sample = (seq: number, waiting: number, over: Partial<LiveMetrics> = {}): LiveMetrics => ({
  ts: t0 + seq * 1000,
  seq,
  bootId: 'boot-1',
  queues: [{ id: 'sales', name: '销售', ...figures(waiting) }],
  totals: figures(waiting),
  ...over,
});

function store(now = { t: t0 }) {
  return { now, s: new MetricsStore({ now: () => now.t, historyMs: 60_000, stepMs: 10_000, staleAfterMs: 5000 }) };
}

describe('fleet metrics store', () => {
  test('keeps the latest sample per device and emits it as a change', () => {
    const { s } = store();
    const seen: number[] = [];
    s.changes$.subscribe((v) => seen.push(v.metrics.seq));
    assert.equal(s.apply(ref, sample(1, 2), t0), 'applied');
    assert.equal(s.apply(ref, sample(2, 3), t0 + 1000), 'applied');
    assert.equal(s.get(ref)?.metrics.totals.waiting, 3);
    assert.deepEqual(seen, [1, 2]);
  });

  test('an older sample of the same boot is stale; a new boot starts its sequence again', () => {
    const { s } = store();
    s.apply(ref, sample(5, 1), t0);
    assert.equal(s.apply(ref, sample(4, 9), t0 + 10), 'stale');
    assert.equal(s.apply(ref, sample(5, 9), t0 + 10), 'stale');
    assert.equal(s.get(ref)?.metrics.seq, 5);
    assert.equal(s.apply(ref, sample(0, 7, { bootId: 'boot-2' }), t0 + 20), 'applied');
    assert.equal(s.get(ref)?.metrics.totals.waiting, 7);
    assert.equal(s.counters.stale, 2);
  });

  test('history keeps one point per step per queue and forgets what is older than the window', () => {
    const clock = { t: t0 };
    const { s } = store(clock);
    for (let i = 0; i < 90; i++) {
      clock.t = t0 + i * 1000;
      s.apply(ref, sample(i + 1, i), clock.t);
    }
    const sales = s.history(ref, 'sales');
    assert.equal(sales.length, 7); // 60 s window at 10 s steps, the current step included
    assert.deepEqual(sales.map((p) => p.waiting), [29, 39, 49, 59, 69, 79, 89]);
    assert.equal(s.history(ref, TOTALS).length, 7);
    assert.deepEqual(Object.keys(s.histories(ref)).sort(), ['', 'sales']);
    assert.equal(sales.at(-1)!.slPct, 90);
  });

  test('a device not heard from for a while is marked stale', () => {
    const clock = { t: t0 };
    const { s } = store(clock);
    s.apply(ref, sample(1, 1), t0);
    assert.equal(s.get(ref)?.stale, false);
    clock.t = t0 + 6000;
    assert.equal(s.get(ref)?.stale, true);
  });

  test('lists devices by site and forgets a removed device', () => {
    const { s } = store();
    s.apply({ site: 'sh01', device: 'box2' }, sample(1, 1), t0);
    s.apply(ref, sample(1, 1), t0);
    s.apply({ site: 'bj01', device: 'gw' }, sample(1, 1), t0);
    assert.deepEqual(s.list().map((v) => `${v.site}.${v.device}`), ['bj01.gw', 'sh01.box1', 'sh01.box2']);
    assert.deepEqual(s.list({ site: 'sh01' }).map((v) => v.device), ['box1', 'box2']);
    const removed: unknown[] = [];
    s.changes$.subscribe((v) => v.removed && removed.push(v.device));
    s.remove(ref);
    assert.equal(s.get(ref), undefined);
    assert.deepEqual(removed, ['box1']);
  });

  test('a queue gone from the samples keeps its history until it ages out', () => {
    const clock = { t: t0 };
    const { s } = store(clock);
    s.apply(ref, sample(1, 4), clock.t);
    clock.t += 30_000;
    s.apply(ref, sample(2, 1, { queues: [] }), clock.t);
    assert.equal(s.history(ref, 'sales').length, 1);
    clock.t += 61_000;
    s.apply(ref, sample(3, 1, { queues: [] }), clock.t);
    assert.deepEqual(s.history(ref, 'sales'), []);
    assert.deepEqual(Object.keys(s.histories(ref)), ['']);
  });
});
