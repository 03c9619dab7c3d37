import { CHANNELS, type Channel } from './config.ts';
import { canTake, viewOf } from './capacity.ts';
import { SortedList } from './sorted-list.ts';
import { agentKey, compareAgentKeys, type AgentKey } from './strategies.ts';
import { hasSkills, type AcdState, type AgentRt, type ContactRt, type QueueRt } from './state.ts';

/**
 * The lookups a routing decision needs. Two implementations give identical answers: the
 * indexed one (sorted lists per queue and channel) used in production, and the naive one
 * (scan everything) kept as the reference for tests and the benchmark.
 */
export interface RoutingIndex {
  readonly kind: string;
  /** Rebuild from scratch (after a configuration change). */
  reset(state: AcdState): void;
  /** Called after any change to an agent's presence, work or strategy inputs. */
  agentChanged(state: AcdState, agent: AgentRt): void;
  contactWaiting(contact: ContactRt): void;
  contactLeft(contact: ContactRt): void;
  /** The idle agent that should get this waiting contact, skipping agents it excludes. */
  bestAgent(state: AcdState, contact: ContactRt): AgentRt | undefined;
  /** The waiting contact this agent should get next across its queues and free channels. */
  bestContact(state: AcdState, agent: AgentRt, now: number): ContactRt | undefined;
  /** 1-based place of a waiting contact among its queue's contacts on its channel. */
  position(state: AcdState, contact: ContactRt): number;
  /** A queue's waiting contacts, best first. */
  waitingIn(state: AcdState, queue: QueueRt): ContactRt[];
}

/** Within one queue: the fixed key (effective priority), then arrival, then arrival order. */
export function compareInQueue(a: ContactRt, b: ContactRt): number {
  return a.key - b.key || a.arrivedAt - b.arrivedAt || a.seq - b.seq;
}

/**
 * Between the best contacts of different queues an agent serves: queue weight first (as
 * Asterisk's weight), then effective priority now, then who arrived first.
 */
export function compareAcrossQueues(a: ContactRt, b: ContactRt, now: number): number {
  if (a.queue === b.queue) return compareInQueue(a, b);
  const w = b.queue.cfg.weight - a.queue.cfg.weight;
  if (w !== 0) return w;
  const ea = a.queue.agingPerMs * now - a.key;
  const eb = b.queue.agingPerMs * now - b.key;
  return eb - ea || a.arrivedAt - b.arrivedAt || a.seq - b.seq;
}

export function isExcluded(contact: ContactRt, agent: AgentRt): boolean {
  return contact.excluded !== undefined && contact.excluded.has(agent.id);
}

/** Whether an agent of the contact's queue may be offered it: not excluded, has its own skills. */
export function mayTake(contact: ContactRt, agent: AgentRt): boolean {
  return !isExcluded(contact, agent) && hasSkills(agent, contact);
}

interface Entry extends AgentKey {
  agent: AgentRt;
}

const CH = new Map<Channel, number>(CHANNELS.map((c, i) => [c, i]));
const chIndex = (c: Channel): number => CH.get(c)!;

export class IndexedRouting implements RoutingIndex {
  readonly kind = 'indexed';
  private idle = new Map<QueueRt, SortedList<Entry>[]>();
  private waiting = new Map<QueueRt, SortedList<ContactRt>[]>();
  private entries = new Map<AgentRt, { entry: Entry; list: SortedList<Entry> }[]>();

  reset(state: AcdState): void {
    this.idle.clear();
    this.waiting.clear();
    this.entries.clear();
    for (const q of state.queues.values()) {
      this.idle.set(q, CHANNELS.map(() => new SortedList<Entry>(compareAgentKeys)));
      this.waiting.set(q, CHANNELS.map(() => new SortedList<ContactRt>(compareInQueue)));
    }
    for (const c of state.contacts.values()) if (c.status === 'waiting') this.contactWaiting(c);
    for (const a of state.agents.values()) this.agentChanged(state, a);
  }

  agentChanged(_state: AcdState, agent: AgentRt): void {
    const old = this.entries.get(agent);
    if (old) for (const { entry, list } of old) list.delete(entry);
    if (agent.presence !== 'ready') {
      if (old) this.entries.delete(agent);
      return;
    }
    const placed: { entry: Entry; list: SortedList<Entry> }[] = [];
    const free: number[] = [];
    for (let i = 0; i < CHANNELS.length; i++) if (canTake(agent, CHANNELS[i]!)) free.push(i);
    if (free.length > 0) {
      for (const q of agent.queues) {
        const entry = agentKey(q.strategy, q.cfg, viewOf(agent, q.id), agent.seq) as Entry;
        entry.agent = agent;
        const lists = this.idle.get(q)!;
        for (const i of free) {
          const list = lists[i]!;
          list.add(entry);
          placed.push({ entry, list });
        }
      }
    }
    this.entries.set(agent, placed);
  }

  contactWaiting(contact: ContactRt): void {
    this.waiting.get(contact.queue)![chIndex(contact.channel)]!.add(contact);
  }

  contactLeft(contact: ContactRt): void {
    this.waiting.get(contact.queue)![chIndex(contact.channel)]!.delete(contact);
  }

  bestAgent(_state: AcdState, contact: ContactRt): AgentRt | undefined {
    const list = this.idle.get(contact.queue)![chIndex(contact.channel)]!;
    const first = list.first();
    if (first === undefined) return undefined;
    // The common case (no exclusions, no skills of its own) stays one look at the head.
    if (contact.excluded === undefined && contact.skills === undefined) return first.agent;
    return list.find((e) => mayTake(contact, e.agent))?.agent;
  }

  bestContact(_state: AcdState, agent: AgentRt, now: number): ContactRt | undefined {
    const free: number[] = [];
    for (let i = 0; i < CHANNELS.length; i++) if (canTake(agent, CHANNELS[i]!)) free.push(i);
    if (free.length === 0) return undefined;
    let best: ContactRt | undefined;
    for (const q of agent.queues) {
      if (q.waiting === 0) continue;
      const lists = this.waiting.get(q)!;
      let inQueue: ContactRt | undefined;
      for (const i of free) {
        const list = lists[i]!;
        let c = list.first();
        if (c !== undefined && (c.excluded !== undefined || c.skills !== undefined) && !mayTake(c, agent)) c = list.find((x) => mayTake(x, agent));
        if (c !== undefined && (inQueue === undefined || compareInQueue(c, inQueue) < 0)) inQueue = c;
      }
      if (inQueue !== undefined && (best === undefined || compareAcrossQueues(inQueue, best, now) < 0)) best = inQueue;
    }
    return best;
  }

  position(_state: AcdState, contact: ContactRt): number {
    return this.waiting.get(contact.queue)![chIndex(contact.channel)]!.rank(contact) + 1;
  }

  waitingIn(_state: AcdState, queue: QueueRt): ContactRt[] {
    const all = this.waiting.get(queue)!.flatMap((l) => [...l]);
    return all.sort(compareInQueue);
  }
}
