import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AcdHarness, ofType } from './harness.ts';
import type { AcdConfigInput } from './config.ts';
import type { CustomStrategy } from './strategies.ts';

type QueueInput = AcdConfigInput['queues'][number];

function harness(queue: Partial<QueueInput>, agents: AcdConfigInput['agents'], options: { strategies?: Record<string, CustomStrategy> } = {}) {
  return new AcdHarness(
    {
      skills: ['en', 'fr'],
      capacityProfiles: { chat3: { limits: { chat: 3 } } },
      agents,
      queues: [{ id: 'q', skills: [{ skill: 'en' }], wrapUpSeconds: 0, ...queue }],
    },
    options,
  );
}

const agents = (n: number, extra: (i: number) => object = () => ({})) =>
  Array.from({ length: n }, (_, i) => ({ id: `a${i + 1}`, skills: { en: 5 }, ...extra(i + 1) }));

/** Logs agents in and makes them ready one second apart, in the given order. */
function readyInOrder(h: AcdHarness, ids: string[]): void {
  for (const id of ids) {
    h.send({ type: 'AgentLoggedIn', agentId: id });
    h.send({ type: 'AgentStateChanged', agentId: id, state: 'ready' });
    h.advance(1000);
  }
}

let n = 0;
function arrive(h: AcdHarness, extra: { priority?: number; channel?: 'voice' | 'chat'; queueId?: string } = {}): { contactId: string; agentId?: string } {
  const contactId = `c${++n}`;
  const out = h.send({ type: 'ContactArrived', contactId, queueId: extra.queueId ?? 'q', channel: extra.channel ?? 'voice', priority: extra.priority ?? 0 });
  const offerTo = ofType(out, 'OfferToAgent')[0];
  return offerTo ? { contactId, agentId: offerTo.agentId } : { contactId };
}

/** Answers and ends a contact at once (no wrap-up), so the agent handled one more. */
function handle(h: AcdHarness, contactId: string, agentId: string): void {
  h.send({ type: 'OfferAccepted', contactId, agentId });
  h.advance(1000);
  h.send({ type: 'ContactEnded', contactId });
}

describe('queue strategies pick the agent', () => {
  test('longest-idle offers the agent free the longest, and a just-finished agent goes last', () => {
    const h = harness({ strategy: 'longest-idle' }, agents(3));
    readyInOrder(h, ['a2', 'a3', 'a1']);
    const c = arrive(h);
    assert.equal(c.agentId, 'a2');
    handle(h, c.contactId, 'a2');
    assert.equal(arrive(h).agentId, 'a3');
  });

  test('least-occupied offers the agent holding the fewest contacts', () => {
    const h = harness({ strategy: 'least-occupied' }, agents(3, () => ({ capacity: 'chat3' })));
    readyInOrder(h, ['a1', 'a2', 'a3']);
    const first = [arrive(h, { channel: 'chat' }), arrive(h, { channel: 'chat' }), arrive(h, { channel: 'chat' })];
    assert.deepEqual(first.map((c) => c.agentId), ['a1', 'a2', 'a3'], 'each takes one before anyone takes two');
    for (const c of first) h.send({ type: 'OfferAccepted', contactId: c.contactId, agentId: c.agentId! });
    h.send({ type: 'ContactEnded', contactId: first[1]!.contactId });
    assert.equal(arrive(h, { channel: 'chat' }).agentId, 'a2', 'a2 now holds none');
  });

  test('round-robin rotates through the agents by their last offer from this queue', () => {
    const h = harness({ strategy: 'round-robin' }, agents(3, () => ({ capacity: 'chat3' })));
    readyInOrder(h, ['a3', 'a1', 'a2']);
    const picks = Array.from({ length: 5 }, () => arrive(h, { channel: 'chat' }).agentId);
    assert.deepEqual(picks, ['a1', 'a2', 'a3', 'a1', 'a2']);
  });

  test('skill-level offers the agent with the best level first', () => {
    const h = harness({ strategy: 'skill-level' }, [
      { id: 'a1', skills: { en: 3 } },
      { id: 'a2', skills: { en: 9 } },
      { id: 'a3', skills: { en: 5 } },
    ]);
    readyInOrder(h, ['a1', 'a2', 'a3']);
    assert.deepEqual([arrive(h).agentId, arrive(h).agentId, arrive(h).agentId], ['a2', 'a3', 'a1']);
  });

  test('skill-level respects the queue minimum: agents below it are never offered', () => {
    const h = harness({ strategy: 'skill-level', skills: [{ skill: 'en', minLevel: 6 }] }, [
      { id: 'a1', skills: { en: 5 } },
      { id: 'a2', skills: { en: 6 } },
    ]);
    readyInOrder(h, ['a1', 'a2']);
    assert.equal(arrive(h).agentId, 'a2');
    assert.equal(arrive(h).agentId, undefined);
  });

  test('fewest-handled offers the agent who handled the fewest today, until the day starts again', () => {
    const h = harness({ strategy: 'fewest-handled' }, agents(2));
    readyInOrder(h, ['a1', 'a2']);
    for (let i = 0; i < 2; i++) {
      const c = arrive(h);
      assert.equal(c.agentId, i === 0 ? 'a1' : 'a2');
      handle(h, c.contactId, c.agentId!);
    }
    const c = arrive(h);
    handle(h, c.contactId, c.agentId!); // a tie at one each goes to a1, idle longer: a1 2, a2 1
    assert.equal(arrive(h).agentId, 'a2');
    h.send({ type: 'DayStarted' });
    assert.equal(h.state.agents.get('a1')!.handledToday, 0);
  });

  test('random spreads offers over all agents and repeats itself for the same seed', () => {
    const run = () => {
      const h = harness({ strategy: 'random' }, agents(4));
      readyInOrder(h, ['a1', 'a2', 'a3', 'a4']);
      const picks: string[] = [];
      for (let i = 0; i < 200; i++) {
        const c = arrive(h);
        picks.push(c.agentId!);
        h.send({ type: 'OfferRejected', contactId: c.contactId, agentId: c.agentId! });
        h.send({ type: 'ContactAbandoned', contactId: c.contactId });
      }
      return picks;
    };
    const a = run();
    assert.deepEqual(a, run());
    for (const id of ['a1', 'a2', 'a3', 'a4']) assert.ok(a.filter((x) => x === id).length > 20, `${id} picked often enough`);
  });

  test('a custom strategy registered by name orders the agents', () => {
    const evenFirst: CustomStrategy = (a) => [Number(a.id.slice(1)) % 2, -a.skillLevel];
    const h = harness({ strategy: { custom: 'even-first' } }, [
      { id: 'a1', skills: { en: 9 } },
      { id: 'a2', skills: { en: 2 } },
      { id: 'a4', skills: { en: 7 } },
    ], { strategies: { 'even-first': evenFirst } });
    readyInOrder(h, ['a1', 'a2', 'a4']);
    assert.deepEqual([arrive(h).agentId, arrive(h).agentId, arrive(h).agentId], ['a4', 'a2', 'a1']);
  });

  test('senior-first and senior-last put agent seniority before the strategy', () => {
    const staff = [
      { id: 'a1', skills: { en: 5 }, seniority: 1 },
      { id: 'a2', skills: { en: 5 }, seniority: 5 },
      { id: 'a3', skills: { en: 5 }, seniority: 3 },
    ];
    const first = harness({ agentOrder: 'senior-first' }, staff);
    readyInOrder(first, ['a1', 'a2', 'a3']);
    assert.deepEqual([arrive(first).agentId, arrive(first).agentId], ['a2', 'a3']);
    const last = harness({ agentOrder: 'senior-last' }, staff);
    readyInOrder(last, ['a2', 'a1', 'a3']);
    assert.deepEqual([arrive(last).agentId, arrive(last).agentId], ['a1', 'a3']);
  });
});

describe('contact order', () => {
  const waitingThenReady = (h: AcdHarness, arrivals: () => void) => {
    h.send({ type: 'AgentLoggedIn', agentId: 'a1' });
    arrivals();
    const out = h.send({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' });
    return ofType(out, 'OfferToAgent')[0]?.contactId;
  };

  test('a higher-priority (VIP) contact is served before older ones', () => {
    const h = harness({}, agents(1));
    let vip = '';
    const got = waitingThenReady(h, () => {
      arrive(h);
      h.advance(5000);
      vip = arrive(h, { priority: 5 }).contactId;
    });
    assert.equal(got, vip);
  });

  test('equal priority is first come, first served', () => {
    const h = harness({}, agents(1));
    let first = '';
    const got = waitingThenReady(h, () => {
      first = arrive(h).contactId;
      h.advance(1);
      arrive(h);
    });
    assert.equal(got, first);
  });

  test('aging lets a long wait overtake a higher priority', () => {
    const h = harness({ agingPerMinute: 1 }, agents(1));
    let old = '';
    const got = waitingThenReady(h, () => {
      old = arrive(h).contactId;
      h.advance(3 * 60_000);
      arrive(h, { priority: 2 });
      h.advance(1000);
    });
    assert.equal(got, old, 'after 3 min, priority 0 + 3 beats priority 2');
  });

  test('aging does not overtake before the points are earned', () => {
    const h = harness({ agingPerMinute: 1 }, agents(1));
    let vip = '';
    const got = waitingThenReady(h, () => {
      arrive(h);
      h.advance(60_000);
      vip = arrive(h, { priority: 2 }).contactId;
    });
    assert.equal(got, vip, 'after 1 min, priority 0 + 1 loses to priority 2');
  });

  test('the queue with the higher weight is served first by an agent in both', () => {
    const h = new AcdHarness({
      skills: ['en', 'fr'],
      agents: [{ id: 'a1', skills: { en: 5, fr: 5 } }],
      queues: [
        { id: 'light', skills: [{ skill: 'en' }], weight: 0 },
        { id: 'heavy', skills: [{ skill: 'fr' }], weight: 10 },
      ],
    });
    h.send({ type: 'AgentLoggedIn', agentId: 'a1' });
    arrive(h, { queueId: 'light', priority: 9 });
    h.advance(60_000);
    const heavy = arrive(h, { queueId: 'heavy' }).contactId;
    const out = h.send({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' });
    assert.equal(ofType(out, 'OfferToAgent')[0]?.contactId, heavy);
  });

  test('between queues of equal weight the higher effective priority wins', () => {
    const h = new AcdHarness({
      skills: ['en', 'fr'],
      agents: [{ id: 'a1', skills: { en: 5, fr: 5 } }],
      queues: [
        { id: 'slow', skills: [{ skill: 'en' }], agingPerMinute: 0 },
        { id: 'aging', skills: [{ skill: 'fr' }], agingPerMinute: 2 },
      ],
    });
    h.send({ type: 'AgentLoggedIn', agentId: 'a1' });
    const old = arrive(h, { queueId: 'aging' }).contactId;
    h.advance(2 * 60_000);
    arrive(h, { queueId: 'slow', priority: 3 });
    const out = h.send({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' });
    assert.equal(ofType(out, 'OfferToAgent')[0]?.contactId, old, '0 + 2*2 = 4 beats 3');
  });
});
