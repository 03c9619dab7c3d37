import type { AcdCommand } from './commands.ts';
import { loadAcdConfig, type AcdConfigInput } from './config.ts';
import { decide } from './decide.ts';
import { AcdEventSchema, type AcdEventInput } from './events.ts';
import { NaiveRouting } from './naive-routing.ts';
import { IndexedRouting } from './routing-index.ts';
import { createAcdState, type AcdState } from './state.ts';
import type { CustomStrategy } from './strategies.ts';

export interface AcdHarnessOptions {
  routing?: 'indexed' | 'naive';
  strategies?: Record<string, CustomStrategy>;
  /** Virtual clock start, ms since epoch. */
  start?: number;
}

/**
 * Drives the pure core on a virtual clock for tests and benchmarks: keeps the timers the core
 * asks for and fires them in order as time is advanced. Never sleeps.
 */
export class AcdHarness {
  state: AcdState;
  now: number;
  readonly log: AcdCommand[] = [];
  readonly timers = new Map<string, number>();

  constructor(config: AcdConfigInput, options: AcdHarnessOptions = {}) {
    const strategies = options.strategies ?? {};
    const parsed = loadAcdConfig(config, { customStrategies: Object.keys(strategies) });
    const index = options.routing === 'naive' ? new NaiveRouting() : new IndexedRouting();
    this.state = createAcdState(parsed, { strategies, index });
    this.now = options.start ?? 1_700_000_000_000;
  }

  /** Validates the event as an adapter would, decides, and returns this step's commands. */
  send(event: AcdEventInput): AcdCommand[] {
    const r = decide(this.state, AcdEventSchema.parse(event), this.now);
    this.state = r.state;
    for (const c of r.commands) {
      if (c.type === 'StartTimer') this.timers.set(c.timerId, c.at);
      if (c.type === 'CancelTimer') this.timers.delete(c.timerId);
    }
    this.log.push(...r.commands);
    return r.commands;
  }

  /** Moves the clock forward, firing due timers in time order; returns their commands. */
  advance(ms: number): AcdCommand[] {
    const until = this.now + ms;
    const out: AcdCommand[] = [];
    for (;;) {
      let next: [string, number] | undefined;
      for (const t of this.timers) if (t[1] <= until && (next === undefined || t[1] < next[1] || (t[1] === next[1] && t[0] < next[0]))) next = t;
      if (!next) break;
      this.timers.delete(next[0]);
      this.now = Math.max(this.now, next[1]);
      out.push(...this.send({ type: 'TimerFired', timerId: next[0] }));
    }
    this.now = until;
    return out;
  }

  agentState(id: string): string {
    return this.state.agents.get(id)!.state;
  }
}

export function ofType<T extends AcdCommand['type']>(cmds: readonly AcdCommand[], type: T): Extract<AcdCommand, { type: T }>[] {
  return cmds.filter((c): c is Extract<AcdCommand, { type: T }> => c.type === type);
}
