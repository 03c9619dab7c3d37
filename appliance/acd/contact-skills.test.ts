import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AcdHarness, ofType } from './harness.ts';
import type { AcdConfigInput } from './config.ts';
import { AcdEventSchema, contactSkillsFrom } from './events.ts';

type QueueInput = AcdConfigInput['queues'][number];

/** One queue needing `support`; agents differ in the languages and billing level they have. */
function setup(routing: 'indexed' | 'naive', queue: Partial<QueueInput> = {}, extra: Partial<AcdConfigInput> = {}): AcdHarness {
  return new AcdHarness(
    {
      skills: ['support', 'mandarin', 'cantonese', 'billing'],
      agents: [
        { id: 'a1', skills: { support: 5 } },
        { id: 'a2', skills: { support: 5, mandarin: 7 } },
        { id: 'a3', skills: { support: 5, mandarin: 3, billing: 6 } },
      ],
      queues: [{ id: 'q1', skills: [{ skill: 'support' }], ...queue }],
      ...extra,
    },
    { routing },
  );
}

function ready(h: AcdHarness, ...ids: string[]): void {
  for (const id of ids) {
    h.send({ type: 'AgentLoggedIn', agentId: id });
    h.send({ type: 'AgentStateChanged', agentId: id, state: 'ready' });
    h.advance(1000); // a1 is the longest idle, a3 the shortest
  }
}

const arrive = (h: AcdHarness, id: string, skills?: { skill: string; minLevel?: number }[]) =>
  h.send({ type: 'ContactArrived', contactId: id, queueId: 'q1', channel: 'voice', ...(skills ? { skills } : {}) });

const offeredTo = (cmds: ReturnType<AcdHarness['send']>) => ofType(cmds, 'OfferToAgent').map((c) => `${c.contactId}->${c.agentId}`);

for (const routing of ['indexed', 'naive'] as const) {
  describe(`contact skills (${routing} routing)`, () => {
    test('a contact asking for a skill goes to the only agent who has it although a longer-idle one is ready', () => {
      const h = setup(routing);
      ready(h, 'a1', 'a2');
      assert.deepEqual(offeredTo(arrive(h, 'c1', [{ skill: 'mandarin' }])), ['c1->a2']);
    });

    test('among the agents with the skill the queue strategy still chooses (longest idle first)', () => {
      const h = setup(routing);
      ready(h, 'a1', 'a2', 'a3');
      assert.deepEqual(offeredTo(arrive(h, 'c1', [{ skill: 'mandarin' }])), ['c1->a2']);
    });

    test('a minimum level leaves out agents who have the skill lower', () => {
      const h = setup(routing);
      ready(h, 'a2', 'a3');
      assert.deepEqual(offeredTo(arrive(h, 'c1', [{ skill: 'mandarin', minLevel: 5 }])), ['c1->a2']);
      assert.deepEqual(offeredTo(arrive(h, 'c2', [{ skill: 'mandarin', minLevel: 5 }])), []);
      assert.equal(h.state.contacts.get('c2')!.status, 'waiting');
    });

    test('every listed skill is required', () => {
      const h = setup(routing);
      ready(h, 'a1', 'a2', 'a3');
      assert.deepEqual(offeredTo(arrive(h, 'c1', [{ skill: 'mandarin' }, { skill: 'billing', minLevel: 5 }])), ['c1->a3']);
    });

    test('a contact without skills of its own is routed as before', () => {
      const h = setup(routing);
      ready(h, 'a1', 'a2');
      assert.deepEqual(offeredTo(arrive(h, 'c1')), ['c1->a1']);
      assert.deepEqual(offeredTo(arrive(h, 'c2', [])), ['c2->a2'], 'an empty list asks for nothing');
    });

    test('a waiting contact with skills does not block the agents who lack them from later contacts', () => {
      const h = setup(routing);
      h.send({ type: 'AgentLoggedIn', agentId: 'a2' }); // logged in, not ready: the queue is staffed for mandarin
      arrive(h, 'c1', [{ skill: 'mandarin' }]);
      arrive(h, 'c2');
      h.send({ type: 'AgentLoggedIn', agentId: 'a1' });
      assert.deepEqual(offeredTo(h.send({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' })), ['c2->a1']);
      assert.deepEqual(offeredTo(h.send({ type: 'AgentStateChanged', agentId: 'a2', state: 'ready' })), ['c1->a2']);
    });

    test('a contact that waited for its skill is offered when an agent with it becomes free, ahead of newer ones', () => {
      const h = setup(routing);
      ready(h, 'a2');
      arrive(h, 'c0'); // a2 is now busy
      h.send({ type: 'OfferAccepted', contactId: 'c0', agentId: 'a2' });
      arrive(h, 'c1', [{ skill: 'mandarin' }]);
      arrive(h, 'c2');
      assert.deepEqual(offeredTo(h.send({ type: 'ContactEnded', contactId: 'c0' })), ['c1->a2']);
    });

    test('an unknown skill is refused with the reason and the contact does not enter the ACD', () => {
      const h = setup(routing);
      ready(h, 'a1');
      const out = arrive(h, 'c1', [{ skill: 'klingon' }]);
      assert.equal(out.length, 1);
      assert.equal(out[0]!.type, 'Refused');
      assert.match(out[0]!.type === 'Refused' ? out[0]!.reason : '', /unknown skill 'klingon'/);
      assert.equal(h.state.contacts.size, 0);
    });

    test('with no logged-in agent who has the skill the "no agents" overflow applies on arrival', () => {
      const h = setup(routing, { overflow: [{ when: { noAgentsLoggedIn: true }, to: { voicemail: 'vm' } }] });
      ready(h, 'a1');
      const out = arrive(h, 'c1', [{ skill: 'cantonese' }]);
      assert.deepEqual(ofType(out, 'Overflow')[0], { type: 'Overflow', contactId: 'c1', fromQueueId: 'q1', to: { voicemail: 'vm' }, reason: 'no-agents' });
      assert.equal(ofType(out, 'RecordContact')[0]?.record.kind, 'overflowed');
    });

    test('a logged-in agent with the skill who is not ready keeps the contact waiting instead of overflowing', () => {
      const h = setup(routing, { overflow: [{ when: { noAgentsLoggedIn: true }, to: { voicemail: 'vm' } }] });
      h.send({ type: 'AgentLoggedIn', agentId: 'a2' });
      const out = arrive(h, 'c1', [{ skill: 'mandarin' }]);
      assert.equal(ofType(out, 'Overflow').length, 0);
      assert.equal(h.state.contacts.get('c1')!.status, 'waiting');
    });

    test('when the last agent with the skill logs out its waiting contacts overflow and the others stay', () => {
      const h = setup(routing, { overflow: [{ when: { noAgentsLoggedIn: true }, to: { voicemail: 'vm' } }] });
      h.send({ type: 'AgentLoggedIn', agentId: 'a1' });
      h.send({ type: 'AgentLoggedIn', agentId: 'a2' });
      arrive(h, 'c1', [{ skill: 'mandarin' }]);
      arrive(h, 'c2');
      const out = h.send({ type: 'AgentLoggedOut', agentId: 'a2' });
      assert.deepEqual(ofType(out, 'Overflow').map((o) => [o.contactId, o.reason]), [['c1', 'no-agents']]);
      assert.equal(h.state.contacts.get('c2')!.status, 'waiting');
      assert.equal(h.state.queues.get('q1')!.skilledWaiting, 0);
    });

    test('the wait-time overflow moves a skilled contact on, and it keeps its skills in the next queue', () => {
      const h = setup(routing, { overflow: [{ when: { afterSeconds: 30 }, to: { queue: 'q2' } }] }, {
        queues: [
          { id: 'q1', skills: [{ skill: 'billing' }], overflow: [{ when: { afterSeconds: 30 }, to: { queue: 'q2' } }] },
          { id: 'q2', skills: [{ skill: 'support' }] },
        ],
      });
      ready(h, 'a1', 'a2');
      arrive(h, 'c1', [{ skill: 'mandarin' }]); // no one in q1 (billing) is logged in
      const out = h.advance(30_000);
      assert.deepEqual(ofType(out, 'Overflow').map((o) => o.reason), ['wait-time']);
      assert.deepEqual(offeredTo(out), ['c1->a2']);
    });

    test('a sticky agent without the contact\'s skill is not waited for', () => {
      const h = setup(routing, { sticky: { timeoutSeconds: 30 } });
      ready(h, 'a1', 'a2');
      h.send({ type: 'AgentStateChanged', agentId: 'a2', state: 'not-ready', reason: 'break' });
      const out = h.send({ type: 'ContactArrived', contactId: 'c1', queueId: 'q1', channel: 'voice', preferredAgentId: 'a1', skills: [{ skill: 'mandarin' }] });
      assert.equal(ofType(out, 'StartTimer').filter((t) => t.timerId.startsWith('sticky:')).length, 0);
      assert.deepEqual(offeredTo(out), []);
      assert.equal(h.state.contacts.get('c1')!.status, 'waiting');
    });

    test('a rejected skilled contact goes back and is offered to the next agent with the skill only', () => {
      const h = setup(routing);
      ready(h, 'a1', 'a2', 'a3');
      arrive(h, 'c1', [{ skill: 'mandarin' }]);
      const out = h.send({ type: 'OfferRejected', contactId: 'c1', agentId: 'a2' });
      assert.deepEqual(offeredTo(out), ['c1->a3']);
    });
  });
}

describe('contact skills at the edge', () => {
  test('the event schema defaults the minimum level to 1 and refuses a level above 10', () => {
    const ok = AcdEventSchema.parse({ type: 'ContactArrived', contactId: 'c', queueId: 'q', channel: 'voice', skills: [{ skill: 'mandarin' }] });
    assert.deepEqual(ok.type === 'ContactArrived' ? ok.skills : undefined, [{ skill: 'mandarin', minLevel: 1 }]);
    const bad = AcdEventSchema.safeParse({ type: 'ContactArrived', contactId: 'c', queueId: 'q', channel: 'voice', skills: [{ skill: 'x', minLevel: 11 }] });
    assert.equal(bad.success, false);
  });

  test('IVR skill strings become requirements, with an optional ":level" clamped to 1..10', () => {
    assert.deepEqual(contactSkillsFrom(['mandarin', 'billing:5', 'vip:99', 'odd:x']), [
      { skill: 'mandarin', minLevel: 1 },
      { skill: 'billing', minLevel: 5 },
      { skill: 'vip', minLevel: 10 },
      { skill: 'odd:x', minLevel: 1 },
    ]);
  });
});
