// The spine with real peers on loopback: a SIPp customer calls DID 4001, hears the menu,
// presses 1 by RFC 4733, waits in the sales queue; agent 1001's SIPp desk phone rings and
// answers; audio flows both ways; the customer hangs up; the agent completes wrap-up with a
// disposition; the CDR has every segment with plausible times and the recording holds both
// sides. Also: abandon while queued.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentDeskEvents } from '../appliance/desk/desk-types.ts';
import { parseWav } from '../appliance/media/wav.ts';
import { customer, deskPhone, startCallCenter, type CallCenter } from './fixtures/calls/call-harness.ts';
import { waitFor } from './support/wait.ts';

let cc: CallCenter;
const events: string[] = [];

before(async () => {
  cc = await startCallCenter();
  for (const name of ['state', 'offer', 'offer-ended', 'call', 'wrap-up'] as const) {
    const record = (agentId: string, e: Record<string, unknown>) => void events.push(`${agentId} ${name} ${String(e.state ?? e.status ?? e.reason ?? e.contactId)}`);
    cc.m.desk.on(name, record as unknown as (...a: AgentDeskEvents[typeof name]) => void);
  }
});
after(async () => {
  await cc?.close();
});

/** RMS of one channel of 16-bit stereo PCM. */
function channelRms(data: Uint8Array, channel: 0 | 1): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let sum = 0;
  let n = 0;
  for (let i = channel * 2; i + 1 < data.byteLength; i += 4) {
    const v = view.getInt16(i, true);
    sum += v * v;
    n++;
  }
  return Math.sqrt(sum / Math.max(1, n));
}

describe('inbound call through IVR, queue and a desk phone', () => {
  test('customer presses 1, agent 1001 answers on its desk phone, both are heard, wrap-up completes and the CDR and recording hold it all', async () => {
    const desk = cc.m.desk;
    const phone = await deskPhone(cc, '1001', 'answer', 1000);
    const login = await desk.login('1001', { device: 'phone' });
    assert.ok(login.ok, JSON.stringify(login));
    assert.deepEqual(desk.setPresence('1001', 'ready'), { ok: true });
    const offers: AgentDeskEvents['offer'][1][] = [];
    desk.on('offer', (_a, o) => offers.push(o));

    await cc.telephony.customers.put({ phone: '13912345678', name: '陈先生', level: 'gold', vip: true, tags: ['reseller'] });
    const started = Date.now();
    const caller = customer(cc, '1', 5000);
    const offer = await waitFor('the offer to 1001', () => offers[0], { timeoutMs: 8000 });
    assert.equal(offer.queueId, 'sales');
    assert.equal(offer.caller, '13912345678');
    assert.equal(offer.did, '4001');
    assert.equal(offer.device, 'phone');
    assert.deepEqual(offer.choices.map((c) => [c.nodeId, c.digits, c.label]), [['menu', '1', 'Sales']]);
    assert.ok(offer.ringDeadline > Date.now());
    assert.deepEqual(offer.screenPop.customer, { phone: '13912345678', name: '陈先生', level: 'gold', vip: true, tags: ['reseller'] }, 'the screen pop shows the customer record');
    assert.deepEqual(offer.screenPop.recentContacts, [], 'and no past contacts yet');

    const call = await waitFor('the call connected', () => cc.m.control.calls.get(offer.callId)?.record.phase === 'connected' && cc.m.control.calls.get(offer.callId));
    const agentLeg = call.agentLeg!;
    // audio both ways: the phone's tone reaches the appliance, and the customer echoes what it hears (the agent)
    const callerSession = await cc.m.media.sessionOf(call.id);
    const agentSession = await cc.m.media.sessionOf(agentLeg.id);
    assert.equal(agentSession, callerSession, 'the desk phone joined the customer\'s media session');
    const fromAgent = await waitFor('packets from the desk phone', () => { const s = agentSession.receiveStats(agentLeg.id); return s.received >= 50 && s; }, { timeoutMs: 5000 });
    const fromCustomerAtAnswer = callerSession.receiveStats(call.id).received;
    const fromCustomer = await waitFor('the agent heard back from the customer', () => { const s = callerSession.receiveStats(call.id); return s.received >= fromCustomerAtAnswer + 50 && s; }, { timeoutMs: 5000 });
    assert.ok(fromAgent.received >= 50 && fromCustomer.received >= 50);

    const r = await caller;
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
    const wrap = await waitFor('wrap-up', () => cc.m.desk.snapshot('1001').ok && (cc.m.desk.snapshot('1001') as { snapshot: { wrapUps: { contactId: string; deadline?: number }[] } }).snapshot.wrapUps[0]);
    assert.equal(wrap.contactId, offer.contactId);
    assert.ok(wrap.deadline! > Date.now(), 'the queue gives 60 s of wrap-up');
    assert.deepEqual(await desk.completeWrapUp('1001', offer.contactId, { disposition: 'nope' }), { ok: false, error: { code: 'invalid', message: 'unknown disposition nope' } });
    assert.deepEqual(await desk.completeWrapUp('1001', offer.contactId, { disposition: 'resolved', note: 'asked about prices' }), { ok: true });
    assert.equal((await phone.done).code, 0, 'the phone got its BYE');

    const cdr = await waitFor('the CDR with the disposition', () => { const c = cc.telephony.cdr.get(call.id); return c?.disposition ? c : undefined; });
    assert.equal(cdr.note, 'asked about prices');
    assert.equal(cdr.endReason, 'caller-hangup');
    assert.equal(cdr.agentId, '1001');
    assert.equal(cdr.queueId, 'sales');
    assert.deepEqual(cdr.segments.map((s) => s.kind), ['ivr', 'queue', 'ring', 'talk', 'wrap-up']);
    const finished = Date.now();
    for (const s of cdr.segments) {
      assert.ok(s.start >= started - 1000 && s.end! <= finished && s.end! >= s.start, `${s.kind} ${s.start}-${s.end}`);
    }
    const seg = (k: string) => cdr.segments.find((s) => s.kind === k)!;
    assert.ok(seg('ivr').end! - seg('ivr').start >= 500, 'the IVR lasted until the digit');
    assert.ok(seg('ring').end! - seg('ring').start >= 400, 'the phone rang for half a second');
    assert.ok(seg('talk').end! - seg('talk').start >= 2000, 'they talked for seconds');
    assert.equal(seg('talk').end, cdr.endedAt);
    assert.deepEqual(cdr.legs.map((l) => [l.role, l.party]), [['caller', '13912345678'], ['agent', '1001']]);
    assert.ok(cdr.legs.every((l) => l.end !== undefined));
    assert.deepEqual(cdr.choices.map((c) => c.digits), ['1']);

    // the recording: stereo WAV, the customer on the left, the agent on the right, both audible
    assert.ok(cdr.recordingId, 'the CDR references the recording');
    const wav = parseWav(readFileSync(join(cc.dir, 'recordings', cdr.recordingPaths.stereo!)));
    assert.equal(wav.channels, 2);
    const seconds = wav.data.byteLength / 4 / wav.sampleRate;
    assert.ok(seconds >= 2, `recorded ${seconds.toFixed(1)} s`);
    assert.ok(channelRms(wav.data, 0) > 300, `customer channel rms ${channelRms(wav.data, 0).toFixed(0)}`);
    assert.ok(channelRms(wav.data, 1) > 300, `agent channel rms ${channelRms(wav.data, 1).toFixed(0)}`);

    // the agent is ready again, and the ACD saw the contact handled
    await waitFor('1001 ready again', () => events.includes('1001 state ready') && (desk.snapshot('1001') as { snapshot: { state: { state: string } } }).snapshot.state.state === 'ready');
    assert.equal(cc.m.control.calls.size, 0, 'the settled call is forgotten');
    assert.equal(cc.telephony.cdr.byPhone('13912345678')[0]?.callId, call.id);
    assert.equal(call.priority, 10, 'a VIP caller waits with a higher priority');
  });

  test('a customer who hangs up while waiting abandons the contact, and the CDR says so', async () => {
    const desk = cc.m.desk;
    assert.ok(desk.setPresence('1001', { notReady: 'break' }).ok);
    const before = cc.telephony.cdr.recent(100).length;
    const r = await customer(cc, '2', 2500);
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
    const cdr = await waitFor('the abandoned CDR', () => cc.telephony.cdr.recent(100).length > before && cc.telephony.cdr.recent(1)[0]);
    assert.equal(cdr.endReason, 'abandoned');
    assert.equal(cdr.queueId, 'support');
    assert.deepEqual(cdr.segments.map((s) => s.kind), ['ivr', 'queue']);
    const wait = cdr.segments[1]!;
    assert.ok(wait.end! - wait.start >= 1500, `waited ${wait.end! - wait.start} ms`);
    const metrics = cc.m.acd.metrics() as unknown as { queues: Record<string, { today: { abandoned: number } }> };
    assert.equal(JSON.stringify(metrics).includes('abandon'), true);
  });
});
