import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordingRow } from '../media/recording-store.ts';
import { createInboundCall, isSettled, stepCall, type CallCoreEvent, type CallRecord } from './call-core.ts';
import { BEEP, DEFAULT_GREETING, greetingItems, messageRecording } from './voicemail-session.ts';

function drive(call: CallRecord, script: [number, CallCoreEvent][], start: number): { call: CallRecord; acd: unknown[] } {
  let now = start;
  const acd: unknown[] = [];
  for (const [dt, event] of script) {
    now += dt;
    const r = stepCall(call, event, now);
    assert.ok(r.ok, `${event.type}: ${r.ok ? '' : r.reason}`);
    call = r.call;
    acd.push(...r.acd);
  }
  return { call, acd };
}

describe('voicemail in the call core', () => {
  test('a caller sent to voicemail by the IVR gets a voicemail segment and ends with the reason voicemail', () => {
    const t0 = 1_000_000;
    const { call, acd } = drive(createInboundCall('c1', '13900000000', '4001', t0), [
      [3000, { type: 'VoicemailStarted', box: 'general' }],
      [20_000, { type: 'CallerHungUp' }],
    ], t0);
    assert.deepEqual(call.segments.map((s) => [s.kind, s.start - t0, s.end! - t0, s.outcome]), [['ivr', 0, 3000, undefined], ['voicemail', 3000, 23_000, 'voicemail:general']]);
    assert.equal(call.endReason, 'voicemail');
    assert.deepEqual(acd, [], 'the ACD never knew the call');
    assert.ok(isSettled(call));
  });

  test('an overflow to voicemail closes the queue wait without telling the ACD again (it dropped the contact itself)', () => {
    const t0 = 1_000_000;
    const { call, acd } = drive(createInboundCall('c1', '13900000000', '4001', t0), [
      [1000, { type: 'QueueEntered', queueId: 'sales' }],
      [30_000, { type: 'VoicemailStarted', box: 'sales' }],
      [10_000, { type: 'CallerHungUp' }],
    ], t0);
    assert.deepEqual(call.segments.map((s) => [s.kind, s.end! - s.start, s.outcome]), [['ivr', 1000, undefined], ['queue', 30_000, 'voicemail:sales'], ['voicemail', 10_000, 'voicemail:sales']]);
    assert.equal(call.endReason, 'voicemail');
    assert.equal(call.contactId, undefined);
    assert.deepEqual(call.contacts, ['c1']);
    assert.deepEqual(acd, [], 'no ContactAbandoned for a contact the ACD overflowed');
  });

  test('voicemail is refused once an agent rings or talks, and a call in voicemail takes no queue or offer', () => {
    const t0 = 1_000_000;
    const { call: ringing } = drive(createInboundCall('c1', '1', '4001', t0), [[0, { type: 'QueueEntered', queueId: 'q' }], [0, { type: 'Offered', agentId: 'a', contactId: 'c1' }]], t0);
    assert.equal(stepCall(ringing, { type: 'VoicemailStarted', box: 'b' }, t0).ok, false);
    const { call: vm } = drive(createInboundCall('c2', '1', '4001', t0), [[0, { type: 'VoicemailStarted', box: 'b' }]], t0);
    for (const e of [{ type: 'QueueEntered', queueId: 'q' }, { type: 'Offered', agentId: 'a', contactId: 'c2' }, { type: 'TransferredOut', target: 'x' }] as CallCoreEvent[]) {
      assert.equal(stepCall(vm, e, t0).ok, false, e.type);
    }
  });
});

describe('voicemail prompts and files', () => {
  test('the flow greeting comes first, then the box text, then the default; the beep always follows', () => {
    assert.deepEqual(greetingItems({ id: 'b', greeting: 'Box text' }, [{ file: 'g.wav' }]), [{ file: 'g.wav' }, ...BEEP]);
    assert.deepEqual(greetingItems({ id: 'b', greeting: '请留言', language: 'zh-CN' }, undefined), [{ tts: '请留言', language: 'zh-CN' }, ...BEEP]);
    assert.deepEqual(greetingItems({ id: 'b' }, []), [...DEFAULT_GREETING, ...BEEP]);
  });

  test('a message keeps the mono recording when there is one, else the first layout', () => {
    const row = (layout: 'stereo' | 'mono') => ({ id: 'r', layout, path: `x.${layout}.wav` }) as RecordingRow;
    assert.equal(messageRecording([row('stereo'), row('mono')])?.layout, 'mono');
    assert.equal(messageRecording([row('stereo')])?.layout, 'stereo');
    assert.equal(messageRecording([]), undefined);
  });
});
