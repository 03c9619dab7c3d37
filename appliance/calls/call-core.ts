// The pure core of one call's orchestration: its phase (one transition table), the segments
// the CDR keeps (IVR, queue wait, ring, talk, hold, wrap-up, each with start and end), and
// the ACD events a transition implies. No I/O and no clock: `now` comes with every event,
// so tests drive it with a virtual clock. The adapter (call-control.ts) does the SIP, media,
// IVR and ACD work and feeds what happened back here.
import type { AcdEventInput } from '../acd/events.ts';

export type CallPhase = 'ivr' | 'queued' | 'ringing' | 'dialing' | 'connected' | 'held' | 'voicemail' | 'ended';

export type SegmentKind = 'ivr' | 'queue' | 'ring' | 'talk' | 'hold' | 'wrap-up' | 'dial' | 'voicemail';

export interface Segment {
  kind: SegmentKind;
  start: number;
  end?: number;
  queueId?: string;
  agentId?: string;
  contactId?: string;
  /** ring: how it ended (answered, ring-no-answer, rejected, abandoned). */
  outcome?: string;
}

export type CallEndReason = 'caller-hangup' | 'agent-hangup' | 'remote-hangup' | 'abandoned' | 'ivr-hangup' | 'failed' | 'transferred' | 'no-answer' | 'voicemail';

export interface CallRecord {
  callId: string;
  direction: 'inbound' | 'outbound';
  /** The customer's number (caller inbound, dialled number outbound). */
  customer: string;
  /** The DID dialled (inbound) or the trunk group's caller id (outbound). */
  did: string;
  phase: CallPhase;
  startedAt: number;
  endedAt?: number;
  endReason?: CallEndReason;
  /** The ACD contact in progress (a transfer to a queue makes a new one). */
  contactId?: string;
  queueId?: string;
  /** The agent on the call (or ringing). */
  agentId?: string;
  /** Every ACD contact this call was, in order. */
  contacts: string[];
  segments: Segment[];
  /** How many contacts were made (transfer to another queue adds one). */
  contactSeq: number;
}

export type CallCoreEvent =
  | { type: 'QueueEntered'; queueId: string }
  /** The ACD moved the waiting contact to another queue (overflow): same contact, new wait segment. */
  | { type: 'Overflowed'; queueId: string }
  | { type: 'Offered'; agentId: string; contactId: string }
  | { type: 'OfferEnded'; reason: 'ring-no-answer' | 'rejected' | 'logout' }
  | { type: 'Answered'; agentId: string }
  | { type: 'Held' }
  | { type: 'Retrieved' }
  /** Blind transfer of the connected caller to a queue: the agent's contact ends, a new one waits. */
  | { type: 'TransferredToQueue'; queueId: string }
  /** Blind transfer to a number or an agent's phone outside the ACD: the agent leaves, the call goes on. */
  | { type: 'TransferredOut'; target: string }
  /** Outbound call from the desktop: ringing at the far end. */
  | { type: 'Dialing'; agentId: string }
  | { type: 'FarEndAnswered' }
  /** The caller leaves a message in a box (IVR voicemail node, or an ACD overflow to voicemail). */
  | { type: 'VoicemailStarted'; box: string }
  | { type: 'CallerHungUp' }
  | { type: 'AgentHungUp' }
  | { type: 'Failed' }
  | { type: 'WrapUpStarted'; agentId: string; contactId: string }
  | { type: 'WrapUpEnded'; agentId: string; contactId: string };

export type CallCoreEventType = CallCoreEvent['type'];

/**
 * The phase table: for each phase, the events it accepts and where they lead. An event absent
 * from a row is refused (nothing changes). Wrap-up events belong to the agent, not the call's
 * phase, and are accepted in every phase.
 */
export const CALL_TRANSITIONS: { readonly [P in CallPhase]: Readonly<Partial<Record<CallCoreEventType, CallPhase>>> } = {
  ivr: { QueueEntered: 'queued', TransferredOut: 'connected', VoicemailStarted: 'voicemail', CallerHungUp: 'ended', Failed: 'ended' },
  queued: { Offered: 'ringing', QueueEntered: 'queued', Overflowed: 'queued', TransferredOut: 'connected', VoicemailStarted: 'voicemail', CallerHungUp: 'ended', Failed: 'ended' },
  ringing: { Answered: 'connected', OfferEnded: 'queued', CallerHungUp: 'ended', Failed: 'ended' },
  dialing: { FarEndAnswered: 'connected', CallerHungUp: 'ended', AgentHungUp: 'ended', Failed: 'ended' },
  connected: { Held: 'held', TransferredToQueue: 'queued', TransferredOut: 'connected', CallerHungUp: 'ended', AgentHungUp: 'ended', Failed: 'ended' },
  voicemail: { CallerHungUp: 'ended', Failed: 'ended' },
  held: { Retrieved: 'connected', TransferredToQueue: 'queued', TransferredOut: 'connected', CallerHungUp: 'ended', AgentHungUp: 'ended', Failed: 'ended' },
  ended: {},
};

export type CallCoreResult =
  | { ok: true; call: CallRecord; acd: AcdEventInput[] }
  | { ok: false; call: CallRecord; reason: string };

export function createInboundCall(callId: string, customer: string, did: string, now: number): CallRecord {
  return {
    callId, direction: 'inbound', customer, did, phase: 'ivr', startedAt: now, contacts: [], contactSeq: 0,
    segments: [{ kind: 'ivr', start: now }],
  };
}

export function createOutboundCall(callId: string, customer: string, callerId: string, agentId: string, now: number): CallRecord {
  return {
    callId, direction: 'outbound', customer, did: callerId, phase: 'dialing', startedAt: now, agentId, contacts: [], contactSeq: 0,
    segments: [{ kind: 'dial', start: now, agentId }],
  };
}

/** The id of the next ACD contact of a call: the call id, then `callId#2`, `#3` after transfers. */
export function nextContactId(call: CallRecord): string {
  return call.contactSeq === 0 ? call.callId : `${call.callId}#${call.contactSeq + 1}`;
}

/** Applies one event; never mutates `call`. */
export function stepCall(call: CallRecord, event: CallCoreEvent, now: number): CallCoreResult {
  if (event.type === 'WrapUpStarted' || event.type === 'WrapUpEnded') return wrapUp(call, event, now);
  const next = CALL_TRANSITIONS[call.phase][event.type];
  if (next === undefined) return { ok: false, call, reason: `${event.type} does not apply to a call in phase ${call.phase}` };
  const c: CallRecord = { ...call, phase: next, segments: call.segments.map((s) => ({ ...s })), contacts: [...call.contacts] };
  const acd: AcdEventInput[] = [];
  const close = (outcome?: string) => {
    const open = c.segments.filter((s) => s.end === undefined && s.kind !== 'wrap-up');
    for (const s of open) {
      s.end = now;
      if (outcome !== undefined && s.kind === 'ring') s.outcome = outcome;
    }
  };
  const open = (s: Omit<Segment, 'start'>) => c.segments.push({ ...s, start: now });
  switch (event.type) {
    case 'QueueEntered': {
      close();
      const contactId = nextContactId(c);
      c.contactSeq += 1;
      c.contactId = contactId;
      c.contacts.push(contactId);
      c.queueId = event.queueId;
      delete c.agentId;
      open({ kind: 'queue', queueId: event.queueId, contactId });
      break;
    }
    case 'Overflowed': {
      const wait = c.segments.findLast((s) => s.kind === 'queue' && s.end === undefined);
      if (wait) {
        wait.end = now;
        wait.outcome = `overflow:${event.queueId}`;
      }
      c.queueId = event.queueId;
      open({ kind: 'queue', queueId: event.queueId, ...(c.contactId ? { contactId: c.contactId } : {}) });
      break;
    }
    case 'Offered':
      if (event.contactId !== c.contactId) return { ok: false, call, reason: `offer of ${event.contactId}, the call's contact is ${c.contactId ?? 'none'}` };
      c.agentId = event.agentId;
      open({ kind: 'ring', agentId: event.agentId, contactId: c.contactId, ...(c.queueId ? { queueId: c.queueId } : {}) });
      break;
    case 'OfferEnded': {
      // the queue wait goes on: only the ring segment closes
      const ring = c.segments.findLast((s) => s.kind === 'ring' && s.end === undefined);
      if (ring) {
        ring.end = now;
        ring.outcome = event.reason;
      }
      delete c.agentId;
      break;
    }
    case 'Answered':
      if (event.agentId !== c.agentId) return { ok: false, call, reason: `answered by ${event.agentId}, ringing ${c.agentId ?? 'nobody'}` };
      close('answered');
      open({ kind: 'talk', agentId: event.agentId, ...(c.contactId ? { contactId: c.contactId } : {}), ...(c.queueId ? { queueId: c.queueId } : {}) });
      break;
    case 'FarEndAnswered':
      close();
      open({ kind: 'talk', ...(c.agentId ? { agentId: c.agentId } : {}) });
      break;
    case 'Held':
      open({ kind: 'hold', ...(c.agentId ? { agentId: c.agentId } : {}) });
      if (c.contactId) acd.push({ type: 'ContactHeld', contactId: c.contactId });
      break;
    case 'Retrieved': {
      const hold = c.segments.findLast((s) => s.kind === 'hold' && s.end === undefined);
      if (hold) hold.end = now;
      if (c.contactId) acd.push({ type: 'ContactRetrieved', contactId: c.contactId });
      break;
    }
    case 'TransferredToQueue': {
      close();
      if (c.contactId && c.agentId) acd.push({ type: 'ContactEnded', contactId: c.contactId });
      const contactId = nextContactId(c);
      c.contactSeq += 1;
      c.contactId = contactId;
      c.contacts.push(contactId);
      c.queueId = event.queueId;
      delete c.agentId;
      open({ kind: 'queue', queueId: event.queueId, contactId });
      break;
    }
    case 'TransferredOut': {
      // the agent (if any) leaves; the caller talks to the target, outside the ACD
      const wasQueued = call.phase === 'queued';
      close();
      // a waiting contact leaves the queue (the ACD knows only "abandoned" for that)
      if (c.contactId && call.phase !== 'ivr') acd.push(wasQueued ? { type: 'ContactAbandoned', contactId: c.contactId } : { type: 'ContactEnded', contactId: c.contactId });
      delete c.contactId;
      delete c.agentId;
      open({ kind: 'talk', outcome: `transferred:${event.target}` });
      break;
    }
    case 'VoicemailStarted': {
      // from a queue only by an ACD overflow, which already dropped the contact: no ACD event
      const wait = c.segments.findLast((s) => s.kind === 'queue' && s.end === undefined);
      close();
      if (wait) wait.outcome = `voicemail:${event.box}`;
      delete c.contactId;
      open({ kind: 'voicemail', outcome: `voicemail:${event.box}` });
      break;
    }
    case 'CallerHungUp':
    case 'AgentHungUp':
    case 'Failed': {
      const phase = call.phase;
      close(phase === 'ringing' ? 'abandoned' : undefined);
      c.endedAt = now;
      c.endReason = event.type === 'Failed' ? 'failed'
        : phase === 'voicemail' ? 'voicemail'
          : phase === 'queued' || phase === 'ringing' ? 'abandoned'
            : phase === 'ivr' ? 'caller-hangup'
              : event.type === 'CallerHungUp' ? (call.direction === 'outbound' ? 'remote-hangup' : 'caller-hangup') : 'agent-hangup';
      if (c.contactId && (phase === 'queued' || phase === 'ringing')) acd.push({ type: 'ContactAbandoned', contactId: c.contactId });
      if (c.contactId && (phase === 'connected' || phase === 'held')) acd.push({ type: 'ContactEnded', contactId: c.contactId });
      break;
    }
  }
  return { ok: true, call: c, acd };
}

/** Wrap-up is the agent's after-call work on a contact of this call: its own segment. */
function wrapUp(call: CallRecord, event: Extract<CallCoreEvent, { type: 'WrapUpStarted' | 'WrapUpEnded' }>, now: number): CallCoreResult {
  if (!call.contacts.includes(event.contactId)) return { ok: false, call, reason: `contact ${event.contactId} is not part of call ${call.callId}` };
  const segments = call.segments.map((s) => ({ ...s }));
  const open = segments.find((s) => s.kind === 'wrap-up' && s.contactId === event.contactId && s.agentId === event.agentId && s.end === undefined);
  if (event.type === 'WrapUpStarted') {
    if (open) return { ok: false, call, reason: `wrap-up of ${event.contactId} already started` };
    segments.push({ kind: 'wrap-up', start: now, agentId: event.agentId, contactId: event.contactId });
  } else {
    if (!open) return { ok: false, call, reason: `no wrap-up of ${event.contactId} in progress` };
    open.end = now;
  }
  return { ok: true, call: { ...call, segments, contacts: [...call.contacts] }, acd: [] };
}

/** Whether the record is complete: the call ended and no wrap-up is still open. */
export function isSettled(call: CallRecord): boolean {
  return call.phase === 'ended' && call.segments.every((s) => s.end !== undefined);
}
