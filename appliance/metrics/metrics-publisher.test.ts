import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AcdAdapter } from '../acd/acd-adapter.ts';
import type { AcdConfigInput } from '../acd/config.ts';
import type { LiveMetrics } from '../../protocol/metrics.ts';
import { MetricsPublisher, type MetricsLink } from './metrics-publisher.ts';
import { startMetrics } from './start-metrics.ts';
import { VirtualClock } from './virtual-clock.ts';

const config: AcdConfigInput = {
  skills: ['zh'],
  agents: [{ id: 'a1', skills: { zh: 5 } }, { id: 'a2', skills: { zh: 5 } }],
  queues: [{ id: 'sales', name: '销售', skills: [{ skill: 'zh' }], offerTimeoutSeconds: 20, wrapUpSeconds: 30 }],
};

class FakeLink implements MetricsLink {
  connected = true;
  sent: LiveMetrics[] = [];
  publish(_name: 'metrics', payload: LiveMetrics): boolean {
    if (!this.connected) return false;
    this.sent.push(payload);
    return true;
  }
}

function rig() {
  const clock = new VirtualClock();
  const acd = new AcdAdapter({ config, clock, tickMs: 1000 });
  const link = new FakeLink();
  const running = startMetrics({ acd, link, bootId: 'boot-1', clock, queueNames: () => ({ sales: '销售' }) });
  return { clock, acd, link, running, close: () => (running.stop(), acd.stop()) };
}

describe('metrics publisher', () => {
  test('publishes one sample a second with a rising sequence', () => {
    const { clock, link, close } = rig();
    try {
      clock.advance(5000);
      assert.equal(link.sent.length, 6); // one at start, then one per second
      assert.deepEqual(link.sent.map((m) => m.seq), [0, 1, 2, 3, 4, 5]);
      assert.deepEqual(link.sent.map((m) => m.ts - link.sent[0]!.ts), [0, 1000, 2000, 3000, 4000, 5000]);
      assert.equal(link.sent[0]!.queues[0]!.name, '销售');
    } finally {
      close();
    }
  });

  test('follows a contact through the real ACD adapter: waiting, ringing, busy, wrap-up, answered', () => {
    const { clock, acd, link, running, close } = rig();
    const last = () => link.sent.at(-1)!;
    const sales = () => last().queues.find((q) => q.id === 'sales')!;
    try {
      acd.dispatch({ type: 'AgentLoggedIn', agentId: 'a1' });
      acd.dispatch({ type: 'ContactArrived', contactId: 'c1', queueId: 'sales', channel: 'voice' });
      clock.advance(12_000);
      assert.equal(sales().waiting, 1);
      assert.ok(sales().longestWaitS >= 11, String(sales().longestWaitS));
      assert.deepEqual(sales().agents, { loggedIn: 1, ready: 0, notReady: 1, ringing: 0, busy: 0, wrapUp: 0 });

      acd.dispatch({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' });
      clock.advance(1000);
      assert.equal(sales().waiting, 0);
      assert.equal(sales().agents.ringing, 1);

      acd.dispatch({ type: 'OfferAccepted', contactId: 'c1', agentId: 'a1' });
      clock.advance(60_000);
      assert.equal(sales().agents.busy, 1);
      assert.equal(sales().today.answered, 1);
      assert.equal(sales().serviceLevel.pct, 100);
      assert.equal(sales().asaS, 13); // 12 s waiting with nobody ready, 1 s ringing

      acd.dispatch({ type: 'ContactEnded', contactId: 'c1' });
      clock.advance(1000);
      assert.equal(sales().agents.wrapUp, 1);
      acd.dispatch({ type: 'WrapUpEnded', agentId: 'a1' });
      clock.advance(1000);
      assert.equal(sales().agents.ready, 1);
      assert.equal(sales().ahtS, 61); // 60 s talk + 1 s wrap-up
      assert.deepEqual(last().totals.agents, sales().agents);
      assert.equal(running.publisher.latest, last());
    } finally {
      close();
    }
  });

  test('drops samples while the fleet link is down and keeps the latest for the local wallboard', () => {
    const { clock, acd, link, running, close } = rig();
    try {
      clock.advance(2000);
      link.connected = false;
      acd.dispatch({ type: 'AgentLoggedIn', agentId: 'a2' });
      clock.advance(3000);
      assert.equal(link.sent.length, 3);
      assert.equal(running.publisher.counters.dropped, 3);
      assert.equal(running.publisher.latest?.totals.agents.loggedIn, 1);
      link.connected = true;
      clock.advance(1000);
      assert.equal(link.sent.length, 4);
      assert.equal(link.sent.at(-1)!.seq, 6);
    } finally {
      close();
    }
  });

  test('without a link (air-gapped) it still samples for the local wallboard and streams each sample', () => {
    const clock = new VirtualClock();
    const acd = new AcdAdapter({ config, clock, tickMs: 1000 });
    const seen: number[] = [];
    const running = startMetrics({ acd, bootId: 'b', clock });
    running.publisher.latest$.subscribe((m) => m && seen.push(m.seq));
    clock.advance(2000);
    running.stop();
    acd.stop();
    assert.deepEqual(seen, [0, 1, 2]);
    assert.equal(running.publisher.counters.published, 0);
    assert.equal(running.publisher.latest?.queues[0]?.name, 'sales');
  });

  test('a failing source is counted and reported, and sampling goes on', () => {
    const clock = new VirtualClock();
    const errors: string[] = [];
    let fail = true;
    const acd = new AcdAdapter({ config, clock, tickMs: 0 });
    const publisher = new MetricsPublisher({
      source: {
        live: () => {
          if (fail) throw new Error('boom');
          return { at: 0, agentsByState: {} as never, queues: {} };
        },
        metrics: () => acd.metrics(),
      },
      bootId: 'b',
      clock,
      onError: (e) => errors.push(e.message),
    });
    publisher.start();
    clock.advance(1000);
    fail = false;
    clock.advance(1000);
    publisher.stop();
    acd.stop();
    assert.deepEqual(errors, ['boom', 'boom']);
    assert.equal(publisher.counters.errors, 2);
    assert.equal(publisher.counters.samples, 1);
  });

  test('given a getter, samples nothing until telephony starts an ACD and follows a replaced one', () => {
    const clock = new VirtualClock();
    const link = new FakeLink();
    let acd: AcdAdapter | undefined;
    const running = startMetrics({ acd: () => acd, link, bootId: 'b', clock });
    try {
      clock.advance(3000);
      assert.equal(link.sent.length, 0);
      acd = new AcdAdapter({ config, clock, tickMs: 1000 });
      acd.dispatch({ type: 'AgentLoggedIn', agentId: 'a1' });
      clock.advance(1000);
      assert.equal(link.sent.at(-1)?.totals.agents.loggedIn, 1);
      const old = acd;
      acd = new AcdAdapter({ config, clock, tickMs: 1000 });
      old.stop();
      clock.advance(1000);
      assert.equal(link.sent.at(-1)?.totals.agents.loggedIn, 0);
      assert.deepEqual(link.sent.map((m) => m.seq), [0, 1]);
    } finally {
      running.stop();
      acd?.stop();
    }
  });

  test('stops sampling when stopped', () => {
    const { clock, link, close } = rig();
    close();
    clock.advance(5000);
    assert.equal(link.sent.length, 1);
  });
});
