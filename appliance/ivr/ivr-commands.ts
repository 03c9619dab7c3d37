import type { PromptItem } from './flow-schema.ts';

/**
 * Commands out of the IVR interpreter: plain data for the call control. Media acts on
 * Play/StopPlayback, the runner on timers and lookups; the last command of every session is
 * exactly one FlowEnded, preceded in the same batch by at most one hand-off
 * (TransferToQueue, TransferToAgent, TransferToExternal, Voicemail, HangUp).
 */
export type IvrCommand =
  /** Play the items one after another as one playback; report PromptEnded { playbackId }. */
  | { type: 'Play'; playbackId: string; items: PromptItem[]; bargeIn: boolean }
  | { type: 'StopPlayback'; playbackId: string }
  /** Fire TimerFired { timerId } at `at` (ms since epoch). */
  | { type: 'StartTimer'; timerId: string; at: number }
  | { type: 'CancelTimer'; timerId: string }
  /** Do the request; answer LookupResult or LookupFailed with the same lookupId. */
  | { type: 'HttpLookup'; lookupId: string; request: LookupRequest }
  /** The flow no longer waits for this lookup: abort it. */
  | { type: 'CancelLookup'; lookupId: string }
  /** The caller chose something (menu option, collected digits): for screen pop and the CDR. */
  | { type: 'RecordChoice'; choice: CallerChoice }
  | ({ type: 'TransferToQueue'; queueId: string; priority: number; skills: string[] } & HandOffContext)
  | ({ type: 'TransferToAgent'; agentId: string } & HandOffContext)
  | ({ type: 'TransferToExternal'; number: string; callerId?: string } & HandOffContext)
  | ({ type: 'Voicemail'; box: string; greeting?: PromptItem[] } & HandOffContext)
  | { type: 'HangUp'; reason: string }
  | { type: 'FlowEnded'; reason: FlowEndReason; nodeId: string | null };

/** What the flow learned, handed on with the call (screen pop, routing, CDR). */
export interface HandOffContext {
  variables: Record<string, string>;
  choices: CallerChoice[];
}

export interface CallerChoice {
  nodeId: string;
  /** The node's `name` (e.g. "Main menu"), when it has one. */
  nodeName?: string;
  kind: 'menu' | 'collect';
  /** The digits entered; masked with * for sensitive collect nodes. */
  digits: string;
  /** The menu option's label (e.g. "Sales"). */
  label?: string;
  at: number;
}

export interface LookupRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Variable → dot path into the JSON response. */
  map: Record<string, string>;
  /** Variables that must be found, or the lookup fails with invalid-response. */
  required: string[];
}

export type FlowEndReason =
  | 'transferred-to-queue'
  | 'transferred-to-agent'
  | 'transferred-external'
  | 'voicemail'
  | 'hung-up'
  | 'caller-hung-up'
  /** The step guard stopped a runaway session (never for a validated flow; see README). */
  | 'step-limit';

export type IvrCommandType = IvrCommand['type'];
export type IvrCommandOf<T extends IvrCommandType> = Extract<IvrCommand, { type: T }>;
export const HAND_OFF_TYPES: ReadonlySet<IvrCommandType> = new Set(['TransferToQueue', 'TransferToAgent', 'TransferToExternal', 'Voicemail', 'HangUp']);
