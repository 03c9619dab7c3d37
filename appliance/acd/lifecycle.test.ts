import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AcdHarness, ofType } from './harness.ts';
import type { AcdConfigInput } from './config.ts';

const config = (queue: Partial<AcdConfigInput['queues'][number]> = {}): AcdConfigInput => ({
  skills: ['en'],
  agents: [{ id: 'a1', skills: { en: 5 } }, { id: 'a2', skills: { en: 5 } }],
  queues: [{ id: 'q', skills: [{ skill: 'en' }], wrapUpSeconds: 30, ...queue }],
});

function answered(h: AcdHarness): void {
  h.send({ type: 'AgentLoggedIn', agentId: 'a1' });
  h.send({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' });
  h.send({ type: 'ContactArrived', contactId: 'c', queueId: 'q', channel: 'voice' });
  h.send({ type: 'OfferAccepted', contactId: 'c', agentId: 'a1' });
}

describe('contact lifecycle and records', () => {
  test('the handled record splits talk, hold and wrap-up time', () => {
    const h = new AcdHarness(config());
    h.send({ type: 'AgentLoggedIn', agentId: 'a1' });
    h.send({ type: 'ContactArrived', contactId: 'c', queueId: 'q', channel: 'voice' });
    h.advance(12_000);
    h.send({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' });
    h.advance(3_000);
    const ans = ofType(h.send({ type: 'OfferAccepted', contactId: 'c', agentId: 'a1' }), 'RecordContact')[0]!.record;
    assert.equal(ans.kind, 'answered');
    assert.equal(ans.waitMs, 15_000);
    h.advance(60_000);
    h.send({ type: 'ContactHeld', contactId: 'c' });
    h.advance(20_000);
    h.send({ type: 'ContactRetrieved', contactId: 'c' });
    h.advance(40_000);
    h.send({ type: 'ContactHeld', contactId: 'c' });
    h.advance(5_000);
    h.send({ type: 'ContactEnded', contactId: 'c' }); // ended while on hold
    const done = ofType(h.advance(30_000), 'RecordContact')[0]!.record;
    assert.deepEqual(
      { kind: done.kind, talkMs: done.talkMs, holdMs: done.holdMs, wrapUpMs: done.wrapUpMs, waitMs: done.waitMs, agentId: done.agentId },
      { kind: 'handled', talkMs: 100_000, holdMs: 25_000, wrapUpMs: 30_000, waitMs: 15_000, agentId: 'a1' },
    );
  });

  test('extending wrap-up moves its end; the agent may still end it early', () => {
    const h = new AcdHarness(config());
    answered(h);
    h.send({ type: 'ContactEnded', contactId: 'c' });
    h.advance(20_000);
    h.send({ type: 'WrapUpExtended', agentId: 'a1', contactId: 'c', seconds: 60 });
    h.advance(30_000);
    assert.equal(h.agentState('a1'), 'wrap-up', 'the first 30 s no longer apply');
    const out = h.send({ type: 'WrapUpEnded', agentId: 'a1', contactId: 'c' });
    assert.equal(h.agentState('a1'), 'ready');
    assert.equal(ofType(out, 'RecordContact')[0]?.record.wrapUpMs, 50_000);
    assert.equal(h.timers.size, 0);
  });

  test('a forced logout of a talking agent records the contact as handled so far', () => {
    const h = new AcdHarness(config());
    answered(h);
    h.advance(45_000);
    const out = h.send({ type: 'AgentLoggedOut', agentId: 'a1', force: true });
    const rec = ofType(out, 'RecordContact')[0]!.record;
    assert.equal(rec.kind, 'handled');
    assert.equal(rec.talkMs, 45_000);
    assert.equal(h.state.contacts.size, 0);
  });

  test('a contact for an unknown queue is abandoned by the core with a record', () => {
    const h = new AcdHarness(config());
    const out = h.send({ type: 'ContactArrived', contactId: 'x', queueId: 'nope', channel: 'email' });
    assert.deepEqual(ofType(out, 'Abandon')[0], { type: 'Abandon', contactId: 'x', reason: 'unknown-queue' });
    assert.equal(ofType(out, 'RecordContact')[0]?.record.kind, 'abandoned');
    assert.equal(h.state.contacts.size, 0);
  });

  test('a second arrival with the same id is refused and the first is kept', () => {
    const h = new AcdHarness(config());
    h.send({ type: 'ContactArrived', contactId: 'c', queueId: 'q', channel: 'voice' });
    assert.equal(ofType(h.send({ type: 'ContactArrived', contactId: 'c', queueId: 'q', channel: 'chat' }), 'Refused').length, 1);
    assert.equal(h.state.contacts.get('c')!.channel, 'voice');
  });

  test('abandoning a waiting contact records its wait and clears its timers', () => {
    const h = new AcdHarness(config({ overflow: [{ when: { afterSeconds: 300 }, to: { voicemail: 'vm' } }], announcements: { everySeconds: 20 } }));
    h.send({ type: 'ContactArrived', contactId: 'c', queueId: 'q', channel: 'voice' });
    h.advance(25_000);
    const out = h.send({ type: 'ContactAbandoned', contactId: 'c' });
    assert.equal(ofType(out, 'RecordContact')[0]?.record.waitMs, 25_000);
    assert.equal(h.timers.size, 0);
    assert.equal(h.state.queues.get('q')!.waiting, 0);
  });

  test('abandoning a ringing contact stops the ringing and frees the agent for the next one', () => {
    const h = new AcdHarness(config());
    h.send({ type: 'AgentLoggedIn', agentId: 'a1' });
    h.send({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' });
    h.send({ type: 'ContactArrived', contactId: 'c1', queueId: 'q', channel: 'voice' });
    h.send({ type: 'ContactArrived', contactId: 'c2', queueId: 'q', channel: 'voice' });
    const out = h.send({ type: 'ContactAbandoned', contactId: 'c1' });
    assert.deepEqual(ofType(out, 'CancelOffer')[0], { type: 'CancelOffer', contactId: 'c1', agentId: 'a1', reason: 'abandoned' });
    assert.equal(ofType(out, 'OfferToAgent')[0]?.contactId, 'c2');
  });

  test('a timer that fires after it was cancelled does nothing', () => {
    const h = new AcdHarness(config());
    answered(h);
    assert.deepEqual(h.send({ type: 'TimerFired', timerId: 'ring:c' }), []);
    assert.equal(h.agentState('a1'), 'busy');
  });

  test('an agent with several chats shows busy while any is active and ready when all are done', () => {
    const h = new AcdHarness({
      skills: ['en'],
      capacityProfiles: { chat: { limits: { chat: 2 } } },
      agents: [{ id: 'a1', skills: { en: 5 }, capacity: 'chat' }],
      queues: [{ id: 'q', skills: [{ skill: 'en' }], wrapUpSeconds: 10 }],
    });
    h.send({ type: 'AgentLoggedIn', agentId: 'a1' });
    h.send({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' });
    for (const id of ['c1', 'c2']) {
      h.send({ type: 'ContactArrived', contactId: id, queueId: 'q', channel: 'chat' });
      h.send({ type: 'OfferAccepted', contactId: id, agentId: 'a1' });
    }
    h.send({ type: 'ContactEnded', contactId: 'c1' });
    assert.equal(h.agentState('a1'), 'busy');
    h.send({ type: 'ContactEnded', contactId: 'c2' });
    assert.equal(h.agentState('a1'), 'wrap-up');
    h.advance(10_000);
    assert.equal(h.agentState('a1'), 'ready');
  });
});
