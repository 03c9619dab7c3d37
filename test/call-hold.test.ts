// Hold and retrieve from the desk with a real SIPp customer and desk phone: while held the
// customer hears music on hold (its RTP echo proves packets reach it), the ACD shows the agent
// on hold, and after retrieve the music stops; the CDR keeps the hold segment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DeskSnapshot, OfferEvent } from '../appliance/desk/desk-types.ts';
import { customer, deskPhone, startCallCenter, type CallCenter } from './fixtures/calls/call-harness.ts';
import { sleep, waitFor } from './support/wait.ts';

let cc: CallCenter;

before(async () => {
  cc = await startCallCenter();
});
after(async () => {
  await cc?.close();
});

const snap = (agentId: string): DeskSnapshot => {
  const r = cc.m.desk.snapshot(agentId);
  assert.ok(r.ok);
  return r.snapshot;
};

test('a held caller receives music on hold until the agent retrieves the call, and the CDR keeps the hold', async () => {
  const desk = cc.m.desk;
  const offers: OfferEvent[] = [];
  desk.on('offer', (_a, o) => offers.push(o));
  // the agent's phone talks for one second, then stays quiet
  const phone = await deskPhone(cc, '1002', 'answer', 1000, 1);
  assert.ok((await desk.login('1002', { device: 'phone' })).ok);
  assert.ok(desk.setPresence('1002', 'ready').ok);
  const caller = customer(cc, '1', 10_000);
  const offer = await waitFor('the offer', () => offers[0], { timeoutMs: 6000 });
  await waitFor('connected', () => snap('1002').calls[0]?.status === 'connected');
  const session = await cc.m.media.sessionOf(offer.callId);
  const echoed = () => session.receiveStats(offer.callId).received;
  const rate = async () => {
    const before = echoed();
    await sleep(1000);
    return echoed() - before;
  };
  // the agent's second of audio is over: nothing plays to the caller
  await waitFor('a quiet line', async () => (await rate()) < 10, { timeoutMs: 6000 });

  assert.deepEqual(await desk.hold('1003', offer.callId), { ok: false, error: { code: 'no-such-call', message: `agent 1003 is not on call ${offer.callId}` } });
  assert.deepEqual(await desk.hold('1002', offer.callId), { ok: true });
  assert.deepEqual(await desk.hold('1002', offer.callId), { ok: false, error: { code: 'not-allowed', message: 'a held call cannot be held' } });
  await waitFor('the agent shown on hold', () => snap('1002').state.state === 'hold');
  assert.equal(snap('1002').calls[0]?.status, 'held');
  const music = await rate();
  assert.ok(music >= 25, `music on hold reaches the caller (${music} packets echoed in one second; 50 at full rate)`);

  assert.deepEqual(await desk.retrieve('1002', offer.callId), { ok: true });
  await waitFor('the agent busy again', () => snap('1002').state.state === 'busy');
  await waitFor('the music stopped after retrieve', async () => (await rate()) < 10, { timeoutMs: 3000 });

  const r = await caller;
  assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
  await phone.done;
  await waitFor('wrap-up', () => snap('1002').wrapUps[0]);
  assert.ok((await desk.completeWrapUp('1002', offer.contactId, { disposition: 'follow-up' })).ok);
  const cdr = await waitFor('the CDR', () => { const c = cc.telephony.cdr.get(offer.callId); return c?.disposition ? c : undefined; });
  const hold = cdr.segments.find((s) => s.kind === 'hold')!;
  assert.ok(hold, 'a hold segment');
  assert.ok(hold.end! - hold.start >= 900 && hold.end! - hold.start < 3000, `held ${hold.end! - hold.start} ms`);
  const talk = cdr.segments.find((s) => s.kind === 'talk')!;
  assert.ok(hold.start >= talk.start && hold.end! <= talk.end!, 'the hold lies within the talk');
});
