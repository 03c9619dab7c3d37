import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AcdHarness } from './harness.ts';
import { Prng } from './prng.ts';
import { CHANNELS, type AcdConfigInput, type Channel } from './config.ts';
import type { AcdEventInput } from './events.ts';
import type { AcdCommand } from './commands.ts';
import { canTake } from './capacity.ts';
import { mayTake } from './routing-index.ts';
import { hasSkills, type AcdState } from './state.ts';

/**
 * Randomized event sequences, each fed to the indexed core and to the naive reference. After
 * every step the two must have emitted the same commands, and the invariants must hold. A
 * failure names its seed; rerun one with ACD_SEED=<seed>.
 */
const SEEDS = process.env.ACD_SEED ? [Number(process.env.ACD_SEED)] : Array.from({ length: 40 }, (_, i) => 1000 + i);
const STEPS = 500;

const skills = ['en', 'fr', 'de', 'vip'];
const config = (seed: number, aging = 0): AcdConfigInput => ({
  seed,
  skills,
  capacityProfiles: {
    voice: { limits: { voice: 1 } },
    blended: { limits: { voice: 1, chat: 2, email: 2 }, maxTotal: 3, blocks: { voice: ['chat', 'email'] } },
    chat: { limits: { chat: 3, email: 1 }, wrapUpHoldsCapacity: false },
  },
  agents: Array.from({ length: 12 }, (_, i) => ({
    id: `a${i}`,
    skills: Object.fromEntries(skills.filter((_, s) => (i + s) % 3 !== 0).map((s, j) => [s, 1 + ((i * 3 + j) % 10)])),
    seniority: i % 4,
    capacity: ['voice', 'blended', 'chat'][i % 3]!,
  })),
  queues: [
    { id: 'q1', skills: [{ skill: 'en' }], strategy: 'longest-idle', overflow: [{ when: { afterSeconds: 20 }, to: { queue: 'q2' } }], sticky: { timeoutSeconds: 10 }, wrapUpSeconds: 5 },
    { id: 'q2', skills: [{ skill: 'fr' }], strategy: 'skill-level', agingPerMinute: aging, agentOrder: 'senior-first', weight: 2 },
    { id: 'q3', skills: [{ skill: 'de' }], strategy: 'round-robin', overflow: [{ when: { noAgentsLoggedIn: true }, to: { voicemail: 'vm' } }], announcements: { everySeconds: 7 } },
    { id: 'q4', skills: [{ skill: 'en' }, { skill: 'vip', minLevel: 3 }], strategy: 'least-occupied', overflow: [{ when: { queueLongerThan: 3 }, to: { queue: 'q5' } }], offerTimeoutSeconds: 6 },
    { id: 'q5', skills: [{ skill: 'vip' }], strategy: 'random', agingPerMinute: 2, overflow: [{ when: { afterSeconds: 60 }, to: { callback: {} } }] },
    { id: 'q6', skills: [{ skill: 'fr', minLevel: 2 }], strategy: { custom: 'low-id' }, agentOrder: 'senior-last', wrapUpSeconds: 3 },
  ],
});
const strategies = { 'low-id': (a: { id: string; idleSince: number }) => [Number(a.id.slice(1)), a.idleSince] as const };

/** A third of the contacts ask for skills of their own, now and then one no agent has or an unknown one. */
function contactSkills(r: Prng): { skills?: { skill: string; minLevel?: number }[] } {
  const roll = r.int(30);
  if (roll >= 10) return {};
  if (roll === 0) return { skills: [{ skill: 'klingon' }] };
  if (roll === 1) return { skills: [] };
  const n = 1 + r.int(2);
  return { skills: Array.from({ length: n }, () => ({ skill: r.pick(skills), ...(r.int(2) === 0 ? { minLevel: 1 + r.int(10) } : {}) })) };
}

function randomEvent(r: Prng, s: AcdState, n: number): AcdEventInput | { advance: number } {
  const contacts = [...s.contacts.values()];
  const agents = [...s.agents.values()];
  const agent = r.pick(agents);
  const reserved = agents.flatMap((a) => [...a.work.values()].filter((w) => w.phase === 'reserved').map((w) => ({ a, w })));
  const working = agents.flatMap((a) => [...a.work.values()].filter((w) => w.phase !== 'reserved').map((w) => ({ a, w })));
  const roll = r.int(100);
  if (roll < 22) {
    return {
      type: 'ContactArrived', contactId: `c${n}`, queueId: r.int(40) === 0 ? 'nowhere' : `q${1 + r.int(6)}`,
      channel: r.pick<Channel>(['voice', 'voice', 'chat', 'email']), priority: r.int(4),
      ...(r.int(3) === 0 ? { customerId: `cust${r.int(5)}` } : {}), ...(r.int(10) === 0 ? { preferredAgentId: r.pick(agents).id } : {}),
      ...contactSkills(r),
    };
  }
  if (roll < 27 && contacts.length) return { type: 'ContactAbandoned', contactId: r.pick(contacts).id };
  if (roll < 33) return { type: 'AgentLoggedIn', agentId: agent.id };
  if (roll < 35) return { type: 'AgentLoggedOut', agentId: agent.id, force: r.int(2) === 0 };
  if (roll < 50) {
    const state = r.pick(['ready', 'ready', 'ready', 'ready', 'not-ready', 'away'] as const);
    return { type: 'AgentStateChanged', agentId: agent.id, state, ...(state === 'not-ready' ? { reason: r.pick(['break', 'meal']) } : {}) };
  }
  if (roll < 62 && reserved.length) {
    const { a, w } = r.pick(reserved);
    const type = r.pick(['OfferAccepted', 'OfferAccepted', 'OfferAccepted', 'OfferRejected', 'OfferTimedOut'] as const);
    return { type, contactId: w.contact.id, agentId: a.id };
  }
  if (roll < 76 && working.length) {
    const { a, w } = r.pick(working);
    if (w.phase === 'wrap-up') return r.int(3) === 0 ? { type: 'WrapUpExtended', agentId: a.id, contactId: w.contact.id, seconds: 2 } : { type: 'WrapUpEnded', agentId: a.id };
    return { type: r.pick(['ContactHeld', 'ContactRetrieved', 'ContactEnded', 'ContactEnded'] as const), contactId: w.contact.id };
  }
  if (roll < 77) return { type: 'DayStarted' };
  if (roll < 78) return { type: 'ConfigChanged', config: config(7, r.int(3)) };
  return { advance: 1 + r.int(4000) };
}

function checkInvariants(s: AcdState): void {
  const holder = new Map<string, string>();
  for (const a of s.agents.values()) {
    const perChannel = new Map<Channel, number>();
    for (const w of a.work.values()) {
      assert.ok(!holder.has(w.contact.id), `contact ${w.contact.id} is with ${holder.get(w.contact.id)} and ${a.id}`);
      holder.set(w.contact.id, a.id);
      assert.equal(w.contact.agentId, a.id);
      if (w.phase === 'reserved') assert.ok(hasSkills(a, w.contact), `${w.contact.id} offered to ${a.id}, who lacks its skills`);
      if (w.phase === 'wrap-up' && !a.capacity.wrapUpHoldsCapacity) continue;
      perChannel.set(w.contact.channel, (perChannel.get(w.contact.channel) ?? 0) + 1);
    }
    for (const [ch, n] of perChannel) assert.ok(n <= (a.capacity.limits[ch] ?? 0), `${a.id} holds ${n} ${ch} contacts`);
    const held = [...perChannel.values()].reduce((x, y) => x + y, 0);
    assert.ok(held <= (a.capacity.maxTotal ?? Infinity), `${a.id} over its ceiling`);
    if (a.presence === 'logged-out') assert.equal(a.work.size, 0, `${a.id} logged out with work`);
  }
  const waiting = new Map<string, number>();
  for (const c of s.contacts.values()) {
    assert.ok(c.status !== 'new', `${c.id} left unplaced`);
    if (c.status === 'offered' || c.status === 'connected') assert.ok(holder.has(c.id), `${c.id} is ${c.status} but with no agent`);
    if (c.status === 'waiting') waiting.set(c.queue.id, (waiting.get(c.queue.id) ?? 0) + 1);
  }
  for (const q of s.queues.values()) assert.equal(q.waiting, waiting.get(q.id) ?? 0, `waiting count of ${q.id}`);
  // A queue with a "no agents" rule keeps no contact that no logged-in agent of it could take.
  for (const c of s.contacts.values()) {
    if (c.status !== 'waiting' || !c.queue.cfg.overflow.some((r) => 'noAgentsLoggedIn' in r.when)) continue;
    const staffed = [...s.agents.values()].some((a) => a.presence !== 'logged-out' && a.queues.includes(c.queue) && hasSkills(a, c));
    assert.ok(staffed, `${c.id} waits in ${c.queue.id} although no logged-in agent can take it`);
  }
  // Work-conserving: no ready agent with room is left idle while a contact it may take waits.
  for (const c of s.contacts.values()) {
    if (c.status !== 'waiting') continue;
    for (const a of s.agents.values()) {
      if (a.queues.includes(c.queue) && canTake(a, c.channel) && mayTake(c, a)) assert.fail(`${a.id} is free while ${c.id} waits in ${c.queue.id}`);
    }
  }
}

/** Ends whatever is still open so every contact must reach an outcome. */
function drain(h: AcdHarness): void {
  for (let i = 0; i < 10 && h.state.contacts.size > 0; i++) {
    for (const c of [...h.state.contacts.values()]) {
      if (c.status === 'connected') h.send({ type: 'ContactEnded', contactId: c.id });
      else if (c.status !== 'offered') h.send({ type: 'ContactAbandoned', contactId: c.id });
      else h.send({ type: 'ContactAbandoned', contactId: c.id });
    }
    h.advance(3_600_000);
  }
}

function outcomes(log: readonly AcdCommand[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const c of log) if (c.type === 'RecordContact') m.set(c.record.contactId, [...(m.get(c.record.contactId) ?? []), c.record.kind]);
  return m;
}

test('randomized event sequences: the indexed core answers as the naive reference and keeps every invariant', () => {
  for (const seed of SEEDS) {
    const r = new Prng(seed);
    const fast = new AcdHarness(config(seed), { strategies });
    const slow = new AcdHarness(config(seed), { strategies, routing: 'naive' });
    const arrived = new Set<string>();
    let step = 0;
    try {
      for (; step < STEPS; step++) {
        const e = randomEvent(r, fast.state, step);
        const a = 'advance' in e ? fast.advance(e.advance) : fast.send(e);
        const b = 'advance' in e ? slow.advance(e.advance) : slow.send(e);
        // A contact refused on arrival (an unknown skill) never entered the ACD: it has no outcome.
        if (!('advance' in e) && e.type === 'ContactArrived' && !a.some((c) => c.type === 'Refused')) arrived.add(e.contactId);
        assert.deepEqual(a, b, 'indexed and naive routing disagree');
        checkInvariants(fast.state);
        const ids = new Set<string>();
        for (const c of a) if (c.type === 'OfferToAgent') assert.ok(!ids.has(c.contactId) && ids.add(c.contactId), 'one contact offered twice in a step');
      }
      drain(fast);
      assert.equal(fast.state.contacts.size, 0, 'contacts left after draining');
      const ends = outcomes(fast.log);
      for (const id of arrived) {
        const kinds = ends.get(id) ?? [];
        const final = kinds.filter((k) => k !== 'answered');
        assert.equal(final.length, 1, `${id} ended ${JSON.stringify(kinds)}`);
        if (final[0] === 'handled') assert.equal(kinds.filter((k) => k === 'answered').length, 1, `${id} handled without one answer`);
      }
      assert.equal(fast.timers.size, 0, `timers left: ${[...fast.timers.keys()].join(', ')}`);
      const last = new Map<string, string>();
      for (const c of fast.log) {
        if (c.type !== 'RecordAgentState') continue;
        assert.equal(c.record.from, last.get(c.record.agentId) ?? 'logged-out', `state history of ${c.record.agentId} has a gap`);
        last.set(c.record.agentId, c.record.to);
      }
    } catch (err) {
      throw new Error(`seed ${seed}, step ${step} (rerun with ACD_SEED=${seed}): ${(err as Error).message}`, { cause: err });
    }
  }
});

test('the channel list the invariants check covers every channel', () => {
  assert.deepEqual([...CHANNELS], ['voice', 'chat', 'email', 'sms', 'social']);
});
