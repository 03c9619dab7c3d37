// The in-process agent API: what the web layer exposes to agents' browsers over its own
// HTTP/WebSocket transport, and what tests drive directly. It checks input at this edge
// (zod), then hands each request to the call control (the DeskBackend); events about an
// agent (state, offers, calls, wrap-up, media) come back as a typed event map keyed by agent.
// Methods return result values: a refusal is `{ ok: false, error }`, never an exception.
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import type {
  AgentDeskEvents, DeskError, DeskResult, DeskSnapshot, DtlsParameters, LoginOptions, PresenceRequest, RtpCapabilities, RtpParameters, TransferTarget,
} from './desk-types.ts';

export type * from './desk-types.ts';

/** What the call control implements behind the desk; arguments are already validated. */
export interface DeskBackend {
  knowsAgent(agentId: string): boolean;
  /** scrypt check of the configured password hash (appliance/desk/agent-credentials.ts). */
  verifyPassword(agentId: string, password: string): boolean;
  login(agentId: string, options: LoginOptions): DeskResult<{ snapshot: DeskSnapshot }> | Promise<DeskResult<{ snapshot: DeskSnapshot }>>;
  logout(agentId: string): DeskResult | Promise<DeskResult>;
  setPresence(agentId: string, presence: PresenceRequest): DeskResult;
  answer(agentId: string, contactId: string): DeskResult | Promise<DeskResult>;
  reject(agentId: string, contactId: string): DeskResult;
  hangup(agentId: string, callId: string): DeskResult;
  hold(agentId: string, callId: string): DeskResult | Promise<DeskResult>;
  retrieve(agentId: string, callId: string): DeskResult | Promise<DeskResult>;
  transfer(agentId: string, callId: string, target: TransferTarget): DeskResult | Promise<DeskResult>;
  dial(agentId: string, number: string): DeskResult<{ callId: string }> | Promise<DeskResult<{ callId: string }>>;
  completeWrapUp(agentId: string, contactId: string, outcome: { disposition: string; note?: string }): DeskResult | Promise<DeskResult>;
  snapshot(agentId: string): DeskSnapshot;
  rtpCapabilities(): Promise<RtpCapabilities>;
  setRtpCapabilities(agentId: string, capabilities: RtpCapabilities): void;
  connectTransport(agentId: string, callId: string, transportId: string, dtlsParameters: DtlsParameters): Promise<DeskResult>;
  produce(agentId: string, callId: string, transportId: string, rtpParameters: RtpParameters): Promise<DeskResult<{ id: string }>>;
}

const Id = z.string().min(1).max(128);
const PresenceSchema = z.union([z.literal('ready'), z.literal('away'), z.strictObject({ notReady: Id })]);
const Number_ = z.string().regex(/^\+?[0-9*#]{1,32}$/, 'a phone number: digits, optionally with a leading +');
const TransferSchema = z.union([z.strictObject({ queue: Id }), z.strictObject({ agent: Id }), z.strictObject({ number: Number_ })]);
const WrapUpSchema = z.strictObject({ disposition: Id, note: z.string().max(2000).optional() });
const LoginSchema = z.strictObject({ device: z.enum(['browser', 'phone']).optional() });
const DtlsSchema = z.object({ role: z.enum(['auto', 'client', 'server']).optional(), fingerprints: z.array(z.object({ algorithm: z.string(), value: z.string() })).min(1) });
const RtpParametersSchema = z.object({ codecs: z.array(z.object({ mimeType: z.string(), payloadType: z.number().int(), clockRate: z.number().int() }).loose()).min(1) }).loose();
const RtpCapabilitiesSchema = z.object({ codecs: z.array(z.object({ mimeType: z.string(), kind: z.string() }).loose()).optional() }).loose();

const fail = (code: DeskError['code'], message: string): { ok: false; error: DeskError } => ({ ok: false, error: { code, message } });

function invalid(error: z.ZodError): { ok: false; error: DeskError } {
  return fail('invalid', error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; '));
}

export class AgentDesk extends EventEmitter<AgentDeskEvents> {
  readonly #backend: DeskBackend;

  constructor(backend: DeskBackend) {
    super();
    this.#backend = backend;
  }

  /** For the web layer's login form. Unknown agents and wrong passwords look the same. */
  verifyPassword(agentId: string, password: string): boolean {
    if (!Id.safeParse(agentId).success || typeof password !== 'string' || password.length > 256) return false;
    return this.#backend.knowsAgent(agentId) && this.#backend.verifyPassword(agentId, password);
  }

  async login(agentId: string, options: LoginOptions = {}): Promise<DeskResult<{ snapshot: DeskSnapshot }>> {
    const o = LoginSchema.safeParse(options);
    if (!o.success) return invalid(o.error);
    return this.#guard(agentId, () => this.#backend.login(agentId, o.data));
  }

  async logout(agentId: string): Promise<DeskResult> {
    return this.#guard(agentId, () => this.#backend.logout(agentId));
  }

  setPresence(agentId: string, presence: PresenceRequest): DeskResult {
    const p = PresenceSchema.safeParse(presence);
    if (!p.success) return invalid(p.error);
    return this.#guardSync(agentId, () => this.#backend.setPresence(agentId, p.data));
  }

  async answer(agentId: string, contactId: string): Promise<DeskResult> {
    if (!Id.safeParse(contactId).success) return fail('invalid', 'contactId is required');
    return this.#guard(agentId, () => this.#backend.answer(agentId, contactId));
  }

  reject(agentId: string, contactId: string): DeskResult {
    if (!Id.safeParse(contactId).success) return fail('invalid', 'contactId is required');
    return this.#guardSync(agentId, () => this.#backend.reject(agentId, contactId));
  }

  hangup(agentId: string, callId: string): DeskResult {
    if (!Id.safeParse(callId).success) return fail('invalid', 'callId is required');
    return this.#guardSync(agentId, () => this.#backend.hangup(agentId, callId));
  }

  async hold(agentId: string, callId: string): Promise<DeskResult> {
    if (!Id.safeParse(callId).success) return fail('invalid', 'callId is required');
    return this.#guard(agentId, () => this.#backend.hold(agentId, callId));
  }

  async retrieve(agentId: string, callId: string): Promise<DeskResult> {
    if (!Id.safeParse(callId).success) return fail('invalid', 'callId is required');
    return this.#guard(agentId, () => this.#backend.retrieve(agentId, callId));
  }

  async transfer(agentId: string, callId: string, target: TransferTarget): Promise<DeskResult> {
    if (!Id.safeParse(callId).success) return fail('invalid', 'callId is required');
    const t = TransferSchema.safeParse(target);
    if (!t.success) return invalid(t.error);
    return this.#guard(agentId, () => this.#backend.transfer(agentId, callId, t.data));
  }

  async dial(agentId: string, number: string): Promise<DeskResult<{ callId: string }>> {
    const n = Number_.safeParse(number);
    if (!n.success) return invalid(n.error);
    return this.#guard(agentId, () => this.#backend.dial(agentId, n.data));
  }

  async completeWrapUp(agentId: string, contactId: string, outcome: { disposition: string; note?: string }): Promise<DeskResult> {
    if (!Id.safeParse(contactId).success) return fail('invalid', 'contactId is required');
    const o = WrapUpSchema.safeParse(outcome);
    if (!o.success) return invalid(o.error);
    return this.#guard(agentId, () => this.#backend.completeWrapUp(agentId, contactId, o.data));
  }

  snapshot(agentId: string): DeskResult<{ snapshot: DeskSnapshot }> {
    if (!Id.safeParse(agentId).success || !this.#backend.knowsAgent(agentId)) return fail('unknown-agent', `no agent ${String(agentId)}`);
    return { ok: true, snapshot: this.#backend.snapshot(agentId) };
  }

  /** The routers' RTP capabilities for mediasoup-client's device.load (PCMU, PCMA, telephone-event). */
  rtpCapabilities(): Promise<RtpCapabilities> {
    return this.#backend.rtpCapabilities();
  }

  /** The browser's device.rtpCapabilities: needed before a consumer can be made for it. */
  setRtpCapabilities(agentId: string, capabilities: RtpCapabilities): DeskResult {
    const c = RtpCapabilitiesSchema.safeParse(capabilities);
    if (!c.success) return invalid(c.error);
    return this.#guardSync(agentId, () => {
      this.#backend.setRtpCapabilities(agentId, c.data as RtpCapabilities);
      return { ok: true };
    });
  }

  async connectTransport(agentId: string, callId: string, transportId: string, dtlsParameters: DtlsParameters): Promise<DeskResult> {
    const d = DtlsSchema.safeParse(dtlsParameters);
    if (!d.success) return invalid(d.error);
    if (!Id.safeParse(callId).success || !Id.safeParse(transportId).success) return fail('invalid', 'callId and transportId are required');
    return this.#guard(agentId, () => this.#backend.connectTransport(agentId, callId, transportId, d.data as DtlsParameters));
  }

  /** The browser's microphone (G.711 only: nothing is transcoded). */
  async produce(agentId: string, callId: string, transportId: string, kind: 'audio', rtpParameters: RtpParameters): Promise<DeskResult<{ id: string }>> {
    if (kind !== 'audio') return fail('invalid', 'only audio is produced');
    const r = RtpParametersSchema.safeParse(rtpParameters);
    if (!r.success) return invalid(r.error);
    if (!Id.safeParse(callId).success || !Id.safeParse(transportId).success) return fail('invalid', 'callId and transportId are required');
    return this.#guard(agentId, () => this.#backend.produce(agentId, callId, transportId, r.data as RtpParameters));
  }

  async #guard<T extends object>(agentId: string, fn: () => DeskResult<T> | Promise<DeskResult<T>>): Promise<DeskResult<T>> {
    if (!Id.safeParse(agentId).success || !this.#backend.knowsAgent(agentId)) return fail('unknown-agent', `no agent ${String(agentId)}`);
    try {
      return await fn();
    } catch (error) {
      return fail('unavailable', (error as Error).message);
    }
  }

  #guardSync<T extends object>(agentId: string, fn: () => DeskResult<T>): DeskResult<T> {
    if (!Id.safeParse(agentId).success || !this.#backend.knowsAgent(agentId)) return fail('unknown-agent', `no agent ${String(agentId)}`);
    try {
      return fn();
    } catch (error) {
      return fail('unavailable', (error as Error).message);
    }
  }
}
