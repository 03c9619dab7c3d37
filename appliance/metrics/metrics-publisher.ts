import { BehaviorSubject, type Observable, type Subscription } from 'rxjs';
import type { AcdLiveView } from '../acd/live-view.ts';
import type { MetricsSnapshot } from '../acd/metrics/metrics-core.ts';
import { DEFAULT_DEFINITIONS } from '../acd/metrics/definitions.ts';
import type { AcdAdapter, AcdClock } from '../acd/acd-adapter.ts';
import { systemClock } from '../acd/acd-adapter.ts';
import type { LiveMetrics } from '../../protocol/metrics.ts';
import { buildMetricsSnapshot } from './metrics-snapshot.ts';

/** Where the ACD's figures come from: an `AcdAdapter` fits through `acdMetricsSource`. */
export interface MetricsSource {
  /** What the ACD holds now (agents by state per queue, waiting); undefined while there is no ACD (no sample then). */
  live(): AcdLiveView | undefined;
  /** The metrics core's snapshot at this moment. */
  metrics(): MetricsSnapshot;
}

/** The one method of FleetLink the publisher needs; false when not connected (the sample is dropped). */
export interface MetricsLink {
  publish(name: 'metrics', payload: LiveMetrics): boolean;
}

export interface MetricsPublisherOptions {
  source: MetricsSource;
  /** Absent on an air-gapped appliance: samples are still taken for the local wallboard. */
  link?: MetricsLink;
  bootId: string;
  clock?: AcdClock;
  intervalMs?: number;
  serviceLevelSeconds?: number;
  queueNames?: () => Readonly<Record<string, string>>;
  onError?: (error: Error) => void;
}

export interface MetricsPublisherCounters {
  samples: number;
  published: number;
  /** Samples not sent because the broker was away: QoS 0, no outbox (DESIGN: live metrics may be dropped). */
  dropped: number;
  errors: number;
}

/**
 * Samples the ACD every second, publishes each sample on the `metrics` row (QoS 0) when the
 * fleet link is up, and keeps the latest one for the appliance's own wallboard (`latest`,
 * `latest$`), which works the same on an air-gapped site.
 */
export class MetricsPublisher {
  readonly counters: MetricsPublisherCounters = { samples: 0, published: 0, dropped: 0, errors: 0 };
  private readonly clock: AcdClock;
  private readonly subject = new BehaviorSubject<LiveMetrics | undefined>(undefined);
  readonly latest$: Observable<LiveMetrics | undefined> = this.subject.asObservable();
  private timer: unknown;
  private seq = 0;
  private running = false;

  constructor(private readonly options: MetricsPublisherOptions) {
    this.clock = options.clock ?? systemClock;
  }

  get latest(): LiveMetrics | undefined {
    return this.subject.value;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.sample();
    this.schedule();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.clock.clearTimeout(this.timer);
    this.subject.complete();
  }

  /** Takes one sample and publishes it; public so a caller can push one at once (tests, a state change). */
  sample(): LiveMetrics | undefined {
    const o = this.options;
    let payload: LiveMetrics;
    try {
      const live = o.source.live();
      if (!live) return undefined;
      payload = buildMetricsSnapshot({
        live,
        metrics: o.source.metrics(),
        now: this.clock.now(),
        seq: this.seq++,
        bootId: o.bootId,
        serviceLevelSeconds: o.serviceLevelSeconds ?? DEFAULT_DEFINITIONS.serviceLevelSeconds,
        queueNames: o.queueNames?.() ?? {},
      });
    } catch (err) {
      this.counters.errors++;
      o.onError?.(err as Error);
      return undefined;
    }
    this.counters.samples++;
    this.subject.next(payload);
    if (o.link) {
      try {
        if (o.link.publish('metrics', payload)) this.counters.published++;
        else this.counters.dropped++;
      } catch (err) {
        this.counters.errors++;
        o.onError?.(err as Error);
      }
    }
    return payload;
  }

  private schedule(): void {
    // Re-armed after each sample (not setInterval) so a virtual clock drives it one tick at a time.
    this.timer = this.clock.setTimeout(() => {
      if (!this.running) return;
      this.sample();
      this.schedule();
    }, this.options.intervalMs ?? 1000);
  }
}

export type AcdLike = Pick<AcdAdapter, 'live$' | 'metrics'>;

/**
 * Reads an `AcdAdapter`: its metrics snapshot is computed on demand; the per-queue agent
 * counts come from its `live$` stream, which the adapter refreshes on its own tick. Given a
 * getter, it follows the ACD as telephony starts it (when SIP gets configured) or replaces it,
 * and yields no sample while there is none.
 */
export function acdMetricsSource(acd: AcdLike | (() => AcdLike | undefined)): MetricsSource & { close(): void } {
  const current = typeof acd === 'function' ? acd : () => acd;
  let followed: AcdLike | undefined;
  let sub: Subscription | undefined;
  let live: AcdLiveView | undefined;
  const follow = (): AcdLike | undefined => {
    const now = current();
    if (now !== followed) {
      sub?.unsubscribe();
      live = undefined;
      followed = now;
      sub = now?.live$.subscribe({ next: (v) => (live = v), complete: () => (live = undefined) });
    }
    return now;
  };
  return {
    live: () => (follow() ? live : undefined),
    metrics: () => follow()!.metrics(),
    close: () => sub?.unsubscribe(),
  };
}
