// The appliance web server's access rules, checked over every route the router knows
// (enumerated from the app, never hand-picked): nothing is reachable anonymously except the
// login, an agent reaches no supervisor or admin route, a supervisor no admin route, a forged
// CSRF header changes nothing, and the updater's endpoints are for admins only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Low, Memory } from 'lowdb';
import { LoginLimiter } from '../../fleet/auth/login-limiter.ts';
import { createApplianceWebApp } from './web-app.ts';
import { WebAuth } from './web-auth.ts';
import { WebUserStore, type WebUsersDoc } from './web-users.ts';
import { SimulatedMachine } from '../updater/sim-boot-control.ts';
import { DirectorySlots } from '../updater/slot-store.ts';
import { Updater } from '../updater/updater.ts';
import { probe } from '../updater/health-check.ts';

const BASE = 'http://appliance.test';
const CHEAP = { N: 1024, r: 8, p: 1 };
let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'cc-web-sec-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

async function setup(name: string, now: () => number = Date.now, wallboardIntervalMs = 1000) {
  const users = await WebUserStore.open({ db: new Low<WebUsersDoc>(new Memory(), { users: [] }), hashParams: CHEAP });
  await users.create({ username: 'agent1', password: 'agent-password', role: 'agent' });
  await users.create({ username: 'super', password: 'super-password', role: 'supervisor' });
  await users.create({ username: 'admin', password: 'admin-password', role: 'admin' });
  const auth = new WebAuth({ users, now, limiter: new LoginLimiter({ now, maxFailures: 3 }) });
  const root = join(work, name);
  const machine = await SimulatedMachine.provision(root, '1.0.0');
  const updater = new Updater({ boot: machine, slots: new DirectorySlots(join(root, 'slots')), status: machine.status, trustedKeys: new Map(), board: 'cc-x86-generic', currentVersion: '1.0.0', workDir: join(root, 'work'), probes: [probe('ok', () => {})] });
  const cdr = { callId: 'c1', direction: 'inbound' as const, customer: '1', did: '2', startedAt: 1, contacts: [], legs: [], segments: [], choices: [], recordingPaths: {} };
  const cdrs = { recent: () => [cdr], byPhone: () => [cdr], get: (id: string) => (id === 'c1' ? cdr : undefined) };
  const message = { id: 'm1', box: 'general', callId: 'c1', caller: '1', did: '2', receivedAt: 1, durationMs: 1000, recordingId: 'm1', path: 'x/m1.stereo.wav' };
  const voicemail = { list: () => [message], get: (id: string) => (id === 'm1' ? message : undefined), setHeard: async (id: string) => id === 'm1', boxes: () => [{ box: 'general', total: 1, unheard: 1 }] };
  const app = createApplianceWebApp({ auth, wallboard: () => ({ ts: 1, queues: [] }), wallboardIntervalMs, cdrs, voicemail, updater: { updater, workDir: join(root, 'work') } });
  return { app, users, auth };
}
type Rig = Awaited<ReturnType<typeof setup>>;

async function login(rig: Rig, username: string, password: string) {
  const res = await rig.app.request(`${BASE}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  assert.equal(res.status, 200, `login of ${username}`);
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
}

/** Every API route of the router (middleware entries left out), parameters filled in. */
function apiRoutes(rig: Rig): Array<{ method: string; path: string; pattern: string }> {
  const out = new Map<string, { method: string; path: string; pattern: string }>();
  for (const r of rig.app.routes) {
    if (r.method === 'ALL' || !r.path.startsWith('/api/')) continue;
    const path = r.path.replace(':callId', 'c1').replace(':username', 'agent1').replace(':messageId', 'm1');
    out.set(`${r.method} ${r.path}`, { method: r.method, path, pattern: r.path });
  }
  return [...out.values()];
}

/** The least role each route needs: the table of record for this test. */
const LEAST_ROLE: Record<string, 'public' | 'agent' | 'supervisor' | 'admin'> = {
  'POST /api/login': 'public',
  'POST /api/logout': 'agent',
  'GET /api/me': 'agent',
  'GET /api/wallboard': 'agent',
  'GET /api/wallboard/live': 'agent',
  'GET /api/cdrs': 'supervisor',
  'GET /api/cdrs/:callId': 'supervisor',
  'GET /api/cdrs/:callId/recording': 'supervisor',
  'GET /api/voicemail': 'agent',
  'GET /api/voicemail/:messageId/audio': 'agent',
  'PUT /api/voicemail/:messageId/heard': 'agent',
  'GET /api/admin/users': 'admin',
  'POST /api/admin/users': 'admin',
  'PUT /api/admin/users/:username/password': 'admin',
  'DELETE /api/admin/users/:username': 'admin',
  'GET /api/admin/updater/status': 'admin',
  'POST /api/admin/updater/bundle': 'admin',
  'POST /api/admin/updater/usb-import': 'admin',
};

describe('appliance web access rules over every route', () => {
  test('every API route has a known least role, and the table lists no route the router lacks', async () => {
    const rig = await setup('table');
    const found = apiRoutes(rig).map((r) => `${r.method} ${r.pattern}`).sort();
    assert.deepEqual(found, Object.keys(LEAST_ROLE).sort());
  });

  test('an anonymous request is refused on every route but the login, and pages redirect to the login', async () => {
    const rig = await setup('anon');
    for (const r of apiRoutes(rig)) {
      if (r.pattern === '/api/login') continue;
      const res = await rig.app.request(`${BASE}${r.path}`, { method: r.method, headers: { 'content-type': 'application/json' }, body: r.method === 'GET' ? undefined : '{}' });
      assert.equal(res.status, 401, `${r.method} ${r.pattern}`);
    }
    for (const page of ['/', '/wallboard', '/admin', '/vendor/mediasoup-client.js']) {
      const res = await rig.app.request(`${BASE}${page}`);
      assert.equal(res.status, 302, page);
      assert.match(res.headers.get('location') ?? '', /^\/login/);
    }
    assert.equal((await rig.app.request(`${BASE}/login`)).status, 200);
    assert.equal((await rig.app.request(`${BASE}/assets/login.js`)).status, 200);
    assert.notEqual((await rig.app.request(`${BASE}/assets/desk.html`)).status, 200, 'pages are not served as assets');
  });

  for (const [who, password, rank] of [['agent1', 'agent-password', 0], ['super', 'super-password', 1]] as const) {
    test(`${who === 'agent1' ? 'an agent' : 'a supervisor'} is refused every route above its role, and nothing changes`, async () => {
      const rig = await setup(`role-${who}`);
      const s = await login(rig, who, password);
      const ranks = { public: -1, agent: 0, supervisor: 1, admin: 2 };
      const before = JSON.stringify(rig.users.list());
      const wrong: string[] = [];
      for (const r of apiRoutes(rig)) {
        const least = LEAST_ROLE[`${r.method} ${r.pattern}`]!;
        if (ranks[least] <= rank || r.pattern === '/api/logout') continue;
        const res = await rig.app.request(`${BASE}${r.path}`, { method: r.method, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' }, body: r.method === 'GET' ? undefined : JSON.stringify({ username: 'x1', password: 'long-enough-1', role: 'admin', path: '/media/usb' }) });
        if (res.status !== 403) wrong.push(`${r.method} ${r.pattern} → ${res.status}`);
      }
      assert.deepEqual(wrong, []);
      assert.equal(JSON.stringify(rig.users.list()), before);
      // and what the role may do, it can
      assert.equal((await rig.app.request(`${BASE}/api/wallboard`, { headers: { cookie: s.cookie } })).status, 200);
      assert.equal((await rig.app.request(`${BASE}/api/cdrs`, { headers: { cookie: s.cookie } })).status, rank >= 1 ? 200 : 403);
      assert.equal((await rig.app.request(`${BASE}/admin`, { headers: { cookie: s.cookie } })).status, 403, 'the admin page');
      assert.equal((await rig.app.request(`${BASE}/`, { headers: { cookie: s.cookie } })).status, 200, 'the desktop');
    });
  }

  test('a changing request with a forged or missing CSRF token is refused on every route, even for an admin', async () => {
    const rig = await setup('csrf');
    const admin = await login(rig, 'admin', 'admin-password');
    const before = JSON.stringify(rig.users.list());
    for (const r of apiRoutes(rig).filter((x) => x.method !== 'GET' && x.pattern !== '/api/login')) {
      for (const token of [undefined, 'forged-token', admin.csrf.slice(1)]) {
        const headers: Record<string, string> = { cookie: admin.cookie, 'content-type': 'application/json' };
        if (token) headers['x-csrf-token'] = token;
        const res = await rig.app.request(`${BASE}${r.path}`, { method: r.method, headers, body: JSON.stringify({ username: 'x2', password: 'long-enough-2', role: 'admin' }) });
        assert.equal(res.status, 403, `${r.method} ${r.pattern} with token ${String(token)}`);
      }
    }
    assert.equal(JSON.stringify(rig.users.list()), before);
    // the same request with the right token works
    const ok = await rig.app.request(`${BASE}/api/admin/users`, { method: 'POST', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'x3', password: 'long-enough-3', role: 'agent' }) });
    assert.equal(ok.status, 201);
  });

  test('an admin reaches the updater status; the session cookie is HttpOnly and SameSite=Strict', async () => {
    const rig = await setup('admin');
    const res = await rig.app.request(`${BASE}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'admin-password' }) });
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const status = await rig.app.request(`${BASE}/api/admin/updater/status`, { headers: { cookie: cookie.split(';')[0]! } });
    assert.equal(status.status, 200);
    assert.ok(((await status.json()) as { slots?: unknown }).slots, 'slot status');
  });

  test('a wrong password is refused with 401, and repeated failures lock the name out with 429', async () => {
    const rig = await setup('limiter');
    const attempt = (password: string) => rig.app.request(`${BASE}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'agent1', password }) });
    for (let i = 0; i < 3; i++) assert.equal((await attempt('wrong-password')).status, 401);
    const locked = await attempt('agent-password');
    assert.equal(locked.status, 429, 'even the right password waits out the lockout');
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
  });

  test('logging out ends the session: the same cookie is refused afterwards', async () => {
    const rig = await setup('logout');
    const s = await login(rig, 'agent1', 'agent-password');
    assert.equal((await rig.app.request(`${BASE}/api/me`, { headers: { cookie: s.cookie } })).status, 200);
    const out = await rig.app.request(`${BASE}/api/logout`, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
    assert.equal(out.status, 204);
    assert.equal((await rig.app.request(`${BASE}/api/me`, { headers: { cookie: s.cookie } })).status, 401);
  });

  test('removing a user or changing their password ends their sessions', async () => {
    const rig = await setup('revoke');
    const admin = await login(rig, 'admin', 'admin-password');
    const agent = await login(rig, 'agent1', 'agent-password');
    const h = { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' };
    const pw = await rig.app.request(`${BASE}/api/admin/users/agent1/password`, { method: 'PUT', headers: h, body: JSON.stringify({ password: 'another-password' }) });
    assert.equal(pw.status, 204);
    assert.equal((await rig.app.request(`${BASE}/api/me`, { headers: { cookie: agent.cookie } })).status, 401);
    const self = await rig.app.request(`${BASE}/api/admin/users/admin`, { method: 'DELETE', headers: h });
    assert.equal(self.status, 400, 'an admin cannot remove themself');
  });

  test('bad input is a 400 with a reason, never a crash', async () => {
    const rig = await setup('bad');
    const admin = await login(rig, 'admin', 'admin-password');
    const h = { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' };
    const bad = await rig.app.request(`${BASE}/api/admin/users`, { method: 'POST', headers: h, body: JSON.stringify({ username: '../x', password: 'short', role: 'root' }) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /username|password|role/);
    const notJson = await rig.app.request(`${BASE}/api/admin/users`, { method: 'POST', headers: h, body: '{not json' });
    assert.equal(notJson.status, 400);
    const query = await rig.app.request(`${BASE}/api/cdrs?limit=100000`, { headers: { cookie: admin.cookie } });
    assert.equal(query.status, 400);
  });

  test('an open wallboard stream keeps its session alive past the idle timeout; the absolute limit still ends it', async () => {
    let now = 1_000_000;
    const rig = await setup('wall', () => now, 20);
    const s = await login(rig, 'super', 'super-password');
    const res = await rig.app.request(`${BASE}/api/wallboard/live`, { headers: { cookie: s.cookie } });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    // five hours in 20-minute steps (the idle timeout is 60 min), a snapshot sent in each
    for (let i = 0; i < 15; i++) {
      now += 20 * 60_000;
      const before = (text.match(/event: snapshot/g) ?? []).length;
      while ((text.match(/event: snapshot/g) ?? []).length <= before) text += decoder.decode((await reader.read()).value);
    }
    assert.equal((await rig.app.request(`${BASE}/api/me`, { headers: { cookie: s.cookie } })).status, 200, 'still logged in');
    now += 8 * 3600_000; // past the 12 h absolute limit
    while (!text.includes('event: logout')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += decoder.decode(chunk.value);
    }
    assert.match(text, /event: logout/);
    await reader.cancel();
  });
});
