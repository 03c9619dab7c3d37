import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { ConsoleAuth } from '../auth/console-auth.ts';
import type { EventStore } from '../events/event-store.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { ConfigService } from '../config/config-service.ts';
import { ConfigRefusedError, GroupExistsError, GroupNotFoundError, PlanChangedError, UnknownDeviceError } from '../config/config-service.ts';
import { TerminalRefusedError, type TerminalRelay } from '../terminal/terminal-relay.ts';
import { InvalidUserError, UserExistsError, UserNotFoundError } from '../auth/user-store.ts';
import { DeviceExistsError, DeviceNotFoundError, InvalidDeviceError, type DeviceRegistry } from '../registry/device-registry.ts';
import { BadRequest, mountRoutes, route, type ApiRoute } from './api-route.ts';
import { openApiDocument } from './openapi.ts';
import { isPublic, requestAuth, type FleetEnv } from './request-auth.ts';
import { loadUiAssets, type UiAsset } from './ui-assets.ts';
import { sessionRoutes } from './routes/session-routes.ts';
import { deviceRoutes } from './routes/device-routes.ts';
import { configRoutes } from './routes/config-routes.ts';
import { BUNDLE_UPLOAD_PATH, rolloutRoutes } from './routes/rollout-routes.ts';
import type { RolloutService } from '../rollouts/rollout-service.ts';
import { operationRoutes, type OperationRouteDeps } from './routes/operation-routes.ts';
import { adminRoutes } from './routes/admin-routes.ts';
import { metricsRoutes } from './routes/metrics-routes.ts';
import { MetricsStore } from '../metrics/metrics-store.ts';

export interface FleetAppDeps {
  registry: Pick<DeviceRegistry, 'list' | 'get' | 'createDevice' | 'removeDevice' | 'rotateSecret' | 'changes$'>;
  events: Pick<EventStore, 'list'>;
  auth: ConsoleAuth;
  audit: AuditLog;
  config: ConfigService;
  commands: OperationRouteDeps['commands'];
  terminals: TerminalRelay;
  /** Live metrics from the appliances, for wallboards; an empty store when absent. */
  metrics?: MetricsStore;
  /** Rollout campaigns; without it their routes answer 503. */
  rollouts?: RolloutService;
  /** Ingest, broker and registry counters for `GET /api/stats`. */
  stats: () => Record<string, number | Record<string, number>>;
  /** Folder of the browser files; defaults to `fleet/ui/`. */
  uiDir?: string;
  /**
   * Believe `x-forwarded-proto` and `x-forwarded-for` (only behind a reverse proxy that sets
   * them): they then decide the cookie's `Secure` flag and the address used to limit logins.
   */
  trustProxy?: boolean;
  /** The peer address of a request; defaults to what @hono/node-server puts in `c.env.incoming`. */
  clientIp?: (c: Context) => string | undefined;
  live?: { heartbeatMs?: number; coalesceMs?: number };
  onError?: (err: unknown, c: Context) => void;
}

/** No route takes more than this; routes set their own lower limits. */
const HARD_BODY_LIMIT = 4 * 1024 * 1024;
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const nodePeer = (c: Context): string | undefined =>
  (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress;

/** xterm.js from node_modules, served to logged-in users (no CDN: the console works offline). */
function vendorAssets(): Map<string, UiAsset> {
  const require = createRequire(import.meta.url);
  const out = new Map<string, UiAsset>();
  try {
    const root = require.resolve('@xterm/xterm/package.json').replace(/package\.json$/, '');
    out.set('xterm.mjs', { body: readFileSync(`${root}lib/xterm.mjs`), contentType: 'text/javascript; charset=utf-8' });
    out.set('xterm.css', { body: readFileSync(`${root}css/xterm.css`), contentType: 'text/css; charset=utf-8' });
  } catch {
    // Without xterm.js the terminal page says so; everything else works.
  }
  return out;
}

/** The fleet console: REST API (described by its OpenAPI document), live streams and browser pages. */
export function createFleetApp(deps: FleetAppDeps): Hono<FleetEnv> {
  const { auth } = deps;
  const assets = loadUiAssets(deps.uiDir);
  const vendor = vendorAssets();
  const isHttps = (c: Context) =>
    new URL(c.req.url).protocol === 'https:' || (deps.trustProxy === true && c.req.header('x-forwarded-proto') === 'https');
  const clientIp = (c: Context) => {
    const forwarded = deps.trustProxy ? c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim() : undefined;
    return forwarded || (deps.clientIp ?? nodePeer)(c) || 'unknown';
  };
  const page = (c: Context, name: string) => {
    const asset = assets.get(name);
    if (!asset) return c.json({ error: 'not-found' }, 404);
    return serve(c, asset);
  };

  const app = new Hono<FleetEnv>();

  app.use('*', async (c, next) => {
    await next();
    c.header('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'no-referrer');
    if (c.req.path.startsWith('/api/') && !c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });
  const hardLimit = bodyLimit({ maxSize: HARD_BODY_LIMIT, onError: (c) => c.json({ error: 'too-large', message: `bodies are limited to ${HARD_BODY_LIMIT} bytes` }, 413) });
  // Bundle uploads (system images) are streamed to disk under their route's own, larger limit.
  app.use('/api/*', (c, next) => (c.req.path === BUNDLE_UPLOAD_PATH ? next() : hardLimit(c, next)));
  app.use('*', requestAuth({ auth, passivePaths: new Set(['/api/live']) }));

  app.onError((err, c) => {
    if (err instanceof BadRequest || err instanceof InvalidDeviceError || err instanceof InvalidUserError) return c.json({ error: 'bad-request', message: err.message }, 400);
    if (err instanceof DeviceExistsError || err instanceof GroupExistsError || err instanceof UserExistsError) return c.json({ error: 'exists', message: err.message }, 409);
    if (err instanceof DeviceNotFoundError || err instanceof GroupNotFoundError || err instanceof UnknownDeviceError || err instanceof UserNotFoundError) return c.json({ error: 'not-found', message: err.message }, 404);
    if (err instanceof PlanChangedError) return c.json({ error: 'plan-changed', message: err.message }, 409);
    if (err instanceof ConfigRefusedError) return c.json({ error: 'invalid-config', message: err.message, issues: err.issues }, 422);
    if (err instanceof TerminalRefusedError) return c.json({ error: err.code, message: err.message }, err.code === 'unknown-session' ? 404 : 403);
    deps.onError?.(err, c);
    return c.json({ error: 'internal', message: 'internal error' }, 500);
  });
  app.notFound((c) => c.json({ error: 'not-found', message: `no route for ${c.req.method} ${c.req.path}` }, 404));

  // --- pages and their files ---
  app.get('/login', (c) => page(c, 'login.html'));
  app.get('/assets/:file', (c) => {
    const name = c.req.param('file');
    const asset = name.endsWith('.html') ? undefined : assets.get(name);
    return asset && isPublic('GET', c.req.path) ? serve(c, asset) : c.json({ error: 'not-found' }, 404);
  });
  app.get('/vendor/:file', (c) => {
    const asset = vendor.get(c.req.param('file'));
    return asset ? serve(c, asset) : c.json({ error: 'not-found' }, 404);
  });
  app.get('/', (c) => page(c, 'index.html'));
  app.get('/wallboard', (c) => page(c, 'wallboard.html'));
  app.get('/device', (c) => page(c, 'device.html'));
  for (const name of ['config', 'audit', 'users', 'terminal', 'rollouts']) app.get(`/${name}`, (c) => page(c, `${name}.html`));

  // --- the REST API, one table ---
  const routes: ApiRoute[] = [
    ...sessionRoutes({ auth, clientIp, isHttps }),
    ...deviceRoutes({ registry: deps.registry, events: deps.events, auth, stats: deps.stats, live: { heartbeatMs: deps.live?.heartbeatMs ?? 15_000, coalesceMs: deps.live?.coalesceMs ?? 250 } }),
    ...configRoutes({ config: deps.config }),
    ...rolloutRoutes({ rollouts: deps.rollouts }),
    ...operationRoutes({ registry: deps.registry, commands: deps.commands, terminals: deps.terminals, clientIp }),
    ...adminRoutes({ auth, audit: deps.audit }),
    ...metricsRoutes({ metrics: deps.metrics ?? new MetricsStore(), registry: deps.registry, auth, live: { heartbeatMs: deps.live?.heartbeatMs ?? 15_000, coalesceMs: deps.live?.coalesceMs ?? 250 } }),
  ];
  let document: Record<string, unknown> | undefined;
  routes.push(
    route({
      method: 'get',
      path: '/api/openapi.json',
      summary: 'This API\'s OpenAPI 3.1 document, generated from its route table and zod schemas',
      tag: 'meta',
      role: 'viewer',
      response: z.record(z.string(), z.unknown()),
      handler: (c) => c.json((document ??= openApiDocument(routes, { title: 'Contact center fleet console API', version: VERSION }))),
    }),
  );
  mountRoutes(app, routes, { audit: deps.audit, clientIp });
  return app;
}

function serve(c: Context, asset: UiAsset): Response {
  c.header('Content-Type', asset.contentType);
  c.header('Cache-Control', 'no-cache');
  return c.body(asset.body as Uint8Array<ArrayBuffer>);
}
