import type { Channel, OverflowTarget } from './config.ts';
import type { AgentState } from './agent-states.ts';

/**
 * Commands out of the ACD core: plain data for the adapters. The channels act on the first
 * group; timers go to the adapter's clock; Record* go to the journal and the metrics core.
 */
export type AcdCommand =
  /** Ring the agent / show the chat. `expiresAt`: when the core gives up (ring-no-answer); absent, never. */
  | { type: 'OfferToAgent'; contactId: string; agentId: string; queueId: string; channel: Channel; expiresAt?: number }
  /** Stop ringing: the contact left, the ring timed out, or the agent was logged out. */
  | { type: 'CancelOffer'; contactId: string; agentId: string; reason: 'abandoned' | 'timeout' | 'logout' }
  /** Fire `TimerFired { timerId }` at `at` (ms since epoch). Starting an existing id replaces it. */
  | { type: 'StartTimer'; timerId: string; at: number }
  | { type: 'CancelTimer'; timerId: string }
  /** Tell the waiting customer where they stand; estimatedWaitSeconds is absent when unknown. */
  | {
      type: 'PlayAnnouncement';
      contactId: string;
      queueId: string;
      kind: 'enqueued' | 'periodic';
      position: number;
      estimatedWaitSeconds?: number;
    }
  /** The contact leaves its queue for `to`; for a queue target the core has already moved it. */
  | { type: 'Overflow'; contactId: string; fromQueueId: string; to: OverflowTarget; reason: OverflowReason }
  /** The core drops the contact (it names no known queue): the channel ends it. */
  | { type: 'Abandon'; contactId: string; reason: 'unknown-queue' }
  | { type: 'RecordAgentState'; record: AgentStateRecord }
  | { type: 'RecordContact'; record: ContactRecord }
  /** An event that could not be applied; the state is unchanged. */
  | { type: 'Refused'; event: string; reason: string };

export type OverflowReason = 'wait-time' | 'no-agents' | 'queue-length';

export interface AgentStateRecord {
  agentId: string;
  at: number;
  from: AgentState;
  to: AgentState;
  reason?: string;
}

/**
 * One contact's outcome: `answered` when accepted (wait known), `handled` when its work is done
 * (handle times known), `abandoned`/`overflowed` when it left without an agent.
 */
export interface ContactRecord {
  kind: 'answered' | 'handled' | 'abandoned' | 'overflowed';
  contactId: string;
  queueId: string;
  channel: Channel;
  at: number;
  /** From arrival at the ACD to the answer or the departure. */
  waitMs: number;
  agentId?: string;
  talkMs?: number;
  holdMs?: number;
  wrapUpMs?: number;
  target?: OverflowTarget;
}

export type AcdCommandType = AcdCommand['type'];
export type CommandOf<T extends AcdCommandType> = Extract<AcdCommand, { type: T }>;
