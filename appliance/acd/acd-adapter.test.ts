import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Subject, filter, firstValueFrom, take, toArray, timeout } from 'rxjs';
import { AcdAdapter, JOURNAL_STREAMS, type AcdJournal } from './acd-adapter.ts';
import { AcdConfigError, type AcdConfigInput } from './config.ts';
import { StrategyPluginError } from './strategy-plugins.ts';
import { Journal } from '../store/journal.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

const config = (extra: Partial<AcdConfigInput['queues'][number]> = {}): AcdConfigInput => ({
  skills: ['en', 'vip'],
  agents: [{ id: 'a1', skills: { en: 5 } }, { id: 'a2', skills: { en: 5, vip: 1 } }],
  queues: [{ id: 'q', skills: [{ skill: 'en' }], wrapUpSeconds: 0, offerTimeoutSeconds: 0.05, ...extra }],
});

class MemoryJournal implements AcdJournal {
  entries: { stream: string; data: unknown; ts?: number }[] = [];
  fail = false;
  async append(stream: string, data: unknown, ts?: number): Promise<unknown> {
    if (this.fail) throw new Error('disk full');
    this.entries.push({ stream, data, ts });
    return { seq: this.entries.length };
  }
}

describe('ACD adapter', () => {
  test('a real ring timer puts an unanswering agent not ready and the contact back', async () => {
    const acd = new AcdAdapter({ config: config(), tickMs: 0 });
    try {
      acd.dispatch({ type: 'AgentLoggedIn', agentId: 'a1' });
      acd.dispatch({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' });
      const cancelled = firstValueFrom(acd.commands$.pipe(filter((c) => c.type === 'CancelOffer'), timeout(2000)));
      const out = acd.dispatch({ type: 'ContactArrived', contactId: 'c1', queueId: 'q', channel: 'voice' });
      assert.equal(out.find((c) => c.type === 'OfferToAgent')?.type, 'OfferToAgent');
      assert.deepEqual(await cancelled, { type: 'CancelOffer', contactId: 'c1', agentId: 'a1', reason: 'timeout' });
      assert.equal(acd.metrics().site.agentsByState?.['not-ready'], 1);
      assert.equal(acd.metrics().queues.q?.waiting, 1);
    } finally {
      acd.stop();
    }
  });

  test('agent state history and contact outcomes go to the journal', async () => {
    const journal = new MemoryJournal();
    const acd = new AcdAdapter({ config: config({ offerTimeoutSeconds: 20 }), journal, tickMs: 0 });
    try {
      acd.dispatch({ type: 'AgentLoggedIn', agentId: 'a1' });
      acd.dispatch({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' });
      acd.dispatch({ type: 'ContactArrived', contactId: 'c1', queueId: 'q', channel: 'voice' });
      acd.dispatch({ type: 'OfferAccepted', contactId: 'c1', agentId: 'a1' });
      acd.dispatch({ type: 'ContactEnded', contactId: 'c1' });
      await new Promise((r) => setImmediate(r));
      const states = journal.entries.filter((e) => e.stream === JOURNAL_STREAMS.agentState).map((e) => (e.data as { to: string }).to);
      assert.deepEqual(states, ['not-ready', 'ready', 'reserved', 'busy', 'ready']);
      const contacts = journal.entries.filter((e) => e.stream === JOURNAL_STREAMS.contact).map((e) => (e.data as { kind: string }).kind);
      assert.deepEqual(contacts, ['answered', 'handled']);
      assert.ok(journal.entries.every((e) => typeof e.ts === 'number'));
      assert.equal(acd.metrics().site.today.contacts.handled, 1);
    } finally {
      acd.stop();
    }
  });

  test('with the real journal, the history survives closing and reopening the database', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'acd-journal-')), 'journal.sqlite');
    const journal = Journal.open(path);
    const acd = new AcdAdapter({ config: config({ offerTimeoutSeconds: 20 }), journal, tickMs: 0 });
    acd.dispatch({ type: 'AgentLoggedIn', agentId: 'a1' });
    acd.dispatch({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' });
    acd.dispatch({ type: 'ContactArrived', contactId: 'c1', queueId: 'q', channel: 'chat' });
    acd.dispatch({ type: 'ContactAbandoned', contactId: 'c1' });
    acd.stop();
    await journal.close();
    const reopened = Journal.open(path);
    try {
      const states = reopened.query({ stream: JOURNAL_STREAMS.agentState }).map((e) => (e.data as { to: string }).to);
      assert.deepEqual(states, ['not-ready', 'ready', 'reserved', 'ready']);
      const contacts = reopened.query({ stream: JOURNAL_STREAMS.contact });
      assert.deepEqual(contacts.map((e) => (e.data as { kind: string; contactId: string }).kind), ['abandoned']);
      assert.equal(contacts[0]!.ts, (contacts[0]!.data as { at: number }).at);
    } finally {
      await reopened.close();
    }
  });

  test('a failing journal is reported on errors$ and routing goes on', async () => {
    const journal = new MemoryJournal();
    journal.fail = true;
    const acd = new AcdAdapter({ config: config(), journal, tickMs: 0 });
    try {
      const err = firstValueFrom(acd.errors$.pipe(timeout(1000)));
      acd.dispatch({ type: 'AgentLoggedIn', agentId: 'a1' });
      assert.match((await err).message, /journal append to acd.agent-state failed: disk full/);
      assert.equal(acd.dispatch({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' }).some((c) => c.type === 'Refused'), false);
    } finally {
      acd.stop();
    }
  });

  test('an invalid event is refused with the reason and changes nothing', () => {
    const acd = new AcdAdapter({ config: config(), tickMs: 0 });
    try {
      const out = acd.dispatch({ type: 'ContactArrived', contactId: 'c1', queueId: 'q', channel: 'fax' });
      assert.equal(out[0]?.type, 'Refused');
      assert.match(out[0]?.type === 'Refused' ? out[0].reason : '', /channel/);
      assert.equal(acd.metrics().queues.q?.waiting, 0);
    } finally {
      acd.stop();
    }
  });

  test('an invalid configuration is refused at construction with a clear message', () => {
    const bad = config();
    bad.queues[0]!.skills = [{ skill: 'klingon' }];
    assert.throws(() => new AcdAdapter({ config: bad }), (e: unknown) => e instanceof AcdConfigError && /unknown skill 'klingon'/.test(e.message));
  });

  test('events sent from a command subscriber are applied after the current one, in order', () => {
    const acd = new AcdAdapter({ config: config({ offerTimeoutSeconds: 20 }), tickMs: 0 });
    try {
      // An auto-answer desktop: accepts every offer as soon as it sees it.
      acd.commands$.pipe(filter((c) => c.type === 'OfferToAgent')).subscribe((c) => {
        if (c.type === 'OfferToAgent') acd.dispatch({ type: 'OfferAccepted', contactId: c.contactId, agentId: c.agentId });
      });
      acd.dispatch({ type: 'AgentLoggedIn', agentId: 'a1' });
      acd.dispatch({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' });
      const out = acd.dispatch({ type: 'ContactArrived', contactId: 'c1', queueId: 'q', channel: 'voice' });
      assert.deepEqual(out.filter((c) => c.type === 'RecordAgentState').map((c) => c.type === 'RecordAgentState' && c.record.to), ['reserved', 'busy']);
    } finally {
      acd.stop();
    }
  });

  test('events arrive from an rxjs stream and live$ ticks with agents by state', async () => {
    const acd = new AcdAdapter({ config: config(), tickMs: 20 });
    const events = new Subject<unknown>();
    const sub = acd.connect(events);
    try {
      const ticks = firstValueFrom(acd.live$.pipe(filter((v) => v.agentsByState['not-ready'] === 2), take(1), timeout(2000)));
      events.next({ type: 'AgentLoggedIn', agentId: 'a1' });
      events.next({ type: 'AgentLoggedIn', agentId: 'a2' });
      assert.equal((await ticks).queues.q?.loggedIn, 2);
      const m = await firstValueFrom(acd.metrics$.pipe(take(2), toArray(), timeout(2000)));
      assert.equal(m.at(-1)?.site.agentsByState?.['not-ready'], 2);
    } finally {
      sub.unsubscribe();
      acd.stop();
    }
  });

  test('a custom strategy named in the configuration is imported and routes', async () => {
    const cfg = { ...config({ strategy: { custom: 'vip-first' }, offerTimeoutSeconds: 20 }), strategyPlugins: [{ name: 'vip-first', module: './fixtures/vip-first-strategy.ts' }] };
    const acd = await AcdAdapter.create({ config: cfg, configDir: here, tickMs: 0 });
    try {
      for (const id of ['a1', 'a2']) {
        acd.dispatch({ type: 'AgentLoggedIn', agentId: id });
        acd.dispatch({ type: 'AgentStateChanged', agentId: id, state: 'ready' });
      }
      const out = acd.dispatch({ type: 'ContactArrived', contactId: 'c1', queueId: 'q', channel: 'voice' });
      const offer = out.find((c) => c.type === 'OfferToAgent');
      assert.equal(offer?.type === 'OfferToAgent' ? offer.agentId : undefined, 'a2', 'the vip agent first although a1 is idle longer');
    } finally {
      acd.stop();
    }
  });

  test('a plug-in whose export is not a function is refused', async () => {
    const cfg = { ...config(), strategyPlugins: [{ name: 'x', module: './fixtures/vip-first-strategy.ts', export: 'notAFunction' }] };
    await assert.rejects(AcdAdapter.create({ config: cfg, configDir: here }), (e: unknown) => e instanceof StrategyPluginError && /is not a function/.test(e.message));
  });

  test('a configuration naming a strategy that is not loaded is refused at run time and the old one stays', async () => {
    const acd = new AcdAdapter({ config: config(), tickMs: 0 });
    try {
      const out = await acd.applyConfig(config({ strategy: { custom: 'nope' } }));
      assert.match(out[0]?.type === 'Refused' ? out[0].reason : '', /unknown custom strategy 'nope'/);
      const ok = await acd.applyConfig(config({ strategy: 'round-robin' }));
      assert.equal(ok.length, 0);
    } finally {
      acd.stop();
    }
  });
});
