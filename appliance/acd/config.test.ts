import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AcdConfigError, loadAcdConfig, parseAcdConfig, type AcdConfigInput } from './config.ts';
import { AcdHarness, ofType } from './harness.ts';

const valid = (): AcdConfigInput => ({
  skills: ['en', 'fr'],
  agents: [{ id: 'a1', skills: { en: 5 } }],
  queues: [
    { id: 'q1', skills: [{ skill: 'en' }], overflow: [{ when: { afterSeconds: 30 }, to: { queue: 'q2' } }] },
    { id: 'q2', skills: [{ skill: 'fr' }] },
  ],
});

function refusal(raw: unknown): string {
  const r = parseAcdConfig(raw);
  assert.equal(r.ok, false, 'expected the configuration to be refused');
  return r.ok ? '' : r.error.message;
}

describe('configuration validation', () => {
  test('accepts a valid configuration and fills in defaults', () => {
    const c = loadAcdConfig(valid());
    assert.equal(c.queues[0]!.strategy, 'longest-idle');
    assert.equal(c.queues[0]!.offerTimeoutSeconds, 20);
    assert.equal(c.agents[0]!.capacity, 'default');
  });

  const bad: [string, (c: AcdConfigInput) => void, RegExp][] = [
    ['refuses an unknown skill in a queue', (c) => (c.queues[0]!.skills = [{ skill: 'de' }]), /queues\[0\] 'q1': unknown skill 'de'/],
    ['refuses an unknown skill of an agent', (c) => (c.agents[0]!.skills = { es: 3 }), /agents\[0\] 'a1': unknown skill 'es'/],
    ['refuses a negative offer timeout', (c) => (c.queues[0]!.offerTimeoutSeconds = -1), /queues\[0\]\.offerTimeoutSeconds: offerTimeoutSeconds must not be negative/],
    ['refuses a negative wrap-up time', (c) => (c.queues[1]!.wrapUpSeconds = -5), /queues\[1\]\.wrapUpSeconds: wrapUpSeconds must not be negative/],
    ['refuses a negative overflow time', (c) => (c.queues[0]!.overflow = [{ when: { afterSeconds: -3 }, to: { voicemail: 'x' } }]), /must not be negative/],
    ['refuses a cyclic overflow', (c) => (c.queues[1]!.overflow = [{ when: { afterSeconds: 5 }, to: { queue: 'q1' } }]), /cyclic overflow q1 -> q2 -> q1/],
    ['refuses an overflow to itself', (c) => (c.queues[1]!.overflow = [{ when: { queueLongerThan: 3 }, to: { queue: 'q2' } }]), /cyclic overflow q2 -> q2/],
    ['refuses an overflow to an unknown queue', (c) => (c.queues[1]!.overflow = [{ when: { afterSeconds: 5 }, to: { queue: 'nope' } }]), /unknown queue 'nope'/],
    ['refuses duplicate queue ids', (c) => c.queues.push({ id: 'q1', skills: [{ skill: 'en' }] }), /queues: duplicate id 'q1'/],
    ['refuses an unknown capacity profile', (c) => (c.agents[0]!.capacity = 'huge'), /unknown capacity profile 'huge'/],
    ['refuses an unknown custom strategy', (c) => (c.queues[0]!.strategy = { custom: 'mine' }), /unknown custom strategy 'mine'/],
    ['refuses a skill level out of range', (c) => (c.agents[0]!.skills = { en: 11 }), /agents\[0\]\.skills\.en/],
    ['refuses a built-in reason code redefined', (c) => (c.reasonCodes = ['break', 'missed']), /'missed' is built in/],
  ];
  for (const [name, mutate, message] of bad) {
    test(name, () => {
      const c = valid();
      mutate(c);
      assert.match(refusal(c), message);
      assert.throws(() => loadAcdConfig(c), AcdConfigError);
    });
  }
});

describe('configuration changes at run time', () => {
  test('an invalid configuration is refused and the running one is untouched', () => {
    const h = new AcdHarness(valid());
    const before = h.state.config;
    const c = valid();
    c.queues[1]!.overflow = [{ when: { afterSeconds: 1 }, to: { queue: 'q1' } }];
    const out = h.send({ type: 'ConfigChanged', config: c });
    assert.match(ofType(out, 'Refused')[0]!.reason, /cyclic overflow/);
    assert.equal(h.state.config, before);
  });

  test('removing a queue that still has contacts is refused', () => {
    const h = new AcdHarness(valid());
    h.send({ type: 'ContactArrived', contactId: 'c', queueId: 'q2', channel: 'voice' });
    const c = valid();
    c.queues = [{ id: 'q1', skills: [{ skill: 'en' }] }];
    const out = h.send({ type: 'ConfigChanged', config: c });
    assert.match(ofType(out, 'Refused')[0]!.reason, /queue 'q2' still has contacts/);
    assert.equal(h.state.queues.size, 2);
  });

  test('removing a logged-in agent is refused', () => {
    const h = new AcdHarness(valid());
    h.send({ type: 'AgentLoggedIn', agentId: 'a1' });
    const c = valid();
    c.agents = [];
    assert.match(ofType(h.send({ type: 'ConfigChanged', config: c }), 'Refused')[0]!.reason, /agent 'a1' is logged in/);
  });

  test('a new skill makes a ready agent eligible and waiting contacts are offered at once', () => {
    const h = new AcdHarness(valid());
    h.send({ type: 'AgentLoggedIn', agentId: 'a1' });
    h.send({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' });
    h.send({ type: 'ContactArrived', contactId: 'c', queueId: 'q2', channel: 'voice' });
    const c = valid();
    c.agents[0]!.skills = { en: 5, fr: 4 };
    const out = h.send({ type: 'ConfigChanged', config: c });
    assert.equal(ofType(out, 'Refused').length, 0);
    assert.equal(ofType(out, 'OfferToAgent')[0]?.contactId, 'c');
  });

  test('a new aging rate re-orders waiting contacts', () => {
    const start = valid();
    start.queues[0]!.overflow = [];
    const h = new AcdHarness(start);
    h.send({ type: 'AgentLoggedIn', agentId: 'a1' });
    h.send({ type: 'ContactArrived', contactId: 'old', queueId: 'q1', channel: 'voice' });
    h.advance(10 * 60_000);
    h.send({ type: 'ContactArrived', contactId: 'vip', queueId: 'q1', channel: 'voice', priority: 5 });
    const c = valid();
    c.queues[0]!.agingPerMinute = 1;
    c.queues[0]!.overflow = [];
    h.send({ type: 'ConfigChanged', config: c });
    const out = h.send({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' });
    assert.equal(ofType(out, 'OfferToAgent')[0]?.contactId, 'old', '0 + 10 points beats 5');
  });
});
