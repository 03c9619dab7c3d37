import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { SessionStore } from '../../fleet/auth/session-store.ts';
import type { WebAuth, WebAuthContext } from './web-auth.ts';

export const SESSION_COOKIE = 'cc_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface WebEnv {
  Variables: { auth: WebAuthContext };
}

/** Reachable without a session: the login page, the UI's static files and the login itself. */
export function isPublic(method: string, path: string): boolean {
  if (method === 'POST') return path === '/api/login';
  if (method !== 'GET' && method !== 'HEAD') return false;
  return path === '/login' || /^\/assets\/[a-z0-9][a-z0-9-]*\.(js|css|svg)$/.test(path);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every request passes here: unless public it needs a live session cookie, and unless safe
 * the session's CSRF token in `x-csrf-token`. Running for every path means a route added
 * later is protected without anyone remembering to.
 */
export function webRequestAuth(auth: WebAuth, passivePaths: ReadonlySet<string> = new Set()): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    if (isPublic(c.req.method, c.req.path)) return next();
    const token = getCookie(c, SESSION_COOKIE);
    const ctx = auth.authenticate(token, !passivePaths.has(c.req.path));
    if (!ctx) {
      if (token) deleteCookie(c, SESSION_COOKIE, { path: '/' });
      if (c.req.method === 'GET' && !c.req.path.startsWith('/api/')) return c.redirect(c.req.path === '/' ? '/login' : `/login?next=${encodeURIComponent(c.req.path)}`, 302);
      return c.json({ error: 'unauthenticated', message: 'log in first' }, 401);
    }
    if (!SAFE_METHODS.has(c.req.method) && !SessionStore.csrfMatches(ctx.session, c.req.header(CSRF_HEADER))) {
      return c.json({ error: 'csrf', message: `missing or wrong ${CSRF_HEADER} header` }, 403);
    }
    c.set('auth', ctx);
    return next();
  };
}

export function setSessionCookie(c: Context, token: string, maxAgeS: number, secure: boolean): void {
  setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: 'Strict', secure, path: '/', maxAge: Math.floor(maxAgeS) });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
}
