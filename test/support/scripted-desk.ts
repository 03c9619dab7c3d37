// A DeskBackend without telephony, for tests of the web layer and the desktop page: agents
// change state, offers ring and calls connect when the test says so. Behind the real
// AgentDesk (its validation and events), so the page sees exactly what it would see from
// the call control; the end-to-end test (test/call-e2e.browser.test.ts) uses the real one.
import { AgentDesk, type DeskBackend } from '../../appliance/desk/agent-desk.ts';
import { hashPassword, verifyPassword } from '../../appliance/desk/agent-credentials.ts';
import type { AgentStateEvent, CallEvent, DeskResult, DeskSnapshot, OfferEvent, RtpCapabilities, WrapUpEvent } from '../../appliance/desk/desk-types.ts';

interface AgentRow {
  id: string;
  name?: string;
  passwordHash: string;
  loggedIn: boolean;
  state: AgentStateEvent;
  offer?: OfferEvent;
  calls: Map<string, CallEvent>;
  wrapUps: Map<string, WrapUpEvent>;
  rtpCapabilities?: RtpCapabilities;
}

export const G711_CAPABILITIES: RtpCapabilities = {
  codecs: [
    { kind: 'audio', mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, preferredPayloadType: 0, rtcpFeedback: [] },
    { kind: 'audio', mimeType: 'audio/PCMA', clockRate: 8000, channels: 1, preferredPayloadType: 8, rtcpFeedback: [] },
    { kind: 'audio', mimeType: 'audio/telephone-event', clockRate: 8000, channels: 1, preferredPayloadType: 101, rtcpFeedback: [] },
  ],
  headerExtensions: [],
};

const DISPOSITIONS = [
  { code: 'resolved', label: 'Resolved 已解决' },
  { code: 'follow-up', label: 'Follow-up 需跟进' },
];

export class ScriptedDesk implements DeskBackend {
  readonly desk: AgentDesk;
  readonly agents = new Map<string, AgentRow>();
  /** Every backend call, for assertions: [method, agentId, ...args]. */
  readonly calls: unknown[][] = [];
  readonly reasonCodes = ['lunch', 'training', 'meeting'];
  readonly queues = [{ id: 'sales', name: 'Sales 销售' }, { id: 'support', name: 'Support 售后' }];
  now: () => number = Date.now;

  constructor(agents: Array<{ id: string; password: string; name?: string }>) {
    for (const a of agents) {
      this.agents.set(a.id, { id: a.id, ...(a.name ? { name: a.name } : {}), passwordHash: hashPassword(a.password), loggedIn: false, state: { state: 'logged-out', since: Date.now() }, calls: new Map(), wrapUps: new Map() });
    }
    this.desk = new AgentDesk(this);
  }

  #row(agentId: string): AgentRow {
    return this.agents.get(agentId)!;
  }

  #setState(agentId: string, state: AgentStateEvent['state'], reason?: string): void {
    const row = this.#row(agentId);
    row.state = { state, since: this.now(), ...(reason ? { reason } : {}) };
    this.desk.emit('state', agentId, row.state);
  }

  knowsAgent(agentId: string): boolean {
    return this.agents.has(agentId);
  }

  verifyPassword(agentId: string, password: string): boolean {
    return verifyPassword(password, this.#row(agentId).passwordHash);
  }

  login(agentId: string): DeskResult<{ snapshot: DeskSnapshot }> {
    this.calls.push(['login', agentId]);
    const row = this.#row(agentId);
    if (row.loggedIn) return { ok: false, error: { code: 'already-logged-in', message: 'already logged in' } };
    row.loggedIn = true;
    this.#setState(agentId, 'not-ready', 'login');
    return { ok: true, snapshot: this.snapshot(agentId) };
  }

  logout(agentId: string): DeskResult {
    this.calls.push(['logout', agentId]);
    const row = this.#row(agentId);
    if (!row.loggedIn) return { ok: false, error: { code: 'not-logged-in', message: 'not logged in' } };
    row.loggedIn = false;
    this.#setState(agentId, 'logged-out');
    return { ok: true };
  }

  setPresence(agentId: string, presence: 'ready' | 'away' | { notReady: string }): DeskResult {
    this.calls.push(['setPresence', agentId, presence]);
    const row = this.#row(agentId);
    if (!row.loggedIn) return { ok: false, error: { code: 'not-logged-in', message: 'log in first' } };
    if (typeof presence === 'object') {
      if (!this.reasonCodes.includes(presence.notReady)) return { ok: false, error: { code: 'invalid', message: `unknown reason code ${presence.notReady}` } };
      this.#setState(agentId, 'not-ready', presence.notReady);
    } else this.#setState(agentId, presence);
    return { ok: true };
  }

  /** The test rings the agent. */
  offer(agentId: string, offer: Omit<OfferEvent, 'ringDeadline' | 'device'> & { ringMs?: number }): void {
    const row = this.#row(agentId);
    const { ringMs, ...rest } = offer;
    row.offer = { ...rest, device: 'browser', ringDeadline: this.now() + (ringMs ?? 20_000) };
    this.#setState(agentId, 'reserved');
    this.desk.emit('offer', agentId, row.offer);
  }

  /** The caller gives up while ringing (or the ring times out). */
  endOffer(agentId: string, reason: 'abandoned' | 'ring-no-answer'): void {
    const row = this.#row(agentId);
    const offer = row.offer;
    if (!offer) return;
    row.offer = undefined;
    this.desk.emit('offer-ended', agentId, { contactId: offer.contactId, callId: offer.callId, reason });
    this.#setState(agentId, reason === 'ring-no-answer' ? 'not-ready' : 'ready', reason === 'ring-no-answer' ? 'missed' : undefined);
  }

  answer(agentId: string, contactId: string): DeskResult {
    this.calls.push(['answer', agentId, contactId]);
    const row = this.#row(agentId);
    const offer = row.offer;
    if (!offer || offer.contactId !== contactId) return { ok: false, error: { code: 'no-such-offer', message: 'no such offer' } };
    row.offer = undefined;
    this.desk.emit('offer-ended', agentId, { contactId, callId: offer.callId, reason: 'answered' });
    const call: CallEvent = { callId: offer.callId, contactId, direction: 'inbound', status: 'connected', remote: offer.caller, since: this.now() };
    row.calls.set(call.callId, call);
    this.#setState(agentId, 'busy');
    this.desk.emit('call', agentId, call);
    return { ok: true };
  }

  reject(agentId: string, contactId: string): DeskResult {
    this.calls.push(['reject', agentId, contactId]);
    const row = this.#row(agentId);
    if (row.offer?.contactId !== contactId) return { ok: false, error: { code: 'no-such-offer', message: 'no such offer' } };
    const callId = row.offer.callId;
    row.offer = undefined;
    this.desk.emit('offer-ended', agentId, { contactId, callId, reason: 'rejected' });
    this.#setState(agentId, 'ready');
    return { ok: true };
  }

  #end(agentId: string, callId: string, endReason: CallEvent['endReason']): DeskResult {
    const row = this.#row(agentId);
    const call = row.calls.get(callId);
    if (!call) return { ok: false, error: { code: 'no-such-call', message: 'no such call' } };
    row.calls.delete(callId);
    this.desk.emit('call', agentId, { ...call, status: 'ended', since: this.now(), ...(endReason ? { endReason } : {}) });
    if (call.contactId) {
      const w: WrapUpEvent = { contactId: call.contactId, callId, dispositions: DISPOSITIONS };
      row.wrapUps.set(w.contactId, w);
      this.#setState(agentId, 'wrap-up');
      this.desk.emit('wrap-up', agentId, w);
    } else this.#setState(agentId, 'ready');
    return { ok: true };
  }

  /** The caller hangs up. */
  remoteHangup(agentId: string, callId: string): void {
    this.#end(agentId, callId, 'remote-hangup');
  }

  hangup(agentId: string, callId: string): DeskResult {
    this.calls.push(['hangup', agentId, callId]);
    return this.#end(agentId, callId, 'agent-hangup');
  }

  #status(agentId: string, callId: string, status: 'held' | 'connected'): DeskResult {
    const row = this.#row(agentId);
    const call = row.calls.get(callId);
    if (!call) return { ok: false, error: { code: 'no-such-call', message: 'no such call' } };
    const next = { ...call, status, since: this.now() };
    row.calls.set(callId, next);
    this.#setState(agentId, status === 'held' ? 'hold' : 'busy');
    this.desk.emit('call', agentId, next);
    return { ok: true };
  }

  hold(agentId: string, callId: string): DeskResult {
    this.calls.push(['hold', agentId, callId]);
    return this.#status(agentId, callId, 'held');
  }

  retrieve(agentId: string, callId: string): DeskResult {
    this.calls.push(['retrieve', agentId, callId]);
    return this.#status(agentId, callId, 'connected');
  }

  transfer(agentId: string, callId: string, target: object): DeskResult {
    this.calls.push(['transfer', agentId, callId, target]);
    return this.#end(agentId, callId, 'transferred');
  }

  dial(agentId: string, number: string): DeskResult<{ callId: string }> {
    this.calls.push(['dial', agentId, number]);
    const row = this.#row(agentId);
    const call: CallEvent = { callId: `out-${row.calls.size + 1}-${this.now()}`, direction: 'outbound', status: 'dialing', remote: number, since: this.now() };
    row.calls.set(call.callId, call);
    this.#setState(agentId, 'busy');
    this.desk.emit('call', agentId, call);
    return { ok: true, callId: call.callId };
  }

  completeWrapUp(agentId: string, contactId: string, outcome: { disposition: string; note?: string }): DeskResult {
    this.calls.push(['completeWrapUp', agentId, contactId, outcome]);
    const row = this.#row(agentId);
    if (!row.wrapUps.delete(contactId)) return { ok: false, error: { code: 'no-such-wrap-up', message: 'no such wrap-up' } };
    if (!DISPOSITIONS.some((d) => d.code === outcome.disposition)) return { ok: false, error: { code: 'invalid', message: 'unknown disposition' } };
    this.#setState(agentId, 'ready');
    return { ok: true };
  }

  snapshot(agentId: string): DeskSnapshot {
    const row = this.#row(agentId);
    return {
      agentId,
      ...(row.name ? { name: row.name } : {}),
      loggedIn: row.loggedIn,
      ...(row.loggedIn ? { device: 'browser' as const } : {}),
      state: row.state,
      ...(row.offer ? { offer: row.offer } : {}),
      calls: [...row.calls.values()],
      wrapUps: [...row.wrapUps.values()],
      reasonCodes: this.reasonCodes,
      dispositions: DISPOSITIONS,
      queues: this.queues,
    };
  }

  async rtpCapabilities(): Promise<RtpCapabilities> {
    return G711_CAPABILITIES;
  }

  setRtpCapabilities(agentId: string, capabilities: RtpCapabilities): void {
    this.calls.push(['setRtpCapabilities', agentId]);
    this.#row(agentId).rtpCapabilities = capabilities;
  }

  async connectTransport(agentId: string, callId: string, transportId: string): Promise<DeskResult> {
    this.calls.push(['connectTransport', agentId, callId, transportId]);
    return { ok: true };
  }

  async produce(agentId: string, callId: string, transportId: string): Promise<DeskResult<{ id: string }>> {
    this.calls.push(['produce', agentId, callId, transportId]);
    return { ok: true, id: 'producer-1' };
  }
}
