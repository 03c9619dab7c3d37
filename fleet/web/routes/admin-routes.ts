import { z } from 'zod';
import { AuditOutcome, AuditQuery, type AuditLog } from '../../audit/audit-log.ts';
import type { ConsoleAuth } from '../../auth/console-auth.ts';
import { NewUser, Password, Role, Username } from '../../auth/user-store.ts';
import { auditDetails, route, type ApiRoute } from '../api-route.ts';

const User = z.object({ username: z.string(), role: Role, createdAt: z.number() });
const UserParams = z.object({ username: Username });
const UpdateUser = z.strictObject({ role: Role.optional(), password: Password.optional() }).refine((u) => u.role !== undefined || u.password !== undefined, 'give a role or a password');
const AuditEntry = z.object({ id: z.number(), at: z.number(), actor: z.string(), role: z.string().optional(), action: z.string(), target: z.string().optional(), outcome: AuditOutcome, ip: z.string().optional(), details: z.record(z.string(), z.unknown()), hash: z.string() });

export interface AdminRouteDeps {
  auth: ConsoleAuth;
  audit: AuditLog;
}

export function adminRoutes({ auth, audit }: AdminRouteDeps): ApiRoute[] {
  const users = auth.users;
  const admins = () => users.list().filter((u) => u.role === 'admin').length;
  return [
    route({ method: 'get', path: '/api/users', summary: 'Console users and their roles', tag: 'users', role: 'admin', response: z.object({ users: z.array(User) }), handler: (c) => c.json({ users: users.list() }) }),
    route({
      method: 'post',
      path: '/api/users',
      summary: 'Create a console user (password hashed with scrypt)',
      tag: 'users',
      role: 'admin',
      audit: 'user.create',
      body: NewUser,
      status: 201,
      response: User,
      handler: async (c, { body }) => {
        auditDetails(c, { username: body.username, newRole: body.role });
        return c.json(await users.createUser(body), 201);
      },
    }),
    route({
      method: 'put',
      path: '/api/users/:username',
      summary: 'Change a user\'s role or password; their sessions end',
      tag: 'users',
      role: 'admin',
      audit: 'user.update',
      params: UserParams,
      body: UpdateUser,
      response: User,
      handler: async (c, { params, body }) => {
        const target = users.get(params.username);
        if (!target) return c.json({ error: 'not-found', message: `no user ${params.username}` }, 404);
        if (body.role && body.role !== 'admin' && target.role === 'admin' && admins() <= 1) return c.json({ error: 'conflict', message: 'the last admin cannot lose the admin role' }, 409);
        if (body.role) await users.setRole(params.username, body.role);
        if (body.password) await users.setPassword(params.username, body.password);
        auth.sessions.revokeUser(params.username);
        auditDetails(c, { ...(body.role ? { newRole: body.role } : {}), passwordChanged: body.password !== undefined });
        return c.json(users.get(params.username));
      },
    }),
    route({
      method: 'delete',
      path: '/api/users/:username',
      summary: 'Remove a console user; their sessions end',
      tag: 'users',
      role: 'admin',
      audit: 'user.remove',
      params: UserParams,
      status: 204,
      handler: async (c, { params }) => {
        const target = users.get(params.username);
        if (!target) return c.json({ error: 'not-found', message: `no user ${params.username}` }, 404);
        if (target.role === 'admin' && admins() <= 1) return c.json({ error: 'conflict', message: 'the last admin cannot be removed' }, 409);
        await users.removeUser(params.username);
        auth.sessions.revokeUser(params.username);
        return c.body(null, 204);
      },
    }),
    route({
      method: 'get',
      path: '/api/audit',
      summary: 'Search the audit log (newest first)',
      tag: 'audit',
      role: 'viewer',
      query: AuditQuery,
      response: z.object({ entries: z.array(AuditEntry), nextBeforeId: z.number().optional() }),
      handler: (c, { query }) => {
        const entries = audit.search(query);
        const last = entries.at(-1);
        return c.json(last && entries.length === (query.limit ?? 100) ? { entries, nextBeforeId: last.id } : { entries });
      },
    }),
    route({ method: 'get', path: '/api/audit/verify', summary: 'Walk the audit log\'s hash chain', tag: 'audit', role: 'admin', response: z.object({ ok: z.boolean(), rows: z.number().optional(), id: z.number().optional() }), handler: (c) => c.json(audit.verify()) }),
  ];
}
