import type { Context, Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { describeIssues } from '../../protocol/decode.ts';
import type { AuditLog, AuditOutcome } from '../audit/audit-log.ts';
import { hasRole, type Role } from '../auth/user-store.ts';
import type { FleetEnv } from './request-auth.ts';

export class BadRequest extends Error {
  override name = 'BadRequest';
}

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

/**
 * One REST route, described once: the router mounts it, the OpenAPI document is generated
 * from it, the role check and the audit entry come from it. Every changing route names its
 * audit action (or says `audit: false` and why), so nothing changes unrecorded.
 */
export interface ApiRoute<P = unknown, Q = unknown, B = unknown> {
  method: HttpMethod;
  /** Hono path, e.g. `/api/groups/:id`. */
  path: string;
  summary: string;
  tag: string;
  /** The least role allowed; `public` only for the login. */
  role: Role | 'public';
  /** Dotted audit action for changing routes (`config.push`); `false` for high-volume ones audited elsewhere. */
  audit?: string | false;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Schema of a JSON success response, for the document. */
  response?: z.ZodType;
  /** Content type of a non-JSON success response (an event stream, a file). */
  produces?: string;
  status?: number;
  /** Largest body accepted, bytes; default 64 KiB. */
  maxBodyBytes?: number;
  handler: (c: Context<FleetEnv>, input: RouteInput<P, Q, B>) => Response | Promise<Response>;
}

export function route<P = Record<string, never>, Q = Record<string, never>, B = undefined>(r: ApiRoute<P, Q, B>): ApiRoute {
  return r as unknown as ApiRoute;
}

export const DEFAULT_BODY_LIMIT = 64 * 1024;

export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new BadRequest(describeIssues(result.error));
  return result.data;
}

async function jsonBody(c: Context, schema: z.ZodType): Promise<unknown> {
  // Requiring JSON also makes a cross-site form post impossible without a CORS preflight.
  if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) throw new BadRequest('the body must be application/json');
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new BadRequest('the body is not valid JSON');
  }
  return parse(schema, raw);
}

/** Details a handler wants in its audit entry (never secrets). */
export function auditDetails(c: Context<FleetEnv>, details: Record<string, unknown>): void {
  c.set('auditDetails', { ...(c.get('auditDetails') ?? {}), ...details });
}

function outcomeOf(status: number): AuditOutcome {
  return status < 400 ? 'ok' : status >= 500 ? 'failed' : 'refused';
}

function targetOf(params: Record<string, string>): string | undefined {
  if (params.site && params.device) return `${params.site}/${params.device}`;
  if (params.id) return params.id;
  if (params.username) return `user:${params.username}`;
  return undefined;
}

export interface MountOptions {
  audit: AuditLog;
  clientIp: (c: Context) => string;
}

/** Mounts routes on the app: body limit, audit, role check, input validation, handler. */
export function mountRoutes(app: Hono<FleetEnv>, routes: readonly ApiRoute[], options: MountOptions): void {
  for (const r of routes) {
    const chain: MiddlewareHandler<FleetEnv>[] = [];
    if (r.method !== 'get') {
      const limit = r.maxBodyBytes ?? DEFAULT_BODY_LIMIT;
      chain.push(bodyLimit({ maxSize: limit, onError: (c) => c.json({ error: 'too-large', message: `bodies are limited to ${limit} bytes here` }, 413) }));
    }
    if (r.audit) {
      const action = r.audit;
      chain.push(async (c, next) => {
        await next();
        const ctx = c.get('auth');
        const params = c.req.param() as Record<string, string>;
        // Path parameters beyond the target (a command's name) are kept even when the request
        // was refused before its handler ran, so the entry says what was attempted.
        const extra = Object.fromEntries(Object.entries(params).filter(([k]) => !['site', 'device', 'id', 'username'].includes(k)).map(([k, v]) => [k, v.slice(0, 100)]));
        const details = { ...extra, ...(c.get('auditDetails') ?? {}) };
        const actor = ctx?.user.username ?? (typeof details.username === 'string' ? details.username : 'anonymous');
        options.audit.append({
          actor,
          ...(ctx ? { role: ctx.user.role } : {}),
          action,
          ...(targetOf(params) ? { target: targetOf(params)! } : {}),
          outcome: outcomeOf(c.res.status),
          ip: options.clientIp(c),
          details: { status: c.res.status, ...details },
        });
      });
    }
    if (r.role !== 'public') {
      const role = r.role;
      chain.push(async (c, next) => {
        const ctx = c.get('auth');
        if (!ctx || !hasRole(ctx.user.role, role)) return c.json({ error: 'forbidden', message: `needs the ${role} role` }, 403);
        return next();
      });
    }
    const handler: MiddlewareHandler<FleetEnv> = async (c) => {
      const input = {
        params: r.params ? parse(r.params, c.req.param()) : {},
        query: r.query ? parse(r.query, c.req.query()) : {},
        body: r.body ? await jsonBody(c, r.body) : undefined,
      };
      return r.handler(c, input);
    };
    app.on([r.method.toUpperCase()], [r.path], ...chain, handler);
  }
}
