import { randomToken, safeEqual, sha256 } from './password-hash.ts';

/** A console login. The token lives only in the browser's cookie; the store keys sessions by its hash. */
export interface Session {
  username: string;
  /** Echoed by every non-GET request in `x-csrf-token`. */
  csrfToken: string;
  createdAt: number;
  lastUsedAt: number;
}

export interface SessionStoreOptions {
  now: () => number;
  /** A session unused this long ends. */
  idleTimeoutMs?: number;
  /** A session ends this long after login however busy it is. */
  absoluteTimeoutMs?: number;
  /** Oldest sessions are dropped past this many, so a login flood cannot exhaust memory. */
  maxSessions?: number;
}

export interface NewSession {
  /** Goes into the cookie; never stored. */
  token: string;
  session: Session;
}

/**
 * Sessions in memory: a fleet restart logs everyone out, which is acceptable for an admin
 * console and keeps tokens off the disk.
 */
export class SessionStore {
  readonly #now: () => number;
  readonly idleTimeoutMs: number;
  readonly absoluteTimeoutMs: number;
  readonly #maxSessions: number;
  readonly #sessions = new Map<string, Session>();

  constructor(options: SessionStoreOptions) {
    this.#now = options.now;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30 * 60_000;
    this.absoluteTimeoutMs = options.absoluteTimeoutMs ?? 12 * 60 * 60_000;
    this.#maxSessions = options.maxSessions ?? 10_000;
  }

  create(username: string): NewSession {
    const token = randomToken();
    const now = this.#now();
    const session: Session = { username, csrfToken: randomToken(), createdAt: now, lastUsedAt: now };
    this.#sessions.set(keyOf(token), session);
    while (this.#sessions.size > this.#maxSessions) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest === undefined) break;
      this.#sessions.delete(oldest);
    }
    return { token, session };
  }

  /** The live session of a token; `touch` (the default) counts this as use for the idle timeout. */
  get(token: string | undefined, touch = true): Session | undefined {
    if (!token || token.length > 128) return undefined;
    const key = keyOf(token);
    const session = this.#sessions.get(key);
    if (!session) return undefined;
    const now = this.#now();
    if (this.#expired(session, now)) {
      this.#sessions.delete(key);
      return undefined;
    }
    if (touch) session.lastUsedAt = now;
    return session;
  }

  /** When the session ends if left alone from now on. */
  expiresAt(session: Session): number {
    return Math.min(session.lastUsedAt + this.idleTimeoutMs, session.createdAt + this.absoluteTimeoutMs);
  }

  revoke(token: string | undefined): boolean {
    return token ? this.#sessions.delete(keyOf(token)) : false;
  }

  /** Ends every session of a user (password changed, user removed). */
  revokeUser(username: string): number {
    let n = 0;
    for (const [key, s] of this.#sessions) {
      if (s.username.toLowerCase() === username.toLowerCase()) {
        this.#sessions.delete(key);
        n++;
      }
    }
    return n;
  }

  /** Drops expired sessions; call now and then. */
  sweep(): number {
    const now = this.#now();
    let n = 0;
    for (const [key, s] of this.#sessions) {
      if (this.#expired(s, now)) {
        this.#sessions.delete(key);
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.#sessions.size;
  }

  static csrfMatches(session: Session, header: string | undefined): boolean {
    return header !== undefined && header.length > 0 && safeEqual(session.csrfToken, header);
  }

  #expired(s: Session, now: number): boolean {
    return now - s.lastUsedAt >= this.idleTimeoutMs || now - s.createdAt >= this.absoluteTimeoutMs;
  }
}

const keyOf = (token: string) => sha256(token).toString('base64url');
