import { z } from 'zod';
import { Id } from '../../../protocol/ids.ts';
import type { DeviceRegistry } from '../../registry/device-registry.ts';
import type { EventStore } from '../../events/event-store.ts';
import { MAX_EVENT_PAGE } from '../../events/event-store.ts';
import { liveStream } from '../live-stream.ts';
import { route, type ApiRoute } from '../api-route.ts';
import type { ConsoleAuth } from '../../auth/console-auth.ts';

export const DeviceParams = z.object({ site: Id, device: Id });
const CreateDevice = z.strictObject({ site: Id, device: Id, name: z.string().trim().min(1).max(128) });
const EventQuery = z.object({
  site: Id.optional(),
  device: Id.optional(),
  type: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_EVENT_PAGE).optional(),
  beforeId: z.coerce.number().int().positive().optional(),
});
const DeviceView = z.object({ site: z.string(), device: z.string(), name: z.string(), createdAt: z.number(), status: z.string() }).loose();
const EventPage = z.object({ events: z.array(z.object({ id: z.number(), site: z.string(), device: z.string(), type: z.string() }).loose()), nextBeforeId: z.number().optional() });

export interface DeviceRouteDeps {
  registry: Pick<DeviceRegistry, 'list' | 'get' | 'createDevice' | 'removeDevice' | 'rotateSecret' | 'changes$'>;
  events: Pick<EventStore, 'list'>;
  auth: ConsoleAuth;
  stats: () => Record<string, number | Record<string, number>>;
  live: { heartbeatMs: number; coalesceMs: number };
}

function eventPage<E extends { id: number }>(list: E[]): { events: E[]; nextBeforeId?: number } {
  const last = list.at(-1);
  return last ? { events: list, nextBeforeId: last.id } : { events: list };
}

export function deviceRoutes({ registry, events, auth, stats, live }: DeviceRouteDeps): ApiRoute[] {
  const notFound = (ref: { site: string; device: string }) => ({ error: 'not-found', message: `no device ${ref.site}.${ref.device}` });
  return [
    route({ method: 'get', path: '/api/devices', summary: 'Every device with its live state', tag: 'devices', role: 'viewer', response: z.object({ devices: z.array(DeviceView) }), handler: (c) => c.json({ devices: registry.list() }) }),
    route({
      method: 'post',
      path: '/api/devices',
      summary: 'Create a device; its broker secret is shown once',
      tag: 'devices',
      role: 'admin',
      audit: 'device.create',
      body: CreateDevice,
      status: 201,
      response: z.object({ device: DeviceView, secret: z.string() }),
      handler: async (c, { body }) => c.json(await registry.createDevice(body), 201),
    }),
    route({
      method: 'get',
      path: '/api/devices/:site/:device',
      summary: 'One device with its live state',
      tag: 'devices',
      role: 'viewer',
      params: DeviceParams,
      response: DeviceView,
      handler: (c, { params }) => {
        const view = registry.get(params);
        return view ? c.json(view) : c.json(notFound(params), 404);
      },
    }),
    route({
      method: 'delete',
      path: '/api/devices/:site/:device',
      summary: 'Remove a device (its broker connection is dropped)',
      tag: 'devices',
      role: 'admin',
      audit: 'device.remove',
      params: DeviceParams,
      status: 204,
      handler: async (c, { params }) => ((await registry.removeDevice(params)) ? c.body(null, 204) : c.json(notFound(params), 404)),
    }),
    route({
      method: 'post',
      path: '/api/devices/:site/:device/secret',
      summary: 'Rotate a device\'s broker secret; the new one is shown once',
      tag: 'devices',
      role: 'admin',
      audit: 'device.rotate-secret',
      params: DeviceParams,
      response: z.object({ secret: z.string() }),
      handler: async (c, { params }) => c.json({ secret: await registry.rotateSecret(params) }),
    }),
    route({
      method: 'get',
      path: '/api/devices/:site/:device/events',
      summary: 'A device\'s events, newest first',
      tag: 'events',
      role: 'viewer',
      params: DeviceParams,
      query: EventQuery.omit({ site: true, device: true }),
      response: EventPage,
      handler: (c, { params, query }) => c.json(eventPage(events.list({ ...query, ...params }))),
    }),
    route({ method: 'get', path: '/api/events', summary: 'Events of all devices, newest first', tag: 'events', role: 'viewer', query: EventQuery, response: EventPage, handler: (c, { query }) => c.json(eventPage(events.list(query))) }),
    route({ method: 'get', path: '/api/stats', summary: 'Ingest, broker and registry counters', tag: 'devices', role: 'viewer', response: z.record(z.string(), z.unknown()), handler: (c) => c.json(stats()) }),
    route({
      method: 'get',
      path: '/api/live',
      summary: 'Server-sent events: a snapshot of every device, then each change',
      tag: 'devices',
      role: 'viewer',
      produces: 'text/event-stream',
      handler: (c) => {
        const token = c.get('auth').token;
        return liveStream(c, { list: () => registry.list(), changes$: registry.changes$, stillAuthorised: () => auth.authenticate(token, false) !== undefined, ...live });
      },
    }),
  ];
}
