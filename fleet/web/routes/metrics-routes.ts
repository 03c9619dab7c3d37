import { filter, map } from 'rxjs';
import { z } from 'zod';
import { Id } from '../../../protocol/ids.ts';
import { LiveMetrics } from '../../../protocol/metrics.ts';
import type { ConsoleAuth } from '../../auth/console-auth.ts';
import type { DeviceRegistry } from '../../registry/device-registry.ts';
import { TOTALS, type DeviceMetricsView, type MetricsStore } from '../../metrics/metrics-store.ts';
import { liveStream } from '../live-stream.ts';
import { route, type ApiRoute } from '../api-route.ts';

const DeviceParams = z.object({ site: Id, device: Id });
const SiteQuery = z.object({ site: Id.optional() });
const HistoryQuery = z.object({ queue: z.string().min(1).max(64).optional() });

const Point = z.object({ at: z.number(), waiting: z.number(), longestWaitS: z.number(), slPct: z.number().nullable(), asaS: z.number().nullable(), ahtS: z.number().nullable(), abandonPct: z.number().nullable(), ready: z.number(), busy: z.number(), loggedIn: z.number(), answered: z.number(), abandoned: z.number() });
const MetricsView = z.object({ site: z.string(), device: z.string(), name: z.string().optional(), receivedAt: z.number(), stale: z.boolean(), metrics: LiveMetrics });

export interface MetricsRouteDeps {
  metrics: MetricsStore;
  registry: Pick<DeviceRegistry, 'get'>;
  auth: ConsoleAuth;
  live: { heartbeatMs: number; coalesceMs: number };
}

/** Wallboard data: the latest sample of each appliance, queue histories, and a live stream of samples. */
export function metricsRoutes({ metrics, registry, auth, live }: MetricsRouteDeps): ApiRoute[] {
  // The device's display name rides along, so a wallboard needs no second request.
  const named = (v: DeviceMetricsView) => {
    const name = registry.get(v)?.name;
    return name ? { ...v, name } : v;
  };
  return [
    route({
      method: 'get',
      path: '/api/metrics',
      summary: 'The latest live metrics of every appliance (or of one site), per queue and in total',
      tag: 'metrics',
      role: 'viewer',
      query: SiteQuery,
      response: z.object({ devices: z.array(MetricsView) }),
      handler: (c, { query }) => c.json({ devices: metrics.list(query.site ? { site: query.site } : {}).map(named) }),
    }),
    route({
      method: 'get',
      path: '/api/metrics/live',
      summary: 'Server-sent events: a snapshot of every appliance\'s latest metrics (or one site\'s), then a `metrics` event per sample (latest per appliance)',
      tag: 'metrics',
      role: 'viewer',
      query: SiteQuery,
      produces: 'text/event-stream',
      handler: (c, { query }) => {
        const token = c.get('auth').token;
        const site = query.site;
        return liveStream(c, {
          list: () => metrics.list(site ? { site } : {}).map(named),
          changes$: metrics.changes$.pipe(
            filter((v) => site === undefined || v.site === site),
            map((v) => (v.removed ? v : named(v))),
          ),
          event: 'metrics',
          stillAuthorised: () => auth.authenticate(token, false) !== undefined,
          ...live,
        });
      },
    }),
    route({
      method: 'get',
      path: '/api/metrics/:site/:device',
      summary: 'One appliance\'s latest metrics and the recent history of each queue (key "" is the appliance total)',
      tag: 'metrics',
      role: 'viewer',
      params: DeviceParams,
      response: MetricsView.extend({ history: z.record(z.string(), z.array(Point)) }),
      handler: (c, { params }) => {
        const view = metrics.get(params);
        if (!view) return c.json({ error: 'not-found', message: `no metrics from ${params.site}.${params.device}` }, 404);
        return c.json({ ...named(view), history: metrics.histories(params) });
      },
    }),
    route({
      method: 'get',
      path: '/api/metrics/:site/:device/history',
      summary: 'The recent history of one queue (or of the appliance total without `queue`), oldest first',
      tag: 'metrics',
      role: 'viewer',
      params: DeviceParams,
      query: HistoryQuery,
      response: z.object({ queue: z.string(), points: z.array(Point) }),
      handler: (c, { params, query }) => c.json({ queue: query.queue ?? TOTALS, points: metrics.history(params, query.queue ?? TOTALS) }),
    }),
  ];
}
