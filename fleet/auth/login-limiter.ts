/**
 * Slows password guessing: after `maxFailures` failed logins for one user name from one
 * address, that pair is locked out for `lockoutMs`. Attempts still being checked count as
 * failures until they finish, so a burst of parallel guesses cannot slip past the limit.
 * Pure: time is passed in.
 */
export interface LoginLimiterOptions {
  now: () => number;
  maxFailures?: number;
  lockoutMs?: number;
  /** Failures older than this are forgotten. */
  windowMs?: number;
  maxEntries?: number;
}

export type LoginAttempt =
  | { ok: true; finish: (success: boolean) => void }
  | { ok: false; retryAfterMs: number };

interface Entry {
  failures: number;
  pending: number;
  firstFailureAt: number;
  lockedUntil: number;
}

export class LoginLimiter {
  readonly #now: () => number;
  readonly #maxFailures: number;
  readonly #lockoutMs: number;
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: LoginLimiterOptions) {
    this.#now = options.now;
    this.#maxFailures = options.maxFailures ?? 5;
    this.#lockoutMs = options.lockoutMs ?? 30_000;
    this.#windowMs = options.windowMs ?? 15 * 60_000;
    this.#maxEntries = options.maxEntries ?? 100_000;
  }

  static keyOf(username: string, clientIp: string): string {
    return `${username.toLowerCase()}\u0000${clientIp}`;
  }

  /** Asks to check one password; the caller reports the outcome through `finish`. */
  begin(key: string): LoginAttempt {
    const now = this.#now();
    let entry = this.#entries.get(key);
    if (entry && entry.lockedUntil > now) return { ok: false, retryAfterMs: entry.lockedUntil - now };
    if (entry && entry.failures > 0 && now - entry.firstFailureAt > this.#windowMs) {
      entry.failures = 0;
    }
    if (!entry) {
      entry = { failures: 0, pending: 0, firstFailureAt: now, lockedUntil: 0 };
      this.#entries.set(key, entry);
      this.#trim();
    }
    if (entry.failures + entry.pending >= this.#maxFailures) {
      // Only in-flight attempts fill the budget: wait for them rather than lock.
      return { ok: false, retryAfterMs: 1000 };
    }
    entry.pending++;
    const held = entry;
    let done = false;
    return {
      ok: true,
      finish: (success) => {
        if (done) return;
        done = true;
        held.pending--;
        this.#record(key, held, success);
      },
    };
  }

  #record(key: string, entry: Entry, success: boolean): void {
    const now = this.#now();
    if (success) {
      entry.failures = 0;
      if (entry.pending === 0 && entry.lockedUntil <= now) this.#entries.delete(key);
      return;
    }
    if (entry.failures === 0) entry.firstFailureAt = now;
    entry.failures++;
    if (entry.failures >= this.#maxFailures) {
      entry.lockedUntil = now + this.#lockoutMs;
      entry.failures = 0;
    }
    // Re-insert so the map stays ordered by last activity for trimming.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
  }

  #trim(): void {
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }
}
