import { BehaviorSubject, Subject, type Observable, type Subscription } from 'rxjs';
import { AcdConfigSchema, parseAcdConfig } from './config.ts';
import type { AcdCommand } from './commands.ts';
import { decide } from './decide.ts';
import { AcdEventSchema, type AcdEvent } from './events.ts';
import { liveView, type AcdLiveView } from './live-view.ts';
import { createMetrics, localDayStart, observeAgentState, observeContact, snapshot, type MetricsOptions, type MetricsSnapshot, type MetricsState } from './metrics/metrics-core.ts';
import { IndexedRouting, type RoutingIndex } from './routing-index.ts';
import { createAcdState, type AcdState } from './state.ts';
import { loadStrategyPlugins } from './strategy-plugins.ts';
import type { CustomStrategy } from './strategies.ts';

/** The part of the appliance journal the ACD needs (appliance/store's Journal fits). */
export interface AcdJournal {
  append(stream: string, data: unknown, ts?: number): Promise<unknown>;
}

/** Real time by default; tests may pass their own. */
export interface AcdClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: AcdClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export const JOURNAL_STREAMS = { agentState: 'acd.agent-state', contact: 'acd.contact' } as const;

export interface AcdAdapterOptions {
  /** Raw configuration; strategy plug-ins it names are imported relative to `configDir`. */
  config: unknown;
  configDir?: string;
  strategies?: Record<string, CustomStrategy>;
  journal?: AcdJournal;
  clock?: AcdClock;
  routing?: RoutingIndex;
  metrics?: Partial<MetricsOptions>;
  /** How often live$ and metrics$ emit; 0 turns the tick off. */
  tickMs?: number;
}

/** setTimeout takes at most 2^31-1 ms; longer timers are re-armed when that fires. */
const MAX_DELAY = 2_147_483_647;

/**
 * Runs the pure core on rxjs streams with real timers: events in through `dispatch` or
 * `connect`, commands out on `commands$`, timers kept on the clock, Record* commands appended
 * to the journal and fed to the metrics core, and live state on `live$` and `metrics$`.
 */
export class AcdAdapter {
  private state: AcdState;
  private readonly metricsState: MetricsState;
  private readonly clock: AcdClock;
  private readonly journal: AcdJournal | undefined;
  private readonly registry: Map<string, CustomStrategy>;
  private readonly timers = new Map<string, unknown>();
  private readonly pending: AcdEvent[] = [];
  private running = false;
  private stopped = false;
  private tick: unknown;
  private midnight: unknown;
  private readonly commandsSubject = new Subject<AcdCommand>();
  private readonly errorsSubject = new Subject<Error>();
  private readonly liveSubject: BehaviorSubject<AcdLiveView>;
  private readonly metricsSubject: BehaviorSubject<MetricsSnapshot>;
  readonly commands$: Observable<AcdCommand> = this.commandsSubject.asObservable();
  /** Journal failures and invalid input; the adapter keeps running. */
  readonly errors$: Observable<Error> = this.errorsSubject.asObservable();
  readonly live$: Observable<AcdLiveView>;
  readonly metrics$: Observable<MetricsSnapshot>;

  /** Imports the configuration's strategy plug-ins, then builds the adapter. */
  static async create(options: AcdAdapterOptions): Promise<AcdAdapter> {
    const parsed = AcdConfigSchema.shape.strategyPlugins.safeParse((options.config as { strategyPlugins?: unknown } | null)?.strategyPlugins);
    const plugins = parsed.success ? await loadStrategyPlugins(parsed.data, options.configDir ?? process.cwd()) : new Map();
    return new AcdAdapter({ ...options, strategies: { ...options.strategies, ...Object.fromEntries(plugins) } });
  }

  /** Throws AcdConfigError when the configuration is invalid. */
  constructor(options: AcdAdapterOptions) {
    this.clock = options.clock ?? systemClock;
    this.journal = options.journal;
    this.registry = new Map(Object.entries(options.strategies ?? {}));
    const parsed = parseAcdConfig(options.config, { customStrategies: this.registry.keys() });
    if (!parsed.ok) throw parsed.error;
    this.state = createAcdState(parsed.config, { strategies: this.registry, index: options.routing ?? new IndexedRouting() });
    const now = this.clock.now();
    this.metricsState = createMetrics({ site: parsed.config.site, ...options.metrics }, now);
    this.liveSubject = new BehaviorSubject(liveView(this.state, now));
    this.metricsSubject = new BehaviorSubject(snapshot(this.metricsState, now, this.liveSubject.value));
    this.live$ = this.liveSubject.asObservable();
    this.metrics$ = this.metricsSubject.asObservable();
    const tickMs = options.tickMs ?? 1000;
    if (tickMs > 0) this.scheduleTick(tickMs);
    this.scheduleMidnight();
  }

  /**
   * Validates and applies one event; returns the commands it produced. Events sent from inside
   * a commands$ subscriber are queued and applied after the current one, in order.
   */
  dispatch(input: unknown): AcdCommand[] {
    if (this.stopped) return [];
    const parsed = AcdEventSchema.safeParse(input);
    if (!parsed.success) {
      const cmd: AcdCommand = { type: 'Refused', event: String((input as { type?: unknown } | null)?.type ?? 'unknown'), reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
      this.errorsSubject.next(new Error(`invalid ACD event: ${cmd.reason}`));
      this.commandsSubject.next(cmd);
      return [cmd];
    }
    this.pending.push(parsed.data);
    if (this.running) return [];
    this.running = true;
    const all: AcdCommand[] = [];
    try {
      while (this.pending.length > 0) {
        const event = this.pending.shift()!;
        const { state, commands } = decide(this.state, event, this.clock.now());
        this.state = state;
        for (const c of commands) this.effect(c);
        all.push(...commands);
        for (const c of commands) this.commandsSubject.next(c);
      }
    } finally {
      this.running = false;
    }
    return all;
  }

  /** Applies a new configuration after importing any strategy plug-ins it names. */
  async applyConfig(config: unknown, configDir = process.cwd()): Promise<AcdCommand[]> {
    const parsed = AcdConfigSchema.shape.strategyPlugins.safeParse((config as { strategyPlugins?: unknown } | null)?.strategyPlugins);
    if (parsed.success) {
      try {
        for (const [name, fn] of await loadStrategyPlugins(parsed.data, configDir)) this.registry.set(name, fn);
      } catch (err) {
        const cmd: AcdCommand = { type: 'Refused', event: 'ConfigChanged', reason: (err as Error).message };
        this.commandsSubject.next(cmd);
        return [cmd];
      }
    }
    return this.dispatch({ type: 'ConfigChanged', config });
  }

  connect(events$: Observable<unknown>): Subscription {
    return events$.subscribe((e) => this.dispatch(e));
  }

  metrics(): MetricsSnapshot {
    return snapshot(this.metricsState, this.clock.now(), liveView(this.state, this.clock.now()));
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const h of this.timers.values()) this.clock.clearTimeout(h);
    this.timers.clear();
    this.clock.clearTimeout(this.tick);
    this.clock.clearTimeout(this.midnight);
    this.commandsSubject.complete();
    this.errorsSubject.complete();
    this.liveSubject.complete();
    this.metricsSubject.complete();
  }

  private effect(c: AcdCommand): void {
    switch (c.type) {
      case 'StartTimer':
        this.arm(c.timerId, c.at);
        break;
      case 'CancelTimer': {
        const h = this.timers.get(c.timerId);
        if (h !== undefined) this.clock.clearTimeout(h);
        this.timers.delete(c.timerId);
        break;
      }
      case 'RecordAgentState':
        observeAgentState(this.metricsState, c.record);
        this.append(JOURNAL_STREAMS.agentState, c.record, c.record.at);
        break;
      case 'RecordContact':
        observeContact(this.metricsState, c.record);
        this.append(JOURNAL_STREAMS.contact, c.record, c.record.at);
        break;
    }
  }

  private arm(timerId: string, at: number): void {
    const old = this.timers.get(timerId);
    if (old !== undefined) this.clock.clearTimeout(old);
    const delay = Math.min(MAX_DELAY, Math.max(0, at - this.clock.now()));
    this.timers.set(timerId, this.clock.setTimeout(() => {
      this.timers.delete(timerId);
      if (this.clock.now() < at) this.arm(timerId, at);
      else this.dispatch({ type: 'TimerFired', timerId });
    }, delay));
  }

  private append(stream: string, data: unknown, ts: number): void {
    if (!this.journal) return;
    this.journal.append(stream, data, ts).catch((err: unknown) => {
      this.errorsSubject.next(new Error(`journal append to ${stream} failed: ${(err as Error).message}`));
    });
  }

  private scheduleTick(ms: number): void {
    this.tick = this.clock.setTimeout(() => {
      if (this.stopped) return;
      const now = this.clock.now();
      const live = liveView(this.state, now);
      this.liveSubject.next(live);
      this.metricsSubject.next(snapshot(this.metricsState, now, live));
      this.scheduleTick(ms);
    }, ms);
  }

  /** DayStarted at local midnight, so "handled today" strategies start over. */
  private scheduleMidnight(): void {
    const now = this.clock.now();
    const next = localDayStart(now, this.metricsState.options.utcOffsetMinutes) + 86_400_000;
    this.midnight = this.clock.setTimeout(() => {
      if (this.stopped) return;
      if (this.clock.now() >= next) this.dispatch({ type: 'DayStarted' });
      this.scheduleMidnight();
    }, Math.min(MAX_DELAY, next - now));
  }
}
