// One table of REST routes: each names its least role, its input schemas and its body limit;
// `mountWebRoutes` adds the role check, validation and limit, so no route can forget them.
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { describeIssues } from '../../protocol/decode.ts';
import { hasWebRole, type WebRole } from './web-users.ts';
import type { WebEnv } from './web-request-auth.ts';

export class WebBadRequestError extends Error {
  override name = 'WebBadRequestError';
}

export interface WebRouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

export interface WebRoute<P = unknown, Q = unknown, B = unknown> {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  /** The least role allowed; `public` only for the login. */
  role: WebRole | 'public';
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Largest body accepted, bytes; default 64 KiB. */
  maxBodyBytes?: number;
  handler: (c: Context<WebEnv>, input: WebRouteInput<P, Q, B>) => Response | Promise<Response>;
}

export function webRoute<P = Record<string, never>, Q = Record<string, never>, B = undefined>(r: WebRoute<P, Q, B>): WebRoute {
  return r as unknown as WebRoute;
}

export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new WebBadRequestError(describeIssues(result.error));
  return result.data;
}

async function jsonBody(c: Context, schema: z.ZodType): Promise<unknown> {
  // Requiring JSON also rules out a cross-site form post (it would need a CORS preflight).
  if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) throw new WebBadRequestError('the body must be application/json');
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new WebBadRequestError('the body is not valid JSON');
  }
  return parseInput(schema, raw);
}

export function requireWebRole(role: WebRole): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const ctx = c.get('auth');
    if (!ctx || !hasWebRole(ctx.user.role, role)) return c.json({ error: 'forbidden', message: `needs the ${role} role` }, 403);
    return next();
  };
}

export function mountWebRoutes(app: Hono<WebEnv>, routes: readonly WebRoute[]): void {
  for (const r of routes) {
    const chain: MiddlewareHandler<WebEnv>[] = [];
    if (r.role !== 'public') chain.push(requireWebRole(r.role));
    if (r.method !== 'get') {
      const limit = r.maxBodyBytes ?? 64 * 1024;
      chain.push(bodyLimit({ maxSize: limit, onError: (c) => c.json({ error: 'too-large', message: `bodies are limited to ${limit} bytes here` }, 413) }));
    }
    const handler: MiddlewareHandler<WebEnv> = async (c) =>
      r.handler(c, {
        params: r.params ? parseInput(r.params, c.req.param()) : {},
        query: r.query ? parseInput(r.query, c.req.query()) : {},
        body: r.body ? await jsonBody(c, r.body) : undefined,
      });
    app.on([r.method.toUpperCase()], [r.path], ...chain, handler);
  }
}
