import { LoginLimiter } from './login-limiter.ts';
import { SessionStore, type Session } from './session-store.ts';
import type { ConsoleUser, UserStore } from './user-store.ts';

export type LoginResult =
  | { ok: true; token: string; session: Session; user: ConsoleUser }
  | { ok: false; reason: 'invalid-credentials' }
  | { ok: false; reason: 'locked'; retryAfterMs: number };

/** A request's identity: its session and the user as stored now (so a role change applies at once). */
export interface AuthContext {
  token: string;
  session: Session;
  user: ConsoleUser;
}

export interface ConsoleAuthOptions {
  users: UserStore;
  /** Defaults: sessions and limiter with their default timeouts on `now`. */
  sessions?: SessionStore;
  limiter?: LoginLimiter;
  now?: () => number;
}

/** Console login and sessions: the user store, the session store and the login limiter together. */
export class ConsoleAuth {
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly #limiter: LoginLimiter;

  constructor(options: ConsoleAuthOptions) {
    this.users = options.users;
    const now = options.now ?? Date.now;
    this.sessions = options.sessions ?? new SessionStore({ now });
    this.#limiter = options.limiter ?? new LoginLimiter({ now });
  }

  async login(username: string, password: string, clientIp: string): Promise<LoginResult> {
    const attempt = this.#limiter.begin(LoginLimiter.keyOf(username, clientIp));
    if (!attempt.ok) return { ok: false, reason: 'locked', retryAfterMs: attempt.retryAfterMs };
    let user: ConsoleUser | undefined;
    try {
      user = await this.users.verify(username, password);
    } finally {
      attempt.finish(user !== undefined);
    }
    if (!user) return { ok: false, reason: 'invalid-credentials' };
    // Expired sessions otherwise linger until looked up; a login is a rare, fine moment to drop them.
    this.sessions.sweep();
    // The stored spelling of the name, whatever case was typed.
    const { token, session } = this.sessions.create(user.username);
    return { ok: true, token, session, user };
  }

  /** The context of a session cookie, or undefined when absent, expired, or its user is gone. */
  authenticate(token: string | undefined, touch = true): AuthContext | undefined {
    const session = this.sessions.get(token, touch);
    if (!session || !token) return undefined;
    const user = this.users.get(session.username);
    if (!user) {
      this.sessions.revoke(token);
      return undefined;
    }
    return { token, session, user };
  }

  logout(token: string | undefined): void {
    this.sessions.revoke(token);
  }
}
