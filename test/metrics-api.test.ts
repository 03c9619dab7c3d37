// Live metrics from a real appliance to the fleet's API: the appliance (its composition root,
// fleet link and data directory) runs in this process with an ACD adapter driven by events,
// the fleet runs its embedded aedes broker, and a viewer reads the API and its live stream.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../fleet/fleet.ts';
import { startAppliance, type Appliance } from '../appliance/appliance.ts';
import { parseApplianceConfig } from '../appliance/config/appliance-config.ts';
import { AcdAdapter } from '../appliance/acd/acd-adapter.ts';
import { startMetrics, type RunningMetrics } from '../appliance/metrics/start-metrics.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import type { LiveMetrics } from '../protocol/metrics.ts';
import { ConsoleClient } from './support/console-client.ts';
import { freePort } from './support/net.ts';
import { eventsOf, readUntil } from './support/sse.ts';
import { waitFor } from './support/wait.ts';

const admin = { username: 'admin', password: 'admin-password-123' };
const viewer = { username: 'wall', password: 'viewer-password-123' };
const dev = { ref: { site: 'sh01', device: 'box1' }, secret: 'secret-of-box1-0123456789abcdef' };

const acdConfig = {
  site: 'sh01',
  skills: ['zh', 'en'],
  agents: [{ id: 'a1', skills: { zh: 5, en: 5 } }, { id: 'a2', skills: { zh: 5 } }],
  queues: [
    { id: 'sales', name: '销售热线', skills: [{ skill: 'zh' }], offerTimeoutSeconds: 30, wrapUpSeconds: 60 },
    { id: 'support', name: 'Support', skills: [{ skill: 'en' }], offerTimeoutSeconds: 30 },
  ],
};

type View = { site: string; device: string; name?: string; stale: boolean; metrics: LiveMetrics };

describe('live metrics reach the fleet API', { timeout: 30_000 }, () => {
  let fleet: Fleet;
  let appliance: Appliance;
  let acd: AcdAdapter;
  let metrics: RunningMetrics;
  let client: ConsoleClient;
  const latest = async () => (await client.json<{ devices: View[] }>('GET', '/api/metrics')).devices.find((d) => d.device === dev.ref.device);
  const queue = async (id: string) => (await latest())?.metrics.queues.find((q) => q.id === id);

  before(async () => {
    fleet = await startFleet({ dataDir: mkdtempSync(join(tmpdir(), 'cc-fleet-m-')), http: { port: 0 }, broker: { kind: 'embedded', port: await freePort() }, admin, provision: [{ ...dev.ref, name: '上海分行', secret: dev.secret }], deviceSecretScrypt: { N: 1024, r: 8, p: 1 }, log: silentLogger });
    await fleet.users.createUser({ ...viewer, role: 'viewer' });
    appliance = await startAppliance(
      parseApplianceConfig({ ...dev.ref, dataDir: join(mkdtempSync(join(tmpdir(), 'cc-app-m-')), 'data'), logLevel: 'error', fleet: { url: fleet.brokerUrl, secret: dev.secret } }),
      { log: silentLogger },
    );
    acd = new AcdAdapter({ config: acdConfig });
    const names = Object.fromEntries(acdConfig.queues.map((q) => [q.id, q.name]));
    metrics = startMetrics({ acd, link: appliance.fleetLink, bootId: appliance.bootId, queueNames: () => names });
    await waitFor('appliance online', () => fleet.registry.get(dev.ref)?.status === 'online');
    client = await ConsoleClient.login(fleet.httpUrl, viewer.username, viewer.password);
  });
  after(async () => {
    metrics?.stop();
    acd?.stop();
    await appliance?.stop();
    await fleet?.stop();
  });

  test('a viewer sees every queue of the appliance by name, with the device name', async () => {
    const view = await waitFor('first sample at the fleet', () => latest());
    assert.equal(view.name, '上海分行');
    assert.equal(view.stale, false);
    assert.equal(view.metrics.bootId, appliance.bootId);
    assert.deepEqual(view.metrics.queues.map((q) => [q.id, q.name]), [['sales', '销售热线'], ['support', 'Support']]);
  });

  test('an agent logging in shows at the fleet API within 2 s', async () => {
    const started = Date.now();
    acd.dispatch({ type: 'AgentLoggedIn', agentId: 'a1' });
    await waitFor('logged-in agent at the fleet', async () => (await latest())?.metrics.totals.agents.loggedIn === 1, { timeoutMs: 2000 });
    const took = Date.now() - started;
    assert.ok(took < 2000, `took ${took} ms`);
  });

  test('a call waiting, answered and in wrap-up moves the queue counters at the fleet', async () => {
    acd.dispatch({ type: 'ContactArrived', contactId: 'call-1', queueId: 'sales', channel: 'voice' });
    await waitFor('one waiting in sales', async () => (await queue('sales'))?.waiting === 1, { timeoutMs: 3000 });
    acd.dispatch({ type: 'AgentStateChanged', agentId: 'a1', state: 'ready' });
    acd.dispatch({ type: 'OfferAccepted', contactId: 'call-1', agentId: 'a1' });
    const answered = await waitFor('answered in sales', async () => {
      const q = await queue('sales');
      return q && q.today.answered === 1 && q.agents.busy === 1 ? q : undefined;
    }, { timeoutMs: 3000 });
    assert.equal(answered.waiting, 0);
    assert.equal(answered.serviceLevel.pct, 100);
    assert.equal(answered.serviceLevel.thresholdS, 20);
    acd.dispatch({ type: 'ContactEnded', contactId: 'call-1' });
    await waitFor('agent in wrap-up', async () => (await queue('sales'))?.agents.wrapUp === 1, { timeoutMs: 3000 });
  });

  test('one appliance\'s metrics come with the history of each queue; an unknown one is not found', async () => {
    const one = await client.json<View & { history: Record<string, Array<{ at: number; answered: number }>> }>('GET', '/api/metrics/sh01/box1');
    assert.ok(one.history['']!.length >= 1);
    assert.equal(one.history.sales!.at(-1)!.answered, 1);
    const hist = await client.json<{ queue: string; points: unknown[] }>('GET', '/api/metrics/sh01/box1/history?queue=sales');
    assert.equal(hist.queue, 'sales');
    assert.ok(hist.points.length >= 1);
    await client.json('GET', '/api/metrics/sh01/nope', undefined, 404);
    assert.deepEqual((await client.json<{ devices: View[] }>('GET', '/api/metrics?site=bj01')).devices, []);
    const anonymous = await fetch(`${fleet.httpUrl}/api/metrics`);
    assert.equal(anonymous.status, 401);
  });

  test('the live stream sends a snapshot, then each new sample as a metrics event', async () => {
    const res = await client.fetch('GET', '/api/metrics/live');
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    try {
      const text = await readUntil(reader, (t) => eventsOf(t, 'metrics').length >= 2, 5000);
      const snapshot = eventsOf<View[]>(text, 'snapshot')[0]!;
      assert.equal(snapshot[0]?.device, 'box1');
      const samples = eventsOf<View>(text, 'metrics');
      assert.ok(samples[1]!.metrics.seq > samples[0]!.metrics.seq);
      assert.equal(samples[0]!.name, '上海分行');
    } finally {
      await reader.cancel();
    }
  });

  test('the live stream of another site carries none of this appliance\'s samples', async () => {
    const res = await client.fetch('GET', '/api/metrics/live?site=bj01');
    const reader = res.body!.getReader();
    try {
      // Two heartbeats' worth of this appliance's samples would have arrived by the snapshot's second second.
      const text = await readUntil(reader, (t) => eventsOf(t, 'snapshot').length === 1, 5000);
      assert.deepEqual(eventsOf(text, 'snapshot')[0], []);
      const own = await client.fetch('GET', '/api/metrics/live?site=sh01');
      const ownReader = own.body!.getReader();
      try {
        const ownText = await readUntil(ownReader, (t) => eventsOf(t, 'metrics').length >= 1, 5000);
        assert.equal(eventsOf<View>(ownText, 'metrics')[0]!.site, 'sh01');
      } finally {
        await ownReader.cancel();
      }
      const later = await readUntil(reader, () => true, 100, text);
      assert.deepEqual(eventsOf(later, 'metrics'), []);
    } finally {
      await reader.cancel();
    }
  });
});
