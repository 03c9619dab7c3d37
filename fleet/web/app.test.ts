import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isPublic } from './request-auth.ts';
import { testConsole } from '../../test/support/fleet-app.ts';

const BASE = 'http://fleet.test';

async function setup(options: { heartbeatMs?: number } = {}) {
  const clock = { now: 1_700_000_000_000 };
  const now = () => clock.now;
  const rig = await testConsole({
    now,
    idleTimeoutMs: 60_000,
    app: { stats: () => ({ accepted: 7, malformed: { 'not-json': 2 } }), clientIp: () => '192.0.2.1', live: { heartbeatMs: options.heartbeatMs ?? 60_000, coalesceMs: 0 } },
  });
  await rig.users.ensureAdmin('admin', 'admin-password');
  await rig.users.createUser({ username: 'viewer', password: 'viewer-password', role: 'viewer' });
  await rig.registry.createDevice({ site: 'sh01', device: 'box1', name: '上海一号' });
  return { ...rig, clock };
}

type App = Awaited<ReturnType<typeof setup>>['app'];

interface Login {
  cookie: string;
  csrf: string;
  setCookie: string;
}

async function login(app: App, username: string, password: string, url = `${BASE}/api/login`): Promise<Login> {
  const res = await app.request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const setCookie = res.headers.get('set-cookie') ?? '';
  const body = (await res.json()) as { csrfToken: string };
  return { cookie: setCookie.split(';')[0]!, csrf: body.csrfToken, setCookie };
}

function call(app: App, method: string, path: string, who?: Login, body?: unknown, headers: Record<string, string> = {}) {
  const h: Record<string, string> = { ...headers };
  if (who) {
    h.cookie = who.cookie;
    h['x-csrf-token'] ??= who.csrf;
  }
  if (body !== undefined) h['content-type'] ??= 'application/json';
  return app.request(`${BASE}${path}`, {
    method,
    headers: h,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
}

/** Every concrete request the app's routing table can answer, parameters filled in. */
function everyRoute(app: App): Array<{ method: string; path: string }> {
  const out = new Map<string, { method: string; path: string }>();
  for (const r of app.routes) {
    const path = r.path.replace(':file', 'style.css').replace(/:[a-zA-Z]+/g, 'p1').replace(/\*/g, 'x');
    const methods = r.method === 'ALL' ? ['GET', 'POST', 'DELETE'] : [r.method];
    for (const method of methods) out.set(`${method} ${path}`, { method, path });
  }
  return [...out.values()];
}

describe('fleet app: authentication of every route', () => {
  test('every route refuses a request without a session, except the login page, its files and the login', async () => {
    const { app } = await setup();
    const routes = everyRoute(app);
    assert.ok(routes.length >= 14, `only ${routes.length} routes found`);
    const open = routes.filter((r) => isPublic(r.method, r.path)).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(open.sort(), ['GET /assets/style.css', 'GET /login', 'POST /api/login']);
    for (const { method, path } of routes) {
      if (isPublic(method, path)) continue;
      for (const cookie of [undefined, 'fleet_session=forged-token']) {
        const res = await app.request(`${BASE}${path}`, { method, headers: cookie ? { cookie, 'content-type': 'application/json' } : {}, ...(method === 'POST' ? { body: '{}' } : {}) });
        const refused = res.status === 401 || (res.status === 302 && res.headers.get('location') === '/login');
        assert.ok(refused, `${method} ${path} answered ${res.status} without a session`);
        const text = await res.text();
        assert.ok(!text.includes('sh01'), `${method} ${path} leaked data`);
      }
    }
  });

  test('the allow-list serves the login page and its files without a session', async () => {
    const { app } = await setup();
    const page = await app.request(`${BASE}/login`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /login-form/);
    for (const [file, type] of [['login.js', /javascript/], ['i18n.js', /javascript/], ['style.css', /css/], ['favicon.svg', /svg/]] as const) {
      const res = await app.request(`${BASE}/assets/${file}`);
      assert.equal(res.status, 200, file);
      assert.match(res.headers.get('content-type') ?? '', type);
    }
    // Pages other than the login are not files of the allow-list.
    for (const path of ['/assets/index.html', '/assets/..%2fapp.ts', '/assets/nope.js']) {
      const res = await app.request(`${BASE}${path}`);
      assert.ok([302, 401, 404].includes(res.status), `${path}: ${res.status}`);
      assert.doesNotMatch(await res.text(), /device-rows|import/);
    }
  });

  test('a changing request with a session but without its CSRF token is refused', async () => {
    const { app } = await setup();
    const admin = await login(app, 'admin', 'admin-password');
    const body = { site: 'bj01', device: 'box9', name: 'x' };
    assert.equal((await call(app, 'POST', '/api/devices', admin, body, { 'x-csrf-token': '' })).status, 403);
    assert.equal((await call(app, 'POST', '/api/devices', admin, body, { 'x-csrf-token': `${admin.csrf}x` })).status, 403);
    assert.equal((await call(app, 'DELETE', '/api/devices/sh01/box1', admin, undefined, { 'x-csrf-token': 'nope' })).status, 403);
    assert.equal((await call(app, 'POST', '/api/logout', admin, undefined, { 'x-csrf-token': 'nope' })).status, 403);
    assert.equal((await call(app, 'POST', '/api/devices', admin, body)).status, 201);
  });

  test('the console page redirects to the login without a session and is served with one', async () => {
    const { app } = await setup();
    const anonymous = await app.request(`${BASE}/`);
    assert.equal(anonymous.status, 302);
    assert.equal(anonymous.headers.get('location'), '/login');
    const viewer = await login(app, 'viewer', 'viewer-password');
    const res = await call(app, 'GET', '/', viewer);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /device-rows/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  });
});

describe('fleet app: login and session', () => {
  test('a login sets an HttpOnly SameSite=Strict cookie, Secure only over https', async () => {
    const { app } = await setup();
    const plain = await login(app, 'admin', 'admin-password');
    assert.match(plain.setCookie, /HttpOnly/);
    assert.match(plain.setCookie, /SameSite=Strict/);
    assert.doesNotMatch(plain.setCookie, /Secure/);
    const tls = await login(app, 'admin', 'admin-password', 'https://fleet.test/api/login');
    assert.match(tls.setCookie, /Secure/);
  });

  test('a wrong password gets 401, and the sixth attempt after five failures gets 429 with Retry-After', async () => {
    const { app, clock } = await setup();
    const attempt = (password: string) => call(app, 'POST', '/api/login', undefined, { username: 'admin', password });
    for (let i = 0; i < 5; i++) assert.equal((await attempt('wrong-password')).status, 401);
    const locked = await attempt('admin-password');
    assert.equal(locked.status, 429);
    assert.equal(locked.headers.get('retry-after'), '30');
    clock.now += 30_000;
    assert.equal((await attempt('admin-password')).status, 200);
  });

  test('a bad login body gets 400 with a reason', async () => {
    const { app } = await setup();
    const notJson = await call(app, 'POST', '/api/login', undefined, '{"username":', { 'content-type': 'application/json' });
    assert.equal(notJson.status, 400);
    assert.match(((await notJson.json()) as { message: string }).message, /not valid JSON/);
    const missing = await call(app, 'POST', '/api/login', undefined, { username: 'admin' });
    assert.equal(missing.status, 400);
    assert.match(((await missing.json()) as { message: string }).message, /password/);
    const form = await call(app, 'POST', '/api/login', undefined, 'username=admin', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 400);
  });

  test('me tells the user, role and CSRF token; logout ends the session', async () => {
    const { app } = await setup();
    const viewer = await login(app, 'viewer', 'viewer-password');
    const me = (await (await call(app, 'GET', '/api/me', viewer)).json()) as { user: { role: string }; csrfToken: string };
    assert.equal(me.user.role, 'viewer');
    assert.equal(me.csrfToken, viewer.csrf);
    assert.equal((await call(app, 'POST', '/api/logout', viewer)).status, 204);
    assert.equal((await call(app, 'GET', '/api/me', viewer)).status, 401);
  });

  test('an idle session stops working after the idle timeout', async () => {
    const { app, clock } = await setup();
    const viewer = await login(app, 'viewer', 'viewer-password');
    clock.now += 59_000;
    assert.equal((await call(app, 'GET', '/api/devices', viewer)).status, 200);
    clock.now += 60_000;
    assert.equal((await call(app, 'GET', '/api/devices', viewer)).status, 401);
  });
});

describe('fleet app: devices, events and stats', () => {
  test('a viewer can list devices but cannot create, delete or rotate', async () => {
    const { app } = await setup();
    const viewer = await login(app, 'viewer', 'viewer-password');
    const list = (await (await call(app, 'GET', '/api/devices', viewer)).json()) as { devices: Array<{ name: string }> };
    assert.deepEqual(list.devices.map((d) => d.name), ['上海一号']);
    assert.equal((await call(app, 'POST', '/api/devices', viewer, { site: 'bj01', device: 'b', name: 'x' })).status, 403);
    assert.equal((await call(app, 'DELETE', '/api/devices/sh01/box1', viewer)).status, 403);
    assert.equal((await call(app, 'POST', '/api/devices/sh01/box1/secret', viewer)).status, 403);
  });

  test('an admin creates a device and sees its secret once; the listing never shows it', async () => {
    const { app, registry } = await setup();
    const admin = await login(app, 'admin', 'admin-password');
    const res = await call(app, 'POST', '/api/devices', admin, { site: 'bj01', device: 'box2', name: '北京' });
    assert.equal(res.status, 201);
    const created = (await res.json()) as { secret: string; device: { site: string } };
    assert.deepEqual(await registry.verifyDeviceCredentials('bj01.box2', created.secret), { site: 'bj01', device: 'box2' });
    const one = await (await call(app, 'GET', '/api/devices/bj01/box2', admin)).text();
    assert.ok(!one.includes(created.secret) && !one.includes('secretHash'));
    assert.equal((await call(app, 'POST', '/api/devices', admin, { site: 'bj01', device: 'box2', name: 'again' })).status, 409);
    const rotated = (await (await call(app, 'POST', '/api/devices/bj01/box2/secret', admin)).json()) as { secret: string };
    assert.equal(await registry.verifyDeviceCredentials('bj01.box2', created.secret), undefined);
    assert.ok(await registry.verifyDeviceCredentials('bj01.box2', rotated.secret));
    assert.equal((await call(app, 'DELETE', '/api/devices/bj01/box2', admin)).status, 204);
    assert.equal((await call(app, 'DELETE', '/api/devices/bj01/box2', admin)).status, 404);
  });

  test('bad device input gets 400 with a reason', async () => {
    const { app } = await setup();
    const admin = await login(app, 'admin', 'admin-password');
    const cases: unknown[] = [
      { site: 'Bad.Site', device: 'b', name: 'x' },
      { site: 'bj01', device: 'b' },
      { site: 'bj01', device: 'b', name: 'x', secret: 'chosen-by-client' },
      [1, 2],
    ];
    for (const body of cases) {
      const res = await call(app, 'POST', '/api/devices', admin, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.ok(((await res.json()) as { message: string }).message.length > 0);
    }
    assert.equal((await call(app, 'GET', '/api/devices/Bad!/box1', admin)).status, 400);
    assert.equal((await call(app, 'GET', '/api/devices/sh01/nope', admin)).status, 404);
    assert.equal((await call(app, 'GET', '/api/devices/sh01/box1/events?limit=0', admin)).status, 400);
    assert.equal((await call(app, 'GET', '/api/events?beforeId=x', admin)).status, 400);
  });

  test('lists a device\'s events newest first, with a cursor for the next page', async () => {
    const { app, events } = await setup();
    for (let seq = 1; seq <= 5; seq++) {
      events.insert({ site: 'sh01', device: 'box1' }, { epoch: 'e', seq, ts: seq, type: 'alarm.raised', severity: 'warning', data: {} }, seq);
    }
    events.insert({ site: 'sh01', device: 'box2' }, { epoch: 'e', seq: 1, ts: 1, type: 'cdr.finished', severity: 'info', data: {} }, 9);
    const viewer = await login(app, 'viewer', 'viewer-password');
    const page = (await (await call(app, 'GET', '/api/devices/sh01/box1/events?limit=3', viewer)).json()) as {
      events: Array<{ seq: number }>;
      nextBeforeId: number;
    };
    assert.deepEqual(page.events.map((e) => e.seq), [5, 4, 3]);
    const next = (await (await call(app, 'GET', `/api/devices/sh01/box1/events?beforeId=${page.nextBeforeId}`, viewer)).json()) as {
      events: Array<{ seq: number }>;
    };
    assert.deepEqual(next.events.map((e) => e.seq), [2, 1]);
    const all = (await (await call(app, 'GET', '/api/events?type=cdr.finished', viewer)).json()) as { events: Array<{ device: string }> };
    assert.deepEqual(all.events.map((e) => e.device), ['box2']);
  });

  test('stats returns the counters the fleet passes in', async () => {
    const { app } = await setup();
    const viewer = await login(app, 'viewer', 'viewer-password');
    const res = await call(app, 'GET', '/api/stats', viewer);
    assert.deepEqual(await res.json(), { accepted: 7, malformed: { 'not-json': 2 } });
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });
});

/** Reads a text stream until `done(accumulated)` holds, or fails after `ms`. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, done: (text: string) => boolean, ms = 5000): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + ms;
  while (!done(text)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out; stream so far:\n${text}`);
    let timer: NodeJS.Timeout | undefined;
    const chunk = await Promise.race([reader.read(), new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), left)))]);
    clearTimeout(timer);
    if (chunk === 'timeout') continue;
    if (chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  return text;
}

describe('fleet app: live stream', () => {
  test('delivers a snapshot, then a change of a device', async () => {
    const { app, registry } = await setup();
    const viewer = await login(app, 'viewer', 'viewer-password');
    const res = await call(app, 'GET', '/api/live', viewer);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    const snapshot = await readUntil(reader, (t) => t.includes('event: snapshot'));
    assert.match(snapshot, /"status":"unknown"/);
    registry.applyState({ site: 'sh01', device: 'box1' }, { status: 'online', ts: 1, bootId: 'b', version: '2.0.0' }, 5);
    const change = await readUntil(reader, (t) => t.includes('event: device'));
    const data = /event: device\ndata: (.*)\n/.exec(change)?.[1];
    assert.ok(data, change);
    const view = JSON.parse(data) as { status: string; version: string; secretHash?: string };
    assert.equal(view.status, 'online');
    assert.equal(view.version, '2.0.0');
    assert.equal(view.secretHash, undefined);
    await reader.cancel();
  });

  test('sends heartbeat comments and ends with a logout event once the session is over', async () => {
    const { app } = await setup({ heartbeatMs: 20 });
    const viewer = await login(app, 'viewer', 'viewer-password');
    const reader = (await call(app, 'GET', '/api/live', viewer)).body!.getReader();
    await readUntil(reader, (t) => t.includes(': heartbeat'));
    assert.equal((await call(app, 'POST', '/api/logout', viewer)).status, 204);
    const rest = await readUntil(reader, (t) => t.includes('event: logout'));
    assert.match(rest, /event: logout/);
    assert.equal((await reader.read()).done, true);
  });
});
