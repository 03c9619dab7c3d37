/**
 * Agent states. An agent doing several things at once (three chats, one in wrap-up) has one
 * presence and one phase per contact, so the states are kept as two parts of one table:
 * PRESENCE (what the agent asked for) and WORK (each assigned contact). The state shown to
 * supervisors and journaled is derived from both by `deriveAgentState`. A trigger missing from
 * a row is refused; the core reports it and changes nothing.
 */
export const AGENT_STATES = ['logged-out', 'ready', 'not-ready', 'away', 'reserved', 'busy', 'hold', 'wrap-up'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export type Presence = 'logged-out' | 'ready' | 'not-ready' | 'away';
/** `missed`: ring-no-answer; `rejected`: a refused offer when configured to cost readiness. */
export type PresenceTrigger = 'login' | 'logout' | 'ready' | 'not-ready' | 'away' | 'missed' | 'rejected';

export type WorkPhase = 'reserved' | 'busy' | 'hold' | 'wrap-up';
/** `withdraw`/`release`: the agent was force-logged out; `done`: the contact leaves the agent. */
export type WorkTrigger =
  | 'accept'
  | 'reject'
  | 'timeout'
  | 'abandon'
  | 'withdraw'
  | 'hold'
  | 'retrieve'
  | 'end'
  | 'extend'
  | 'complete'
  | 'release';
export type WorkTarget = WorkPhase | 'done';

export const AGENT_TRANSITIONS: {
  readonly presence: { readonly [P in Presence]: Readonly<Partial<Record<PresenceTrigger, Presence>>> };
  readonly work: { readonly [W in WorkPhase]: Readonly<Partial<Record<WorkTrigger, WorkTarget>>> };
} = {
  presence: {
    // Login lands in not ready (reason "login") unless the configuration says readyOnLogin.
    'logged-out': { login: 'not-ready' },
    ready: { logout: 'logged-out', 'not-ready': 'not-ready', away: 'away', missed: 'not-ready', rejected: 'not-ready' },
    // not-ready -> not-ready changes the reason code.
    'not-ready': { logout: 'logged-out', ready: 'ready', 'not-ready': 'not-ready', away: 'away', missed: 'not-ready', rejected: 'not-ready' },
    away: { logout: 'logged-out', ready: 'ready', 'not-ready': 'not-ready', missed: 'not-ready', rejected: 'not-ready' },
  },
  work: {
    // An offer creates a contact's work in `reserved` (ringing).
    reserved: { accept: 'busy', reject: 'done', timeout: 'done', abandon: 'done', withdraw: 'done' },
    busy: { hold: 'hold', end: 'wrap-up', release: 'done' },
    hold: { retrieve: 'busy', end: 'wrap-up', release: 'done' },
    // `end` lands in wrap-up; with a zero wrap-up time the core completes it in the same step.
    'wrap-up': { extend: 'wrap-up', complete: 'done', release: 'done' },
  },
};

export function presenceAfter(from: Presence, trigger: PresenceTrigger): Presence | undefined {
  return AGENT_TRANSITIONS.presence[from][trigger];
}

export function workAfter(from: WorkPhase, trigger: WorkTrigger): WorkTarget | undefined {
  return AGENT_TRANSITIONS.work[from][trigger];
}

/** Display precedence when contacts are in different phases: talking beats ringing beats hold. */
const PRECEDENCE: readonly WorkPhase[] = ['busy', 'reserved', 'hold', 'wrap-up'];

export function deriveAgentState(presence: Presence, phases: Iterable<WorkPhase>): AgentState {
  if (presence === 'logged-out') return presence;
  let best = PRECEDENCE.length;
  for (const p of phases) best = Math.min(best, PRECEDENCE.indexOf(p));
  return PRECEDENCE[best] ?? presence;
}
