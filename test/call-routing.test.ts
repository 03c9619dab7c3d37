// Ring-no-answer and blind transfer with real SIPp desk phones: an unanswered phone is
// cancelled when the queue's offer times out, its agent goes not ready ("missed") and the
// call rings the next agent; an agent transfers a connected caller to another queue, where a
// third agent answers, and the CDR keeps both contacts.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DeskSnapshot, OfferEvent } from '../appliance/desk/desk-types.ts';
import { customer, deskPhone, startCallCenter, type CallCenter } from './fixtures/calls/call-harness.ts';
import { sleep, waitFor } from './support/wait.ts';

let cc: CallCenter;
const offers: { agentId: string; offer: OfferEvent }[] = [];

before(async () => {
  cc = await startCallCenter();
  cc.m.desk.on('offer', (agentId, offer) => offers.push({ agentId, offer }));
});
after(async () => {
  await cc?.close();
});

const snap = (agentId: string): DeskSnapshot => {
  const r = cc.m.desk.snapshot(agentId);
  assert.ok(r.ok);
  return r.snapshot;
};

describe('routing to desk phones', () => {
  test('an unanswered desk phone is cancelled at the ring timeout, its agent goes not ready (missed) and the next agent gets the call', async () => {
    const desk = cc.m.desk;
    const silent = await deskPhone(cc, '1001', 'no-answer');
    const answering = await deskPhone(cc, '1002', 'answer');
    for (const a of ['1001', '1002']) assert.ok((await desk.login(a, { device: 'phone' })).ok);
    assert.ok(desk.setPresence('1001', 'ready').ok);
    await sleep(50); // 1001 has been idle longest: it is offered first
    assert.ok(desk.setPresence('1002', 'ready').ok);
    offers.length = 0;
    const caller = customer(cc, '1', 6500);

    const first = await waitFor('the first offer', () => offers[0], { timeoutMs: 6000 });
    assert.equal(first.agentId, '1001');
    const second = await waitFor('the second offer', () => offers[1], { timeoutMs: 6000 });
    assert.equal(second.agentId, '1002');
    assert.equal(second.offer.contactId, first.offer.contactId, 'the same contact, re-queued');
    assert.ok(second.offer.variables.caller === '13912345678');
    assert.deepEqual({ state: snap('1001').state.state, reason: snap('1001').state.reason }, { state: 'not-ready', reason: 'missed' });
    assert.equal((await silent.done).code, 0, 'the silent phone saw the CANCEL');
    await waitFor('1002 on the call', () => snap('1002').calls[0]?.status === 'connected');

    const r = await caller;
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
    await waitFor('1002 in wrap-up', () => snap('1002').wrapUps[0]);
    assert.ok((await desk.completeWrapUp('1002', first.offer.contactId, { disposition: 'resolved' })).ok);
    const cdr = await waitFor('the CDR', () => { const c = cc.telephony.cdr.get(first.offer.callId); return c?.disposition ? c : undefined; });
    const rings = cdr.segments.filter((s) => s.kind === 'ring');
    assert.deepEqual(rings.map((s) => [s.agentId, s.outcome]), [['1001', 'ring-no-answer'], ['1002', 'answered']]);
    const firstRing = rings[0]!.end! - rings[0]!.start;
    assert.ok(firstRing >= 2500 && firstRing < 4500, `the first phone rang ${firstRing} ms (offer timeout 3 s)`);
    assert.deepEqual(cdr.segments.map((s) => s.kind), ['ivr', 'queue', 'ring', 'ring', 'talk', 'wrap-up']);
    assert.equal(cdr.agentId, '1002');
    await answering.done;
    assert.ok((await desk.logout('1001')).ok);
    assert.ok((await desk.logout('1002')).ok);
  });

  test('an agent transfers the caller to another queue: the first agent wraps up, a support agent answers, the CDR keeps both contacts', async () => {
    const desk = cc.m.desk;
    const sales = await deskPhone(cc, '1002', 'answer', 700);
    const support = await deskPhone(cc, '1003', 'answer', 900);
    for (const a of ['1002', '1003']) {
      assert.ok((await desk.login(a, { device: 'phone' })).ok);
      assert.ok(desk.setPresence(a, 'ready').ok);
    }
    offers.length = 0;
    const caller = customer(cc, '1', 7000);
    const offer = await waitFor('the offer to sales', () => offers[0], { timeoutMs: 6000 });
    assert.equal(offer.agentId, '1002');
    const callId = offer.offer.callId;
    await waitFor('1002 connected', () => snap('1002').calls[0]?.status === 'connected');
    assert.deepEqual(await desk.transfer('1002', callId, { queue: 'nowhere' }), { ok: false, error: { code: 'invalid', message: 'unknown queue nowhere' } });
    assert.deepEqual(await desk.transfer('1003', callId, { queue: 'support' }), { ok: false, error: { code: 'no-such-call', message: `agent 1003 is not on call ${callId}` } });
    assert.deepEqual(await desk.transfer('1002', callId, { queue: 'support' }), { ok: true });
    assert.equal((await sales.done).code, 0, 'the first agent\'s phone was released with a BYE');
    assert.equal(snap('1002').wrapUps[0]?.contactId, offer.offer.contactId, 'the first agent wraps up its contact');
    const next = await waitFor('the offer to support', () => offers[1], { timeoutMs: 6000 });
    assert.equal(next.agentId, '1003');
    assert.equal(next.offer.queueId, 'support');
    assert.equal(next.offer.callId, callId);
    assert.notEqual(next.offer.contactId, offer.offer.contactId);
    await waitFor('1003 connected', () => snap('1003').calls[0]?.status === 'connected');
    const call = cc.m.control.calls.get(callId)!;
    const session = await cc.m.media.sessionOf(callId);
    const fromSupport = await waitFor('audio from the support agent', () => { const s = session.receiveStats(call.agentLeg!.id); return s.received >= 25 && s; }, { timeoutMs: 4000 });
    assert.ok(fromSupport.received >= 25);

    const r = await caller;
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
    await support.done;
    assert.ok((await desk.completeWrapUp('1002', offer.offer.contactId, { disposition: 'other', note: 'wanted support' })).ok);
    await waitFor('1003 in wrap-up', () => snap('1003').wrapUps[0]);
    assert.ok((await desk.completeWrapUp('1003', next.offer.contactId, { disposition: 'resolved' })).ok);
    const cdr = await waitFor('the settled CDR', () => { const c = cc.telephony.cdr.get(callId); return c?.segments.every((s) => s.end !== undefined) && c.segments.filter((s) => s.kind === 'wrap-up').length === 2 ? c : undefined; });
    assert.deepEqual(cdr.contacts, [offer.offer.contactId, next.offer.contactId]);
    assert.deepEqual(cdr.segments.map((s) => `${s.kind}${s.agentId ? `:${s.agentId}` : ''}${s.queueId ? `@${s.queueId}` : ''}`), [
      'ivr', 'queue@sales', 'ring:1002@sales', 'talk:1002@sales', 'queue@support', 'wrap-up:1002', 'ring:1003@support', 'talk:1003@support', 'wrap-up:1003',
    ]);
    assert.equal(cdr.agentId, '1003');
    assert.deepEqual(cdr.legs.map((l) => [l.role, l.party]), [['caller', '13912345678'], ['agent', '1002'], ['agent', '1003']]);
    assert.equal(cdr.disposition, 'resolved', 'the last agent\'s disposition');
  });

  test('the agent hangs up on the desk phone: the customer gets a BYE and the CDR says the agent hung up', async () => {
    const desk = cc.m.desk;
    const phone = await deskPhone(cc, '1003', 'hang-up', 900, 2);
    const login = await desk.login('1003', { device: 'phone' });
    assert.ok(login.ok, JSON.stringify(login));
    assert.ok(desk.setPresence('1003', 'ready').ok);
    offers.length = 0;
    const caller = customer(cc, '2', 10_000, { untilHungUp: true });
    const offer = await waitFor('the offer', () => offers[0], { timeoutMs: 6000 });
    const r = await caller;
    assert.equal(r.code, 0, `the customer was hung up on: ${r.stderr}\n${r.stdout.slice(-1500)}`);
    assert.equal((await phone.done).code, 0);
    await waitFor('wrap-up', () => snap('1003').wrapUps[0]);
    assert.ok((await desk.completeWrapUp('1003', offer.offer.contactId, { disposition: 'resolved' })).ok);
    const cdr = await waitFor('the CDR', () => { const c = cc.telephony.cdr.get(offer.offer.callId); return c?.disposition ? c : undefined; });
    assert.equal(cdr.endReason, 'agent-hangup');
    const talk = cdr.segments.find((s) => s.kind === 'talk')!;
    assert.ok(talk.end! - talk.start >= 1500, `talked ${talk.end! - talk.start} ms`);
  });
});
