import { Subject, type Observable } from 'rxjs';
import type { DeviceRef } from '../../protocol/ids.ts';
import type { LiveMetrics, QueueFigures } from '../../protocol/metrics.ts';

/**
 * The fleet's live metrics: the latest sample of each appliance and a short history per queue
 * (for wallboard sparklines), in memory only. Samples arrive every second at QoS 0; losing
 * them on a restart costs a few minutes of sparkline, while writing them would cost a disk
 * write per device per second (DESIGN: per-message state stays in memory).
 */
export interface MetricsStoreOptions {
  now?: () => number;
  /** How much history to keep per queue. */
  historyMs?: number;
  /** One history point per step (the last sample within it). */
  stepMs?: number;
  /** A device whose latest sample is older than this is shown as stale. */
  staleAfterMs?: number;
}

/** One history point: the figures a sparkline draws. */
export interface MetricsPoint {
  at: number;
  waiting: number;
  longestWaitS: number;
  slPct: number | null;
  asaS: number | null;
  ahtS: number | null;
  abandonPct: number | null;
  ready: number;
  busy: number;
  loggedIn: number;
  answered: number;
  abandoned: number;
}

export interface DeviceMetricsView {
  site: string;
  device: string;
  receivedAt: number;
  /** No sample for `staleAfterMs`: the device is offline or its ACD stopped. */
  stale: boolean;
  metrics: LiveMetrics;
  /** Set only on the change emitted when the device is removed. */
  removed?: true;
}

export type ApplyMetricsResult = 'applied' | 'stale';

/** The history key of the appliance totals; queue ids are never empty, so it cannot clash. */
export const TOTALS = '';

interface Entry {
  ref: DeviceRef;
  receivedAt: number;
  metrics: LiveMetrics;
  history: Map<string, MetricsPoint[]>;
}

export function pointOf(f: QueueFigures, at: number): MetricsPoint {
  return {
    at,
    waiting: f.waiting,
    longestWaitS: f.longestWaitS,
    slPct: f.serviceLevel.pct,
    asaS: f.asaS,
    ahtS: f.ahtS,
    abandonPct: f.abandonPct,
    ready: f.agents.ready,
    busy: f.agents.busy,
    loggedIn: f.agents.loggedIn,
    answered: f.today.answered,
    abandoned: f.today.abandoned,
  };
}

const keyOf = (ref: DeviceRef) => `${ref.site}.${ref.device}`;

export class MetricsStore {
  private readonly entries = new Map<string, Entry>();
  private readonly changes = new Subject<DeviceMetricsView>();
  /** A view per accepted sample (and `removed` views), for the live stream. */
  readonly changes$: Observable<DeviceMetricsView> = this.changes.asObservable();
  readonly counters = { applied: 0, stale: 0 };
  private readonly now: () => number;
  private readonly historyMs: number;
  private readonly stepMs: number;
  private readonly staleAfterMs: number;

  constructor(options: MetricsStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.historyMs = options.historyMs ?? 15 * 60_000;
    this.stepMs = options.stepMs ?? 10_000;
    this.staleAfterMs = options.staleAfterMs ?? 5_000;
  }

  /**
   * Keeps a sample unless it is older than the one held from the same boot (QoS 0 may
   * reorder across a reconnect). A new boot restarts the sequence and is always taken.
   */
  apply(ref: DeviceRef, metrics: LiveMetrics, receivedAt: number): ApplyMetricsResult {
    const key = keyOf(ref);
    let entry = this.entries.get(key);
    if (entry && entry.metrics.bootId === metrics.bootId && metrics.seq <= entry.metrics.seq) {
      this.counters.stale++;
      return 'stale';
    }
    if (!entry) this.entries.set(key, (entry = { ref: { site: ref.site, device: ref.device }, receivedAt, metrics, history: new Map() }));
    entry.receivedAt = receivedAt;
    entry.metrics = metrics;
    const live = new Set<string>([TOTALS]);
    this.record(entry.history, TOTALS, pointOf(metrics.totals, receivedAt));
    for (const q of metrics.queues) {
      live.add(q.id);
      this.record(entry.history, q.id, pointOf(q, receivedAt));
    }
    // A queue removed from the configuration keeps its history only until it ages out.
    for (const [id, points] of entry.history) {
      if (live.has(id)) continue;
      this.prune(points, receivedAt);
      if (points.length === 0) entry.history.delete(id);
    }
    this.counters.applied++;
    this.changes.next(this.view(entry));
    return 'applied';
  }

  /** Forgets a removed device. */
  remove(ref: DeviceRef): void {
    const entry = this.entries.get(keyOf(ref));
    if (!entry) return;
    this.entries.delete(keyOf(ref));
    this.changes.next({ ...this.view(entry), removed: true });
  }

  get(ref: DeviceRef): DeviceMetricsView | undefined {
    const entry = this.entries.get(keyOf(ref));
    return entry && this.view(entry);
  }

  /** Every device's latest sample, sorted by site then device; optionally one site's. */
  list(filter: { site?: string } = {}): DeviceMetricsView[] {
    return [...this.entries.values()]
      .filter((e) => filter.site === undefined || e.ref.site === filter.site)
      .sort((a, b) => keyOf(a.ref).localeCompare(keyOf(b.ref)))
      .map((e) => this.view(e));
  }

  /** History points of one queue (or the totals with `TOTALS`), oldest first, within the window. */
  history(ref: DeviceRef, queueId: string = TOTALS): MetricsPoint[] {
    const points = this.entries.get(keyOf(ref))?.history.get(queueId);
    if (!points) return [];
    const since = this.now() - this.historyMs;
    return points.filter((p) => p.at >= since);
  }

  /** Every queue's history of one device, keyed by queue id (`TOTALS` for the appliance). */
  histories(ref: DeviceRef): Record<string, MetricsPoint[]> {
    const entry = this.entries.get(keyOf(ref));
    if (!entry) return {};
    return Object.fromEntries([...entry.history.keys()].map((id) => [id, this.history(ref, id)]));
  }

  private view(e: Entry): DeviceMetricsView {
    return { site: e.ref.site, device: e.ref.device, receivedAt: e.receivedAt, stale: this.now() - e.receivedAt > this.staleAfterMs, metrics: e.metrics };
  }

  private record(history: Map<string, MetricsPoint[]>, id: string, point: MetricsPoint): void {
    let points = history.get(id);
    if (!points) history.set(id, (points = []));
    const last = points.at(-1);
    // One point per step: a sample within the last point's step replaces it.
    if (last && Math.floor(last.at / this.stepMs) === Math.floor(point.at / this.stepMs)) points[points.length - 1] = point;
    else points.push(point);
    this.prune(points, point.at);
  }

  private prune(points: MetricsPoint[], now: number): void {
    const since = now - this.historyMs;
    let drop = 0;
    while (drop < points.length && points[drop]!.at < since) drop++;
    if (drop > 0) points.splice(0, drop);
  }
}
