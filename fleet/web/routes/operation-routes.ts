import { z } from 'zod';
import { streamSSE } from 'hono/streaming';
import { commandCatalog, commandNames, type CommandName } from '../../../protocol/commands.ts';
import { MAX_TERMINAL_FRAME, type TerminalOutput } from '../../../protocol/terminal.ts';
import type { DeviceRef } from '../../../protocol/ids.ts';
import type { CommandResponse } from '../../../protocol/schemas.ts';
import { hasRole } from '../../auth/user-store.ts';
import type { DeviceRegistry } from '../../registry/device-registry.ts';
import { CommandTimeoutError } from '../../ingest/command-caller.ts';
import type { TerminalRelay } from '../../terminal/terminal-relay.ts';
import { auditDetails, route, type ApiRoute } from '../api-route.ts';
import { DeviceParams } from './device-routes.ts';

const CommandParams = DeviceParams.extend({ name: z.enum(commandNames as [CommandName, ...CommandName[]]) });
const CommandBody = z.strictObject({ args: z.record(z.string(), z.unknown()).default({}), timeoutMs: z.number().int().min(100).max(120_000).optional() });
const CommandReply = z.object({ id: z.string(), ok: z.boolean(), ts: z.number(), result: z.unknown().optional(), error: z.object({ code: z.string(), message: z.string() }).optional() });
const Size = { cols: z.number().int().min(10).max(500), rows: z.number().int().min(2).max(300) };
const OpenTerminal = z.strictObject({ cols: Size.cols.default(80), rows: Size.rows.default(24) });
const SessionParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/) });
const Session = z.object({ id: z.string(), site: z.string(), device: z.string(), username: z.string(), openedAt: z.number(), state: z.string(), shell: z.string().optional() });

export interface OperationRouteDeps {
  registry: Pick<DeviceRegistry, 'get'>;
  commands: { call(ref: DeviceRef, name: string, args?: Record<string, unknown>, options?: { timeoutMs?: number; by?: string }): Promise<CommandResponse> };
  terminals: TerminalRelay;
  clientIp: (c: import('hono').Context) => string;
}

const REFUSAL_STATUS = { policy: 403, 'not-owner': 403, limit: 409, expired: 504, timeout: 504, 'unknown-session': 404, failed: 502 } as const;

export function operationRoutes({ registry, commands, terminals, clientIp }: OperationRouteDeps): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/commands',
      summary: 'The remote commands, their arguments (JSON Schema) and the role each needs',
      tag: 'commands',
      role: 'viewer',
      handler: (c) =>
        c.json({
          commands: commandNames.map((name) => ({ name, role: commandCatalog[name].role, about: commandCatalog[name].about, args: z.toJSONSchema(commandCatalog[name].args, { io: 'input' }) })),
        }),
    }),
    route({
      method: 'post',
      path: '/api/devices/:site/:device/commands/:name',
      summary: 'Run a remote command on a device and wait for its reply (expires if the device is away)',
      tag: 'commands',
      role: 'viewer',
      audit: 'device.command',
      params: CommandParams,
      body: CommandBody,
      response: CommandReply,
      handler: async (c, { params, body }) => {
        const spec = commandCatalog[params.name];
        const user = c.get('auth').user;
        auditDetails(c, { command: params.name });
        if (!hasRole(user.role, spec.role)) return c.json({ error: 'forbidden', message: `${params.name} needs the ${spec.role} role` }, 403);
        const args = spec.args.safeParse(body.args);
        if (!args.success) return c.json({ error: 'bad-request', message: `${params.name}: ${args.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` }, 400);
        if (!registry.get(params)) return c.json({ error: 'not-found', message: `no device ${params.site}.${params.device}` }, 404);
        try {
          const reply = await commands.call(params, params.name, body.args, { timeoutMs: body.timeoutMs ?? spec.timeoutMs, by: user.username });
          auditDetails(c, { ok: reply.ok, ...(reply.ok ? {} : { error: reply.error.code }) });
          return c.json(reply, reply.ok ? 200 : reply.error.code === 'forbidden' ? 403 : 502);
        } catch (err) {
          if (err instanceof CommandTimeoutError) return c.json({ error: 'timeout', message: err.message }, 504);
          throw err;
        }
      },
    }),
    route({
      method: 'post',
      path: '/api/devices/:site/:device/terminal',
      summary: 'Open a remote shell on a device (admins only; the device may refuse by its local policy)',
      tag: 'terminal',
      role: 'admin',
      audit: 'terminal.open',
      params: DeviceParams,
      body: OpenTerminal,
      status: 201,
      response: Session,
      handler: async (c, { params, body }) => {
        if (!registry.get(params)) return c.json({ error: 'not-found', message: `no device ${params.site}.${params.device}` }, 404);
        const user = c.get('auth').user;
        try {
          const session = await terminals.open({ username: user.username, role: user.role, ip: clientIp(c) }, params, body);
          auditDetails(c, { session: session.id });
          return c.json(session, 201);
        } catch (err) {
          const e = err as { name?: string; code?: keyof typeof REFUSAL_STATUS; message: string };
          if (e.name !== 'TerminalRefusedError' || !e.code) throw err;
          auditDetails(c, { refusal: e.code, message: e.message });
          return c.json({ error: e.code, message: e.message }, REFUSAL_STATUS[e.code]);
        }
      },
    }),
    route({ method: 'get', path: '/api/terminals', summary: 'Your open terminal sessions', tag: 'terminal', role: 'admin', response: z.object({ sessions: z.array(Session) }), handler: (c) => c.json({ sessions: terminals.list(c.get('auth').user.username) }) }),
    route({
      method: 'get',
      path: '/api/terminals/:id/stream',
      summary: 'Server-sent events of a session: `output` frames (data), then `exit`',
      tag: 'terminal',
      role: 'admin',
      params: SessionParams,
      produces: 'text/event-stream',
      handler: (c, { params }) => {
        const username = c.get('auth').user.username;
        const queue: TerminalOutput[] = [];
        let wake: (() => void) | undefined;
        const detach = terminals.attach(params.id, username, (frame) => {
          queue.push(frame);
          wake?.();
        });
        return streamSSE(c, async (stream) => {
          stream.onAbort(() => wake?.());
          try {
            for (;;) {
              while (queue.length > 0) {
                const frame = queue.shift()!;
                await stream.writeSSE({ event: frame.kind, data: JSON.stringify(frame) });
                if (frame.kind === 'exit') return;
              }
              if (stream.aborted || stream.closed) return;
              await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, 15_000);
                wake = () => (clearTimeout(timer), (wake = undefined), resolve());
              });
              if (queue.length === 0 && !stream.aborted) await stream.write(': heartbeat\n\n');
            }
          } finally {
            detach();
          }
        });
      },
    }),
    route({
      method: 'post',
      path: '/api/terminals/:id/input',
      summary: 'Keystrokes for a session',
      tag: 'terminal',
      role: 'admin',
      // Not one audit entry per keystroke batch: sessions are audited when they open and end.
      audit: false,
      params: SessionParams,
      body: z.strictObject({ data: z.string().min(1).max(MAX_TERMINAL_FRAME) }),
      status: 204,
      handler: async (c, { params, body }) => (await terminals.input(params.id, c.get('auth').user.username, body.data), c.body(null, 204)),
    }),
    route({
      method: 'post',
      path: '/api/terminals/:id/resize',
      summary: 'The browser terminal changed size',
      tag: 'terminal',
      role: 'admin',
      audit: false,
      params: SessionParams,
      body: z.strictObject(Size),
      status: 204,
      handler: async (c, { params, body }) => (await terminals.resize(params.id, c.get('auth').user.username, body.cols, body.rows), c.body(null, 204)),
    }),
    route({ method: 'delete', path: '/api/terminals/:id', summary: 'Close a session', tag: 'terminal', role: 'admin', audit: 'terminal.close', params: SessionParams, status: 204, handler: (c, { params }) => (terminals.close(params.id, c.get('auth').user.username), c.body(null, 204)) }),
  ];
}
