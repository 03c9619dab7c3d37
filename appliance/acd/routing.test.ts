import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AcdHarness, ofType } from './harness.ts';
import type { AcdConfigInput } from './config.ts';

type QueueInput = AcdConfigInput['queues'][number];

function setup(queues: Partial<QueueInput>[], extra: Partial<AcdConfigInput> = {}): AcdHarness {
  return new AcdHarness({
    skills: ['en'],
    agents: [{ id: 'a1', skills: { en: 5 } }, { id: 'a2', skills: { en: 5 } }, { id: 'a3', skills: { en: 5 } }],
    queues: queues.map((q, i) => ({ id: `q${i + 1}`, skills: [{ skill: 'en' }], wrapUpSeconds: 0, ...q })),
    ...extra,
  });
}

function ready(h: AcdHarness, ...ids: string[]): void {
  for (const id of ids) {
    h.send({ type: 'AgentLoggedIn', agentId: id });
    h.send({ type: 'AgentStateChanged', agentId: id, state: 'ready' });
  }
}

const arrive = (h: AcdHarness, id: string, extra: object = {}) =>
  h.send({ type: 'ContactArrived', contactId: id, queueId: 'q1', channel: 'voice', ...extra });

describe('overflow', () => {
  test('a contact waiting longer than T moves to the target queue and is offered there', () => {
    const h = new AcdHarness({
      skills: ['en', 'fr'],
      agents: [{ id: 'a1', skills: { fr: 5 } }],
      queues: [
        { id: 'q1', skills: [{ skill: 'en' }], overflow: [{ when: { afterSeconds: 30 }, to: { queue: 'q2' } }] },
        { id: 'q2', skills: [{ skill: 'fr' }] },
      ],
    });
    ready(h, 'a1');
    h.send({ type: 'ContactArrived', contactId: 'c', queueId: 'q1', channel: 'voice' });
    assert.equal(ofType(h.advance(29_999), 'Overflow').length, 0);
    const out = h.advance(1);
    assert.deepEqual(ofType(out, 'Overflow')[0], { type: 'Overflow', contactId: 'c', fromQueueId: 'q1', to: { queue: 'q2' }, reason: 'wait-time' });
    assert.equal(ofType(out, 'OfferToAgent')[0]?.agentId, 'a1');
    assert.equal(ofType(out, 'OfferToAgent')[0]?.queueId, 'q2');
  });

  test('a contact that reaches voicemail ends overflowed with a record', () => {
    const h = setup([{ overflow: [{ when: { afterSeconds: 10 }, to: { voicemail: 'sales' } }] }]);
    arrive(h, 'c');
    const out = h.advance(10_000);
    assert.deepEqual(ofType(out, 'Overflow')[0]?.to, { voicemail: 'sales' });
    const rec = ofType(out, 'RecordContact')[0]!.record;
    assert.equal(rec.kind, 'overflowed');
    assert.equal(rec.waitMs, 10_000);
    assert.equal(h.state.contacts.size, 0);
    assert.equal(h.state.queues.get('q1')!.waiting, 0);
    assert.equal(h.timers.size, 0, 'no timer is left behind');
  });

  test('with no agent logged in a contact overflows on arrival', () => {
    const h = setup([{ overflow: [{ when: { noAgentsLoggedIn: true }, to: { callback: {} } }] }]);
    const out = arrive(h, 'c');
    assert.equal(ofType(out, 'Overflow')[0]?.reason, 'no-agents');
    assert.deepEqual(ofType(out, 'Overflow')[0]?.to, { callback: {} });
  });

  test('a logged-in but not-ready agent keeps contacts in the queue', () => {
    const h = setup([{ overflow: [{ when: { noAgentsLoggedIn: true }, to: { callback: {} } }] }]);
    h.send({ type: 'AgentLoggedIn', agentId: 'a1' });
    assert.equal(ofType(arrive(h, 'c'), 'Overflow').length, 0);
  });

  test('when the last agent logs out the waiting contacts overflow', () => {
    const h = setup([{ overflow: [{ when: { noAgentsLoggedIn: true }, to: { external: '+861012345' } }] }]);
    h.send({ type: 'AgentLoggedIn', agentId: 'a1' });
    arrive(h, 'c1');
    arrive(h, 'c2');
    const out = h.send({ type: 'AgentLoggedOut', agentId: 'a1' });
    assert.deepEqual(ofType(out, 'Overflow').map((o) => o.contactId), ['c1', 'c2']);
  });

  test('a queue longer than L sends the next arrival on', () => {
    const h = setup([{ overflow: [{ when: { queueLongerThan: 2 }, to: { voicemail: 'vm' } }] }]);
    h.send({ type: 'AgentLoggedIn', agentId: 'a1' });
    assert.equal(ofType(arrive(h, 'c1'), 'Overflow').length, 0);
    assert.equal(ofType(arrive(h, 'c2'), 'Overflow').length, 0);
    assert.equal(ofType(arrive(h, 'c3'), 'Overflow')[0]?.reason, 'queue-length');
  });

  test('overflow chains through queues and keeps the time of arrival for ordering', () => {
    const h = new AcdHarness({
      skills: ['en'],
      agents: [{ id: 'a1', skills: { en: 5 } }],
      queues: [
        { id: 'q1', skills: [{ skill: 'en' }], overflow: [{ when: { afterSeconds: 10 }, to: { queue: 'q2' } }] },
        { id: 'q2', skills: [{ skill: 'en' }], overflow: [{ when: { afterSeconds: 10 }, to: { voicemail: 'vm' } }] },
      ],
    });
    h.send({ type: 'AgentLoggedIn', agentId: 'a1' });
    arrive(h, 'c1');
    h.advance(5000);
    h.send({ type: 'ContactArrived', contactId: 'c2', queueId: 'q2', channel: 'voice' });
    h.advance(5000); // c1 moves to q2 and, having arrived first, goes ahead of c2
    const out = h.send({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' });
    assert.equal(ofType(out, 'OfferToAgent')[0]?.contactId, 'c1');
    const later = h.advance(10_000);
    assert.deepEqual(ofType(later, 'Overflow').map((o) => [o.contactId, o.to]), [['c2', { voicemail: 'vm' }]]);
  });
});

describe('ring-no-answer and rejection', () => {
  test('ring-no-answer makes the agent not ready (missed) and puts the contact back at its position', () => {
    const h = setup([{ offerTimeoutSeconds: 10 }]);
    h.send({ type: 'AgentLoggedIn', agentId: 'a1' });
    h.send({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' });
    arrive(h, 'c1'); // offered to a1
    arrive(h, 'c2', { priority: 0 });
    arrive(h, 'c3', { priority: 0 });
    const out = h.advance(10_000);
    assert.deepEqual(ofType(out, 'CancelOffer')[0], { type: 'CancelOffer', contactId: 'c1', agentId: 'a1', reason: 'timeout' });
    assert.equal(h.agentState('a1'), 'not-ready');
    assert.equal(h.state.agents.get('a1')!.reason, 'missed');
    const c1 = h.state.contacts.get('c1')!;
    assert.equal(c1.status, 'waiting');
    assert.equal(h.state.index.position(h.state, c1), 1, 'back at the head, ahead of later arrivals');
    ready(h, 'a2');
    assert.equal(ofType(h.log, 'OfferToAgent').at(-1)?.contactId, 'c1');
  });

  test('a rejected contact goes to another agent and is not offered to the rejecting one again', () => {
    const h = setup([{}]);
    ready(h, 'a1');
    arrive(h, 'c');
    const out = h.send({ type: 'OfferRejected', contactId: 'c', agentId: 'a1' });
    assert.equal(ofType(out, 'OfferToAgent').length, 0, 'a1 is the only agent and rejected it');
    assert.equal(h.agentState('a1'), 'ready');
    ready(h, 'a2');
    assert.equal(ofType(h.log, 'OfferToAgent').at(-1)?.agentId, 'a2');
  });

  test('events about an offer that is gone are refused and change nothing', () => {
    const h = setup([{ offerTimeoutSeconds: 5 }]);
    ready(h, 'a1');
    arrive(h, 'c');
    h.advance(5000);
    const out = h.send({ type: 'OfferAccepted', contactId: 'c', agentId: 'a1' });
    assert.equal(ofType(out, 'Refused').length, 1);
    assert.equal(h.state.contacts.get('c')!.status, 'waiting');
  });
});

describe('sticky (last-agent) routing', () => {
  const sticky = (timeoutSeconds: number) => setup([{ sticky: { timeoutSeconds } }]);

  test('a returning customer is offered to the agent who served them last', () => {
    const h = sticky(30);
    ready(h, 'a1', 'a2');
    h.send({ type: 'ContactArrived', contactId: 'c1', queueId: 'q1', channel: 'voice', customerId: 'cust' });
    const first = ofType(h.log, 'OfferToAgent').at(-1)!;
    h.send({ type: 'OfferAccepted', contactId: 'c1', agentId: first.agentId });
    h.send({ type: 'ContactEnded', contactId: 'c1' });
    h.advance(1000);
    const out = h.send({ type: 'ContactArrived', contactId: 'c2', queueId: 'q1', channel: 'voice', customerId: 'cust' });
    assert.equal(ofType(out, 'OfferToAgent')[0]?.agentId, first.agentId);
  });

  test('the contact waits for a busy last agent until the timeout, then falls back', () => {
    const h = sticky(20);
    ready(h, 'a1');
    h.send({ type: 'ContactArrived', contactId: 'c0', queueId: 'q1', channel: 'voice' });
    h.send({ type: 'OfferAccepted', contactId: 'c0', agentId: 'a1' }); // a1 busy
    ready(h, 'a2');
    const out = h.send({ type: 'ContactArrived', contactId: 'c1', queueId: 'q1', channel: 'voice', preferredAgentId: 'a1' });
    assert.equal(ofType(out, 'OfferToAgent').length, 0, 'a2 is free but the contact waits for a1');
    const fallback = h.advance(20_000);
    assert.equal(ofType(fallback, 'OfferToAgent')[0]?.agentId, 'a2');
  });

  test('the contact goes to its last agent as soon as that agent frees up', () => {
    const h = sticky(60);
    ready(h, 'a1');
    h.send({ type: 'ContactArrived', contactId: 'c0', queueId: 'q1', channel: 'voice' });
    h.send({ type: 'OfferAccepted', contactId: 'c0', agentId: 'a1' });
    h.send({ type: 'ContactArrived', contactId: 'c1', queueId: 'q1', channel: 'voice', preferredAgentId: 'a1' });
    h.send({ type: 'ContactArrived', contactId: 'c2', queueId: 'q1', channel: 'voice' });
    const out = h.send({ type: 'ContactEnded', contactId: 'c0' });
    assert.equal(ofType(out, 'OfferToAgent')[0]?.contactId, 'c1', 'sticky contact first, although c2 waits in the queue');
    assert.ok(ofType(out, 'CancelTimer').some((t) => t.timerId === 'sticky:c1'));
  });

  test('a logged-out last agent means no wait at all', () => {
    const h = sticky(60);
    ready(h, 'a2');
    const out = h.send({ type: 'ContactArrived', contactId: 'c1', queueId: 'q1', channel: 'voice', preferredAgentId: 'a1' });
    assert.equal(ofType(out, 'OfferToAgent')[0]?.agentId, 'a2');
  });

  test('the memory of the last agent expires', () => {
    const h = new AcdHarness({
      skills: ['en'], stickyMemorySeconds: 60,
      agents: [{ id: 'a1', skills: { en: 5 } }, { id: 'a2', skills: { en: 5 } }],
      queues: [{ id: 'q1', skills: [{ skill: 'en' }], sticky: { timeoutSeconds: 30 } }],
    });
    ready(h, 'a2', 'a1');
    h.send({ type: 'ContactArrived', contactId: 'c1', queueId: 'q1', channel: 'voice', customerId: 'x' });
    const a = ofType(h.log, 'OfferToAgent').at(-1)!.agentId;
    h.send({ type: 'OfferAccepted', contactId: 'c1', agentId: a });
    h.advance(1000); // so the other agent has been idle longer
    h.send({ type: 'ContactEnded', contactId: 'c1' });
    h.advance(61_000);
    h.send({ type: 'ContactArrived', contactId: 'c0', queueId: 'q1', channel: 'voice' }); // keeps the other agent busy
    const other = ofType(h.log, 'OfferToAgent').at(-1)!.agentId;
    assert.notEqual(other, a);
    const out = h.send({ type: 'ContactArrived', contactId: 'c2', queueId: 'q1', channel: 'voice', customerId: 'x' });
    assert.equal(ofType(out, 'OfferToAgent')[0]?.agentId, a, 'offered because free, not because sticky');
    assert.equal(h.state.contacts.get('c2')!.stickyAgentId, undefined);
  });
});

describe('capacity', () => {
  const multi = (blocks: Record<string, string[]> = { voice: ['chat'] }) =>
    new AcdHarness({
      skills: ['en'],
      capacityProfiles: { blended: { limits: { voice: 1, chat: 2 }, maxTotal: 3, blocks } },
      agents: [{ id: 'a1', skills: { en: 5 }, capacity: 'blended' }],
      queues: [{ id: 'q1', skills: [{ skill: 'en' }], wrapUpSeconds: 10 }],
    });
  const chat = (h: AcdHarness, id: string) => h.send({ type: 'ContactArrived', contactId: id, queueId: 'q1', channel: 'chat' });
  const voice = (h: AcdHarness, id: string) => h.send({ type: 'ContactArrived', contactId: id, queueId: 'q1', channel: 'voice' });

  test('an agent takes up to N chats and no more', () => {
    const h = multi();
    ready(h, 'a1');
    assert.equal(ofType(chat(h, 'c1'), 'OfferToAgent').length, 1);
    assert.equal(ofType(chat(h, 'c2'), 'OfferToAgent').length, 1);
    assert.equal(ofType(chat(h, 'c3'), 'OfferToAgent').length, 0);
  });

  test('a voice call blocks chat offers, and its end (after wrap-up) releases them', () => {
    const h = multi();
    ready(h, 'a1');
    voice(h, 'v');
    h.send({ type: 'OfferAccepted', contactId: 'v', agentId: 'a1' });
    assert.equal(ofType(chat(h, 'c1'), 'OfferToAgent').length, 0);
    h.send({ type: 'ContactEnded', contactId: 'v' });
    assert.equal(h.state.contacts.get('c1')!.status, 'waiting', 'wrap-up still holds the slot');
    const out = h.advance(10_000);
    assert.equal(ofType(out, 'OfferToAgent')[0]?.contactId, 'c1');
  });

  test('chats do not block a voice offer unless configured', () => {
    const h = multi();
    ready(h, 'a1');
    chat(h, 'c1');
    assert.equal(ofType(voice(h, 'v'), 'OfferToAgent').length, 1);
    const strict = multi({ voice: ['chat'], chat: ['voice'] });
    ready(strict, 'a1');
    chat(strict, 'c1');
    assert.equal(ofType(voice(strict, 'v'), 'OfferToAgent').length, 0);
  });

  test('the overall ceiling caps mixed work', () => {
    const h = multi({});
    ready(h, 'a1');
    voice(h, 'v');
    chat(h, 'c1');
    chat(h, 'c2');
    assert.equal(h.state.agents.get('a1')!.work.size, 3);
    assert.equal(ofType(voice(h, 'v2'), 'OfferToAgent').length, 0);
  });
});

describe('announcements and estimates', () => {
  test('an enqueued contact hears its position and an estimate from the handle times seen', () => {
    const h = setup([{ defaultHandleSeconds: 120, announcements: { onEnqueue: true, everySeconds: 30 } }]);
    h.send({ type: 'AgentLoggedIn', agentId: 'a1' });
    h.send({ type: 'AgentLoggedIn', agentId: 'a2' });
    arrive(h, 'c1');
    const out = arrive(h, 'c2');
    assert.deepEqual(ofType(out, 'PlayAnnouncement')[0], {
      type: 'PlayAnnouncement', contactId: 'c2', queueId: 'q1', kind: 'enqueued', position: 2, estimatedWaitSeconds: 120,
    });
    const periodic = h.advance(30_000);
    assert.deepEqual(ofType(periodic, 'PlayAnnouncement').map((a) => [a.contactId, a.kind, a.position]), [['c1', 'periodic', 1], ['c2', 'periodic', 2]]);
    h.send({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' }); // takes c1; c2 moves up
    h.send({ type: 'OfferAccepted', contactId: 'c1', agentId: 'a1' });
    assert.equal(ofType(h.advance(30_000), 'PlayAnnouncement')[0]?.position, 1);
  });

  test('the estimate follows recent handle times', () => {
    const h = setup([{ defaultHandleSeconds: 100 }]);
    ready(h, 'a1');
    for (let i = 0; i < 30; i++) {
      arrive(h, `c${i}`);
      h.send({ type: 'OfferAccepted', contactId: `c${i}`, agentId: 'a1' });
      h.advance(300_000);
      h.send({ type: 'ContactEnded', contactId: `c${i}` });
    }
    const q = h.state.queues.get('q1')!;
    assert.ok(q.ahtMs > 280_000 && q.ahtMs <= 300_000, `aht ${q.ahtMs}`);
  });
});
