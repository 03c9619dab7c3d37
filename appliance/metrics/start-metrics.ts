import type { AcdClock } from '../acd/acd-adapter.ts';
import type { Logger } from '../log/logger.ts';
import { acdMetricsSource, MetricsPublisher, type AcdLike, type MetricsLink } from './metrics-publisher.ts';

export interface StartMetricsOptions {
  /** The ACD, or a getter for the one telephony runs (undefined until SIP is configured: no samples then). */
  acd: AcdLike | (() => AcdLike | undefined);
  /** The fleet link; absent on an air-gapped appliance (the local wallboard still gets samples). */
  link?: MetricsLink | undefined;
  bootId: string;
  /** Display names by queue id, read at each sample (they follow configuration changes). */
  queueNames?: () => Readonly<Record<string, string>>;
  serviceLevelSeconds?: number;
  intervalMs?: number;
  clock?: AcdClock;
  log?: Logger;
}

export interface RunningMetrics {
  readonly publisher: MetricsPublisher;
  stop(): void;
}

/** What the appliance calls once its ACD exists: samples every second, publishes, keeps the latest. */
export function startMetrics(options: StartMetricsOptions): RunningMetrics {
  const source = acdMetricsSource(options.acd);
  let warned = false;
  const publisher = new MetricsPublisher({
    source,
    ...(options.link ? { link: options.link } : {}),
    bootId: options.bootId,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
    ...(options.serviceLevelSeconds !== undefined ? { serviceLevelSeconds: options.serviceLevelSeconds } : {}),
    ...(options.queueNames ? { queueNames: options.queueNames } : {}),
    onError: (err) => {
      // Once per run: a broken sample repeats every second and would flood the log.
      if (warned) return;
      warned = true;
      options.log?.warn('metrics sample failed', { error: err.message });
    },
  });
  publisher.start();
  return {
    publisher,
    stop() {
      publisher.stop();
      source.close();
    },
  };
}
