// Click-to-dial from the desk with a SIPp desk phone and a SIPp PSTN gateway behind a trunk:
// the agent's phone rings first, then the number is dialled through the trunk group with its
// DOD caller id (the gateway checks From and P-Asserted-Identity), both are heard, the agent
// hangs up from the desk, and the CDR and the recording hold the outbound call.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallEvent } from '../appliance/desk/desk-types.ts';
import { parseWav } from '../appliance/media/wav.ts';
import { freeUdpPort } from './fixtures/sip/harness.ts';
import { customer, deskPhone, sippUas, startCallCenter, testConfig, tonePcap, type CallCenter } from './fixtures/calls/call-harness.ts';
import { waitFor } from './support/wait.ts';

let cc: CallCenter;
let gatewayPort: number;

before(async () => {
  gatewayPort = await freeUdpPort();
  const config = testConfig();
  const sip = config.sip as Record<string, unknown>;
  sip.trunks = [{ id: 'gw', host: '127.0.0.1', port: gatewayPort, optionsIntervalMs: 0 }];
  sip.trunkGroups = [{ id: 'pstn', trunks: ['gw'], callerId: '01088886666', callerName: 'Demo CC' }];
  sip.outboundRoutes = [{ prefix: '9', trunkGroup: 'pstn', strip: 1 }];
  (config.desk as Record<string, unknown>).outboundTrunkGroup = 'pstn';
  cc = await startCallCenter(config);
});
after(async () => {
  await cc?.close();
});

test('the agent dials from the desk: its phone rings, the number goes out with the DOD caller id, both are heard, the desk hangs up, the CDR says outbound', async () => {
  const desk = cc.m.desk;
  const phone = await deskPhone(cc, '1001', 'answer', 1000, 3);
  const gateway = await sippUas(cc, 'gateway-answer.xml', { CALLER_ID: '01088886666', AGENT_PCAP: tonePcap(cc, 600, 3) }, gatewayPort);
  assert.deepEqual(await desk.dial('1001', '13800138000'), { ok: false, error: { code: 'not-logged-in', message: 'agent 1001 is not logged in' } });
  assert.ok((await desk.login('1001', { device: 'phone' })).ok);
  assert.equal((await desk.dial('1001', 'call me')).ok, false, 'a number is digits');
  const calls: CallEvent[] = [];
  desk.on('call', (_a, e) => calls.push(e));

  const dialled = await desk.dial('1001', '13800138000');
  assert.ok(dialled.ok, JSON.stringify(dialled));
  const callId = dialled.callId;
  await waitFor('connected', () => calls.some((c) => c.callId === callId && c.status === 'connected'), { timeoutMs: 6000 });
  assert.deepEqual(calls.filter((c) => c.callId === callId).map((c) => c.status), ['dialing', 'connected']);
  assert.equal(calls[0]!.direction, 'outbound');
  assert.equal(calls[0]!.remote, '13800138000');

  const call = cc.m.control.calls.get(callId)!;
  const session = await cc.m.media.sessionOf(callId);
  await waitFor('audio from the far end', () => session.receiveStats(callId).received >= 50, { timeoutMs: 5000 });
  await waitFor('audio from the desk phone', () => session.receiveStats(call.agentLeg!.id).received >= 50, { timeoutMs: 5000 });
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(desk.hangup('1002', callId), { ok: false, error: { code: 'no-such-call', message: `agent 1002 is not on call ${callId}` } });
  assert.deepEqual(desk.hangup('1001', callId), { ok: true });
  assert.equal((await gateway.done).code, 0, 'the gateway saw the DOD caller id and got its BYE');
  assert.equal((await phone.done).code, 0, 'the desk phone got its BYE');

  const cdr = await waitFor('the CDR', () => cc.telephony.cdr.get(callId), { timeoutMs: 8000 });
  assert.equal(cdr.direction, 'outbound');
  assert.equal(cdr.customer, '13800138000');
  assert.equal(cdr.did, '01088886666');
  assert.equal(cdr.endReason, 'agent-hangup');
  assert.equal(cdr.agentId, '1001');
  assert.deepEqual(cdr.segments.map((s) => s.kind), ['dial', 'talk']);
  assert.ok(cdr.segments[1]!.end! - cdr.segments[1]!.start >= 1000);
  assert.deepEqual(cdr.legs.map((l) => [l.role, l.party]), [['callee', '13800138000'], ['agent', '1001']]);
  const wav = parseWav(readFileSync(join(cc.dir, 'recordings', cdr.recordingPaths.stereo!)));
  assert.equal(wav.channels, 2);
  assert.equal(desk.snapshot('1001').ok && (desk.snapshot('1001') as { snapshot: { calls: unknown[] } }).snapshot.calls.length, 0);
});

test('an agent transfers a caller to an external number: the trunk group dials it with the DOD caller id, the caller talks to it, the agent wraps up', async () => {
  const desk = cc.m.desk;
  const phone = await deskPhone(cc, '1002', 'answer', 1000, 2);
  const gateway = await sippUas(cc, 'gateway-answer.xml', { CALLER_ID: '01088886666', AGENT_PCAP: tonePcap(cc, 600, 3) }, gatewayPort);
  assert.ok((await desk.login('1002', { device: 'phone' })).ok);
  assert.ok(desk.setPresence('1002', 'ready').ok);
  const offers: { contactId: string; callId: string }[] = [];
  desk.on('offer', (_a, o) => offers.push(o));
  const caller = customer(cc, '1', 7000);
  const offer = await waitFor('the offer', () => offers[0], { timeoutMs: 6000 });
  await waitFor('1002 connected', () => { const s = desk.snapshot('1002'); return s.ok && s.snapshot.calls[0]?.status === 'connected'; });
  assert.deepEqual(await desk.transfer('1002', offer.callId, { number: '913800138000' }), { ok: true });
  assert.equal((await phone.done).code, 0, 'the agent\'s phone is released');
  const call = cc.m.control.calls.get(offer.callId)!;
  const session = await cc.m.media.sessionOf(offer.callId);
  const external = await waitFor('the external leg answered', () => call.legs.find((l) => l.role === 'external' && l.answeredAt !== undefined), { timeoutMs: 5000 });
  await waitFor('audio from the external party', () => session.receiveStats(external.legId).received >= 50, { timeoutMs: 5000 });
  const r = await caller;
  assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
  assert.equal((await gateway.done).code, 0, 'the gateway saw the DOD caller id and got its BYE when the caller left');
  assert.ok((await desk.completeWrapUp('1002', offer.contactId, { disposition: 'other', note: 'sent to the branch' })).ok);
  const cdr = await waitFor('the CDR', () => { const c = cc.telephony.cdr.get(offer.callId); return c?.disposition ? c : undefined; }, { timeoutMs: 8000 });
  assert.deepEqual(cdr.legs.map((l) => [l.role, l.party]), [['caller', '13912345678'], ['agent', '1002'], ['external', '913800138000']]);
  assert.deepEqual(cdr.segments.map((s) => s.kind), ['ivr', 'queue', 'ring', 'talk', 'talk', 'wrap-up']);
  assert.equal(cdr.segments[4]!.outcome, 'transferred:913800138000');
  assert.equal(cdr.endReason, 'caller-hangup');
});

test('a caller dialling a registered extension reaches that phone directly, and both are heard through one media session', async () => {
  const phone = await deskPhone(cc, '1003', 'answer', 800, 2);
  const legsBefore = new Set(cc.m.calls.b2bua.legs.keys());
  const caller = customer(cc, '', 3000, { firstMs: 200, dialled: '1003' });
  const [inbound, outbound] = await waitFor('both legs', () => {
    const fresh = [...cc.m.calls.b2bua.legs.values()].filter((l) => !legsBefore.has(l.id));
    return fresh.length === 2 && fresh[0]!.peer === fresh[1] && fresh;
  }, { timeoutMs: 5000 });
  const session = await cc.m.media.sessionOf(inbound!.id);
  assert.equal(await cc.m.media.sessionOf(outbound!.id), session, 'the phone\'s leg joined the caller\'s media session');
  await waitFor('audio from the phone', () => session.receiveStats(outbound!.id).received >= 50, { timeoutMs: 5000 });
  await waitFor('the caller echoes the phone', () => session.receiveStats(inbound!.id).received >= 50, { timeoutMs: 5000 });
  const r = await caller;
  assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
  assert.equal((await phone.done).code, 0);
});
