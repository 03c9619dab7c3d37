// Login and sessions for the appliance's browsers: the fleet console's session store and
// login limiter (pure, time passed in) over the appliance's own user store.
import { LoginLimiter } from '../../fleet/auth/login-limiter.ts';
import { SessionStore, type Session } from '../../fleet/auth/session-store.ts';
import type { WebUser, WebUserStore } from './web-users.ts';

/**
 * Agents whose credentials the configuration twin carries (the desk section, pushed by the
 * fleet): the agent desk checks them. Local users (supervisors, admins, and any agent made on
 * the box) come first; an agent id that is also a local user name logs in as the local user.
 */
export interface AgentDirectory {
  verifyPassword(agentId: string, password: string): boolean;
  knowsAgent(agentId: string): boolean;
  /** False while the directory cannot answer (telephony not running): agents' sessions wait rather than end. */
  available?(): boolean;
}

/** Sessions of directory agents are kept under this prefix, so they never pass for a local user. */
const AGENT_SESSION = 'agent:';

export type WebLoginResult =
  | { ok: true; token: string; session: Session; user: WebUser }
  | { ok: false; reason: 'invalid-credentials' }
  | { ok: false; reason: 'locked'; retryAfterMs: number };

export interface WebAuthContext {
  token: string;
  session: Session;
  user: WebUser;
}

export interface WebAuthOptions {
  users: WebUserStore;
  now?: () => number;
  /** An agent's shift is long: a session unused this long ends (default 60 min). */
  idleTimeoutMs?: number;
  /** Ends this long after login whatever happens (default 12 h, one shift and overtime). */
  absoluteTimeoutMs?: number;
  limiter?: LoginLimiter;
  agents?: AgentDirectory;
}

export class WebAuth {
  readonly users: WebUserStore;
  readonly sessions: SessionStore;
  readonly #limiter: LoginLimiter;
  readonly #agents: AgentDirectory | undefined;
  readonly #logoutListeners = new Set<(token: string) => void>();
  readonly #revokeListeners = new Set<() => void>();

  constructor(options: WebAuthOptions) {
    const now = options.now ?? Date.now;
    this.users = options.users;
    this.sessions = new SessionStore({ now, idleTimeoutMs: options.idleTimeoutMs ?? 60 * 60_000, absoluteTimeoutMs: options.absoluteTimeoutMs ?? 12 * 60 * 60_000 });
    this.#limiter = options.limiter ?? new LoginLimiter({ now });
    this.#agents = options.agents;
  }

  async login(username: string, password: string, clientIp: string): Promise<WebLoginResult> {
    const attempt = this.#limiter.begin(LoginLimiter.keyOf(username, clientIp));
    if (!attempt.ok) return { ok: false, reason: 'locked', retryAfterMs: attempt.retryAfterMs };
    let user: WebUser | undefined;
    let sessionName = username;
    try {
      if (this.users.get(username) || !this.#agents?.knowsAgent(username)) {
        user = await this.users.verify(username, password);
        sessionName = user?.username ?? username;
      } else {
        // The desk's check is synchronous scrypt; yield first so a burst of logins queues fairly.
        await new Promise((r) => setImmediate(r));
        if (this.#agents.verifyPassword(username, password)) user = directoryAgent(username);
        sessionName = `${AGENT_SESSION}${username}`;
      }
    } finally {
      attempt.finish(user !== undefined);
    }
    if (!user) return { ok: false, reason: 'invalid-credentials' };
    this.sessions.sweep();
    const { token, session } = this.sessions.create(sessionName);
    return { ok: true, token, session, user };
  }

  authenticate(token: string | undefined, touch = true): WebAuthContext | undefined {
    const session = this.sessions.get(token, touch);
    if (!session || !token) return undefined;
    // While the desk is away (telephony restarting) an agent's session is not refused for good.
    if (session.username.startsWith(AGENT_SESSION) && this.#agents?.available?.() === false) return undefined;
    const user = session.username.startsWith(AGENT_SESSION)
      ? this.#agents?.knowsAgent(session.username.slice(AGENT_SESSION.length))
        ? directoryAgent(session.username.slice(AGENT_SESSION.length))
        : undefined
      : this.users.get(session.username);
    if (!user) {
      this.sessions.revoke(token);
      return undefined;
    }
    return { token, session, user };
  }

  logout(token: string | undefined): void {
    if (!token) return;
    this.sessions.revoke(token);
    for (const l of this.#logoutListeners) l(token);
  }

  /** Ends every session of a user (password changed, user removed); their sockets close at once. */
  revokeUser(username: string): number {
    const n = this.sessions.revokeUser(username);
    for (const l of this.#revokeListeners) l();
    return n;
  }

  /** Called after sessions were revoked in bulk (the listener re-checks what it holds). */
  onRevoke(listener: () => void): () => void {
    this.#revokeListeners.add(listener);
    return () => this.#revokeListeners.delete(listener);
  }

  /** Called with a session's token when it logs out (open WebSockets of that session close). */
  onLogout(listener: (token: string) => void): () => void {
    this.#logoutListeners.add(listener);
    return () => this.#logoutListeners.delete(listener);
  }
}

const directoryAgent = (agentId: string): WebUser => ({ username: agentId, role: 'agent', agentId, createdAt: 0 });
