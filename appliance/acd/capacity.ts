import type { Channel } from './config.ts';
import type { AgentRt } from './state.ts';
import type { AgentView } from './strategies.ts';

/**
 * Whether the agent may be offered one more contact on `channel` now: ready, under the
 * channel's limit and the overall ceiling, and not blocked by a contact it holds (a voice
 * call blocks digital offers when the capacity profile says so).
 */
export function canTake(agent: AgentRt, channel: Channel): boolean {
  if (agent.presence !== 'ready') return false;
  const cap = agent.capacity;
  const limit = cap.limits[channel] ?? 0;
  if (limit === 0) return false;
  let same = 0;
  let total = 0;
  for (const w of agent.work.values()) {
    if (w.phase === 'wrap-up' && !cap.wrapUpHoldsCapacity) continue;
    total++;
    const ch = w.contact.channel;
    if (ch === channel) same++;
    const blocked = cap.blocks[ch];
    if (blocked !== undefined && blocked.includes(channel)) return false;
  }
  return same < limit && total < (cap.maxTotal ?? Infinity);
}

/** Contacts that count against capacity, as a share of it. */
export function loadOf(agent: AgentRt): number {
  let n = 0;
  for (const w of agent.work.values()) if (w.phase !== 'wrap-up' || agent.capacity.wrapUpHoldsCapacity) n++;
  return n / agent.totalCapacity;
}

export function viewOf(agent: AgentRt, queueId: string): AgentView {
  return {
    id: agent.id,
    seniority: agent.profile.seniority,
    skills: agent.profile.skills,
    idleSince: agent.idleSince,
    handledToday: agent.handledToday,
    busyMsToday: agent.busyMsToday,
    load: loadOf(agent),
    lastOfferSeq: agent.lastOfferSeq.get(queueId) ?? 0,
    randomKey: agent.randomKey,
    skillLevel: agent.levels.get(queueId) ?? 0,
  };
}
