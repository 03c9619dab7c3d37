import type { QueueConfig } from './config.ts';

/**
 * Queue strategies as sort keys: an idle agent with a smaller key is offered first. Keys are
 * computed when the agent's standing changes (never from the clock), which is what lets the
 * core keep idle agents ordered per queue instead of scanning them on every decision.
 */

/** What a strategy may look at. Everything here changes only through ACD events. */
export interface AgentView {
  readonly id: string;
  readonly seniority: number;
  readonly skills: Readonly<Record<string, number>>;
  /** When the agent last became free (login, ready, or a contact completed). */
  readonly idleSince: number;
  readonly handledToday: number;
  readonly busyMsToday: number;
  /** Contacts held now, as a share of the agent's total capacity (0..1). */
  readonly load: number;
  /** Offer counter value of the agent's last offer from this queue; 0 if never. */
  readonly lastOfferSeq: number;
  /** Drawn from the core's seeded generator each time the agent's standing changes. */
  readonly randomKey: number;
  /** Sum of the agent's levels in the queue's required skills. */
  readonly skillLevel: number;
}

export interface QueueView {
  readonly id: string;
  readonly skills: QueueConfig['skills'];
}

export type StrategyKey = number | readonly [number, number];

/**
 * The plug-in point: a pure function, registered by name and chosen in a queue's config as
 * `strategy: { custom: name }`. It must return the same key for the same view.
 */
export type CustomStrategy = (agent: AgentView, queue: QueueView) => StrategyKey;

export type StrategyRegistry = ReadonlyMap<string, CustomStrategy>;

const BUILTIN: Record<string, CustomStrategy> = {
  'longest-idle': (a) => a.idleSince,
  'least-occupied': (a) => [a.load, a.idleSince],
  'round-robin': (a) => a.lastOfferSeq,
  'skill-level': (a) => [-a.skillLevel, a.idleSince],
  'fewest-handled': (a) => [a.handledToday, a.idleSince],
  random: (a) => a.randomKey,
};

/** A complete agent ordering key: seniority, the strategy's two numbers, then agent order. */
export interface AgentKey {
  s: number;
  k1: number;
  k2: number;
  seq: number;
}

export function strategyFor(queue: QueueConfig, registry: StrategyRegistry): CustomStrategy {
  const s = queue.strategy;
  const fn = typeof s === 'string' ? BUILTIN[s] : registry.get(s.custom);
  if (!fn) throw new Error(`strategy ${JSON.stringify(s)} is not registered`);
  return fn;
}

export function agentKey(fn: CustomStrategy, queue: QueueConfig, view: AgentView, seq: number): AgentKey {
  const k = fn(view, queue);
  const [k1, k2] = typeof k === 'number' ? [k, 0] : k;
  const s = queue.agentOrder === 'senior-first' ? -view.seniority : queue.agentOrder === 'senior-last' ? view.seniority : 0;
  // NaN would break the total order the indexes rely on; treat it as "last".
  return { s, k1: Number.isNaN(k1) ? Infinity : k1, k2: Number.isNaN(k2) ? Infinity : k2, seq };
}

export function compareAgentKeys(a: AgentKey, b: AgentKey): number {
  return a.s - b.s || cmp(a.k1, b.k1) || cmp(a.k2, b.k2) || a.seq - b.seq;
}

function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
