// The agent desktop's WebSocket (`/api/desk/ws`): requests from the browser to the desk and
// the desk's events for that agent back. A WebSocket upgrade carries no CSRF header, so the
// upgrade needs the session cookie (SameSite=Strict) AND an Origin equal to the page's own
// (RFC 6455 §10.2: servers must check Origin against cross-site use).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { describeIssues } from '../../protocol/decode.ts';
import type { AgentDeskEvents } from '../desk/desk-types.ts';
import type { Logger } from '../log/logger.ts';
import { DESK_EVENT_NAMES, DeskEnvelope, DeskRequest, dispatchDeskRequest, type DeskEventName, type DeskPort } from './desk-protocol.ts';
import type { WebAuth, WebAuthContext } from './web-auth.ts';
import { agentIdOf } from './web-users.ts';
import { SESSION_COOKIE } from './web-request-auth.ts';

export const DESK_SOCKET_PATH = '/api/desk/ws';

export interface DeskSocketOptions {
  desk: DeskPort;
  auth: WebAuth;
  log?: Logger;
  /** Largest message accepted from a browser. */
  maxPayloadBytes?: number;
  /** Ping period; a connection that leaves two pings in a row unanswered is closed. */
  heartbeatMs?: number;
  /** Requests accepted per connection per second; more are answered with `rate-limited`. */
  maxRequestsPerSecond?: number;
  /**
   * When an agent's last socket closes and none comes back within this time (a closed tab, a
   * crashed PC, not a reload), the agent is signed out of the desk if idle on the browser
   * softphone, so the ACD stops offering calls to a page nobody sees. Default 20 s.
   */
  abandonGraceMs?: number;
}

interface Client {
  socket: WebSocket;
  token: string;
  agentId: string;
  /** Pings sent since the last pong. */
  missed: number;
  windowStart: number;
  windowCount: number;
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Same origin: the Origin's host equals the Host the browser connected to. */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (!origin || !host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export class DeskSocket {
  readonly #options: DeskSocketOptions;
  readonly #wss: WebSocketServer;
  readonly #clients = new Set<Client>();
  readonly #listeners: Array<[DeskEventName, (...args: never[]) => void]> = [];
  readonly #heartbeat: NodeJS.Timeout;
  readonly #unLogout: () => void;
  readonly #abandoned = new Map<string, NodeJS.Timeout>();

  constructor(options: DeskSocketOptions) {
    this.#options = options;
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes ?? 64 * 1024 });
    for (const name of DESK_EVENT_NAMES) {
      const listener = (agentId: string, data: unknown) => this.#broadcast(agentId, name, data);
      options.desk.on(name, listener as (...args: AgentDeskEvents[typeof name]) => void);
      this.#listeners.push([name, listener as (...args: never[]) => void]);
    }
    const unLogout = options.auth.onLogout((token) => {
      for (const c of this.#clients) if (c.token === token) c.socket.close(4401, 'logged out');
    });
    const unRevoke = options.auth.onRevoke(() => {
      for (const c of this.#clients) if (!options.auth.authenticate(c.token, false)) c.socket.close(4401, 'session ended');
    });
    this.#unLogout = () => {
      unLogout();
      unRevoke();
    };
    this.#heartbeat = setInterval(() => this.#beat(), options.heartbeatMs ?? 25_000);
    this.#heartbeat.unref();
  }

  get connections(): number {
    return this.#clients.size;
  }

  /** For the HTTP server's `upgrade` event; returns false when the path is not ours. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (req.url ?? '').split('?')[0];
    if (path !== DESK_SOCKET_PATH) return false;
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!sameOrigin(req)) {
      refuse(403, 'Forbidden');
      return true;
    }
    const token = cookieValue(req.headers.cookie, SESSION_COOKIE);
    const ctx = this.#options.auth.authenticate(token);
    if (!ctx) {
      refuse(401, 'Unauthorized');
      return true;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, ctx));
    return true;
  }

  #accept(socket: WebSocket, ctx: WebAuthContext): void {
    const client: Client = { socket, token: ctx.token, agentId: agentIdOf(ctx.user), missed: 0, windowStart: Date.now(), windowCount: 0 };
    this.#clients.add(client);
    clearTimeout(this.#abandoned.get(client.agentId));
    this.#abandoned.delete(client.agentId);
    socket.on('pong', () => (client.missed = 0));
    socket.on('close', () => this.#drop(client));
    socket.on('error', () => this.#drop(client));
    socket.on('message', (data, isBinary) => void this.#onMessage(client, isBinary ? undefined : data.toString()));
    this.#send(client, { type: 'hello', agentId: client.agentId, user: { username: ctx.user.username, role: ctx.user.role, ...(ctx.user.displayName ? { displayName: ctx.user.displayName } : {}) } });
  }

  async #onMessage(client: Client, text: string | undefined): Promise<void> {
    // Every message is use of the session, and a session that ended closes its sockets.
    if (!this.#options.auth.authenticate(client.token)) {
      client.socket.close(4401, 'session ended');
      return;
    }
    let raw: unknown;
    try {
      raw = text === undefined ? undefined : JSON.parse(text);
    } catch {
      raw = undefined;
    }
    const envelope = DeskEnvelope.safeParse(raw);
    if (!envelope.success) {
      this.#send(client, { type: 'error', error: { code: 'invalid', message: 'expected a JSON object with a numeric id' } });
      return;
    }
    const id = envelope.data.id;
    const now = Date.now();
    if (now - client.windowStart >= 1000) {
      client.windowStart = now;
      client.windowCount = 0;
    }
    if (++client.windowCount > (this.#options.maxRequestsPerSecond ?? 20)) {
      this.#send(client, { type: 'result', id, result: { ok: false, error: { code: 'rate-limited', message: 'too many requests; slow down' } } });
      return;
    }
    const req = DeskRequest.safeParse(raw);
    if (!req.success) {
      this.#send(client, { type: 'result', id, result: { ok: false, error: { code: 'invalid', message: describeIssues(req.error) } } });
      return;
    }
    try {
      const result = await dispatchDeskRequest(this.#options.desk, client.agentId, req.data);
      this.#send(client, { type: 'result', id, result });
    } catch (err) {
      this.#options.log?.error('desk request failed', { type: req.data.type, agentId: client.agentId, error: (err as Error).message });
      this.#send(client, { type: 'result', id, result: { ok: false, error: { code: 'unavailable', message: 'the request failed on the appliance' } } });
    }
  }

  #drop(client: Client): void {
    if (!this.#clients.delete(client)) return;
    const agentId = client.agentId;
    if ([...this.#clients].some((c) => c.agentId === agentId) || this.#abandoned.has(agentId)) return;
    const timer = setTimeout(() => {
      this.#abandoned.delete(agentId);
      if ([...this.#clients].some((c) => c.agentId === agentId)) return;
      const snap = this.#options.desk.snapshot(agentId);
      if (!snap.ok) return;
      const s = snap.snapshot;
      // Only an idle browser agent: a desk phone still rings, and a call or wrap-up is left to its own end.
      if (!s.loggedIn || s.device !== 'browser' || s.calls.length > 0 || s.wrapUps.length > 0 || s.offer) return;
      this.#options.log?.info('agent page gone: signing the agent out', { agentId });
      void Promise.resolve(this.#options.desk.logout(agentId)).catch(() => undefined);
    }, this.#options.abandonGraceMs ?? 20_000);
    timer.unref();
    this.#abandoned.set(agentId, timer);
  }

  #broadcast(agentId: string, name: DeskEventName, data: unknown): void {
    for (const c of this.#clients) if (c.agentId === agentId) this.#send(c, { type: 'event', name, data });
  }

  #send(client: Client, message: unknown): void {
    if (client.socket.readyState !== client.socket.OPEN) return;
    client.socket.send(JSON.stringify(message));
  }

  /**
   * Pings every socket. A desktop that answered the last ping is open in front of an agent
   * waiting for calls, so it counts as use of the session: a quiet hour on the queue does not
   * log the agent out (the absolute session limit still applies).
   */
  #beat(): void {
    for (const c of this.#clients) {
      // Two unanswered pings in a row: the peer is gone (one may be late on a busy PC).
      const answered = c.missed === 0;
      if (c.missed >= 2 || !this.#options.auth.authenticate(c.token, answered)) {
        c.socket.terminate();
        this.#drop(c);
        continue;
      }
      c.missed++;
      c.socket.ping();
    }
  }

  close(): void {
    clearInterval(this.#heartbeat);
    for (const t of this.#abandoned.values()) clearTimeout(t);
    this.#abandoned.clear();
    this.#unLogout();
    for (const [name, listener] of this.#listeners) this.#options.desk.off(name, listener as never);
    for (const c of this.#clients) c.socket.close(1001, 'server stopping');
    this.#clients.clear();
    this.#wss.close();
  }
}
