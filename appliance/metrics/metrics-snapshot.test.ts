import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT_STATES, type AgentState } from '../acd/agent-states.ts';
import type { AcdLiveView } from '../acd/live-view.ts';
import { createMetrics, observeContact, snapshot } from '../acd/metrics/metrics-core.ts';
import type { ContactRecord } from '../acd/commands.ts';
import { LiveMetrics } from '../../protocol/metrics.ts';
import { agentCounts, buildMetricsSnapshot } from './metrics-snapshot.ts';

const now = Date.UTC(2026, 10, 23, 10, 0, 0);
const states = (s: Partial<Record<AgentState, number>>) => Object.fromEntries(AGENT_STATES.map((k) => [k, s[k] ?? 0])) as Record<AgentState, number>;

const live: AcdLiveView = {
  at: now,
  agentsByState: states({ 'logged-out': 4, ready: 2, 'not-ready': 1, away: 1, reserved: 1, busy: 2, hold: 1, 'wrap-up': 1 }),
  queues: {
    sales: { waiting: 3, longestWaitMs: 47_900, loggedIn: 6, agentsByState: states({ ready: 1, reserved: 1, busy: 2, hold: 1, 'wrap-up': 1 }) },
    support: { waiting: 0, longestWaitMs: 0, loggedIn: 3, agentsByState: states({ ready: 1, 'not-ready': 1, away: 1 }) },
  },
};

const contact = (kind: ContactRecord['kind'], queueId: string, waitMs: number, extra: Partial<ContactRecord> = {}): ContactRecord => ({
  kind, contactId: `c${Math.random()}`, queueId, channel: 'voice', at: now - 60_000, waitMs, ...extra,
});

function metricsWith(records: ContactRecord[]) {
  const m = createMetrics({ site: 'sh01' }, now - 3600_000);
  for (const r of records) observeContact(m, r);
  return snapshot(m, now, live);
}

describe('metrics snapshot builder', () => {
  test('folds the ACD states into five that add up to the logged-in agents', () => {
    assert.deepEqual(agentCounts(live.agentsByState), { loggedIn: 9, ready: 2, notReady: 2, ringing: 1, busy: 3, wrapUp: 1 });
    assert.deepEqual(agentCounts(undefined), { loggedIn: 0, ready: 0, notReady: 0, ringing: 0, busy: 0, wrapUp: 0 });
  });

  test('computes per-queue service level, ASA, AHT and abandonment from today\'s records', () => {
    const metrics = metricsWith([
      contact('answered', 'sales', 10_000),
      contact('answered', 'sales', 30_000),
      contact('answered', 'sales', 5_000),
      contact('handled', 'sales', 10_000, { talkMs: 100_000, holdMs: 20_000, wrapUpMs: 30_000 }),
      contact('abandoned', 'sales', 40_000),
      contact('abandoned', 'sales', 2_000), // short abandon: counted apart, in no ratio
    ]);
    const out = buildMetricsSnapshot({ live, metrics, now, seq: 4, bootId: 'boot-1', serviceLevelSeconds: 20, queueNames: { sales: '销售热线' } });
    const sales = out.queues.find((q) => q.id === 'sales')!;
    assert.equal(sales.name, '销售热线');
    assert.equal(sales.waiting, 3);
    assert.equal(sales.longestWaitS, 47);
    assert.deepEqual(sales.agents, { loggedIn: 6, ready: 1, notReady: 0, ringing: 1, busy: 3, wrapUp: 1 });
    assert.deepEqual(sales.today, { offered: 5, answered: 3, abandoned: 1, shortAbandons: 1, overflowed: 0, handled: 1 });
    assert.deepEqual(sales.serviceLevel, { pct: 66.7, thresholdS: 20 });
    assert.equal(sales.asaS, 15);
    assert.equal(sales.ahtS, 150);
    assert.equal(sales.abandonPct, 25);
    assert.equal(out.seq, 4);
    assert.equal(out.ts, now);
    assert.equal(out.bootId, 'boot-1');
  });

  test('a queue with nothing counted yet shows null figures, not zero per cent', () => {
    const out = buildMetricsSnapshot({ live, metrics: metricsWith([]), now, seq: 0, bootId: 'b', serviceLevelSeconds: 30 });
    const support = out.queues.find((q) => q.id === 'support')!;
    assert.equal(support.name, 'support');
    assert.deepEqual(support.serviceLevel, { pct: null, thresholdS: 30 });
    assert.equal(support.asaS, null);
    assert.equal(support.ahtS, null);
    assert.equal(support.abandonPct, null);
    assert.equal(support.longestWaitS, 0);
    assert.deepEqual(support.agents, { loggedIn: 3, ready: 1, notReady: 2, ringing: 0, busy: 0, wrapUp: 0 });
  });

  test('the totals count every agent once and every queue\'s contacts', () => {
    const metrics = metricsWith([contact('answered', 'sales', 10_000), contact('answered', 'support', 25_000), contact('overflowed', 'support', 90_000)]);
    const out = buildMetricsSnapshot({ live, metrics, now, seq: 1, bootId: 'b', serviceLevelSeconds: 20 });
    assert.deepEqual(out.totals.agents, agentCounts(live.agentsByState));
    assert.equal(out.totals.waiting, 3);
    assert.equal(out.totals.longestWaitS, 47);
    assert.deepEqual(out.totals.today, { offered: 3, answered: 2, abandoned: 0, shortAbandons: 0, overflowed: 1, handled: 0 });
    assert.equal(out.totals.serviceLevel.pct, 50);
    assert.equal(out.totals.asaS, 17.5);
  });

  test('what it builds is a valid payload of the metrics row, queues in id order', () => {
    const out = buildMetricsSnapshot({ live, metrics: metricsWith([contact('answered', 'zeta', 1000)]), now, seq: 9, bootId: 'b', serviceLevelSeconds: 20 });
    assert.deepEqual(out.queues.map((q) => q.id), ['sales', 'support', 'zeta']);
    assert.equal(LiveMetrics.safeParse(out).success, true);
  });
});
