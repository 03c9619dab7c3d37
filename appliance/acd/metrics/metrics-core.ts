import type { AgentStateRecord, ContactRecord } from '../commands.ts';
import type { AgentState } from '../agent-states.ts';
import type { AcdLiveView } from '../live-view.ts';
import { count, derive, emptyCounters, DEFAULT_DEFINITIONS, type ContactMetrics, type Counters, type MetricDefinitions } from './definitions.ts';

/**
 * Rolling metrics from the ACD's Record* commands: a sliding window (last 15 minutes by
 * default, exact: records are kept for the window) and "today" (counters since local
 * midnight), per queue and for the whole site. Pure: time comes with each call.
 */
export interface MetricsOptions extends MetricDefinitions {
  site: string;
  windowMs: number;
  /** Local time minus UTC, in minutes, to know where "today" starts. */
  utcOffsetMinutes: number;
}

export const DEFAULT_METRICS_OPTIONS: MetricsOptions = {
  ...DEFAULT_DEFINITIONS,
  site: 'site',
  windowMs: 15 * 60_000,
  utcOffsetMinutes: 0,
};

const HANDLING: ReadonlySet<AgentState> = new Set(['busy', 'hold', 'wrap-up']);
const STAFFED: ReadonlySet<AgentState> = new Set(['ready', 'reserved', 'busy', 'hold', 'wrap-up']);

interface Segment {
  from: number;
  to: number;
  state: AgentState;
}

export interface MetricsState {
  options: MetricsOptions;
  dayStart: number;
  recent: ContactRecord[];
  today: Map<string, Counters>;
  agents: Map<string, { state: AgentState; since: number; segments: Segment[] }>;
  /** Milliseconds agents spent in each state since dayStart (closed segments). */
  todayStateMs: Map<AgentState, number>;
}

export interface Window {
  contacts: ContactMetrics;
  /** handling (busy + hold + wrap-up) over staffed time (ready, ringing or handling); null if none. */
  occupancy: number | null;
}

export interface MetricsSnapshot {
  at: number;
  site: { id: string; window: Window; today: Window; agentsByState?: Record<AgentState, number> };
  queues: Record<string, { window: ContactMetrics; today: ContactMetrics; waiting?: number; longestWaitSeconds?: number }>;
}

export function localDayStart(now: number, utcOffsetMinutes: number): number {
  const off = utcOffsetMinutes * 60_000;
  return Math.floor((now + off) / 86_400_000) * 86_400_000 - off;
}

export function createMetrics(options: Partial<MetricsOptions> = {}, now = 0): MetricsState {
  const o = { ...DEFAULT_METRICS_OPTIONS, ...options };
  return { options: o, dayStart: localDayStart(now, o.utcOffsetMinutes), recent: [], today: new Map(), agents: new Map(), todayStateMs: new Map() };
}

function rollDay(m: MetricsState, now: number): void {
  const start = localDayStart(now, m.options.utcOffsetMinutes);
  if (start <= m.dayStart) return;
  m.dayStart = start;
  m.today.clear();
  m.todayStateMs.clear();
}

export function observeContact(m: MetricsState, r: ContactRecord): void {
  rollDay(m, r.at);
  m.recent.push(r);
  let c = m.today.get(r.queueId);
  if (!c) m.today.set(r.queueId, (c = emptyCounters()));
  count(c, r, m.options);
}

export function observeAgentState(m: MetricsState, r: AgentStateRecord): void {
  rollDay(m, r.at);
  const a = m.agents.get(r.agentId);
  if (a) {
    const from = Math.max(a.since, m.dayStart);
    if (r.at > from) m.todayStateMs.set(a.state, (m.todayStateMs.get(a.state) ?? 0) + (r.at - from));
    a.segments.push({ from: a.since, to: r.at, state: a.state });
    a.state = r.to;
    a.since = r.at;
  } else m.agents.set(r.agentId, { state: r.to, since: r.at, segments: [] });
}

function occupancy(handling: number, staffed: number): number | null {
  return staffed > 0 ? handling / staffed : null;
}

export function snapshot(m: MetricsState, now: number, live?: AcdLiveView): MetricsSnapshot {
  rollDay(m, now);
  const o = m.options;
  const since = now - o.windowMs;
  let drop = 0;
  while (drop < m.recent.length && m.recent[drop]!.at < since) drop++;
  if (drop > 0) m.recent.splice(0, drop);
  const windowCounters = new Map<string, Counters>();
  const siteWindow = emptyCounters();
  for (const r of m.recent) {
    let c = windowCounters.get(r.queueId);
    if (!c) windowCounters.set(r.queueId, (c = emptyCounters()));
    count(c, r, o);
    count(siteWindow, r, o);
  }
  const siteToday = emptyCounters();
  for (const c of m.today.values()) for (const k of Object.keys(c) as (keyof Counters)[]) siteToday[k] += c[k];

  // Agent time: closed segments clipped to each window, plus the open one up to now.
  let wHandling = 0, wStaffed = 0, tHandling = 0, tStaffed = 0;
  for (const [s, ms] of m.todayStateMs) {
    if (HANDLING.has(s)) tHandling += ms;
    if (STAFFED.has(s)) tStaffed += ms;
  }
  for (const a of m.agents.values()) {
    a.segments = a.segments.filter((seg) => seg.to > since);
    const open: Segment = { from: a.since, to: now, state: a.state };
    for (const seg of [...a.segments, open]) {
      const ms = Math.max(0, seg.to - Math.max(seg.from, since));
      if (HANDLING.has(seg.state)) wHandling += ms;
      if (STAFFED.has(seg.state)) wStaffed += ms;
    }
    const openToday = Math.max(0, now - Math.max(a.since, m.dayStart));
    if (HANDLING.has(a.state)) tHandling += openToday;
    if (STAFFED.has(a.state)) tStaffed += openToday;
  }

  const queues: MetricsSnapshot['queues'] = {};
  const ids = new Set([...m.today.keys(), ...windowCounters.keys(), ...Object.keys(live?.queues ?? {})]);
  for (const id of ids) {
    const q: MetricsSnapshot['queues'][string] = {
      window: derive(windowCounters.get(id) ?? emptyCounters(), o),
      today: derive(m.today.get(id) ?? emptyCounters(), o),
    };
    const l = live?.queues[id];
    if (l) {
      q.waiting = l.waiting;
      q.longestWaitSeconds = Math.floor(l.longestWaitMs / 1000);
    }
    queues[id] = q;
  }
  const site: MetricsSnapshot['site'] = {
    id: o.site,
    window: { contacts: derive(siteWindow, o), occupancy: occupancy(wHandling, wStaffed) },
    today: { contacts: derive(siteToday, o), occupancy: occupancy(tHandling, tStaffed) },
  };
  if (live) site.agentsByState = live.agentsByState;
  return { at: now, site, queues };
}
