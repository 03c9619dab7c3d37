import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Low, Memory } from 'lowdb';
import { LoginLimiter } from '../../fleet/auth/login-limiter.ts';
import { BatchWriter } from '../store/batch-writer.ts';
import { closeDatabase, openDatabase, type SqliteDatabase } from '../store/sqlite-database.ts';
import { VOICEMAIL_MIGRATIONS, VoicemailStore } from '../voicemail/voicemail-store.ts';
import { createApplianceWebApp } from './web-app.ts';
import { WebAuth } from './web-auth.ts';
import { WebUserStore, type WebUsersDoc } from './web-users.ts';

const BASE = 'http://appliance.test';
let dir: string;
let db: SqliteDatabase;
let writer: BatchWriter;
let app: ReturnType<typeof createApplianceWebApp>;
let session: { cookie: string; csrf: string };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cc-web-vm-'));
  db = openDatabase(join(dir, 'a.db'), { migrations: VOICEMAIL_MIGRATIONS });
  writer = new BatchWriter(db, { maxDelayMs: 1 });
  const store = new VoicemailStore({ db, writer, now: () => 9999 });
  mkdirSync(join(dir, 'recordings', '2026-11-23'), { recursive: true });
  writeFileSync(join(dir, 'recordings', '2026-11-23', 'm1.stereo.wav'), Buffer.from('RIFF....WAVEfmt fake'));
  await store.put({ id: 'm1', box: 'general', callId: 'c1', caller: '139', did: '4001', receivedAt: 1000, durationMs: 3000, recordingId: 'm1', path: '2026-11-23/m1.stereo.wav' });
  await store.put({ id: 'm2', box: 'sales', callId: 'c2', caller: '138', did: '4001', receivedAt: 2000, durationMs: 4000, recordingId: 'm2', path: '2026-11-23/missing.wav' });
  const users = await WebUserStore.open({ db: new Low<WebUsersDoc>(new Memory(), { users: [] }), hashParams: { N: 1024, r: 8, p: 1 } });
  await users.create({ username: 'super', password: 'super-password', role: 'supervisor' });
  await users.create({ username: 'sam', password: 'agent-password', role: 'agent', agentId: '1001' });
  await users.create({ username: 'ann', password: 'agent-password', role: 'agent', agentId: '1002' });
  const auth = new WebAuth({ users, limiter: new LoginLimiter({ now: Date.now, maxFailures: 3 }) });
  app = createApplianceWebApp({ auth, wallboard: () => null, voicemail: store, recordingsDir: join(dir, 'recordings'), voicemailBoxesOf: (agentId) => (agentId === '1001' ? ['sales'] : []) });
  session = await login('super', 'super-password');
});
after(async () => {
  await writer.close();
  closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

async function login(username: string, password: string) {
  const res = await app.request(`${BASE}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
}

const get = (path: string, s = session) => app.request(`${BASE}${path}`, { headers: { cookie: s.cookie } });

describe('voicemail routes', () => {
  test('a supervisor lists the messages newest first, of one box or the unheard ones, with counts per box', async () => {
    const first = await get('/api/voicemail');
    assert.equal(first.status, 200, await first.clone().text());
    const all = (await first.json()) as { messages: { id: string }[]; boxes: unknown };
    assert.deepEqual(all.messages.map((m) => m.id), ['m2', 'm1']);
    assert.deepEqual(all.boxes, [{ box: 'general', total: 1, unheard: 1 }, { box: 'sales', total: 1, unheard: 1 }]);
    const general = (await (await get('/api/voicemail?box=general')).json()) as { messages: { id: string }[] };
    assert.deepEqual(general.messages.map((m) => m.id), ['m1']);
    assert.equal((await get('/api/voicemail?box=../x')).status, 400);
    assert.equal((await get('/api/voicemail?limit=100000')).status, 400);
  });

  test('plays a message inline as audio/wav, and answers 404 for an unknown message or a missing file', async () => {
    const res = await get('/api/voicemail/m1/audio');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'audio/wav');
    assert.match(res.headers.get('content-disposition') ?? '', /^inline/);
    assert.equal(await res.text(), 'RIFF....WAVEfmt fake');
    assert.equal((await get('/api/voicemail/m2/audio')).status, 404);
    assert.equal((await get('/api/voicemail/nope/audio')).status, 404);
  });

  test('marks a message heard, which takes it out of the unheard list, and validates the body', async () => {
    const put = (id: string, body: string) => app.request(`${BASE}/api/voicemail/${id}/heard`, { method: 'PUT', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/json' }, body });
    assert.equal((await put('m1', JSON.stringify({ heard: true }))).status, 204);
    const unheard = (await (await get('/api/voicemail?unheard=true')).json()) as { messages: { id: string }[] };
    assert.deepEqual(unheard.messages.map((m) => m.id), ['m2']);
    assert.equal((await put('m1', JSON.stringify({ heard: 'yes' }))).status, 400);
    assert.equal((await put('nope', JSON.stringify({ heard: true }))).status, 404);
  });

  test('an agent reaches only the boxes it was given: other messages do not exist for it', async () => {
    const sam = await login('sam', 'agent-password');
    const list = (await (await get('/api/voicemail', sam)).json()) as { messages: { id: string }[]; boxes: { box: string }[] };
    assert.deepEqual(list.messages.map((m) => m.id), ['m2']);
    assert.deepEqual(list.boxes.map((b) => b.box), ['sales']);
    assert.deepEqual(((await (await get('/api/voicemail?box=general', sam)).json()) as { messages: unknown[] }).messages, []);
    assert.equal((await get('/api/voicemail/m1/audio', sam)).status, 404, 'a message of another box');
    const heard = await app.request(`${BASE}/api/voicemail/m1/heard`, { method: 'PUT', headers: { cookie: sam.cookie, 'x-csrf-token': sam.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ heard: false }) });
    assert.equal(heard.status, 404);
    const ann = await login('ann', 'agent-password');
    const none = (await (await get('/api/voicemail', ann)).json()) as { messages: unknown[]; boxes: unknown[] };
    assert.deepEqual(none, { messages: [], boxes: [] }, 'an agent without boxes sees nothing');
  });
});
