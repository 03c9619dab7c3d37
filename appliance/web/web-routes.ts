// The appliance's REST routes, in one table per concern: session, wallboard, CDRs and
// recordings, user administration.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { CdrStore } from '../cdr/cdr-store.ts';
import type { Context } from 'hono';
import { z } from 'zod';
import { clearSessionCookie, setSessionCookie, type WebEnv } from './web-request-auth.ts';
import { webRoute, type WebRoute } from './web-route.ts';
import type { WebAuth } from './web-auth.ts';
import { WebPassword, agentIdOf, NewWebUser } from './web-users.ts';
import { wallboardStream, type WallboardSource } from './wallboard-stream.ts';

const Login = z.object({ username: z.string().min(1).max(128), password: z.string().min(1).max(1024) });

export interface SessionRouteDeps {
  auth: WebAuth;
  clientIp: (c: Context) => string;
  isHttps: (c: Context) => boolean;
}

export function sessionRoutes({ auth, clientIp, isHttps }: SessionRouteDeps): WebRoute[] {
  const me = (c: Context<WebEnv>) => {
    const { user, session } = c.get('auth');
    return { user, agentId: agentIdOf(user), csrfToken: session.csrfToken, expiresAt: auth.sessions.expiresAt(session) };
  };
  return [
    webRoute({
      method: 'post',
      path: '/api/login',
      summary: 'Log in: sets the session cookie and returns the CSRF token',
      role: 'public',
      body: Login,
      handler: async (c, { body }) => {
        const result = await auth.login(body.username, body.password, clientIp(c));
        if (!result.ok) {
          if (result.reason === 'locked') {
            c.header('Retry-After', String(Math.ceil(result.retryAfterMs / 1000)));
            return c.json({ error: 'locked', message: 'too many failed logins; try again later', retryAfterMs: result.retryAfterMs }, 429);
          }
          return c.json({ error: 'invalid-credentials', message: 'wrong user name or password' }, 401);
        }
        setSessionCookie(c, result.token, auth.sessions.absoluteTimeoutMs / 1000, isHttps(c));
        return c.json({ user: result.user, agentId: agentIdOf(result.user), csrfToken: result.session.csrfToken, expiresAt: auth.sessions.expiresAt(result.session) });
      },
    }),
    webRoute({
      method: 'post',
      path: '/api/logout',
      summary: 'Log out: ends the session and closes its WebSockets',
      role: 'agent',
      handler: (c) => {
        auth.logout(c.get('auth').token);
        clearSessionCookie(c);
        return c.body(null, 204);
      },
    }),
    webRoute({ method: 'get', path: '/api/me', summary: 'The logged-in user, agent id and CSRF token', role: 'agent', handler: (c) => c.json(me(c)) }),
  ];
}

export function wallboardRoutes(source: WallboardSource, auth: WebAuth, intervalMs: number): WebRoute[] {
  return [
    webRoute({ method: 'get', path: '/api/wallboard', summary: 'The live metrics snapshot (queues, agents by state)', role: 'agent', handler: (c) => c.json(source()) }),
    webRoute({
      method: 'get',
      path: '/api/wallboard/live',
      summary: 'Server-Sent Events: the metrics snapshot every interval',
      role: 'agent',
      handler: (c) => {
        const token = c.get('auth').token;
        // A wall screen is unattended by design: its open stream keeps the session alive (the
        // absolute limit still ends it, and the page then asks for a login).
        return wallboardStream(c, { source, intervalMs, stillAuthorised: () => auth.authenticate(token, true) !== undefined });
      },
    }),
  ];
}

/** What the web layer reads of the CDR store (appliance/cdr/cdr-store.ts). */
export type CdrReader = Pick<CdrStore, 'get' | 'recent' | 'byPhone'>;

const CdrQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().nonnegative().optional(),
  phone: z.string().regex(/^\+?[0-9*#]{1,32}$/).optional(),
});
const CallIdParam = z.object({ callId: z.string().min(1).max(200) });
const RecordingQuery = z.object({ layout: z.enum(['stereo', 'mono']).optional() });

export function cdrRoutes(cdrs: CdrReader, recordingsDir: string): WebRoute[] {
  return [
    webRoute({
      method: 'get',
      path: '/api/cdrs',
      summary: 'Recent call detail records, newest first (or those of one phone number)',
      role: 'supervisor',
      query: CdrQuery,
      handler: (c, { query }) => c.json({ cdrs: query.phone ? cdrs.byPhone(query.phone, query.limit) : cdrs.recent(query.limit, query.before) }),
    }),
    webRoute({
      method: 'get',
      path: '/api/cdrs/:callId',
      summary: 'One call detail record with its legs and segments',
      role: 'supervisor',
      params: CallIdParam,
      handler: (c, { params }) => {
        const cdr = cdrs.get(params.callId);
        return cdr ? c.json(cdr) : c.json({ error: 'not-found', message: `no CDR for call ${params.callId}` }, 404);
      },
    }),
    webRoute({
      method: 'get',
      path: '/api/cdrs/:callId/recording',
      summary: "A call's recording as a WAV file (stereo: caller left, agent right, when recorded so)",
      role: 'supervisor',
      params: CallIdParam,
      query: RecordingQuery,
      handler: (c, { params, query }) => {
        const paths = cdrs.get(params.callId)?.recordingPaths ?? {};
        const rel = query.layout ? paths[query.layout] : (paths.stereo ?? Object.values(paths)[0]);
        const root = resolve(recordingsDir);
        const path = rel ? resolve(root, rel) : undefined;
        // The store names the file; still, never serve anything outside the recordings folder.
        if (!path || !path.startsWith(`${root}${sep}`) || !existsSync(path)) return c.json({ error: 'not-found', message: `no recording for call ${params.callId}` }, 404);
        c.header('Content-Type', 'audio/wav');
        c.header('Content-Length', String(statSync(path).size));
        c.header('Content-Disposition', `attachment; filename="${basename(path)}"`);
        return c.body(Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>);
      },
    }),
  ];
}

const UsernameParam = z.object({ username: z.string().min(1).max(64) });

export function userRoutes(auth: WebAuth): WebRoute[] {
  const users = auth.users;
  return [
    webRoute({ method: 'get', path: '/api/admin/users', summary: 'The appliance users', role: 'admin', handler: (c) => c.json({ users: users.list() }) }),
    webRoute({
      method: 'post',
      path: '/api/admin/users',
      summary: 'Add a user (agent, supervisor or admin)',
      role: 'admin',
      body: NewWebUser,
      handler: async (c, { body }) => c.json(await users.create(body), 201),
    }),
    webRoute({
      method: 'put',
      path: '/api/admin/users/:username/password',
      summary: "Set a user's password; their sessions end",
      role: 'admin',
      params: UsernameParam,
      body: z.object({ password: WebPassword }),
      handler: async (c, { params, body }) => {
        await users.setPassword(params.username, body.password);
        auth.revokeUser(params.username);
        return c.body(null, 204);
      },
    }),
    webRoute({
      method: 'delete',
      path: '/api/admin/users/:username',
      summary: 'Remove a user; their sessions end',
      role: 'admin',
      params: UsernameParam,
      handler: async (c, { params }) => {
        if (params.username.toLowerCase() === c.get('auth').user.username.toLowerCase()) return c.json({ error: 'bad-request', message: 'you cannot remove yourself' }, 400);
        const removed = await users.remove(params.username);
        auth.revokeUser(params.username);
        return removed ? c.body(null, 204) : c.json({ error: 'not-found', message: `no user ${params.username}` }, 404);
      },
    }),
  ];
}

