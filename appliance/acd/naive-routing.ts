import { canTake, viewOf } from './capacity.ts';
import { compareAcrossQueues, compareInQueue, mayTake, type RoutingIndex } from './routing-index.ts';
import { servesAt, type AcdState, type AgentRt, type ContactRt, type QueueRt } from './state.ts';
import { agentKey, compareAgentKeys, type AgentKey } from './strategies.ts';

/**
 * The reference: no index at all. Every decision scans every agent or every waiting contact
 * and re-derives eligibility from the profiles, as a queue engine that re-sorts on each change
 * does. It answers exactly as IndexedRouting, so randomized tests compare the two and the
 * benchmark measures what the indexes buy.
 */
export class NaiveRouting implements RoutingIndex {
  readonly kind = 'naive';
  reset(): void {}
  agentChanged(): void {}
  contactWaiting(): void {}
  contactLeft(): void {}

  bestAgent(state: AcdState, contact: ContactRt): AgentRt | undefined {
    const q = contact.queue;
    let best: AgentRt | undefined;
    let bestKey: AgentKey | undefined;
    for (const a of state.agents.values()) {
      if (!canTake(a, contact.channel) || servesAt(a.profile, q.cfg) === undefined || !mayTake(contact, a)) continue;
      const k = agentKey(q.strategy, q.cfg, viewOf(a, q.id), a.seq);
      if (bestKey === undefined || compareAgentKeys(k, bestKey) < 0) {
        best = a;
        bestKey = k;
      }
    }
    return best;
  }

  bestContact(state: AcdState, agent: AgentRt, now: number): ContactRt | undefined {
    const perQueue = new Map<QueueRt, ContactRt>();
    for (const c of state.contacts.values()) {
      if (c.status !== 'waiting' || !mayTake(c, agent) || !canTake(agent, c.channel)) continue;
      if (servesAt(agent.profile, c.queue.cfg) === undefined) continue;
      const cur = perQueue.get(c.queue);
      if (cur === undefined || compareInQueue(c, cur) < 0) perQueue.set(c.queue, c);
    }
    let best: ContactRt | undefined;
    for (const q of agent.queues) {
      const c = perQueue.get(q);
      if (c !== undefined && (best === undefined || compareAcrossQueues(c, best, now) < 0)) best = c;
    }
    return best;
  }

  position(state: AcdState, contact: ContactRt): number {
    let n = 1;
    for (const c of state.contacts.values()) {
      if (c.status === 'waiting' && c.queue === contact.queue && c.channel === contact.channel && compareInQueue(c, contact) < 0) n++;
    }
    return n;
  }

  waitingIn(state: AcdState, queue: QueueRt): ContactRt[] {
    return [...state.contacts.values()].filter((c) => c.status === 'waiting' && c.queue === queue).sort(compareInQueue);
  }
}
