// The agent WebSocket against a real server and the real AgentDesk (over a scripted backend):
// who may connect, that requests act for the session's agent only, that events reach only
// that agent, and that bad input is answered rather than crashing anything.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { ScriptedDesk } from '../../test/support/scripted-desk.ts';
import { loginOverHttp, startTestWebServer, type TestWebServer } from '../../test/support/appliance-web.ts';
import { waitFor } from '../../test/support/wait.ts';

let server: TestWebServer;
let scripted: ScriptedDesk;
const sockets: WebSocket[] = [];

before(async () => {
  scripted = new ScriptedDesk([
    { id: '1001', password: 'agent-1001-pw' },
    { id: '1002', password: 'agent-1002-pw' },
  ]);
  server = await startTestWebServer({ desk: scripted.desk, socket: { abandonGraceMs: 300 }, config: { users: [{ username: 'boss', role: 'supervisor', password: 'boss-password', agentId: '1002' }, { username: 'admin', role: 'admin', password: 'admin-password' }] } });
});
after(async () => {
  for (const s of sockets) s.terminate();
  await server.stop();
});

interface Conn {
  ws: WebSocket;
  messages: Array<Record<string, unknown>>;
  request(body: Record<string, unknown>): Promise<Record<string, unknown>>;
}

let nextId = 1;
function open(cookie: string | undefined, origin: string | null = server.url): Promise<Conn | { refused: number }> {
  const headers: Record<string, string> = {};
  if (cookie) headers.cookie = cookie;
  if (origin) headers.origin = origin;
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/desk/ws`, { headers });
  sockets.push(ws);
  ws.on('error', () => {});
  const messages: Array<Record<string, unknown>> = [];
  ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as Record<string, unknown>));
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve({ refused: res.statusCode ?? 0 }));
    ws.on('open', () =>
      resolve({
        ws,
        messages,
        request: async (body) => {
          const id = nextId++;
          ws.send(JSON.stringify({ id, ...body }));
          const m = await waitFor(`result ${id}`, () => messages.find((x) => x.type === 'result' && x.id === id));
          return m.result as Record<string, unknown>;
        },
      }),
    );
  });
}

async function connectAs(username: string, password: string): Promise<Conn> {
  const { cookie } = await loginOverHttp(server.url, username, password);
  const c = await open(cookie);
  assert.ok('ws' in c, 'connected');
  await waitFor('hello', () => c.messages.find((m) => m.type === 'hello'));
  return c;
}

describe('agent WebSocket', () => {
  test('refuses an upgrade without a session (401) or from another origin (403)', async () => {
    assert.deepEqual(await open(undefined), { refused: 401 });
    const { cookie } = await loginOverHttp(server.url, '1001', 'agent-1001-pw');
    assert.deepEqual(await open(cookie, 'http://evil.example'), { refused: 403 });
    assert.deepEqual(await open(cookie, null), { refused: 403 });
  });

  test('an agent from the desk configuration logs in with its agent id, and its requests act for that agent only', async () => {
    const a = await connectAs('1001', 'agent-1001-pw');
    assert.deepEqual((a.messages[0] as { agentId: string }).agentId, '1001');
    const login = await a.request({ type: 'login', device: 'browser' });
    assert.equal(login.ok, true);
    assert.equal((login.snapshot as { agentId: string }).agentId, '1001');
    // the payload cannot name another agent: extra fields are ignored, the session decides
    const ready = await a.request({ type: 'presence', presence: 'ready', agentId: '1002' });
    assert.equal(ready.ok, true);
    assert.equal(scripted.agents.get('1001')!.state.state, 'ready');
    assert.equal(scripted.agents.get('1002')!.state.state, 'logged-out');
  });

  test('a local user with an agent id works as that agent (a supervisor taking calls)', async () => {
    const b = await connectAs('boss', 'boss-password');
    assert.equal((b.messages[0] as { agentId: string }).agentId, '1002');
    assert.equal((await b.request({ type: 'login' })).ok, true);
    assert.equal(scripted.agents.get('1002')!.loggedIn, true);
  });

  test('desk events reach the sockets of their agent and no other', async () => {
    const a = await connectAs('1001', 'agent-1001-pw');
    const b = await connectAs('boss', 'boss-password');
    scripted.offer('1001', { contactId: 'k1', callId: 'c1', queueId: 'sales', caller: '13800138000', did: '4008001234', variables: {}, choices: [], screenPop: { recentContacts: [] } });
    const offer = await waitFor('offer at 1001', () => a.messages.find((m) => m.type === 'event' && m.name === 'offer'));
    assert.equal((offer.data as { caller: string }).caller, '13800138000');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(b.messages.filter((m) => m.type === 'event' && m.name === 'offer').length, 0);
    const answered = await a.request({ type: 'answer', contactId: 'k1' });
    assert.equal(answered.ok, true);
    await waitFor('call connected', () => a.messages.find((m) => m.type === 'event' && m.name === 'call' && (m.data as { status: string }).status === 'connected'));
  });

  test('malformed requests get an invalid result naming the problem; refusals come back as values', async () => {
    const a = await connectAs('1001', 'agent-1001-pw');
    const bad = await a.request({ type: 'dial', number: 'call me maybe' });
    assert.equal(bad.ok, false);
    assert.equal((bad.error as { code: string }).code, 'invalid');
    assert.match((bad.error as { message: string }).message, /number/);
    const unknown = await a.request({ type: 'format-disk' });
    assert.equal((unknown.error as { code: string }).code, 'invalid');
    const refused = await a.request({ type: 'answer', contactId: 'nope' });
    assert.deepEqual(refused, { ok: false, error: { code: 'no-such-offer', message: 'no such offer' } });
    a.ws.send('not json at all');
    await waitFor('error reply', () => a.messages.find((m) => m.type === 'error'));
    assert.equal(a.ws.readyState, WebSocket.OPEN, 'the connection survives bad input');
  });

  test('a flood of requests is answered with rate-limited beyond the limit', async () => {
    const a = await connectAs('1001', 'agent-1001-pw');
    const results = await Promise.all(Array.from({ length: 30 }, () => a.request({ type: 'snapshot' })));
    assert.ok(results.some((r) => (r.error as { code?: string } | undefined)?.code === 'rate-limited'));
    assert.ok(results.filter((r) => r.ok).length >= 10);
  });

  test('peers that reset the connection in the middle of an upgrade leave the server running', async () => {
    const { connect } = await import('node:net');
    const { port } = new URL(server.url);
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const sock = connect(Number(port), '127.0.0.1', () => {
          sock.write(`GET /api/desk/ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: ${server.url}\r\n\r\n`);
          setTimeout(() => {
            sock.resetAndDestroy();
            resolve();
          }, i % 3);
        });
        sock.on('error', () => resolve());
      });
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await fetch(`${server.url}/login`)).status, 200, 'still serving');
  });

  test('an admin changing a user\'s password closes that user\'s sockets at once', async () => {
    const b = await connectAs('boss', 'boss-password');
    const closed = new Promise<number>((resolve) => b.ws.on('close', (code) => resolve(code)));
    const admin = await loginOverHttp(server.url, 'admin', 'admin-password');
    const res = await fetch(`${server.url}/api/admin/users/boss/password`, { method: 'PUT', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ password: 'boss-password' }) });
    assert.equal(res.status, 204);
    assert.equal(await closed, 4401);
  });

  test('logging out over HTTP closes the session\'s sockets', async () => {
    const s = await loginOverHttp(server.url, '1001', 'agent-1001-pw');
    const c = await open(s.cookie);
    assert.ok('ws' in c);
    const closed = new Promise<number>((resolve) => c.ws.on('close', (code) => resolve(code)));
    const res = await fetch(`${server.url}/api/logout`, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
    assert.equal(res.status, 204);
    assert.equal(await closed, 4401);
  });

  test('an idle agent whose page is gone for good is signed out; a reload within the grace time keeps it signed in', async () => {
    // the call of an earlier test ends and is wrapped up: the agent is idle
    for (const callId of scripted.agents.get('1001')!.calls.keys()) scripted.remoteHangup('1001', callId);
    for (const contactId of scripted.agents.get('1001')!.wrapUps.keys()) scripted.completeWrapUp('1001', contactId, { disposition: 'resolved' });
    const first = await connectAs('1001', 'agent-1001-pw');
    if (!scripted.agents.get('1001')!.loggedIn) assert.equal((await first.request({ type: 'login' })).ok, true);
    // a reload: the socket closes and a new one opens at once
    first.ws.close();
    const again = await connectAs('1001', 'agent-1001-pw');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(scripted.agents.get('1001')!.loggedIn, true, 'still signed in after a reload');
    // the tab is closed
    again.ws.close();
    for (const s of sockets) if (s !== again.ws) s.close();
    await waitFor('signed out', () => scripted.agents.get('1001')!.loggedIn === false, { timeoutMs: 3000 });
    assert.ok(scripted.calls.some((c) => c[0] === 'logout' && c[1] === '1001'));
  });

  test('an agent whose call is ringing when its page goes stays signed in (the ring-no-answer handles it)', async () => {
    const b = await connectAs('boss', 'boss-password');
    if (!scripted.agents.get('1002')!.loggedIn) await b.request({ type: 'login' });
    scripted.offer('1002', { contactId: 'k9', callId: 'c9', queueId: 'sales', caller: '13800000009', did: '4008001234', variables: {}, choices: [], screenPop: { recentContacts: [] } });
    for (const s of sockets) s.close();
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(scripted.agents.get('1002')!.loggedIn, true);
  });

});

describe('agent WebSocket sessions', () => {
  test('an open desktop keeps its session alive through a quiet spell; a session without one expires', async () => {
    const { createServer } = await import('node:http');
    const { Low, Memory } = await import('lowdb');
    const { WebAuth } = await import('./web-auth.ts');
    const { WebUserStore } = await import('./web-users.ts');
    const { DeskSocket } = await import('./desk-socket.ts');
    let now = 1_000_000;
    const users = await WebUserStore.open({ db: new Low(new Memory(), { users: [] }), hashParams: { N: 1024, r: 8, p: 1 } });
    await users.create({ username: 'night', password: 'night-shift-pw', role: 'agent' });
    const auth = new WebAuth({ users, now: () => now, idleTimeoutMs: 60_000 });
    const desk = new ScriptedDesk([{ id: 'night', password: 'unused-password' }]).desk;
    const socket = new DeskSocket({ desk, auth, heartbeatMs: 50, abandonGraceMs: 60_000 });
    const http = createServer();
    http.on('upgrade', (req, s, head) => socket.handleUpgrade(req, s, head));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
    try {
      const login = await auth.login('night', 'night-shift-pw', '127.0.0.1');
      assert.ok(login.ok);
      const kept = login.token;
      const ws = new WebSocket(`${base.replace('http', 'ws')}/api/desk/ws`, { headers: { cookie: `cc_session=${kept}`, origin: base } });
      ws.on('error', () => {});
      await new Promise((r) => ws.on('open', r));
      const other = await auth.login('night', 'night-shift-pw', '127.0.0.1');
      assert.ok(other.ok);
      // ten idle timeouts in 25 s steps, several heartbeats in each (one late pong is forgiven)
      for (let i = 0; i < 24; i++) {
        now += 25_000;
        await new Promise((r) => setTimeout(r, 150));
      }
      assert.ok(auth.authenticate(kept, false), 'the open desktop\'s session lives');
      assert.equal(auth.authenticate(other.token, false), undefined, 'a session without a desktop expired');
      assert.equal(ws.readyState, WebSocket.OPEN);
      ws.close();
    } finally {
      socket.close();
      await new Promise((r) => http.close(r));
    }
  });
});
