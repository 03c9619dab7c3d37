import { z } from 'zod';
import { ChannelSchema } from './config.ts';

/**
 * Events into the ACD core: plain data, validated with `AcdEventSchema` at the edge. Ids are
 * opaque strings chosen by the channel that owns the contact (a SIP call id, a chat id).
 * Times are never carried: the core is told `now` with each event.
 */
const Id = z.string().min(1).max(128);

/**
 * A skill the contact itself requires (a language chosen in the IVR), on top of its queue's.
 * Names are checked against the configured skills by the core, which refuses unknown ones.
 */
export const ContactSkillSchema = z.object({
  skill: z.string().min(1).max(64),
  minLevel: z.number().int().min(1).max(10).default(1),
});
export type ContactSkill = z.infer<typeof ContactSkillSchema>;

/**
 * IVR skills as strings, `name` or `name:level` (`billing:5`), into the contact's shape.
 * A level that is not 1..10 is clamped, so a flow variable never makes the event invalid.
 */
export function contactSkillsFrom(names: readonly string[]): ContactSkill[] {
  return names.map((raw) => {
    const i = raw.lastIndexOf(':');
    const level = i > 0 ? Number(raw.slice(i + 1)) : NaN;
    if (!Number.isInteger(level)) return { skill: raw, minLevel: 1 };
    return { skill: raw.slice(0, i), minLevel: Math.max(1, Math.min(10, level)) };
  });
}

export const AcdEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ContactArrived'),
    contactId: Id,
    queueId: Id,
    channel: ChannelSchema,
    /** Higher is served first (VIP, customer level). */
    priority: z.number().int().min(-1000).max(1000).default(0),
    customerId: Id.optional(),
    /** Last agent known from history (CRM); otherwise the core's own memory is used. */
    preferredAgentId: Id.optional(),
    /** Offered only to the queue's agents that also have each of these at the level asked. */
    skills: z.array(ContactSkillSchema).max(20).optional(),
  }),
  /** The customer left before being answered (hung up, closed the chat). */
  z.object({ type: z.literal('ContactAbandoned'), contactId: Id }),
  z.object({ type: z.literal('AgentLoggedIn'), agentId: Id }),
  /** Force logs the agent out even with contacts: offers are withdrawn, live contacts released. */
  z.object({ type: z.literal('AgentLoggedOut'), agentId: Id, force: z.boolean().default(false) }),
  /** The agent (or a supervisor) asks for ready, not ready (with a reason code) or away. */
  z.object({
    type: z.literal('AgentStateChanged'),
    agentId: Id,
    state: z.enum(['ready', 'not-ready', 'away']),
    reason: Id.optional(),
  }),
  z.object({ type: z.literal('OfferAccepted'), contactId: Id, agentId: Id }),
  z.object({ type: z.literal('OfferRejected'), contactId: Id, agentId: Id }),
  /** The channel saw no answer (e.g. SIP 408/480); the core's own ring timer does the same. */
  z.object({ type: z.literal('OfferTimedOut'), contactId: Id, agentId: Id }),
  z.object({ type: z.literal('ContactHeld'), contactId: Id }),
  z.object({ type: z.literal('ContactRetrieved'), contactId: Id }),
  /** An answered contact ended (either side hung up, the chat closed). */
  z.object({ type: z.literal('ContactEnded'), contactId: Id }),
  z.object({ type: z.literal('WrapUpExtended'), agentId: Id, contactId: Id, seconds: z.number().positive().max(86_400).optional() }),
  /** The agent completes after-call work; without contactId, all of it. */
  z.object({ type: z.literal('WrapUpEnded'), agentId: Id, contactId: Id.optional() }),
  z.object({ type: z.literal('TimerFired'), timerId: Id }),
  /** Raw configuration: validated by the core, refused whole if invalid. */
  z.object({ type: z.literal('ConfigChanged'), config: z.unknown() }),
  /** Local midnight: per-day counters (handled today) start again. */
  z.object({ type: z.literal('DayStarted') }),
]);

export type AcdEventInput = z.input<typeof AcdEventSchema>;
export type AcdEvent = z.infer<typeof AcdEventSchema>;
export type AcdEventType = AcdEvent['type'];
export type EventOf<T extends AcdEventType> = Extract<AcdEvent, { type: T }>;
