// The agent desktop as the appliance's composition root starts it (startAppliance with a `web`
// section, air-gapped, telephony seeded from <dataDir>/telephony.json): agents of the desk
// configuration log in and reach the real desk, the seeded admin manages users, the local
// wallboard samples the ACD without any fleet, and without a `web` section nothing listens.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startAppliance, type Appliance } from '../appliance/appliance.ts';
import { parseApplianceConfig } from '../appliance/config/appliance-config.ts';
import { hashPassword } from '../appliance/desk/agent-credentials.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import type { LiveMetrics } from '../protocol/metrics.ts';
import { testConfig } from './fixtures/calls/call-harness.ts';
import { loginOverHttp } from './support/appliance-web.ts';
import { waitFor } from './support/wait.ts';

describe('the agent desktop in a running appliance', () => {
  let dir: string;
  let appliance: Appliance;
  let url: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cc-desk-app-'));
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const seed = testConfig();
    seed.desk.agents = seed.desk.agents.map((a) => ({ ...a, passwordHash: hashPassword(`agent-${a.id}-pw`) }));
    // a SIP media port range of its own (other test files run media engines at the same time)
    const base = 20000 + (process.pid % 40) * 100;
    writeFileSync(join(dataDir, 'telephony.json'), JSON.stringify({
      media: { listenIp: '127.0.0.1', workers: 1, sipPorts: { min: base, max: base + 99 }, webrtcPorts: { min: 46000, max: 49999 } },
      seedConfig: seed,
    }));
    appliance = await startAppliance(parseApplianceConfig({
      site: 'bj01', device: 'cc1', dataDir, profile: 'air-gapped', logLevel: 'error',
      web: { host: '127.0.0.1', port: 0, tls: { mode: 'off' }, users: [{ username: 'admin', role: 'admin', password: 'admin-password' }] },
    }), { log: silentLogger });
    assert.ok(appliance.web, 'the web server runs');
    url = appliance.web.server.url;
  });
  after(async () => {
    await appliance?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an agent of the desk configuration logs in and reaches the running desk over the WebSocket', async () => {
    assert.equal((await loginOverHttp(url, '1001', 'wrong-password')).status, 401);
    const { cookie, status } = await loginOverHttp(url, '1001', 'agent-1001-pw');
    assert.equal(status, 200);
    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/desk/ws`, { headers: { cookie, origin: url } });
    const messages: Array<{ type: string; id?: number; result?: { ok: boolean; snapshot?: { state: { state: string }; queues: { id: string }[] } } }> = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    await new Promise((resolve, reject) => ws.on('open', resolve).on('error', reject));
    ws.send(JSON.stringify({ id: 1, type: 'login', device: 'browser' }));
    const login = await waitFor('login result', () => messages.find((m) => m.id === 1));
    assert.equal(login.result?.ok, true, JSON.stringify(login));
    assert.deepEqual(login.result?.snapshot?.queues.map((q) => q.id).sort(), ['sales', 'support']);
    ws.send(JSON.stringify({ id: 2, type: 'presence', presence: 'ready' }));
    await waitFor('ready', () => messages.find((m) => m.id === 2));
    await waitFor('the state event', () => messages.find((m) => m.type === 'event' && (m as unknown as { data: { state: string } }).data.state === 'ready'));
    assert.equal((appliance.telephony.desk!.snapshot('1001') as { snapshot: { state: { state: string } } }).snapshot.state.state, 'ready');
    ws.close();
  });

  test('the local wallboard samples the ACD on an air-gapped appliance', async () => {
    const { cookie } = await loginOverHttp(url, 'admin', 'admin-password');
    const sample = await waitFor('a sample with the ready agent', async () => {
      const m = (await (await fetch(`${url}/api/wallboard`, { headers: { cookie } })).json()) as LiveMetrics | null;
      return m && m.totals.agents.ready >= 1 ? m : undefined;
    }, { timeoutMs: 5000 });
    assert.deepEqual(sample.queues.map((q) => q.id).sort(), ['sales', 'support']);
  });

  test('the seeded admin adds a supervisor, who logs in; the agent cannot list users', async () => {
    const admin = await loginOverHttp(url, 'admin', 'admin-password');
    const res = await fetch(`${url}/api/admin/users`, { method: 'POST', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'lead', password: 'lead-password', role: 'supervisor' }) });
    assert.equal(res.status, 201);
    assert.equal((await loginOverHttp(url, 'lead', 'lead-password')).status, 200);
    const agent = await loginOverHttp(url, '1001', 'agent-1001-pw');
    assert.equal((await fetch(`${url}/api/admin/users`, { headers: { cookie: agent.cookie } })).status, 403);
  });
});

test('an appliance without a web section opens no web server', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cc-noweb-'));
  const a = await startAppliance(parseApplianceConfig({ site: 'bj01', device: 'cc2', dataDir, profile: 'air-gapped', logLevel: 'error' }), { log: silentLogger });
  try {
    assert.equal(a.web, undefined);
  } finally {
    await a.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
