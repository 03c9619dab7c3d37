import { z } from 'zod';
import type { Context } from 'hono';
import type { ConsoleAuth } from '../../auth/console-auth.ts';
import { auditDetails, route, type ApiRoute } from '../api-route.ts';
import { clearSessionCookie, setSessionCookie, type FleetEnv } from '../request-auth.ts';

const Login = z.object({ username: z.string().min(1).max(128), password: z.string().min(1).max(1024) });
const User = z.object({ username: z.string(), role: z.enum(['viewer', 'operator', 'admin']), createdAt: z.number() });
const SessionInfo = z.object({ user: User, csrfToken: z.string(), expiresAt: z.number() });

export interface SessionRouteDeps {
  auth: ConsoleAuth;
  clientIp: (c: Context) => string;
  isHttps: (c: Context) => boolean;
}

export function sessionRoutes({ auth, clientIp, isHttps }: SessionRouteDeps): ApiRoute[] {
  return [
    route({
      method: 'post',
      path: '/api/login',
      summary: 'Log in: sets the session cookie and returns the CSRF token',
      tag: 'session',
      role: 'public',
      audit: 'session.login',
      body: Login,
      response: SessionInfo,
      handler: async (c, { body }) => {
        auditDetails(c as Context<FleetEnv>, { username: body.username });
        const result = await auth.login(body.username, body.password, clientIp(c));
        if (!result.ok) {
          if (result.reason === 'locked') {
            c.header('Retry-After', String(Math.ceil(result.retryAfterMs / 1000)));
            return c.json({ error: 'locked', message: 'too many failed logins; try again later', retryAfterMs: result.retryAfterMs }, 429);
          }
          return c.json({ error: 'invalid-credentials', message: 'wrong user name or password' }, 401);
        }
        setSessionCookie(c, result.token, auth.sessions.absoluteTimeoutMs / 1000, isHttps(c));
        return c.json({ user: result.user, csrfToken: result.session.csrfToken, expiresAt: auth.sessions.expiresAt(result.session) });
      },
    }),
    route({
      method: 'post',
      path: '/api/logout',
      summary: 'Log out: ends the session',
      tag: 'session',
      role: 'viewer',
      audit: 'session.logout',
      status: 204,
      handler: (c) => {
        auth.logout(c.get('auth').token);
        clearSessionCookie(c);
        return c.body(null, 204);
      },
    }),
    route({
      method: 'get',
      path: '/api/me',
      summary: 'The logged-in user, role and CSRF token',
      tag: 'session',
      role: 'viewer',
      response: SessionInfo,
      handler: (c) => {
        const { user, session } = c.get('auth');
        return c.json({ user, csrfToken: session.csrfToken, expiresAt: auth.sessions.expiresAt(session) });
      },
    }),
  ];
}
