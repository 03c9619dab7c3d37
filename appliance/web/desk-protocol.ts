// The agent WebSocket's messages. The browser sends requests `{ id, type, ...args }` and gets
// `{ type: 'result', id, result }` back (the desk's result value as it is); desk events come
// as `{ type: 'event', name, data }`. Every request is validated here before it reaches the
// desk; the agent id is never part of a request (it comes from the session).
import { z } from 'zod';
import type { AgentDesk } from '../desk/agent-desk.ts';
import type { AgentDeskEvents, DtlsParameters, RtpCapabilities, RtpParameters, TransferTarget } from '../desk/desk-types.ts';

const Id = z.string().min(1).max(128);
/** Digits, *, #, and a leading + (E.164 or an extension). */
const PhoneNumber = z.string().regex(/^\+?[0-9*#]{1,32}$/, 'must be 1-32 digits, * or #, optionally after a +');
/** mediasoup's parameter objects are checked by mediasoup itself; here only their shape and size. */
const Json = z.record(z.string(), z.unknown());

export const DeskRequest = z.discriminatedUnion('type', [
  z.object({ type: z.literal('snapshot') }),
  z.object({ type: z.literal('login'), device: z.enum(['browser', 'phone']).optional() }),
  z.object({ type: z.literal('logout') }),
  z.object({ type: z.literal('presence'), presence: z.union([z.literal('ready'), z.literal('away'), z.object({ notReady: z.string().min(1).max(64) })]) }),
  z.object({ type: z.literal('answer'), contactId: Id }),
  z.object({ type: z.literal('reject'), contactId: Id }),
  z.object({ type: z.literal('hangup'), callId: Id }),
  z.object({ type: z.literal('hold'), callId: Id }),
  z.object({ type: z.literal('retrieve'), callId: Id }),
  z.object({
    type: z.literal('transfer'),
    callId: Id,
    target: z.union([z.object({ queue: Id }).strict(), z.object({ agent: Id }).strict(), z.object({ number: PhoneNumber }).strict()]),
  }),
  z.object({ type: z.literal('dial'), number: PhoneNumber }),
  z.object({ type: z.literal('complete-wrap-up'), contactId: Id, disposition: z.string().min(1).max(64), note: z.string().max(2000).default('') }),
  z.object({ type: z.literal('rtp-capabilities') }),
  z.object({ type: z.literal('set-rtp-capabilities'), rtpCapabilities: Json }),
  z.object({ type: z.literal('connect-transport'), callId: Id, transportId: Id, dtlsParameters: Json }),
  z.object({ type: z.literal('produce'), callId: Id, transportId: Id, kind: z.literal('audio'), rtpParameters: Json }),
]);
export type DeskRequest = z.infer<typeof DeskRequest>;

/** A request on the wire: the body plus a client-chosen id echoed in the result. */
export const DeskEnvelope = z.object({ id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER) }).passthrough();

export type DeskEventName = keyof AgentDeskEvents;
export const DESK_EVENT_NAMES: readonly DeskEventName[] = ['state', 'offer', 'offer-ended', 'call', 'wrap-up', 'media', 'consumer', 'error'];

/** What the web layer uses of the agent desk (appliance/desk/agent-desk.ts). */
export type DeskPort = Pick<
  AgentDesk,
  | 'verifyPassword' | 'login' | 'logout' | 'setPresence' | 'answer' | 'reject' | 'hangup' | 'hold' | 'retrieve' | 'transfer' | 'dial'
  | 'completeWrapUp' | 'snapshot' | 'rtpCapabilities' | 'setRtpCapabilities' | 'connectTransport' | 'produce'
> & {
  on<E extends DeskEventName>(event: E, listener: (...args: AgentDeskEvents[E]) => void): unknown;
  off<E extends DeskEventName>(event: E, listener: (...args: AgentDeskEvents[E]) => void): unknown;
};

/** Calls the desk for one validated request of one agent. */
export async function dispatchDeskRequest(desk: DeskPort, agentId: string, req: DeskRequest): Promise<unknown> {
  switch (req.type) {
    case 'snapshot':
      return desk.snapshot(agentId);
    case 'login':
      return desk.login(agentId, req.device ? { device: req.device } : {});
    case 'logout':
      return desk.logout(agentId);
    case 'presence':
      return desk.setPresence(agentId, req.presence);
    case 'answer':
      return desk.answer(agentId, req.contactId);
    case 'reject':
      return desk.reject(agentId, req.contactId);
    case 'hangup':
      return desk.hangup(agentId, req.callId);
    case 'hold':
      return desk.hold(agentId, req.callId);
    case 'retrieve':
      return desk.retrieve(agentId, req.callId);
    case 'transfer':
      return desk.transfer(agentId, req.callId, req.target as TransferTarget);
    case 'dial':
      return desk.dial(agentId, req.number);
    case 'complete-wrap-up':
      return desk.completeWrapUp(agentId, req.contactId, { disposition: req.disposition, note: req.note });
    case 'rtp-capabilities':
      return { ok: true, rtpCapabilities: await desk.rtpCapabilities() };
    case 'set-rtp-capabilities':
      return desk.setRtpCapabilities(agentId, req.rtpCapabilities as unknown as RtpCapabilities);
    case 'connect-transport':
      return desk.connectTransport(agentId, req.callId, req.transportId, req.dtlsParameters as unknown as DtlsParameters);
    case 'produce':
      return desk.produce(agentId, req.callId, req.transportId, req.kind, req.rtpParameters as unknown as RtpParameters);
  }
}
