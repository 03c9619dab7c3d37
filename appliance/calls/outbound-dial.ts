// Outbound calls from the desk through the trunk group (its DOD caller id): from the
// browser softphone (WebRTC legs join the far end's media session), or click-to-dial from a
// desk phone (the phone rings first; the far end joins the phone's media session).
import type { DeskResult } from '../desk/desk-types.ts';
import { deskError, type AgentRt } from './agent-roster.ts';
import type { CallLeg } from './b2bua.ts';
import { createOutboundCall } from './call-core.ts';
import type { CallOps } from './call-ops.ts';
import type { LiveCall } from './live-call.ts';

export async function dial(ops: CallOps, agentId: string, number: string): Promise<DeskResult<{ callId: string }>> {
  const agent = ops.roster.get(agentId);
  if (!agent?.loggedIn) return deskError('not-logged-in', `agent ${agentId} is not logged in`);
  if (agent.calls.size > 0 || agent.offer) return deskError('not-allowed', 'the agent is on a call');
  const settings = ops.settings();
  const group = settings.desk.outboundTrunkGroup;
  const callerId = (group ? settings.callerIds.get(group) : undefined) ?? '';
  if (agent.device === 'phone') return dialFromPhone(ops, agent, number, group, callerId);
  return new Promise((resolve) => {
    const placed = ops.b2bua.dialNumber(number, {
      ...(group ? { trunkGroup: group } : {}),
      onLeg: (leg) => {
        const call = outboundCall(ops, leg, number, callerId, agent);
        void call.ready.then(async () => {
          if (call.call.record.phase === 'dialing') await ops.browser.connect(call.call, agent.id);
        });
        resolve({ ok: true, callId: call.call.id });
      },
      onFailed: (status, reason) => resolve(deskError('unavailable', `the call failed: ${status} ${reason}`)),
    });
    if (!placed) resolve(deskError('unavailable', 'no trunk group routes this number'));
  });
}

/** An outbound leg toward the customer: its call record, media, answer and end. */
function outboundCall(ops: CallOps, leg: CallLeg, number: string, callerId: string, agent: AgentRt, agentLeg?: CallLeg): { call: LiveCall; ready: Promise<void> } {
  const now = ops.now();
  const call: LiveCall = {
    id: leg.id, record: createOutboundCall(leg.id, number, callerId, agent.id, now), caller: leg, variables: {}, choices: [], priority: 0, skills: [],
    legs: [{ legId: leg.id, role: 'callee', party: number, start: now }], recordingPaths: {}, mediaClosed: Promise.resolve(),
  };
  ops.calls.set(call.id, call);
  agent.calls.add(call.id);
  if (agentLeg) {
    call.agentLeg = agentLeg;
    call.legs.push({ legId: agentLeg.id, role: 'agent', party: agent.id, start: now, answeredAt: now });
  }
  const ready = ops.attachMedia(call);
  leg.session.once('ended', (cause) => setImmediate(() => ops.customerGone(call, cause.by === 'remote')));
  leg.session.once('answered', () => void ready.then(async () => {
    const l = call.legs[0];
    if (l) l.answeredAt = ops.now();
    if (!ops.step(call, { type: 'FarEndAnswered' })) return;
    if (agentLeg) await ops.record(call, agentLeg.id);
    else {
      const legs = await ops.browser.connect(call, agent.id);
      if (legs) await ops.record(call, legs.sendLeg);
    }
    ops.emitCall(agent.id, call, 'connected');
  }));
  ops.emitCall(agent.id, call, 'dialing');
  return { call, ready };
}

/**
 * Click-to-dial from a desk phone: the agent's phone rings first; when it answers, the
 * number is dialled through the trunk group into the phone's media session. Resolves once
 * the outbound leg exists (or the phone did not answer).
 */
function dialFromPhone(ops: CallOps, agent: AgentRt, number: string, group: string | undefined, callerId: string): Promise<DeskResult<{ callId: string }>> {
  const phone = ops.settings().desk.agents.find((a) => a.id === agent.id)?.phone;
  const agentLeg = phone ? ops.b2bua.callUser(phone, number) : undefined;
  if (!agentLeg) return Promise.resolve(deskError('unavailable', `the desk phone of agent ${agent.id} is not registered`));
  return new Promise((resolve) => {
    let call: LiveCall | undefined;
    agentLeg.session.once('ended', () => {
      if (!call) resolve(deskError('unavailable', 'the desk phone did not answer'));
      else if (call.record.phase !== 'ended') call.hangupBy = 'agent';
    });
    agentLeg.session.once('answered', () => void ops.sessionOf(agentLeg.id).then(() => {
      const fail = (message: string) => {
        agentLeg.session.bye();
        resolve(deskError('unavailable', message));
      };
      const placed = ops.b2bua.dialNumber(number, {
        ...(group ? { trunkGroup: group } : {}),
        mediaWith: agentLeg.id,
        onLeg: (leg) => {
          call = outboundCall(ops, leg, number, callerId, agent, agentLeg).call;
          ops.b2bua.bridge(leg, agentLeg);
          resolve({ ok: true, callId: call.id });
        },
        onFailed: (status, reason) => {
          if (!call) fail(`the call failed: ${status} ${reason}`);
        },
      });
      if (!placed) fail('no trunk group routes this number');
    }));
  });
}
