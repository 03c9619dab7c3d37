import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { Id } from '../../protocol/ids.ts';
import { describeIssues } from '../../protocol/decode.ts';
import type { ConsoleAuth } from '../auth/console-auth.ts';
import type { EventStore } from '../events/event-store.ts';
import { MAX_EVENT_PAGE } from '../events/event-store.ts';
import { DeviceExistsError, DeviceNotFoundError, InvalidDeviceError, type DeviceRegistry } from '../registry/device-registry.ts';
import { liveStream } from './live-stream.ts';
import { clearSessionCookie, isPublic, requestAuth, requireRole, setSessionCookie, type FleetEnv } from './request-auth.ts';
import { loadUiAssets, type UiAsset } from './ui-assets.ts';

export interface FleetAppDeps {
  registry: Pick<DeviceRegistry, 'list' | 'get' | 'createDevice' | 'removeDevice' | 'rotateSecret' | 'changes$'>;
  events: Pick<EventStore, 'list'>;
  auth: ConsoleAuth;
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

const JSON_LIMIT_BYTES = 64 * 1024;

const Login = z.object({ username: z.string().min(1).max(128), password: z.string().min(1).max(1024) });
const CreateDevice = z.strictObject({ site: Id, device: Id, name: z.string().trim().min(1).max(128) });
const DeviceParams = z.object({ site: Id, device: Id });
const EventQuery = z.object({
  site: Id.optional(),
  device: Id.optional(),
  type: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_EVENT_PAGE).optional(),
  beforeId: z.coerce.number().int().positive().optional(),
});

class BadRequest extends Error {
  override name = 'BadRequest';
}

async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  // Requiring JSON also makes a cross-site form post impossible without a CORS preflight.
  if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
    throw new BadRequest('the body must be application/json');
  }
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new BadRequest('the body is not valid JSON');
  }
  return parse(schema, raw);
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new BadRequest(describeIssues(result.error));
  return result.data;
}

const nodePeer = (c: Context): string | undefined =>
  (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress;

/** The fleet console: REST API, live stream and browser pages, on Web-standard handlers. */
export function createFleetApp(deps: FleetAppDeps): Hono<FleetEnv> {
  const { registry, events, auth } = deps;
  const assets = loadUiAssets(deps.uiDir);
  const heartbeatMs = deps.live?.heartbeatMs ?? 15_000;
  const coalesceMs = deps.live?.coalesceMs ?? 250;

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
  app.use('/api/*', bodyLimit({ maxSize: JSON_LIMIT_BYTES, onError: (c) => c.json({ error: 'too-large', message: `bodies are limited to ${JSON_LIMIT_BYTES} bytes` }, 413) }));
  app.use('*', requestAuth({ auth, passivePaths: new Set(['/api/live']) }));

  app.onError((err, c) => {
    if (err instanceof BadRequest || err instanceof InvalidDeviceError) return c.json({ error: 'bad-request', message: err.message }, 400);
    if (err instanceof DeviceExistsError) return c.json({ error: 'exists', message: err.message }, 409);
    if (err instanceof DeviceNotFoundError) return c.json({ error: 'not-found', message: err.message }, 404);
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
  app.get('/', (c) => page(c, 'index.html'));

  // --- session ---
  app.post('/api/login', async (c) => {
    const { username, password } = await jsonBody(c, Login);
    const result = await auth.login(username, password, clientIp(c));
    if (!result.ok) {
      if (result.reason === 'locked') {
        c.header('Retry-After', String(Math.ceil(result.retryAfterMs / 1000)));
        return c.json({ error: 'locked', message: 'too many failed logins; try again later', retryAfterMs: result.retryAfterMs }, 429);
      }
      return c.json({ error: 'invalid-credentials', message: 'wrong user name or password' }, 401);
    }
    setSessionCookie(c, result.token, auth.sessions.absoluteTimeoutMs / 1000, isHttps(c));
    return c.json({ user: result.user, csrfToken: result.session.csrfToken, expiresAt: auth.sessions.expiresAt(result.session) });
  });
  app.post('/api/logout', (c) => {
    auth.logout(c.get('auth').token);
    clearSessionCookie(c);
    return c.body(null, 204);
  });
  app.get('/api/me', (c) => {
    const { user, session } = c.get('auth');
    return c.json({ user, csrfToken: session.csrfToken, expiresAt: auth.sessions.expiresAt(session) });
  });

  // --- devices ---
  app.get('/api/devices', (c) => c.json({ devices: registry.list() }));
  app.post('/api/devices', requireRole('admin'), async (c) => {
    const input = await jsonBody(c, CreateDevice);
    const created = await registry.createDevice(input);
    return c.json(created, 201);
  });
  app.get('/api/devices/:site/:device', (c) => {
    const ref = parse(DeviceParams, c.req.param());
    const view = registry.get(ref);
    return view ? c.json(view) : c.json({ error: 'not-found', message: `no device ${ref.site}.${ref.device}` }, 404);
  });
  app.delete('/api/devices/:site/:device', requireRole('admin'), async (c) => {
    const ref = parse(DeviceParams, c.req.param());
    return (await registry.removeDevice(ref)) ? c.body(null, 204) : c.json({ error: 'not-found', message: `no device ${ref.site}.${ref.device}` }, 404);
  });
  app.post('/api/devices/:site/:device/secret', requireRole('admin'), async (c) => {
    const ref = parse(DeviceParams, c.req.param());
    return c.json({ secret: await registry.rotateSecret(ref) });
  });
  app.get('/api/devices/:site/:device/events', (c) => {
    const ref = parse(DeviceParams, c.req.param());
    const query = parse(EventQuery.omit({ site: true, device: true }), c.req.query());
    return c.json(eventPage(events.list({ ...query, ...ref })));
  });
  app.get('/api/events', (c) => c.json(eventPage(events.list(parse(EventQuery, c.req.query())))));

  // --- live view and counters ---
  app.get('/api/stats', (c) => c.json(deps.stats()));
  app.get('/api/live', (c) => {
    const token = c.get('auth').token;
    return liveStream(c, {
      list: () => registry.list(),
      changes$: registry.changes$,
      stillAuthorised: () => auth.authenticate(token, false) !== undefined,
      heartbeatMs,
      coalesceMs,
    });
  });

  return app;
}

function eventPage<E extends { id: number }>(list: E[]): { events: E[]; nextBeforeId?: number } {
  const last = list.at(-1);
  return last ? { events: list, nextBeforeId: last.id } : { events: list };
}

function serve(c: Context, asset: UiAsset): Response {
  c.header('Content-Type', asset.contentType);
  c.header('Cache-Control', 'no-cache');
  return c.body(asset.body as Uint8Array<ArrayBuffer>);
}
