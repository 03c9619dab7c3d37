// The appliance's web application: REST routes (one table, every one role-checked), the
// browser pages (agent desktop, local wallboard), the mediasoup-client bundle, and the
// update endpoints for admins. The agent WebSocket is attached by web-server.ts.
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../log/logger.ts';
import type { Updater } from '../updater/updater.ts';
import { updaterRoutes } from '../updater/updater-routes.ts';
import { loadUiAssets, type UiAsset } from '../../fleet/web/ui-assets.ts';
import { isPublic, webRequestAuth, type WebEnv } from './web-request-auth.ts';
import { WebBadRequestError, mountWebRoutes, requireWebRole, type WebRoute } from './web-route.ts';
import { cdrRoutes, sessionRoutes, userRoutes, wallboardRoutes, type CdrReader } from './web-routes.ts';
import type { WebAuth } from './web-auth.ts';
import { InvalidWebUserError, WebUserExistsError, WebUserNotFoundError } from './web-users.ts';
import { softphoneBundle } from './softphone-bundle.ts';
import { voicemailRoutes, type VoicemailBoxesOf, type VoicemailReader } from './voicemail-routes.ts';
import type { WallboardSource } from './wallboard-stream.ts';

export const DEFAULT_APPLIANCE_UI_DIR = new URL('../ui/', import.meta.url).pathname;

export interface ApplianceWebAppDeps {
  auth: WebAuth;
  /** The metrics snapshot for the local wallboard. */
  wallboard: WallboardSource;
  wallboardIntervalMs?: number;
  cdrs?: CdrReader;
  /** Voicemail messages (their WAVs live in the recordings directory). */
  voicemail?: VoicemailReader;
  /** The voicemail boxes an agent was given (supervisors see all). */
  voicemailBoxesOf?: VoicemailBoxesOf;
  /** Where recordings live (the CDR names files relative to it). */
  recordingsDir?: string;
  /** The update endpoints (upload, USB import, slot status), for admins. */
  updater?: { updater: Updater; workDir: string; usbRoots?: string[] };
  uiDir?: string;
  /** Believe x-forwarded-proto / x-forwarded-for (only behind a proxy that sets them). */
  trustProxy?: boolean;
  clientIp?: (c: Context) => string | undefined;
  log?: Logger;
}

const HARD_BODY_LIMIT = 1024 * 1024;
const UPDATER_PREFIX = '/api/admin/updater';

const nodePeer = (c: Context): string | undefined =>
  (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress;

export function createApplianceWebApp(deps: ApplianceWebAppDeps): Hono<WebEnv> {
  const assets = loadUiAssets(deps.uiDir ?? DEFAULT_APPLIANCE_UI_DIR);
  const isHttps = (c: Context) => new URL(c.req.url).protocol === 'https:' || (deps.trustProxy === true && c.req.header('x-forwarded-proto') === 'https');
  const clientIp = (c: Context) => {
    const forwarded = deps.trustProxy ? c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim() : undefined;
    return forwarded || (deps.clientIp ?? nodePeer)(c) || 'unknown';
  };
  const page = (c: Context, name: string) => {
    const asset = assets.get(name);
    return asset ? serve(c, asset) : c.json({ error: 'not-found' }, 404);
  };

  const app = new Hono<WebEnv>();
  app.use('*', async (c, next) => {
    await next();
    // media-src blob: for nothing; the ring is synthesised by WebAudio. connect-src 'self' covers ws(s) to the same host in Chromium.
    c.header('Content-Security-Policy', "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Permissions-Policy', 'microphone=(self), camera=()');
    if (c.req.path.startsWith('/api/') && !c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });
  // Bundles are streamed by the updater with their own limit; everything else is small.
  app.use('/api/*', async (c, next) => {
    if (c.req.path.startsWith(`${UPDATER_PREFIX}/`)) return next();
    return bodyLimit({ maxSize: HARD_BODY_LIMIT, onError: (cc) => cc.json({ error: 'too-large', message: `bodies are limited to ${HARD_BODY_LIMIT} bytes` }, 413) })(c, next);
  });
  app.use('*', webRequestAuth(deps.auth));

  app.onError((err, c) => {
    if (err instanceof WebBadRequestError || err instanceof InvalidWebUserError) return c.json({ error: 'bad-request', message: err.message }, 400);
    if (err instanceof WebUserExistsError) return c.json({ error: 'exists', message: err.message }, 409);
    if (err instanceof WebUserNotFoundError) return c.json({ error: 'not-found', message: err.message }, 404);
    deps.log?.error('web request failed', { method: c.req.method, path: c.req.path, error: (err as Error).stack });
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
  app.get('/vendor/mediasoup-client.js', async (c) => serve(c, { body: await softphoneBundle(), contentType: 'text/javascript; charset=utf-8' }));
  app.get('/', (c) => page(c, 'desk.html'));
  app.get('/wallboard', (c) => page(c, 'wallboard.html'));
  app.get('/admin', requireWebRole('admin'), (c) => page(c, 'admin.html'));

  // --- REST, one table ---
  const routes: WebRoute[] = [
    ...sessionRoutes({ auth: deps.auth, clientIp, isHttps }),
    ...wallboardRoutes(deps.wallboard, deps.auth, deps.wallboardIntervalMs ?? 1000),
    ...(deps.cdrs ? cdrRoutes(deps.cdrs, deps.recordingsDir ?? '/nonexistent') : []),
    ...(deps.voicemail ? voicemailRoutes(deps.voicemail, deps.recordingsDir ?? '/nonexistent', deps.voicemailBoxesOf) : []),
    ...userRoutes(deps.auth),
  ];
  mountWebRoutes(app, routes);

  if (deps.updater) {
    app.use(`${UPDATER_PREFIX}/*`, requireWebRole('admin'));
    app.route(UPDATER_PREFIX, updaterRoutes(deps.updater.updater, { workDir: deps.updater.workDir, ...(deps.updater.usbRoots ? { usbRoots: deps.updater.usbRoots } : {}) }) as unknown as Hono<WebEnv>);
  }
  return app;
}

function serve(c: Context, asset: UiAsset): Response {
  c.header('Content-Type', asset.contentType);
  c.header('Cache-Control', 'no-cache');
  return c.body(asset.body as Uint8Array<ArrayBuffer>);
}
