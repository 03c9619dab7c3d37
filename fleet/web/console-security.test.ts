// The console's access rules, checked over every route the router knows (enumerated from
// the app, never hand-picked): a viewer changes nothing, a forged CSRF header changes
// nothing, every refusal is audited, and the OpenAPI document lists exactly the routes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testConsole } from '../../test/support/fleet-app.ts';
import { sampleTemplate } from '../config/sample-template.ts';

const BASE = 'http://fleet.test';
type Rig = Awaited<ReturnType<typeof setup>>;

async function setup() {
  const rig = await testConsole();
  await rig.users.ensureAdmin('admin', 'admin-password');
  await rig.users.createUser({ username: 'viewer', password: 'viewer-password', role: 'viewer' });
  await rig.users.createUser({ username: 'operator', password: 'operator-password', role: 'operator' });
  await rig.registry.createDevice({ site: 'sh01', device: 'box1', name: 'Shanghai' });
  await rig.config.createGroup({ id: 'east', name: 'East', template: sampleTemplate() as Record<string, unknown> }, 'admin');
  await rig.config.setGroupOf([{ site: 'sh01', device: 'box1' }], 'east');
  return rig;
}

async function login(rig: Rig, username: string, password: string) {
  const res = await rig.app.request(`${BASE}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  assert.equal(res.status, 200);
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
}

/** Every API route of the router (middleware entries left out), parameters filled with existing ids. */
function apiRoutes(rig: Rig): Array<{ method: string; path: string; pattern: string }> {
  const out = new Map<string, { method: string; path: string; pattern: string }>();
  for (const r of rig.app.routes) {
    if (r.method === 'ALL' || !r.path.startsWith('/api/')) continue;
    const path = r.path.replace(':site', 'sh01').replace(':device', 'box1').replace(':id', 'east').replace(':username', 'operator').replace(':name', 'ping');
    out.set(`${r.method} ${r.path}`, { method: r.method, path, pattern: r.path });
  }
  return [...out.values()];
}

/** What a refused request must not have changed. */
function snapshot(rig: Rig) {
  return JSON.stringify({
    config: rig.store.doc,
    published: rig.published.length,
    devices: rig.registry.list().map((d) => d.device),
    users: rig.users.list(),
    terminals: rig.terminalFrames.length,
    commands: rig.commandCalls.length,
  });
}

describe('console access rules over every route', () => {
  test('a viewer is refused every changing route except logging out, and nothing changes', async () => {
    const rig = await setup();
    const viewer = await login(rig, 'viewer', 'viewer-password');
    const before = snapshot(rig);
    const changing = apiRoutes(rig).filter((r) => r.method !== 'GET');
    assert.ok(changing.length >= 18, `only ${changing.length} changing routes`);
    const allowed: string[] = [];
    for (const r of changing) {
      if (r.pattern === '/api/logout' || r.pattern === '/api/login') continue;
      const res = await rig.app.request(`${BASE}${r.path}`, { method: r.method, headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ args: {} }) });
      if (res.status !== 403) allowed.push(`${r.method} ${r.pattern} → ${res.status}`);
    }
    // Commands check the command's own role: a viewer may ping, nothing more.
    assert.deepEqual(allowed, ['POST /api/devices/:site/:device/commands/:name → 200']);
    assert.equal(rig.commandCalls.length, 1);
    rig.commandCalls.length = 0;
    assert.equal(snapshot(rig), before);
    for (const name of ['prompts.reload', 'service.restart', 'config.rollback', 'diagnostics.collect', 'log.set-level']) {
      const res = await rig.app.request(`${BASE}/api/devices/sh01/box1/commands/${name}`, { method: 'POST', headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf, 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.status, 403, name);
    }
    assert.equal(rig.commandCalls.length, 0);
  });

  test('a changing request with a forged or missing CSRF token is refused on every route, even for an admin', async () => {
    const rig = await setup();
    const admin = await login(rig, 'admin', 'admin-password');
    const before = snapshot(rig);
    // The login is the one public route: there is no session yet, hence no token to check.
    for (const r of apiRoutes(rig).filter((x) => x.method !== 'GET' && x.pattern !== '/api/login')) {
      for (const csrf of [undefined, 'forged-token', `${admin.csrf}x`]) {
        const headers: Record<string, string> = { cookie: admin.cookie, 'content-type': 'application/json' };
        if (csrf) headers['x-csrf-token'] = csrf;
        const res = await rig.app.request(`${BASE}${r.path}`, { method: r.method, headers, body: '{}' });
        assert.equal(res.status, 403, `${r.method} ${r.pattern} with csrf=${String(csrf)}`);
        assert.equal(((await res.json()) as { error: string }).error, 'csrf');
      }
    }
    assert.equal(snapshot(rig), before);
  });

  test('an operator may change and push configuration but not export bundles, open terminals or manage users', async () => {
    const rig = await setup();
    const op = await login(rig, 'operator', 'operator-password');
    const call = (method: string, path: string, body?: unknown) =>
      rig.app.request(`${BASE}${path}`, { method, headers: { cookie: op.cookie, 'x-csrf-token': op.csrf, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const preview = (await (await call('GET', '/api/groups/east/preview')).json()) as { planId: string };
    assert.equal((await call('POST', '/api/groups/east/push', { planId: preview.planId })).status, 200);
    assert.equal(rig.published.length, 1);
    assert.equal((await call('POST', '/api/devices/sh01/box1/bundle')).status, 403);
    assert.equal((await call('POST', '/api/devices/sh01/box1/terminal', {})).status, 403);
    assert.equal((await call('POST', '/api/users', { username: 'x1', password: 'password-123', role: 'admin' })).status, 403);
  });

  test('every refused change is in the audit log with who tried it', async () => {
    const rig = await setup();
    const viewer = await login(rig, 'viewer', 'viewer-password');
    await rig.app.request(`${BASE}/api/groups/east`, { method: 'PUT', headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'mine now' }) });
    await rig.app.request(`${BASE}/api/devices/sh01/box1/terminal`, { method: 'POST', headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf, 'content-type': 'application/json' }, body: '{}' });
    const refused = rig.audit.search({ actor: 'viewer', outcome: 'refused' });
    assert.deepEqual(refused.map((e) => [e.action, e.target]), [['terminal.open', 'sh01/box1'], ['group.update', 'east']]);
    await rig.app.request(`${BASE}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'wrong-password' }) });
    assert.equal(rig.audit.search({ action: 'session.login', outcome: 'refused' })[0]?.actor, 'admin');
    assert.deepEqual(rig.audit.verify(), { ok: true, rows: rig.audit.search({ limit: 1000 }).length });
  });

  test('the OpenAPI document describes exactly the routes the router serves, with their roles', async () => {
    const rig = await setup();
    const viewer = await login(rig, 'viewer', 'viewer-password');
    const doc = (await (await rig.app.request(`${BASE}/api/openapi.json`, { headers: { cookie: viewer.cookie } })).json()) as { openapi: string; paths: Record<string, Record<string, { 'x-required-role'?: string; security?: unknown[]; requestBody?: unknown }>> };
    assert.equal(doc.openapi, '3.1.0');
    const served = apiRoutes(rig).map((r) => `${r.method} ${r.pattern.replace(/:([A-Za-z]+)/g, '{$1}')}`).sort();
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    assert.deepEqual(documented, served);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (path === '/api/login') assert.deepEqual(op.security, []);
        else assert.ok(op['x-required-role'], `${method} ${path} has no role`);
      }
    }
    const push = doc.paths['/api/groups/{id}/push']!.post!;
    assert.equal(push['x-required-role'], 'operator');
    assert.ok(JSON.stringify(push.requestBody).includes('planId'));
  });
});
