import type { AgentState } from '../acd/agent-states.ts';
import type { AcdLiveView } from '../acd/live-view.ts';
import type { ContactMetrics } from '../acd/metrics/definitions.ts';
import type { MetricsSnapshot } from '../acd/metrics/metrics-core.ts';
import type { AgentCounts, LiveMetrics, QueueFigures, QueueMetrics } from '../../protocol/metrics.ts';
import { MAX_METRICS_QUEUES } from '../../protocol/metrics.ts';

/**
 * The pure core of the metrics publisher: what the ACD holds now (live view) and what its
 * metrics core counted (today's window) become one `metrics` payload. No I/O, time passed in.
 */
export interface SnapshotInput {
  live: AcdLiveView;
  metrics: MetricsSnapshot;
  now: number;
  seq: number;
  bootId: string;
  /** Service-level threshold the ACD's metrics core uses (its `serviceLevelSeconds`). */
  serviceLevelSeconds: number;
  /** Display names by queue id; a queue without one shows its id. */
  queueNames?: Readonly<Record<string, string>>;
}

/** How the ACD's shown states fold into the wallboard's five: they add up to loggedIn. */
const FOLD: Record<AgentState, keyof AgentCounts | undefined> = {
  'logged-out': undefined,
  ready: 'ready',
  'not-ready': 'notReady',
  away: 'notReady',
  reserved: 'ringing',
  busy: 'busy',
  hold: 'busy',
  'wrap-up': 'wrapUp',
};

export function agentCounts(byState: Partial<Record<AgentState, number>> | undefined): AgentCounts {
  const out: AgentCounts = { loggedIn: 0, ready: 0, notReady: 0, ringing: 0, busy: 0, wrapUp: 0 };
  for (const [state, n] of Object.entries(byState ?? {}) as [AgentState, number][]) {
    const key = FOLD[state];
    if (!key || !n) continue;
    out[key] += n;
    out.loggedIn += n;
  }
  return out;
}

const pct = (ratio: number | null): number | null => (ratio === null ? null : Math.min(100, Math.max(0, Math.round(ratio * 1000) / 10)));
const secs = (s: number | null): number | null => (s === null ? null : Math.max(0, Math.round(s * 10) / 10));

function contactFigures(today: ContactMetrics | undefined, thresholdS: number): Pick<QueueFigures, 'today' | 'serviceLevel' | 'asaS' | 'ahtS' | 'abandonPct'> {
  const t = today ?? { answered: 0, abandoned: 0, shortAbandons: 0, overflowed: 0, handled: 0, serviceLevel: null, asaSeconds: null, ahtSeconds: null, abandonRate: null };
  return {
    today: {
      offered: t.answered + t.abandoned + t.shortAbandons + t.overflowed,
      answered: t.answered,
      abandoned: t.abandoned,
      shortAbandons: t.shortAbandons,
      overflowed: t.overflowed,
      handled: t.handled,
    },
    serviceLevel: { pct: pct(t.serviceLevel), thresholdS },
    asaS: secs(t.asaSeconds),
    ahtS: secs(t.ahtSeconds),
    abandonPct: pct(t.abandonRate),
  };
}

/** Builds the payload of the `metrics` row; queues sorted by id, at most the row's limit. */
export function buildMetricsSnapshot(input: SnapshotInput): LiveMetrics {
  const { live, metrics, now, serviceLevelSeconds: thresholdS } = input;
  const ids = [...new Set([...Object.keys(live.queues), ...Object.keys(metrics.queues)])].sort();
  const all: QueueMetrics[] = ids.map((id) => {
    const l = live.queues[id];
    const m = metrics.queues[id];
    // The metrics snapshot's waiting figures are computed at `now`; the live view may be a tick older.
    const waiting = m?.waiting ?? l?.waiting ?? 0;
    const longestWaitS = m?.longestWaitSeconds ?? Math.floor((l?.longestWaitMs ?? 0) / 1000);
    return {
      id,
      name: input.queueNames?.[id] ?? id,
      waiting,
      longestWaitS: waiting > 0 ? longestWaitS : 0,
      agents: agentCounts(l?.agentsByState),
      ...contactFigures(m?.today, thresholdS),
    };
  });
  const totals: QueueFigures = {
    waiting: all.reduce((n, q) => n + q.waiting, 0),
    longestWaitS: all.reduce((n, q) => Math.max(n, q.longestWaitS), 0),
    agents: agentCounts(metrics.site.agentsByState ?? live.agentsByState),
    ...contactFigures(metrics.site.today.contacts, thresholdS),
  };
  return { ts: now, seq: input.seq, bootId: input.bootId, queues: all.slice(0, MAX_METRICS_QUEUES), totals };
}
