import { AGENT_STATES, type AgentState } from './agent-states.ts';
import type { AcdState } from './state.ts';

/** What the ACD holds right now, for wallboards and metrics: no history, no I/O. */
export interface AcdLiveView {
  at: number;
  agentsByState: Record<AgentState, number>;
  queues: Record<string, { waiting: number; longestWaitMs: number; loggedIn: number; agentsByState: Record<AgentState, number> }>;
}

const zero = (): Record<AgentState, number> => Object.fromEntries(AGENT_STATES.map((s) => [s, 0])) as Record<AgentState, number>;

/** O(agents x their queues + contacts); meant for a once-a-second tick, not per decision. */
export function liveView(state: AcdState, now: number): AcdLiveView {
  const view: AcdLiveView = { at: now, agentsByState: zero(), queues: {} };
  for (const q of state.queues.values()) {
    view.queues[q.id] = { waiting: q.waiting, longestWaitMs: 0, loggedIn: q.loggedIn, agentsByState: zero() };
  }
  for (const a of state.agents.values()) {
    view.agentsByState[a.state]++;
    if (a.state === 'logged-out') continue;
    for (const q of a.queues) view.queues[q.id]!.agentsByState[a.state]++;
  }
  for (const c of state.contacts.values()) {
    if (c.status !== 'waiting' && c.status !== 'sticky') continue;
    const v = view.queues[c.queue.id]!;
    v.longestWaitMs = Math.max(v.longestWaitMs, now - c.arrivedAt);
  }
  return view;
}
