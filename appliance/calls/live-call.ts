// One call in progress as the call control keeps it: the pure core's record plus the I/O
// handles (legs, media session) and what the CDR needs beyond the core (legs, IVR path,
// recording, disposition). `buildCdr` turns it into the stored record.
import type { CdrInput } from '../cdr/cdr-store.ts';
import type { Customer } from '../customers/customer-store.ts';
import type { CallerChoice } from '../ivr/ivr-commands.ts';
import type { MediaSession } from '../media/media-session.ts';
import type { CallLeg } from './b2bua.ts';
import type { CallRecord } from './call-core.ts';

export interface CdrLeg {
  legId: string;
  role: 'caller' | 'agent' | 'external' | 'callee';
  party: string;
  start: number;
  answeredAt?: number;
  end?: number;
}

export interface LiveCall {
  /** The customer leg's id: also the media session's id and the IVR call id. */
  id: string;
  record: CallRecord;
  /** The customer's leg (inbound caller, or the far end of an outbound call). */
  caller: CallLeg;
  session?: MediaSession;
  /** Resolves when the customer's media session closed (recording committed). */
  mediaClosed: Promise<void>;
  customer?: Customer;
  variables: Record<string, string>;
  choices: CallerChoice[];
  priority: number;
  skills: string[];
  /** An agent's desk phone ringing for the current contact. */
  ringing?: { agentId: string; contactId: string; leg?: CallLeg };
  /** The agent's desk phone leg while connected. */
  agentLeg?: CallLeg;
  /** The browser's legs in the customer's media session while connected. */
  web?: { agentId: string; sendLeg: string; recvLeg: string; sendTransport: string; recvTransport: string };
  hangupBy?: 'agent';
  /** Digits that came before the IVR flow started; undefined once it runs. */
  earlyDigits?: string[] | undefined;
  /** The "may be recorded" notice was played (once per call). */
  noticePlayed?: boolean;
  legs: CdrLeg[];
  recordingId?: string;
  recordingPaths: Record<string, string>;
  disposition?: string;
  note?: string;
  /** Queue of each contact that was transferred away (for its wrap-up length). */
  legQueue?: Map<string, string>;
}

export function buildCdr(call: LiveCall): CdrInput {
  const r = call.record;
  const talkers = r.segments.filter((s) => s.kind === 'talk' && s.agentId);
  return {
    callId: r.callId, direction: r.direction, customer: r.customer, did: r.did, startedAt: r.startedAt,
    ...(r.endedAt !== undefined ? { endedAt: r.endedAt } : {}), ...(r.endReason ? { endReason: r.endReason } : {}),
    ...(r.queueId ? { queueId: r.queueId } : {}),
    ...(talkers.at(-1)?.agentId ? { agentId: talkers.at(-1)!.agentId! } : r.agentId ? { agentId: r.agentId } : {}),
    contacts: r.contacts, legs: call.legs.map((l) => ({ ...l })), segments: r.segments.map((s) => ({ ...s })).sort((a, b) => a.start - b.start),
    choices: call.choices.map((c) => ({ ...c })),
    ...(call.disposition ? { disposition: call.disposition } : {}), ...(call.note !== undefined ? { note: call.note } : {}),
    ...(call.recordingId ? { recordingId: call.recordingId } : {}), recordingPaths: { ...call.recordingPaths },
  };
}
