import type { Logger, LogLevel } from '../log/logger.ts';

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogControlOptions {
  level: LogLevel;
  /** Lines kept for the diagnostics bundle. */
  keep?: number;
  write?: (line: string) => void;
  now?: () => number;
  timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(h: unknown): void };
}

/**
 * The appliance's loggers with a level the fleet can change for a while (`log.set-level`),
 * writing the same JSON lines as `createLogger` and keeping the most recent ones for the
 * diagnostics bundle. The level is checked before a line is formatted.
 */
export class LogControl {
  readonly configured: LogLevel;
  #level: LogLevel;
  #until: number | undefined;
  #revert: unknown;
  readonly #keep: number;
  readonly #recent: string[] = [];
  readonly #write: (line: string) => void;
  readonly #now: () => number;
  readonly #timers: NonNullable<LogControlOptions['timers']>;

  constructor(options: LogControlOptions) {
    this.configured = options.level;
    this.#level = options.level;
    this.#keep = options.keep ?? 2000;
    this.#write = options.write ?? ((line) => process.stderr.write(`${line}\n`));
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms).unref(), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
  }

  get level(): LogLevel {
    return this.#level;
  }

  get until(): number | undefined {
    return this.#until;
  }

  /** Sets the level; after `forMs` (if > 0) it returns to the configured one. */
  setLevel(level: LogLevel, forMs = 0): { previous: LogLevel; until?: number } {
    const previous = this.#level;
    this.#level = level;
    this.#timers.clearTimeout(this.#revert);
    this.#until = undefined;
    if (forMs > 0) {
      this.#until = this.#now() + forMs;
      this.#revert = this.#timers.setTimeout(() => {
        this.#level = this.configured;
        this.#until = undefined;
      }, forMs);
    }
    return { previous, ...(this.#until ? { until: this.#until } : {}) };
  }

  /** The last `n` lines written, oldest first. */
  recent(n: number): string[] {
    return n <= 0 ? [] : this.#recent.slice(-n);
  }

  logger(name: string): Logger {
    const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
      if (rank[level] < rank[this.#level]) return;
      const line = JSON.stringify({ t: new Date(this.#now()).toISOString(), level, name, msg, ...fields });
      this.#recent.push(line);
      if (this.#recent.length > this.#keep) this.#recent.splice(0, this.#recent.length - this.#keep);
      this.#write(line);
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (sub) => this.logger(`${name}.${sub}`),
    };
  }
}
