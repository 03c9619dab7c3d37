import { EventEmitter } from 'node:events';
import type { Low } from 'lowdb';
import { validateConfigDocument, type ConfigDocument, type ConfigIssue } from '../../protocol/config-document.ts';
import type { ReportedConfig } from '../../protocol/config-twin.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import {
  decideLocalEdit,
  decideOffer,
  decideRollback,
  initialTwinState,
  reportOf,
  TwinState,
  type ConfigOffer,
  type RunningConfig,
  type Validator,
} from './twin-core.ts';

/** The lowdb document of the twin: the running configuration and the one kept for rollback. */
export { TwinState as TwinDoc } from './twin-core.ts';

/**
 * A module that runs on the configuration (SIP, ACD, IVR, recording…). A switch is two-phase
 * so it is all or nothing: every consumer first `prepare`s the new document beside the old
 * one (build tables, check ports) while calls keep running on the old; if all succeed, the
 * new version is stored and every prepared change is `commit`ted, a synchronous swap of
 * references. Calls in progress hold the objects they started with, so none is dropped.
 */
export interface ConfigConsumer {
  readonly name: string;
  prepare(next: ConfigDocument, current: ConfigDocument): PreparedChange | Promise<PreparedChange>;
}

export interface PreparedChange {
  /** Must not throw: everything that can fail belongs in `prepare`. */
  commit(): void;
  abort?(): void;
}

export type TwinResult =
  | { ok: true; outcome: 'applied'; running: RunningConfig }
  | { ok: true; outcome: 'ignored'; reason: string }
  | { ok: false; outcome: 'refused'; issues: ConfigIssue[] };

export interface ConfigTwinOptions {
  db: Low<TwinState>;
  now?: () => number;
  log?: Logger;
  validate?: Validator;
}

export interface ConfigTwinEvents {
  /** The running configuration changed (applied, local edit, rollback). */
  applied: [running: RunningConfig, config: ConfigDocument];
  /** A fleet or bundle version was refused. */
  refused: [version: number, issues: ConfigIssue[]];
  /** What the device should report now. */
  report: [reported: ReportedConfig];
}

export class ConfigTwinStateError extends Error {
  override name = 'ConfigTwinStateError';
}

/**
 * The appliance's side of the configuration twin: applies versions from the fleet or a
 * bundle atomically, accepts local edits, rolls back, persists every switch in an fsynced
 * document before the modules swap, and says what to report. One operation at a time.
 */
export class ConfigTwin extends EventEmitter<ConfigTwinEvents> {
  readonly #db: Low<TwinState>;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #validate: Validator;
  readonly #consumers: ConfigConsumer[] = [];
  #config: ConfigDocument;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(options: ConfigTwinOptions, config: ConfigDocument) {
    super();
    this.#db = options.db;
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? silentLogger;
    this.#validate = options.validate ?? validateConfigDocument;
    this.#config = config;
  }

  /**
   * Reads the stored twin. A stored document that no longer validates (a schema changed in
   * an upgrade) falls back to the kept previous one, then to an empty configuration, and the
   * reason is logged: the appliance starts either way.
   */
  static async open(options: ConfigTwinOptions): Promise<ConfigTwin> {
    const now = (options.now ?? Date.now)();
    const validate = options.validate ?? validateConfigDocument;
    const log = options.log ?? silentLogger;
    const defaults = options.db.data;
    await options.db.read();
    // lowdb keeps its default data when there is no file yet: write one at once, so the
    // document exists on disk from the first start.
    const fromStore = options.db.data !== defaults;
    const parsed = TwinState.safeParse(options.db.data);
    let state = parsed.success ? parsed.data : initialTwinState(now);
    let validation = validate(state.current.config);
    if (!validation.ok && state.previous) {
      log.error('stored configuration no longer validates; using the previous one', { version: state.current.version, issues: validation.issues.slice(0, 5) });
      state = { ...state, current: { ...state.previous, source: 'rollback', at: now } };
      validation = validate(state.current.config);
    }
    if (!validation.ok) {
      log.error('stored configuration no longer validates; starting empty', { issues: validation.issues.slice(0, 5) });
      state = { ...initialTwinState(now), highestSeen: state.highestSeen };
      validation = validate(state.current.config);
      if (!validation.ok) throw new ConfigTwinStateError('the empty configuration does not validate');
    }
    options.db.data = state;
    if (!parsed.success || !fromStore) await options.db.write();
    return new ConfigTwin(options, validation.config);
  }

  /** The running configuration, defaults filled in. Treat as read-only. */
  get config(): ConfigDocument {
    return this.#config;
  }

  get running(): RunningConfig {
    return this.#db.data.current;
  }

  get state(): TwinState {
    return this.#db.data;
  }

  reported(): ReportedConfig {
    return reportOf(this.#db.data, this.#now());
  }

  /** Modules register in start order; they are prepared and committed in that order. */
  register(consumer: ConfigConsumer): void {
    this.#consumers.push(consumer);
  }

  /** A version from the fleet (retained desired) or an offline bundle. */
  offer(offer: ConfigOffer): Promise<TwinResult> {
    return this.#serial(async () => {
      const state = this.#db.data;
      const decision = decideOffer(state, offer, this.#now(), this.#validate);
      if (decision.kind === 'ignore') return { ok: true, outcome: 'ignored', reason: decision.reason } as const;
      if (decision.kind === 'refuse') {
        await this.#store(decision.state);
        this.#log.warn('configuration refused', { version: offer.version, source: offer.source, issues: decision.issues.slice(0, 5) });
        this.emit('refused', offer.version, decision.issues);
        this.#report();
        return { ok: false, outcome: 'refused', issues: decision.issues } as const;
      }
      const result = await this.#switch(decision.state, decision.config);
      // A module or the disk failing is not the version's fault: it is reported, but the
      // version is not marked as seen, so its next delivery (reconnect) tries again.
      if (!result.ok) {
        this.#db.data = { ...this.#db.data, refused: { version: offer.version, hash: offer.hash, at: this.#now(), issues: result.issues } };
        this.emit('refused', offer.version, result.issues);
        this.#report();
      }
      return result;
    });
  }

  editLocal(config: Record<string, unknown>, by: string): Promise<TwinResult> {
    return this.#serial(async () => {
      const decision = decideLocalEdit(this.#db.data, config, by, this.#now(), this.#validate);
      if (decision.kind === 'refuse') return { ok: false, outcome: 'refused', issues: decision.issues } as const;
      return this.#switch(decision.state, decision.config);
    });
  }

  rollback(by: string): Promise<TwinResult> {
    return this.#serial(async () => {
      const decision = decideRollback(this.#db.data, by, this.#now(), this.#validate);
      if (decision.kind === 'refuse') return { ok: false, outcome: 'refused', issues: decision.issues } as const;
      return this.#switch(decision.state, decision.config);
    });
  }

  /** Prepare every module, store, then commit every module: all or nothing. */
  async #switch(next: TwinState, config: ConfigDocument): Promise<TwinResult> {
    const prepared: PreparedChange[] = [];
    const abortAll = () => {
      for (const p of prepared.reverse()) {
        try {
          p.abort?.();
        } catch (err) {
          this.#log.error('abort of a prepared configuration failed', { error: (err as Error).message });
        }
      }
    };
    for (const consumer of this.#consumers) {
      try {
        prepared.push(await consumer.prepare(config, this.#config));
      } catch (err) {
        abortAll();
        const issues = [{ path: consumer.name, message: `cannot apply: ${(err as Error).message}` }];
        this.#log.warn('configuration not applied: a module refused it', { module: consumer.name, error: (err as Error).message });
        return { ok: false, outcome: 'refused', issues };
      }
    }
    try {
      await this.#store(next);
    } catch (err) {
      abortAll();
      this.#log.error('configuration not applied: storing it failed', { error: (err as Error).message });
      return { ok: false, outcome: 'refused', issues: [{ path: '', message: `cannot store the configuration: ${(err as Error).message}` }] };
    }
    for (const p of prepared) {
      try {
        p.commit();
      } catch (err) {
        this.#log.error('a module failed to commit a prepared configuration', { error: (err as Error).message });
      }
    }
    this.#config = config;
    const running = next.current;
    this.#log.info('configuration applied', { version: running.version, source: running.source, hash: running.hash.slice(0, 12), by: running.by });
    this.emit('applied', running, config);
    this.#report();
    return { ok: true, outcome: 'applied', running };
  }

  async #store(state: TwinState): Promise<void> {
    const before = this.#db.data;
    this.#db.data = state;
    try {
      await this.#db.write();
    } catch (err) {
      this.#db.data = before;
      throw err;
    }
  }

  #report(): void {
    this.emit('report', this.reported());
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
