import { DEFAULT_CAPACITY, type AcdConfig, type AgentProfile, type CapacityProfile, type Channel, type QueueConfig } from './config.ts';
import type { AgentState, Presence, WorkPhase } from './agent-states.ts';
import { strategyFor, type CustomStrategy, type StrategyRegistry } from './strategies.ts';
import type { RoutingIndex } from './routing-index.ts';
import type { ContactSkill } from './events.ts';

export interface QueueRt {
  readonly id: string;
  readonly seq: number;
  cfg: QueueConfig;
  strategy: CustomStrategy;
  /** Priority points per millisecond waited. */
  agingPerMs: number;
  /** Logged-in agents that have the queue's skills. */
  loggedIn: number;
  /** Waiting contacts, all channels. */
  waiting: number;
  /** Of those, the ones with skills of their own (worth checking when an agent logs out). */
  skilledWaiting: number;
  /** Exponentially weighted recent handle time, for wait estimates. */
  ahtMs: number;
}

/** `new`: in no queue and with no agent (being placed or moved). */
export type ContactStatus = 'new' | 'sticky' | 'waiting' | 'offered' | 'connected';

export interface ContactRt {
  readonly id: string;
  readonly seq: number;
  readonly channel: Channel;
  readonly priority: number;
  readonly customerId: string | undefined;
  /** The contact's own required skills, on top of its queue's; undefined when none. */
  readonly skills: readonly ContactSkill[] | undefined;
  /** Entered the ACD; ordering and aging count from here, also across overflow. */
  readonly arrivedAt: number;
  queue: QueueRt;
  /** Entered the current queue; overflow-after-T counts from here. */
  queuedAt: number;
  status: ContactStatus;
  /** Static order within its queue: agingPerMs * arrivedAt - priority (see compareInQueue). */
  key: number;
  /** Whether it has taken a place in a queue (else a failed sticky offer enters it fresh). */
  placed: boolean;
  agentId: string | undefined;
  stickyAgentId: string | undefined;
  excluded: Set<string> | undefined;
}

export interface Work {
  readonly contact: ContactRt;
  readonly queue: QueueRt;
  phase: WorkPhase;
  readonly offeredAt: number;
  answeredAt: number;
  holdMs: number;
  holdSince: number;
  wrapSince: number;
}

export interface AgentRt {
  readonly id: string;
  readonly seq: number;
  profile: AgentProfile;
  capacity: CapacityProfile;
  totalCapacity: number;
  presence: Presence;
  reason: string | undefined;
  /** The derived state last reported. */
  state: AgentState;
  work: Map<string, Work>;
  /** Queues whose skills the agent has, with the agent's summed level there. */
  queues: QueueRt[];
  levels: Map<string, number>;
  idleSince: number;
  handledToday: number;
  busyMsToday: number;
  lastOfferSeq: Map<string, number>;
  randomKey: number;
  /** Contacts waiting for this agent alone (sticky routing), oldest first. */
  sticky: ContactRt[];
}

export type TimerPurpose =
  | { kind: 'ring'; contactId: string; agentId: string }
  | { kind: 'wrap'; contactId: string; agentId: string }
  | { kind: 'overflow'; contactId: string }
  | { kind: 'sticky'; contactId: string }
  | { kind: 'announce'; contactId: string };

export interface AcdState {
  config: AcdConfig;
  readonly strategies: StrategyRegistry;
  readonly queues: Map<string, QueueRt>;
  readonly agents: Map<string, AgentRt>;
  readonly contacts: Map<string, ContactRt>;
  readonly timers: Map<string, TimerPurpose>;
  readonly lastAgent: Map<string, { agentId: string; at: number }>;
  reasons: Set<string>;
  seed: number;
  seq: number;
  offerSeq: number;
  /** Swappable: the benchmark moves a loaded state onto the naive reference. */
  index: RoutingIndex;
}

function capacityOf(config: AcdConfig, name: string): CapacityProfile {
  return config.capacityProfiles[name] ?? DEFAULT_CAPACITY;
}

function totalOf(c: CapacityProfile): number {
  const sum = Object.values(c.limits).reduce((a: number, b) => a + (b ?? 0), 0);
  return Math.max(1, Math.min(sum, c.maxTotal ?? Infinity));
}

/**
 * Installs `config` into `state`: queues and agents are updated in place (their runtime
 * counters survive), new ones are added, removed ones dropped. The caller has checked that
 * nothing removed is in use, and rebuilds the index afterwards.
 */
export function installConfig(state: AcdState, config: AcdConfig): void {
  state.config = config;
  state.reasons = new Set(config.reasonCodes);
  const keepQ = new Set(config.queues.map((q) => q.id));
  for (const id of [...state.queues.keys()]) if (!keepQ.has(id)) state.queues.delete(id);
  for (const cfg of config.queues) {
    const q = state.queues.get(cfg.id);
    const strategy = strategyFor(cfg, state.strategies);
    const agingPerMs = cfg.agingPerMinute / 60_000;
    if (q) Object.assign(q, { cfg, strategy, agingPerMs, loggedIn: 0 });
    else {
      state.queues.set(cfg.id, {
        id: cfg.id, seq: ++state.seq, cfg, strategy, agingPerMs, loggedIn: 0, waiting: 0, skilledWaiting: 0,
        ahtMs: cfg.defaultHandleSeconds * 1000,
      });
    }
  }
  // Which queues each skill opens, so eligibility is not a scan of every queue per agent.
  const bySkill = new Map<string, QueueRt[]>();
  for (const q of state.queues.values()) {
    const first = q.cfg.skills[0]!.skill;
    bySkill.set(first, [...(bySkill.get(first) ?? []), q]);
  }
  const keepA = new Set(config.agents.map((a) => a.id));
  for (const id of [...state.agents.keys()]) if (!keepA.has(id)) state.agents.delete(id);
  for (const profile of config.agents) {
    let a = state.agents.get(profile.id);
    const capacity = capacityOf(config, profile.capacity);
    if (!a) {
      a = {
        id: profile.id, seq: ++state.seq, profile, capacity, totalCapacity: totalOf(capacity),
        presence: 'logged-out', reason: undefined, state: 'logged-out', work: new Map(), queues: [],
        levels: new Map(), idleSince: 0, handledToday: 0, busyMsToday: 0, lastOfferSeq: new Map(),
        randomKey: 0, sticky: [],
      };
      state.agents.set(profile.id, a);
    }
    Object.assign(a, { profile, capacity, totalCapacity: totalOf(capacity) });
    a.queues = [];
    a.levels = new Map();
    for (const skill of Object.keys(profile.skills)) {
      for (const q of bySkill.get(skill) ?? []) {
        const level = servesAt(profile, q.cfg);
        if (level !== undefined) {
          a.queues.push(q);
          a.levels.set(q.id, level);
        }
      }
    }
    a.queues.sort((x, y) => x.seq - y.seq);
    if (a.presence !== 'logged-out') for (const q of a.queues) q.loggedIn++;
  }
  for (const c of state.contacts.values()) {
    c.queue = state.queues.get(c.queue.id)!;
    c.key = contactKey(c.queue, c.arrivedAt, c.priority);
  }
}

/** The agent's summed level over the queue's skills, or undefined if one is missing or low. */
export function servesAt(profile: AgentProfile, q: QueueConfig): number | undefined {
  let sum = 0;
  for (const { skill, minLevel } of q.skills) {
    const level = profile.skills[skill];
    if (level === undefined || level < minLevel) return undefined;
    sum += level;
  }
  return sum;
}

/** Whether the agent has every skill the contact itself asks for (the queue's are apart). */
export function hasSkills(agent: AgentRt, contact: ContactRt): boolean {
  const need = contact.skills;
  if (need === undefined) return true;
  for (const { skill, minLevel } of need) {
    const level = agent.profile.skills[skill];
    if (level === undefined || level < minLevel) return false;
  }
  return true;
}

/**
 * Effective priority is priority + agingPerMs * (now - arrivedAt). Ordering by it is the same at
 * every `now` within one queue, so the time-free part below is a fixed sort key.
 */
export function contactKey(q: QueueRt, arrivedAt: number, priority: number): number {
  return q.agingPerMs * arrivedAt - priority;
}

export interface CreateAcdStateOptions {
  strategies?: StrategyRegistry | Record<string, CustomStrategy>;
  index: RoutingIndex;
}

export function createAcdState(config: AcdConfig, options: CreateAcdStateOptions): AcdState {
  const s = options.strategies;
  const strategies: StrategyRegistry = s instanceof Map ? s : new Map(Object.entries(s ?? {}));
  const state: AcdState = {
    config, strategies, queues: new Map(), agents: new Map(), contacts: new Map(), timers: new Map(),
    lastAgent: new Map(), reasons: new Set(), seed: config.seed, seq: 0, offerSeq: 0, index: options.index,
  };
  installConfig(state, config);
  state.index.reset(state);
  return state;
}
