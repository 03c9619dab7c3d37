// The agent desk contract: what the web layer exposes to agents' browsers (and tests drive
// directly). Plain data only, so it crosses a WebSocket as JSON unchanged. The agent id of
// every call comes from the authenticated session, never from the browser's payload.
import type { DtlsParameters, IceCandidate, IceParameters, RtpCapabilities, RtpParameters } from 'mediasoup/node/lib/types.js';
import type { AgentState } from '../acd/agent-states.ts';
import type { CallerChoice } from '../ivr/ivr-commands.ts';

export type DeskErrorCode =
  /** The agent id is not in the configuration. */
  | 'unknown-agent'
  /** The agent must log in first (or is already logged in). */
  | 'not-logged-in'
  | 'already-logged-in'
  /** No such offer / call / wrap-up for this agent (it ended, or belongs to someone else). */
  | 'no-such-offer'
  | 'no-such-call'
  | 'no-such-wrap-up'
  /** The request does not fit the current state (hold while ringing, dial while busy). */
  | 'not-allowed'
  /** Malformed input (bad number, unknown reason code, unknown disposition, unknown queue). */
  | 'invalid'
  /** Telephony is not configured or failed (no trunk, media failure). */
  | 'unavailable';

export interface DeskError {
  code: DeskErrorCode;
  message: string;
}

/** Refusals are values, not exceptions: the web layer forwards them to the browser as they are. */
export type DeskResult<T extends object = object> = ({ ok: true } & T) | { ok: false; error: DeskError };

/** What the agent asks for: ready, not ready with a configured reason code, or away. */
export type PresenceRequest = 'ready' | 'away' | { notReady: string };

/** Where a blind transfer goes: an ACD queue, an agent (by id), or an external number (trunk group). */
export type TransferTarget = { queue: string } | { agent: string } | { number: string };

/** How the agent's audio reaches it: the browser softphone (WebRTC) or a registered SIP phone. */
export type AgentDevice = 'browser' | 'phone';

export interface LoginOptions {
  /** Defaults to 'browser'; 'phone' needs `phone` in the agent's desk configuration. */
  device?: AgentDevice;
}

export interface Disposition {
  code: string;
  label: string;
}

/** A customer record as the screen pop shows it (appliance/customers). */
export interface CustomerView {
  phone: string;
  name?: string;
  /** e.g. 'vip', 'gold', 'normal'. */
  level?: string;
  vip: boolean;
  notes?: string;
  tags: string[];
}

/** One past contact of the same number, from the CDR store (newest first in a screen pop). */
export interface PastContact {
  callId: string;
  startedAt: number;
  direction: 'inbound' | 'outbound';
  queueId?: string;
  agentId?: string;
  disposition?: string;
  note?: string;
  talkMs?: number;
}

export interface ScreenPop {
  customer?: CustomerView;
  recentContacts: PastContact[];
}

export interface AgentStateEvent {
  state: AgentState;
  /** Reason code when not ready (configured, or built in: login, missed, rejected). */
  reason?: string;
  /** ms since epoch. */
  since: number;
}

/** A contact offered to the agent: it rings until `ringDeadline` (ms since epoch). */
export interface OfferEvent {
  contactId: string;
  callId: string;
  queueId: string;
  queueName?: string;
  /** The caller's number (From user part), 'anonymous' when withheld. */
  caller: string;
  /** The number the caller dialled. */
  did: string;
  /** IVR variables at hand-off, and the menu path (masked for sensitive collects). */
  variables: Record<string, string>;
  choices: CallerChoice[];
  screenPop: ScreenPop;
  ringDeadline: number;
  /** Which device rings: the browser shows answer/reject; a phone is answered on the phone. */
  device: AgentDevice;
}

export type OfferEndReason = 'answered' | 'rejected' | 'abandoned' | 'ring-no-answer' | 'logout';

export interface OfferEndedEvent {
  contactId: string;
  callId: string;
  reason: OfferEndReason;
}

export type CallStatus = 'dialing' | 'ringing' | 'connected' | 'held' | 'ended';

/** A call the agent is on (answered offer or own dial). */
export interface CallEvent {
  callId: string;
  /** The ACD contact when the call came through a queue (wrap-up refers to it). */
  contactId?: string;
  direction: 'inbound' | 'outbound';
  status: CallStatus;
  /** The other party's number. */
  remote: string;
  /** When this status began, ms since epoch. */
  since: number;
  recordingId?: string;
  /** When ended: who hung up or why. */
  endReason?: 'agent-hangup' | 'remote-hangup' | 'transferred' | 'failed' | 'logout';
}

export interface WrapUpEvent {
  contactId: string;
  callId: string;
  /** When the ACD ends wrap-up by itself (queue wrapUpSeconds); absent: until completed. */
  deadline?: number;
  dispositions: Disposition[];
}

export interface TransportParams {
  id: string;
  iceParameters: IceParameters;
  iceCandidates: IceCandidate[];
  dtlsParameters: DtlsParameters;
}

/** What mediasoup-client's recvTransport.consume() needs. */
export interface ConsumerParams {
  id: string;
  producerId: string;
  kind: 'audio';
  rtpParameters: RtpParameters;
}

/**
 * The browser softphone's media for one call. `send` and `recv` are two distinct transports
 * (mediasoup-client opens one RTCPeerConnection per transport). The consumer is present when
 * the browser told its capabilities first (`setRtpCapabilities` after device.load); it is
 * replaced later by `consumer` events (the caller's stream may be re-created).
 */
export interface MediaEvent {
  callId: string;
  send: TransportParams;
  recv: TransportParams;
  consumer?: ConsumerParams;
}

export interface ConsumerEvent {
  callId: string;
  consumer: ConsumerParams;
}

export interface DeskErrorEvent {
  message: string;
  callId?: string;
}

/** Everything the desktop needs to (re)draw after a page load or a reconnect. */
export interface DeskSnapshot {
  agentId: string;
  name?: string;
  loggedIn: boolean;
  device?: AgentDevice;
  state: AgentStateEvent;
  offer?: OfferEvent;
  calls: CallEvent[];
  wrapUps: WrapUpEvent[];
  /** Configured not-ready reason codes. */
  reasonCodes: string[];
  dispositions: Disposition[];
  /** Queues the agent serves (by skills), for transfers and display. */
  queues: { id: string; name?: string }[];
}

/** Events per agent: the first argument is always the agent id. */
export type AgentDeskEvents = {
  state: [agentId: string, event: AgentStateEvent];
  offer: [agentId: string, event: OfferEvent];
  'offer-ended': [agentId: string, event: OfferEndedEvent];
  call: [agentId: string, event: CallEvent];
  'wrap-up': [agentId: string, event: WrapUpEvent];
  media: [agentId: string, event: MediaEvent];
  consumer: [agentId: string, event: ConsumerEvent];
  error: [agentId: string, event: DeskErrorEvent];
};

export type { RtpCapabilities, RtpParameters, DtlsParameters };
