// What the call control lends to the modules that act on calls for agents (hold, transfer,
// outbound dialling): its state and its steps, as one object, so those modules stay
// separate files while the call control keeps ownership of the calls.
import type { AcdAdapter } from '../acd/acd-adapter.ts';
import type { CallEvent } from '../desk/desk-types.ts';
import type { MediaSession } from '../media/media-session.ts';
import type { AgentRoster } from './agent-roster.ts';
import type { B2bua } from './b2bua.ts';
import type { BrowserMedia } from './browser-media.ts';
import type { CallCoreEvent } from './call-core.ts';
import type { CallSettings } from './call-settings.ts';
import type { LiveCall } from './live-call.ts';

export interface CallOps {
  readonly calls: Map<string, LiveCall>;
  readonly roster: AgentRoster;
  readonly browser: BrowserMedia;
  readonly b2bua: B2bua;
  readonly acd: AcdAdapter;
  settings(): CallSettings;
  now(): number;
  /** Applies a core event and dispatches the ACD events it implies; false when refused. */
  step(call: LiveCall, event: CallCoreEvent): boolean;
  emitCall(agentId: string, call: LiveCall, status: CallEvent['status'], endReason?: CallEvent['endReason']): void;
  attachMedia(call: LiveCall): Promise<void>;
  sessionOf(legId: string): Promise<MediaSession | undefined>;
  record(call: LiveCall, agentLegId: string): Promise<void>;
  customerGone(call: LiveCall, byCustomer: boolean): void;
  startWrapUp(call: LiveCall, agentId: string, contactId: string): void;
  trackContact(contactId: string, callId: string): void;
  ivrHungUp(callId: string): void;
  closeLeg(call: LiveCall, legId: string): void;
}

export const ok = { ok: true } as const;
