import { z } from 'zod';
import { DtmfDigit, VariableName } from './flow-schema.ts';

/**
 * Events into the IVR interpreter: plain data, validated with `IvrEventSchema` at the edge.
 * Times are never carried: the interpreter is told `now` with each event.
 */
const Id = z.string().min(1).max(200);
const Number_ = z.string().max(64);
const Value = z.string().max(1000);

export const IvrEventSchema = z.discriminatedUnion('type', [
  /** The call reached the flow. Channel variables (SIP headers, DID data) override declared defaults. */
  z.object({
    type: z.literal('CallStarted'),
    caller: Number_,
    callee: Number_,
    variables: z.record(VariableName, Value).default({}),
  }),
  /** The playback `playbackId` finished (or failed: the flow goes on as if it had played). */
  z.object({ type: z.literal('PromptEnded'), playbackId: Id }),
  /** One DTMF digit, whether it came by RFC 4733 telephone-event or SIP INFO. */
  z.object({ type: z.literal('Digit'), digit: DtmfDigit }),
  z.object({ type: z.literal('TimerFired'), timerId: Id }),
  /** Variables already mapped from the response by the adapter (see lookup-mapping.ts). */
  z.object({ type: z.literal('LookupResult'), lookupId: Id, variables: z.record(VariableName, Value) }),
  z.object({ type: z.literal('LookupFailed'), lookupId: Id, reason: z.enum(['timeout', 'http-status', 'network', 'invalid-response']), detail: z.string().max(500).optional() }),
  z.object({ type: z.literal('CallerHungUp') }),
]);

export type IvrEventInput = z.input<typeof IvrEventSchema>;
export type IvrEvent = z.infer<typeof IvrEventSchema>;
export type IvrEventType = IvrEvent['type'];
export type IvrEventOf<T extends IvrEventType> = Extract<IvrEvent, { type: T }>;
