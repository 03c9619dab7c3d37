import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AuthContext, ConsoleAuth } from '../auth/console-auth.ts';
import { SessionStore } from '../auth/session-store.ts';
import { hasRole, type Role } from '../auth/user-store.ts';

export const SESSION_COOKIE = 'fleet_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface FleetEnv {
  Variables: { auth: AuthContext; auditDetails?: Record<string, unknown> };
}

/** Reachable without a session: the login page, its static files, and the login itself. */
export function isPublic(method: string, path: string): boolean {
  if (method === 'POST') return path === '/api/login';
  if (method !== 'GET' && method !== 'HEAD') return false;
  return path === '/login' || /^\/assets\/[a-z0-9][a-z0-9-]*\.(js|css|svg)$/.test(path);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface RequestAuthOptions {
  auth: ConsoleAuth;
  /** Paths whose requests do not count as use for the idle timeout (the live stream). */
  passivePaths?: ReadonlySet<string>;
}

/**
 * Every request passes here: unless public, it needs a live session cookie, and unless it
 * is a safe method, the session's CSRF token echoed in `x-csrf-token`. Because this runs
 * for every path, a route added later is protected without anyone remembering to.
 */
export function requestAuth(options: RequestAuthOptions): MiddlewareHandler<FleetEnv> {
  return async (c, next) => {
    if (isPublic(c.req.method, c.req.path)) return next();
    const token = getCookie(c, SESSION_COOKIE);
    const ctx = options.auth.authenticate(token, !options.passivePaths?.has(c.req.path));
    if (!ctx) {
      if (token) deleteCookie(c, SESSION_COOKIE, { path: '/' });
      if (c.req.method === 'GET' && !c.req.path.startsWith('/api/')) return c.redirect('/login', 302);
      return c.json({ error: 'unauthenticated', message: 'log in first' }, 401);
    }
    if (!SAFE_METHODS.has(c.req.method) && !SessionStore.csrfMatches(ctx.session, c.req.header(CSRF_HEADER))) {
      return c.json({ error: 'csrf', message: `missing or wrong ${CSRF_HEADER} header` }, 403);
    }
    c.set('auth', ctx);
    return next();
  };
}

export function requireRole(role: Role): MiddlewareHandler<FleetEnv> {
  return async (c, next) => {
    const ctx = c.get('auth');
    if (!hasRole(ctx.user.role, role)) return c.json({ error: 'forbidden', message: `needs the ${role} role` }, 403);
    return next();
  };
}

export function setSessionCookie(c: Context, token: string, maxAgeS: number, secure: boolean): void {
  setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: 'Strict', secure, path: '/', maxAge: Math.floor(maxAgeS) });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
}
