// What an agent does to a call it is on: hang up, hold and retrieve (music on hold to the
// customer, the agent hears nothing, the recording pauses by policy), and blind transfer to
// a queue, an agent or an external number (through a trunk group).
import type { DeskResult, TransferTarget } from '../desk/desk-types.ts';
import { deskError } from './agent-roster.ts';
import { stepCall } from './call-core.ts';
import { ok, type CallOps } from './call-ops.ts';
import { queuesOf } from './call-settings.ts';
import type { LiveCall } from './live-call.ts';

function agentCall(ops: CallOps, agentId: string, callId: string): LiveCall | undefined {
  const call = ops.calls.get(callId);
  return call && ops.roster.get(agentId)?.calls.has(callId) && call.record.agentId === agentId ? call : undefined;
}

export function hangup(ops: CallOps, agentId: string, callId: string): DeskResult {
  const call = agentCall(ops, agentId, callId);
  if (!call) return deskError('no-such-call', `agent ${agentId} is not on call ${callId}`);
  call.hangupBy = 'agent';
  call.caller.session.bye();
  return ok;
}

export async function hold(ops: CallOps, agentId: string, callId: string): Promise<DeskResult> {
  const call = agentCall(ops, agentId, callId);
  if (!call) return deskError('no-such-call', `agent ${agentId} is not on call ${callId}`);
  if (!ops.step(call, { type: 'Held' })) return deskError('not-allowed', `a ${call.record.phase} call cannot be held`);
  await agentHears(ops, call, false);
  await call.session?.setBackground(call.id, { moh: true });
  if (ops.settings().recording.pauseOnHold) call.session?.pauseRecording();
  ops.emitCall(agentId, call, 'held');
  return ok;
}

export async function retrieve(ops: CallOps, agentId: string, callId: string): Promise<DeskResult> {
  const call = agentCall(ops, agentId, callId);
  if (!call) return deskError('no-such-call', `agent ${agentId} is not on call ${callId}`);
  if (!ops.step(call, { type: 'Retrieved' })) return deskError('not-allowed', `a ${call.record.phase} call cannot be retrieved`);
  await call.session?.setBackground(call.id, undefined);
  await agentHears(ops, call, true);
  call.session?.resumeRecording();
  ops.emitCall(agentId, call, 'connected');
  return ok;
}

/** Whether the agent hears the caller (not while holding). */
async function agentHears(ops: CallOps, call: LiveCall, hears: boolean): Promise<void> {
  if (call.agentLeg) await call.session?.setHearing(call.agentLeg.id, hears ? [call.caller.id] : []);
  else await ops.browser.hear(call, hears);
}

export async function transfer(ops: CallOps, agentId: string, callId: string, target: TransferTarget): Promise<DeskResult> {
  const call = agentCall(ops, agentId, callId);
  if (!call) return deskError('no-such-call', `agent ${agentId} is not on call ${callId}`);
  const settings = ops.settings();
  if ('queue' in target && !settings.queues.has(target.queue)) return deskError('invalid', `unknown queue ${target.queue}`);
  if ('agent' in target && queuesOf(settings, target.agent).length === 0) return deskError('invalid', `agent ${target.agent} serves no queue`);
  const contactId = call.record.contactId;
  detachAgent(ops, call, agentId);
  // the agent's wrap-up starts before the next contact is offered (same instant, in order)
  const wrapUp = () => {
    ops.emitCall(agentId, call, 'ended', 'transferred');
    if (!contactId) return;
    (call.legQueue ??= new Map()).set(contactId, queueOfContact(call, contactId));
    ops.startWrapUp(call, agentId, contactId);
  };
  if ('number' in target) {
    transferOut(ops, call, target.number);
    wrapUp();
    return ok;
  }
  const queueId = 'queue' in target ? target.queue : queuesOf(settings, target.agent)[0]!.id;
  if (!ops.step(call, { type: 'TransferredToQueue', queueId })) return deskError('not-allowed', 'the call cannot be transferred now');
  wrapUp();
  const next = call.record.contactId!;
  ops.trackContact(next, call.id);
  void call.session?.setBackground(call.id, { moh: true }).catch(() => undefined);
  ops.acd.dispatch({
    type: 'ContactArrived', contactId: next, queueId, channel: 'voice', priority: call.priority,
    ...(call.record.customer !== 'anonymous' ? { customerId: call.record.customer } : {}), ...('agent' in target ? { preferredAgentId: target.agent } : {}),
  });
  return ok;
}

function queueOfContact(call: LiveCall, contactId: string): string {
  return call.record.segments.find((s) => s.kind === 'queue' && s.contactId === contactId)?.queueId ?? '';
}

/** The agent leaves the call (transfer): its leg ends, the caller stays. */
function detachAgent(ops: CallOps, call: LiveCall, agentId: string): void {
  ops.roster.get(agentId)?.calls.delete(call.id);
  const leg = call.agentLeg;
  call.agentLeg = undefined;
  if (leg) {
    ops.b2bua.unbridge(leg);
    leg.session.bye();
  }
  ops.browser.release(call);
  void call.session?.setHearing(call.id, []).catch(() => undefined);
}

/** The caller goes to a number through a trunk group, outside the ACD. */
export function transferOut(ops: CallOps, call: LiveCall, number: string): void {
  const phase = call.record.phase;
  if (phase === 'ivr') ops.ivrHungUp(call.id);
  const r = stepCall(call.record, { type: 'TransferredOut', target: number }, ops.now());
  if (!r.ok) return;
  call.record = r.call;
  for (const e of r.acd) ops.acd.dispatch(e);
  void call.session?.setBackground(call.id, { tone: 'ringback' }).catch(() => undefined);
  const placed = ops.b2bua.dialNumber(number, {
    mediaWith: call.id,
    onLeg: (leg) => {
      call.legs.push({ legId: leg.id, role: 'external', party: number, start: ops.now() });
      leg.session.once('answered', () => {
        const l = call.legs.find((x) => x.legId === leg.id);
        if (l) l.answeredAt = ops.now();
        void call.session?.setBackground(call.id, undefined).catch(() => undefined);
        ops.b2bua.bridge(call.caller, leg);
      });
      leg.session.once('ended', () => {
        ops.closeLeg(call, leg.id);
        if (!leg.peer) call.caller.session.bye();
      });
    },
    onFailed: () => call.caller.session.bye(),
  });
  if (!placed) call.caller.session.bye();
}

