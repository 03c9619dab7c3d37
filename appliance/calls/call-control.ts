// The call control: wires SIP legs (B2BUA), media sessions, the IVR runner and the ACD for
// every call, and is the agent desk's backend. Each call's phase and CDR segments live in
// the pure core (call-core.ts); this adapter does the I/O and feeds back what happened.
//
// inbound leg on a DID -> answered -> IVR flow (prompts on the caller's media session, DTMF
// from its detector) -> TransferToQueue -> ACD ContactArrived (music on hold, announcements)
// -> OfferToAgent -> ring the agent (desktop offer, or INVITE to a registered desk phone)
// -> answer -> bridge + recording -> hang-up -> ACD ContactEnded -> wrap-up -> disposition.
import { EventEmitter } from 'node:events';
import type { Subscription } from 'rxjs';
import type { AcdAdapter } from '../acd/acd-adapter.ts';
import type { AcdCommand } from '../acd/commands.ts';
import { contactSkillsFrom, type AcdEventInput } from '../acd/events.ts';
import type { CdrStore } from '../cdr/cdr-store.ts';
import { VIP_PRIORITY, type CustomerStore } from '../customers/customer-store.ts';
import { AgentDesk } from '../desk/agent-desk.ts';
import type { DeskBackend } from '../desk/agent-desk.ts';
import type { CallEvent, DeskResult, DeskSnapshot, DtlsParameters, LoginOptions, OfferEvent, PresenceRequest, RtpCapabilities, RtpParameters, TransferTarget } from '../desk/desk-types.ts';
import type { IvrRunner, HandOffCommand } from '../ivr/ivr-runner.ts';
import type { MediaEngine } from '../media/media-engine.ts';
import type { MediaSession } from '../media/media-session.ts';
import type { PlayItem } from '../media/prompt-library.ts';
import type { CallMediaPort } from './call-media-port.ts';
import type { SipMediaPort } from '../media/sip-media-port.ts';
import { parseNameAddr } from '../sip/core/header-values.ts';
import { getHeader } from '../sip/core/sip-message.ts';
import { parseSipUri } from '../sip/core/sip-uri.ts';
import type { Route } from '../sip/config.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import type { B2bua, CallLeg } from './b2bua.ts';
import { createInboundCall, stepCall, type CallCoreEvent } from './call-core.ts';
import { checkAgentPassword, queuesOf, recordingModeOf, type CallSettings } from './call-settings.ts';
import { AgentRoster, deskError } from './agent-roster.ts';
import { buildCdr, type LiveCall } from './live-call.ts';
import { BrowserMedia } from './browser-media.ts';
import { announcementItems, RECORDING_NOTICE, screenPop } from './call-prompts.ts';
import { hangup, hold, retrieve, transfer, transferOut } from './agent-call-actions.ts';
import { dial } from './outbound-dial.ts';
import { startVoicemail } from './voicemail-session.ts';
import type { VoicemailStore } from '../voicemail/voicemail-store.ts';
import type { VoicemailSection } from '../voicemail/voicemail-config.ts';
import { ok, type CallOps } from './call-ops.ts';

export interface CallControlOptions {
  b2bua: B2bua;
  /** Digits and warnings of the SIP legs' own sessions. */
  port: SipMediaPort;
  /** The port the B2BUA was given: sessions of every leg, including joined ones. */
  media: CallMediaPort;
  engine: MediaEngine;
  /** Built by the caller with this call control as its prompt player (see `ivrPlayer`). */
  ivr: (player: CallControl['ivrPlayer']) => IvrRunner;
  acd: AcdAdapter;
  cdr: CdrStore;
  customers: CustomerStore;
  settings: () => CallSettings;
  now?: () => number;
  log?: Logger;
  /** Voicemail boxes (IVR voicemail node, ACD overflow to voicemail); without it those calls are released. */
  voicemail?: { store: VoicemailStore; section: () => VoicemailSection | undefined };
}

export type CallControlEvents = {
  /** A call's record changed for good (ended, wrap-up done): the CDR row was written. */
  cdr: [callId: string];
  warning: [error: Error];
};


export class CallControl extends EventEmitter<CallControlEvents> implements DeskBackend {
  readonly desk: AgentDesk;
  readonly calls = new Map<string, LiveCall>();
  readonly #o: CallControlOptions;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #runner: IvrRunner;
  readonly #roster: AgentRoster;
  readonly #browser: BrowserMedia;
  readonly #contacts = new Map<string, string>();
  readonly #sub: Subscription;
  readonly #ops: CallOps;
  #announcements = 0;
  #caps: Promise<RtpCapabilities> | undefined;

  constructor(options: CallControlOptions) {
    super();
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? silentLogger;
    this.desk = new AgentDesk(this);
    this.#roster = new AgentRoster(this.desk, options.settings, this.#now);
    this.#browser = new BrowserMedia(this.desk, this.#roster);
    this.#runner = options.ivr(this.ivrPlayer);
    this.#ops = {
      calls: this.calls, roster: this.#roster, browser: this.#browser, b2bua: options.b2bua, acd: options.acd,
      settings: options.settings, now: this.#now,
      step: (call, event) => this.#step(call, event),
      emitCall: (agentId, call, status, endReason) => this.#emitCall(agentId, call, status, endReason),
      attachMedia: (call) => this.#attachMedia(call),
      sessionOf: (legId) => this.#sessionOf(legId),
      record: (call, legId) => this.#record(call, legId),
      customerGone: this.#guarded('hang-up', (call: LiveCall, byCustomer: boolean) => this.#onCustomerGone(call, byCustomer)),
      startWrapUp: (call, agentId, contactId) => this.#startWrapUp(call, agentId, contactId),
      trackContact: (contactId, callId) => void this.#contacts.set(contactId, callId),
      ivrHungUp: (callId) => this.#runner.hungUp(callId),
      closeLeg: (call, legId) => this.#closeLeg(call, legId),
    };
    this.#runner.on('choice', (callId, choice) => this.calls.get(callId)?.choices.push(choice));
    this.#runner.on('handOff', this.#guarded('IVR hand-off', (callId: string, command: HandOffCommand) => this.#onHandOff(callId, command)));
    options.b2bua.on('call', this.#guarded('inbound call', (leg: CallLeg, route: Route, dialled: string) => this.#onInbound(leg, route, dialled)));
    options.b2bua.on('dtmf', (leg, digit) => void this.#sessionOf(leg.id).then((s) => s?.infoDigit(leg.id, digit)).catch(() => undefined));
    options.port.on('digit', (legId, digit) => {
      const call = this.calls.get(legId);
      if (call?.record.phase !== 'ivr') return;
      // digits typed before the flow started (media up before the IVR) are kept for it
      if (call.earlyDigits) call.earlyDigits.push(digit);
      else this.#runner.digit(call.id, digit);
    });
    this.#sub = options.acd.commands$.subscribe(this.#guarded('ACD command', (c: AcdCommand) => this.#onAcd(c)));
  }

  /** What the IVR runner plays through: prompts on the caller's leg of a call. */
  readonly ivrPlayer = {
    play: (callId: string, playbackId: string, items: PlayItem[], bargeIn: boolean) => {
      const call = this.calls.get(callId);
      if (!call?.session) return void queueMicrotask(() => this.#runner.promptEnded(callId, playbackId));
      call.session.play(call.id, playbackId, items, { bargeIn }).catch((e: Error) => this.#warn(e));
    },
    stop: (callId: string, playbackId: string) => {
      void this.calls.get(callId)?.session?.stopPlayback(callId, playbackId).catch(() => undefined);
    },
  };

  close(): void {
    this.#sub.unsubscribe();
    this.#runner.close();
    for (const call of this.calls.values()) call.caller.session.bye();
  }

  // ---- inbound calls ------------------------------------------------------------------------

  #onInbound(leg: CallLeg, route: Route, dialled: string): void {
    const caller = parseSipUri(parseNameAddr(getHeader(leg.session.request, 'From') ?? '')?.uri ?? '')?.user ?? 'anonymous';
    const now = this.#now();
    const customer = this.#o.customers.byPhone(caller);
    const call: LiveCall = {
      id: leg.id, record: createInboundCall(leg.id, caller, dialled, now), caller: leg, variables: {}, choices: [], priority: 0, skills: [],
      legs: [{ legId: leg.id, role: 'caller', party: caller, start: now, answeredAt: now }], recordingPaths: {},
      mediaClosed: Promise.resolve(), ...(customer ? { customer } : {}), earlyDigits: [],
    };
    this.calls.set(call.id, call);
    leg.session.once('ended', (cause) => setImmediate(this.#guarded('hang-up', () => this.#onCustomerGone(call, cause.by === 'remote'))));
    this.#o.b2bua.answer(leg);
    const variables: Record<string, string> = customer
      ? { customerName: customer.name ?? '', customerLevel: customer.level ?? '', customerVip: customer.vip ? 'yes' : 'no' }
      : {};
    void this.#attachMedia(call).then(() => {
      if (call.record.phase === 'ended') return;
      if (route.kind === 'queue') return this.#enqueue(call, route.queue, 0);
      if (route.kind !== 'ivr') return;
      const flow = this.#o.settings().flows.get(route.flow);
      if (!flow) {
        this.#log.warn('DID routes to an unknown IVR flow', { flow: route.flow, dialled });
        return leg.session.bye();
      }
      const declared = flow.flow.variables ?? {};
      const known = Object.fromEntries(Object.entries(variables).filter(([k]) => k in declared));
      this.#runner.start(call.id, flow, { caller, callee: dialled, variables: known });
      const early = call.earlyDigits ?? [];
      call.earlyDigits = undefined;
      for (const d of early) this.#runner.digit(call.id, d);
    }).catch((error: Error) => {
      // e.g. a caller id the IVR refuses: the call cannot be served
      this.#warn(error);
      leg.session.bye();
    });
  }

  /** A failure while handling one event must not take the process (or the stream) down. */
  #guarded<A extends unknown[]>(what: string, fn: (...args: A) => void): (...args: A) => void {
    return (...args: A) => {
      try {
        fn(...args);
      } catch (error) {
        this.#log.error(`call control: ${what} failed`, { error: (error as Error).message });
        this.emit('warning', error as Error);
      }
    };
  }

  /** The caller's media session: prompts, DTMF, recording, browser legs live there. */
  async #attachMedia(call: LiveCall): Promise<void> {
    const session = await this.#sessionOf(call.caller.id);
    if (!session) return;
    call.session = session;
    call.mediaClosed = new Promise((resolve) => session.once('closed', () => resolve()));
    session.on('prompt-ended', (legId, playbackId) => {
      if (legId === call.id && call.record.phase === 'ivr') this.#runner.promptEnded(call.id, playbackId);
    });
    session.on('recording-finished', (rows) => {
      for (const r of rows) {
        call.recordingId = r.id;
        call.recordingPaths[r.layout] = r.path;
      }
    });
  }

  async #sessionOf(legId: string): Promise<MediaSession | undefined> {
    try {
      return await this.#o.media.sessionOf(legId);
    } catch (error) {
      this.#warn(error as Error);
      return undefined;
    }
  }

  #onHandOff(callId: string, command: HandOffCommand): void {
    const call = this.calls.get(callId);
    if (!call || call.record.phase === 'ended') return;
    if ('variables' in command) call.variables = command.variables;
    switch (command.type) {
      case 'TransferToQueue':
        call.skills = command.skills;
        return this.#enqueue(call, command.queueId, command.priority);
      case 'TransferToAgent': {
        const queue = queuesOf(this.#o.settings(), command.agentId)[0];
        if (queue) return this.#enqueue(call, queue.id, 0, command.agentId);
        return call.caller.session.bye();
      }
      case 'TransferToExternal':
        return transferOut(this.#ops, call, command.number);
      case 'Voicemail':
        return this.#voicemail(call, command.box, command.greeting);
      case 'HangUp':
        return call.caller.session.bye();
    }
  }

  /** Greeting, beep and recording into a box: voicemail-session.ts. */
  #voicemail(call: LiveCall, box: string, greeting?: PlayItem[]): void {
    const vm = this.#o.voicemail;
    startVoicemail({ store: vm?.store, section: () => vm?.section(), step: (c, e) => this.#step(c, e), log: this.#log, warn: (e) => this.#warn(e) }, call, box, greeting);
  }

  #enqueue(call: LiveCall, queueId: string, priority: number, preferredAgentId?: string): void {
    if (!this.#step(call, { type: 'QueueEntered', queueId })) return;
    const contactId = call.record.contactId!;
    this.#contacts.set(contactId, call.id);
    call.priority = Math.max(-1000, Math.min(1000, priority + (call.customer?.vip ? VIP_PRIORITY : 0)));
    const settings = this.#o.settings();
    if (settings.recording.announce && !call.noticePlayed && recordingModeOf(settings, queueId) === 'all') {
      // the recording notice comes before the agent answers (played ahead of the music)
      call.noticePlayed = true;
      void call.session?.play(call.id, `recording-notice-${call.id}`, RECORDING_NOTICE).catch((e: Error) => this.#warn(e));
    }
    void call.session?.setBackground(call.id, { moh: true }).catch((e: Error) => this.#warn(e));
    const refused = this.#o.acd.dispatch({
      type: 'ContactArrived', contactId, queueId, channel: 'voice', priority: call.priority,
      ...(call.record.customer !== 'anonymous' ? { customerId: call.record.customer } : {}), ...(preferredAgentId ? { preferredAgentId } : {}),
      ...(call.skills.length > 0 ? { skills: contactSkillsFrom(call.skills) } : {}),
    }).find((c) => c.type === 'Refused');
    // e.g. a flow asks for a skill the ACD does not know: no agent could ever answer, so end the call
    if (refused?.type === 'Refused') {
      this.#log.warn('ACD refused the caller', { callId: call.id, reason: refused.reason });
      void call.caller.session.bye();
    }
  }

  // ---- the ACD's commands -------------------------------------------------------------------

  #onAcd(c: AcdCommand): void {
    switch (c.type) {
      case 'OfferToAgent': return this.#offer(c.contactId, c.agentId, c.queueId, c.expiresAt);
      case 'CancelOffer': return this.#offerEnded(c.contactId, c.agentId, c.reason === 'timeout' ? 'ring-no-answer' : c.reason);
      case 'PlayAnnouncement': return this.#announce(c.contactId, c.position, c.estimatedWaitSeconds);
      case 'Overflow': {
        const call = this.#callOfContact(c.contactId);
        if (!call) return;
        if ('queue' in c.to) this.#step(call, { type: 'Overflowed', queueId: c.to.queue });
        else if ('external' in c.to) transferOut(this.#ops, call, c.to.external);
        else if ('voicemail' in c.to) this.#voicemail(call, c.to.voicemail);
        else call.caller.session.bye();
        return;
      }
      case 'Abandon': return void this.#callOfContact(c.contactId)?.caller.session.bye();
      case 'RecordAgentState': return this.#roster.stateChanged(c.record.agentId, c.record.to, c.record.reason, c.record.at);
      case 'RecordContact':
        if (c.record.kind === 'handled' && c.record.agentId) this.#wrapUpOver(c.record.agentId, c.record.contactId);
        return;
      case 'Refused': return this.#log.debug('ACD refused an event', { event: c.event, reason: c.reason });
    }
  }

  #callOfContact(contactId: string): LiveCall | undefined {
    const id = this.#contacts.get(contactId);
    return id === undefined ? undefined : this.calls.get(id);
  }

  #offer(contactId: string, agentId: string, queueId: string, expiresAt: number | undefined): void {
    const call = this.#callOfContact(contactId);
    const agent = this.#roster.get(agentId);
    if (!call || !agent || !this.#step(call, { type: 'Offered', agentId, contactId })) {
      this.#o.acd.dispatch({ type: 'OfferRejected', contactId, agentId });
      return;
    }
    const settings = this.#o.settings();
    const limit = settings.desk.screenPopContacts;
    const offer: OfferEvent = {
      contactId, callId: call.id, queueId, caller: call.record.customer, did: call.record.did, variables: call.variables, choices: call.choices,
      screenPop: screenPop(call.customer, limit === 0 ? [] : this.#o.cdr.byPhone(call.record.customer, limit)),
      ringDeadline: expiresAt ?? this.#now() + (settings.queues.get(queueId)?.offerTimeoutSeconds ?? 20) * 1000,
      device: agent.device, ...(settings.queues.get(queueId)?.name ? { queueName: settings.queues.get(queueId)!.name! } : {}),
    };
    agent.offer = offer;
    this.desk.emit('offer', agentId, offer);
    if (agent.device !== 'phone') return;
    const phone = settings.desk.agents.find((a) => a.id === agentId)?.phone;
    const leg = phone ? this.#o.b2bua.callUser(phone, call.record.customer, { mediaWith: call.id }) : undefined;
    if (!leg) {
      this.#log.warn('agent phone is not registered', { agentId, phone });
      this.#o.acd.dispatch({ type: 'OfferTimedOut', contactId, agentId });
      return;
    }
    call.ringing = { agentId, contactId, leg };
    call.legs.push({ legId: leg.id, role: 'agent', party: agentId, start: this.#now() });
    // bridge once the phone's answer is applied to its media (SipMediaPort pipes on update
    // and on bridge; doing both at once would pipe the same producer twice)
    leg.session.once('answered', () => void this.#sessionOf(leg.id).then(() => this.answer(agentId, contactId)));
    leg.session.once('ended', (cause) => {
      this.#closeLeg(call, leg.id);
      // the desk phone hung up on a live call (the customer's leg ends right after)
      if (call.agentLeg === leg && call.record.phase !== 'ended') call.hangupBy = 'agent';
      if (call.ringing?.leg !== leg) return;
      // a phone that declines (486/603) rejects; anything else counts as no answer
      const rejected = cause.status === 486 || cause.status === 603;
      this.#o.acd.dispatch({ type: rejected ? 'OfferRejected' : 'OfferTimedOut', contactId, agentId });
      if (rejected) this.#offerEnded(contactId, agentId, 'rejected');
    });
  }

  #offerEnded(contactId: string, agentId: string, reason: 'ring-no-answer' | 'rejected' | 'abandoned' | 'logout' | 'answered'): void {
    const agent = this.#roster.get(agentId);
    const call = this.#callOfContact(contactId);
    if (agent?.offer?.contactId === contactId) {
      agent.offer = undefined;
      this.desk.emit('offer-ended', agentId, { contactId, callId: call?.id ?? contactId, reason });
    }
    if (!call || reason === 'answered') return;
    if (call.ringing?.contactId === contactId && call.ringing.agentId === agentId) {
      const leg = call.ringing.leg;
      call.ringing = undefined;
      leg?.session.bye();
    }
    if (call.record.phase === 'ringing' && reason !== 'abandoned') this.#step(call, { type: 'OfferEnded', reason });
  }

  #announce(contactId: string, position: number, waitSeconds: number | undefined): void {
    const call = this.#callOfContact(contactId);
    if (!call?.session || call.record.phase !== 'queued') return;
    void call.session.play(call.id, `announcement-${++this.#announcements}`, announcementItems(position, waitSeconds)).catch((e: Error) => this.#warn(e));
  }

  // ---- answer, hang-up, wrap-up ---------------------------------------------------------------

  async answer(agentId: string, contactId: string): Promise<DeskResult> {
    const call = this.#callOfContact(contactId);
    const agent = this.#roster.get(agentId);
    if (!call || !agent || agent.offer?.contactId !== contactId) return deskError('no-such-offer', `no offer of ${contactId} to agent ${agentId}`);
    const refused = this.#o.acd.dispatch({ type: 'OfferAccepted', contactId, agentId }).find((c) => c.type === 'Refused');
    if (refused) return deskError('not-allowed', refused.type === 'Refused' ? refused.reason : 'refused');
    if (!this.#step(call, { type: 'Answered', agentId })) return deskError('not-allowed', 'the call is no longer ringing');
    this.#offerEnded(contactId, agentId, 'answered');
    const now = this.#now();
    const session = call.session;
    const ringLeg = call.ringing?.leg;
    call.ringing = undefined;
    void session?.setBackground(call.id, undefined).catch(() => undefined);
    void session?.stopPlayback(call.id).catch(() => undefined);
    let agentLegId: string;
    if (ringLeg) {
      call.agentLeg = ringLeg;
      const l = call.legs.find((x) => x.legId === ringLeg.id);
      if (l) l.answeredAt = now;
      this.#o.b2bua.bridge(call.caller, ringLeg);
      agentLegId = ringLeg.id;
    } else {
      const legs = await this.#browser.connect(call, agentId);
      if (!legs) return deskError('unavailable', 'no media for the call');
      agentLegId = legs.sendLeg;
    }
    agent.calls.add(call.id);
    await this.#record(call, agentLegId);
    this.#emitCall(agentId, call, 'connected');
    return ok;
  }

  async #record(call: LiveCall, agentLegId: string): Promise<void> {
    const session = call.session;
    if (!session || session.closed || recordingModeOf(this.#o.settings(), call.record.queueId) !== 'all') return;
    try {
      call.recordingId = await session.startRecording({ caller: call.id, agent: agentLegId });
      session.setRecordingLeg('agent', agentLegId);
    } catch (error) {
      this.#warn(error as Error);
    }
  }

  #emitCall(agentId: string, call: LiveCall, status: CallEvent['status'], endReason?: CallEvent['endReason']): void {
    const event: CallEvent = {
      callId: call.id, direction: call.record.direction, status, remote: call.record.customer, since: this.#now(),
      ...(call.record.contactId ? { contactId: call.record.contactId } : {}), ...(call.recordingId ? { recordingId: call.recordingId } : {}),
      ...(endReason ? { endReason } : {}),
    };
    this.#roster.callChanged(agentId, event);
    this.desk.emit('call', agentId, event);
  }

  /** The customer's leg ended: the call is over (whoever hung up). */
  #onCustomerGone(call: LiveCall, byCustomer: boolean): void {
    if (call.record.phase === 'ended') return;
    const phase = call.record.phase;
    const agentId = call.record.agentId;
    const contactId = call.record.contactId;
    if (phase === 'ivr') this.#runner.hungUp(call.id);
    // the customer's leg is gone; the agent's or a transfer target's go with it
    for (const l of call.legs) l.end ??= this.#now();
    this.#step(call, { type: byCustomer || call.hangupBy !== 'agent' ? 'CallerHungUp' : 'AgentHungUp' });
    if (call.ringing) this.#offerEnded(call.ringing.contactId, call.ringing.agentId, 'abandoned');
    call.agentLeg?.session.bye();
    this.#browser.release(call);
    if (agentId && (phase === 'connected' || phase === 'held' || phase === 'dialing')) {
      this.#emitCall(agentId, call, 'ended', byCustomer ? 'remote-hangup' : 'agent-hangup');
      this.#roster.get(agentId)?.calls.delete(call.id);
      if (contactId) this.#startWrapUp(call, agentId, contactId);
    }
    void this.#finish(call);
  }

  #startWrapUp(call: LiveCall, agentId: string, contactId: string): void {
    const agent = this.#roster.get(agentId);
    if (!agent) return;
    const settings = this.#o.settings();
    const seconds = settings.queues.get(call.legQueue?.get(contactId) ?? call.record.queueId ?? '')?.wrapUpSeconds ?? 0;
    this.#step(call, { type: 'WrapUpStarted', agentId, contactId });
    const event = { contactId, callId: call.id, dispositions: settings.desk.dispositions, ...(seconds > 0 ? { deadline: this.#now() + seconds * 1000 } : {}) };
    agent.wrapUps.set(contactId, event);
    this.desk.emit('wrap-up', agentId, event);
  }

  /** The ACD says the contact's work is done (completed, or its wrap-up timer ran out). */
  #wrapUpOver(agentId: string, contactId: string): void {
    const agent = this.#roster.get(agentId);
    const call = this.#callOfContact(contactId);
    if (!agent?.wrapUps.has(contactId) || !call) return;
    const w = agent.wrapUps.get(contactId)!;
    if (w.deadline === undefined) return; // no ACD wrap-up: waits for the agent's disposition
    agent.wrapUps.delete(contactId);
    this.#step(call, { type: 'WrapUpEnded', agentId, contactId });
    void this.#finish(call);
  }

  async completeWrapUp(agentId: string, contactId: string, outcome: { disposition: string; note?: string }): Promise<DeskResult> {
    const agent = this.#roster.get(agentId);
    const call = this.#callOfContact(contactId);
    if (!agent?.wrapUps.has(contactId) || !call) return deskError('no-such-wrap-up', `agent ${agentId} has no wrap-up of ${contactId}`);
    if (!this.#o.settings().desk.dispositions.some((d) => d.code === outcome.disposition)) return deskError('invalid', `unknown disposition ${outcome.disposition}`);
    call.disposition = outcome.disposition;
    if (outcome.note !== undefined) call.note = outcome.note;
    agent.wrapUps.delete(contactId);
    this.#o.acd.dispatch({ type: 'WrapUpEnded', agentId, contactId });
    this.#step(call, { type: 'WrapUpEnded', agentId, contactId });
    await this.#finish(call);
    return ok;
  }

  /** Writes the CDR (after the media closed, so the recording is known); forgets settled calls. */
  async #finish(call: LiveCall): Promise<void> {
    if (call.record.phase !== 'ended') return;
    await Promise.race([call.mediaClosed, new Promise((r) => setTimeout(r, 5000).unref())]);
    try {
      await this.#o.cdr.put(buildCdr(call));
      this.emit('cdr', call.id);
    } catch (error) {
      this.#warn(error as Error);
    }
    if (call.record.segments.every((s) => s.end !== undefined)) {
      this.calls.delete(call.id);
      for (const c of call.record.contacts) this.#contacts.delete(c);
    }
  }

  #closeLeg(call: LiveCall, legId: string): void {
    const l = call.legs.find((x) => x.legId === legId);
    if (l && l.end === undefined) l.end = this.#now();
  }

  // ---- the desk's requests ------------------------------------------------------------------

  knowsAgent(agentId: string): boolean {
    return this.#o.settings().agents.has(agentId);
  }

  verifyPassword(agentId: string, password: string): boolean {
    return checkAgentPassword(this.#o.settings(), agentId, password);
  }

  login(agentId: string, options: LoginOptions): DeskResult<{ snapshot: DeskSnapshot }> {
    return this.#roster.login(agentId, options, (e) => this.#o.acd.dispatch(e));
  }

  logout(agentId: string): DeskResult {
    const agent = this.#roster.get(agentId);
    if (agent && agent.calls.size > 0) return deskError('not-allowed', 'hang up first');
    const r = this.#roster.logout(agentId, (e) => this.#o.acd.dispatch(e));
    // wrap-ups the agent leaves without a disposition end now, so their calls settle
    if (r.ok && agent) {
      for (const contactId of [...agent.wrapUps.keys()]) {
        const call = this.#callOfContact(contactId);
        agent.wrapUps.delete(contactId);
        if (call && this.#step(call, { type: 'WrapUpEnded', agentId, contactId })) void this.#finish(call);
      }
    }
    return r;
  }

  setPresence(agentId: string, presence: PresenceRequest): DeskResult {
    return this.#roster.setPresence(agentId, presence, (e) => this.#o.acd.dispatch(e));
  }

  reject(agentId: string, contactId: string): DeskResult {
    const agent = this.#roster.get(agentId);
    if (agent?.offer?.contactId !== contactId) return deskError('no-such-offer', `no offer of ${contactId} to agent ${agentId}`);
    this.#o.acd.dispatch({ type: 'OfferRejected', contactId, agentId });
    this.#offerEnded(contactId, agentId, 'rejected');
    return ok;
  }

  hangup(agentId: string, callId: string): DeskResult {
    return hangup(this.#ops, agentId, callId);
  }

  hold(agentId: string, callId: string): Promise<DeskResult> {
    return hold(this.#ops, agentId, callId);
  }

  retrieve(agentId: string, callId: string): Promise<DeskResult> {
    return retrieve(this.#ops, agentId, callId);
  }

  transfer(agentId: string, callId: string, target: TransferTarget): Promise<DeskResult> {
    return transfer(this.#ops, agentId, callId, target);
  }

  dial(agentId: string, number: string): Promise<DeskResult<{ callId: string }>> {
    return dial(this.#ops, agentId, number);
  }

  snapshot(agentId: string): DeskSnapshot {
    return this.#roster.snapshot(agentId);
  }

  rtpCapabilities(): Promise<RtpCapabilities> {
    this.#caps ??= (async () => {
      const probe = await this.#o.engine.createSession(`caps-${process.pid}-${Date.now()}`);
      const caps = probe.router.rtpCapabilities;
      await probe.close();
      return caps;
    })();
    return this.#caps;
  }

  setRtpCapabilities(agentId: string, capabilities: RtpCapabilities): void {
    const agent = this.#roster.get(agentId);
    if (!agent) return;
    agent.rtpCaps = capabilities;
    for (const id of agent.calls) {
      const call = this.calls.get(id);
      if (call?.web) void call.session?.setWebRtcCapabilities(call.web.recvLeg, capabilities).catch((e: Error) => this.#warn(e));
    }
  }

  connectTransport(agentId: string, callId: string, transportId: string, dtlsParameters: DtlsParameters): Promise<DeskResult> {
    return this.#browser.connectTransport(this.calls.get(callId), agentId, transportId, dtlsParameters);
  }

  produce(agentId: string, callId: string, transportId: string, rtpParameters: RtpParameters): Promise<DeskResult<{ id: string }>> {
    return this.#browser.produce(this.calls.get(callId), agentId, transportId, rtpParameters);
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** Applies a core event; dispatches the ACD events it implies. False when the core refused. */
  #step(call: LiveCall, event: CallCoreEvent): boolean {
    const r = stepCall(call.record, event, this.#now());
    if (!r.ok) {
      this.#log.debug('call event refused', { callId: call.id, event: event.type, reason: r.reason });
      return false;
    }
    call.record = r.call;
    for (const e of r.acd) this.#o.acd.dispatch(e satisfies AcdEventInput);
    return true;
  }

  #warn(error: Error): void {
    this.#log.warn('call control', { error: error.message });
    this.emit('warning', error);
  }
}

