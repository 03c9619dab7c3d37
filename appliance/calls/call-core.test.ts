import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CALL_TRANSITIONS, createInboundCall, createOutboundCall, isSettled, stepCall, type CallCoreEvent, type CallRecord } from './call-core.ts';

/** Runs events on a virtual clock: each entry is [ms after the previous one, event]. */
function drive(call: CallRecord, script: [number, CallCoreEvent][], start = 1_000_000): { call: CallRecord; acd: unknown[]; now: number } {
  let now = start;
  const acd: unknown[] = [];
  for (const [dt, event] of script) {
    now += dt;
    const r = stepCall(call, event, now);
    assert.ok(r.ok, `${event.type}: ${r.ok ? '' : r.reason}`);
    call = r.call;
    acd.push(...r.acd);
  }
  return { call, acd, now };
}

describe('call orchestration core', () => {
  test('an answered inbound call keeps IVR, queue, ring, talk, hold and wrap-up segments with their times', () => {
    const t0 = 1_000_000;
    const { call, acd } = drive(createInboundCall('c1', '13900000000', '4001', t0), [
      [4000, { type: 'QueueEntered', queueId: 'sales' }],
      [10_000, { type: 'Offered', agentId: '1001', contactId: 'c1' }],
      [3000, { type: 'Answered', agentId: '1001' }],
      [20_000, { type: 'Held' }],
      [5000, { type: 'Retrieved' }],
      [30_000, { type: 'CallerHungUp' }],
      [0, { type: 'WrapUpStarted', agentId: '1001', contactId: 'c1' }],
      [15_000, { type: 'WrapUpEnded', agentId: '1001', contactId: 'c1' }],
    ], t0);
    assert.deepEqual(call.segments.map((s) => [s.kind, s.start - t0, s.end! - t0]), [
      ['ivr', 0, 4000], ['queue', 4000, 17_000], ['ring', 14_000, 17_000], ['talk', 17_000, 72_000], ['hold', 37_000, 42_000], ['wrap-up', 72_000, 87_000],
    ]);
    assert.equal(call.segments.find((s) => s.kind === 'ring')!.outcome, 'answered');
    assert.equal(call.endReason, 'caller-hangup');
    assert.equal(call.endedAt, t0 + 72_000);
    assert.deepEqual(acd, [{ type: 'ContactHeld', contactId: 'c1' }, { type: 'ContactRetrieved', contactId: 'c1' }, { type: 'ContactEnded', contactId: 'c1' }]);
    assert.ok(isSettled(call));
  });

  test('a caller who hangs up while waiting abandons the contact at the ACD', () => {
    const { call, acd } = drive(createInboundCall('c2', '139', '4001', 0), [
      [1000, { type: 'QueueEntered', queueId: 'support' }],
      [8000, { type: 'CallerHungUp' }],
    ]);
    assert.equal(call.phase, 'ended');
    assert.equal(call.endReason, 'abandoned');
    assert.deepEqual(acd, [{ type: 'ContactAbandoned', contactId: 'c2' }]);
  });

  test('ring-no-answer closes the ring segment and leaves the call waiting for the next agent', () => {
    const { call } = drive(createInboundCall('c3', '139', '4001', 0), [
      [1000, { type: 'QueueEntered', queueId: 'sales' }],
      [100, { type: 'Offered', agentId: '1001', contactId: 'c3' }],
      [15_000, { type: 'OfferEnded', reason: 'ring-no-answer' }],
      [100, { type: 'Offered', agentId: '1002', contactId: 'c3' }],
      [2000, { type: 'Answered', agentId: '1002' }],
    ]);
    const rings = call.segments.filter((s) => s.kind === 'ring');
    assert.deepEqual(rings.map((r) => [r.agentId, r.outcome, r.end! - r.start]), [['1001', 'ring-no-answer', 15_000], ['1002', 'answered', 2000]]);
    assert.equal(call.segments.filter((s) => s.kind === 'queue').length, 1, 'one wait, through both rings');
    assert.equal(call.phase, 'connected');
  });

  test('a transfer to another queue ends the agent\'s contact and makes a new contact for the same call', () => {
    const { call, acd } = drive(createInboundCall('c4', '139', '4001', 0), [
      [0, { type: 'QueueEntered', queueId: 'sales' }],
      [0, { type: 'Offered', agentId: '1001', contactId: 'c4' }],
      [0, { type: 'Answered', agentId: '1001' }],
      [5000, { type: 'TransferredToQueue', queueId: 'support' }],
    ]);
    assert.equal(call.phase, 'queued');
    assert.equal(call.contactId, 'c4#2');
    assert.deepEqual(call.contacts, ['c4', 'c4#2']);
    assert.equal(call.queueId, 'support');
    assert.deepEqual(acd, [{ type: 'ContactEnded', contactId: 'c4' }]);
    // the first agent's wrap-up still refers to the first contact
    assert.ok(stepCall(call, { type: 'WrapUpStarted', agentId: '1001', contactId: 'c4' }, 6000).ok);
  });

  test('refuses events that do not fit the phase and changes nothing (late answer, hold while queued)', () => {
    const queued = drive(createInboundCall('c5', '139', '4001', 0), [[0, { type: 'QueueEntered', queueId: 'sales' }]]).call;
    for (const event of [{ type: 'Answered', agentId: '1001' }, { type: 'Held' }, { type: 'Retrieved' }] as CallCoreEvent[]) {
      const r = stepCall(queued, event, 10);
      assert.equal(r.ok, false, event.type);
      assert.equal(r.call, queued);
    }
    const ringing = stepCall(queued, { type: 'Offered', agentId: '1001', contactId: 'c5' }, 20);
    assert.ok(ringing.ok);
    assert.equal(stepCall(ringing.call, { type: 'Answered', agentId: '1002' }, 30).ok, false, 'another agent cannot answer');
    assert.equal(stepCall(queued, { type: 'Offered', agentId: '1001', contactId: 'other' }, 30).ok, false, 'an offer of another contact');
  });

  test('an ended call accepts nothing but wrap-up', () => {
    const ended = drive(createInboundCall('c6', '139', '4001', 0), [[0, { type: 'CallerHungUp' }]]).call;
    assert.equal(ended.endReason, 'caller-hangup');
    for (const type of Object.keys(CALL_TRANSITIONS.connected) as CallCoreEvent['type'][]) {
      assert.equal(stepCall(ended, { type, queueId: 'q', agentId: 'a', target: 'x' } as CallCoreEvent, 1).ok, false, type);
    }
  });

  test('an outbound call from the desktop dials, talks and ends by the agent', () => {
    const { call } = drive(createOutboundCall('o1', '13800000000', '01088886666', '1001', 0), [
      [4000, { type: 'FarEndAnswered' }],
      [60_000, { type: 'AgentHungUp' }],
    ], 0);
    assert.deepEqual(call.segments.map((s) => [s.kind, s.start, s.end]), [['dial', 0, 4000], ['talk', 4000, 64_000]]);
    assert.equal(call.endReason, 'agent-hangup');
  });

  test('an overflow to another queue keeps the contact and starts a new wait segment there', () => {
    const { call, acd } = drive(createInboundCall('c8', '139', '4001', 0), [
      [0, { type: 'QueueEntered', queueId: 'sales' }],
      [30_000, { type: 'Overflowed', queueId: 'support' }],
      [5000, { type: 'Offered', agentId: '1003', contactId: 'c8' }],
    ], 0);
    assert.deepEqual(call.segments.map((s) => [s.kind, s.queueId, s.start, s.end, s.outcome]), [
      ['ivr', undefined, 0, 0, undefined], ['queue', 'sales', 0, 30_000, 'overflow:support'], ['queue', 'support', 30_000, undefined, undefined], ['ring', 'support', 35_000, undefined, undefined],
    ]);
    assert.deepEqual(call.contacts, ['c8']);
    assert.deepEqual(acd, [], 'the ACD moved it already');
  });

  test('stepCall never modifies the record it is given', () => {
    const call = createInboundCall('c7', '139', '4001', 0);
    const copy = structuredClone(call);
    stepCall(call, { type: 'QueueEntered', queueId: 'sales' }, 5);
    assert.deepEqual(call, copy);
  });
});
