import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Low, Memory } from 'lowdb';
import { ConsoleAuth } from './console-auth.ts';
import { LoginLimiter } from './login-limiter.ts';
import { SessionStore } from './session-store.ts';
import { UserStore, emptyUsersDoc, type UsersDoc } from './user-store.ts';

async function setup() {
  const clock = { now: 0 };
  const users = await UserStore.open({ db: new Low<UsersDoc>(new Memory(), emptyUsersDoc()), hashParams: { N: 1024, r: 8, p: 1 } });
  await users.createUser({ username: 'ops', password: 'ops-password', role: 'operator' });
  const auth = new ConsoleAuth({
    users,
    sessions: new SessionStore({ now: () => clock.now, idleTimeoutMs: 10_000 }),
    limiter: new LoginLimiter({ now: () => clock.now }),
  });
  return { clock, auth, users };
}

describe('console login', () => {
  test('a right password opens a session that authenticates with the current role', async () => {
    const { auth } = await setup();
    const r = await auth.login('OPS', 'ops-password', '10.1.1.1');
    assert.ok(r.ok);
    assert.equal(r.user.username, 'ops');
    const ctx = auth.authenticate(r.token);
    assert.equal(ctx?.user.role, 'operator');
    auth.logout(r.token);
    assert.equal(auth.authenticate(r.token), undefined);
  });

  test('locks out after five wrong passwords even when the sixth is right, until the lockout passes', async () => {
    const { auth, clock } = await setup();
    for (let i = 0; i < 5; i++) assert.deepEqual(await auth.login('ops', 'wrong-password', 'ip'), { ok: false, reason: 'invalid-credentials' });
    assert.deepEqual(await auth.login('ops', 'ops-password', 'ip'), { ok: false, reason: 'locked', retryAfterMs: 30_000 });
    clock.now += 30_000;
    assert.equal((await auth.login('ops', 'ops-password', 'ip')).ok, true);
  });

  test('a session of a removed user stops authenticating', async () => {
    const { auth, users } = await setup();
    const r = await auth.login('ops', 'ops-password', 'ip');
    assert.ok(r.ok);
    await users.removeUser('ops');
    assert.equal(auth.authenticate(r.token), undefined);
  });

  test('a session expires when idle, measured with the injected clock', async () => {
    const { auth, clock } = await setup();
    const r = await auth.login('ops', 'ops-password', 'ip');
    assert.ok(r.ok);
    clock.now += 9_999;
    assert.ok(auth.authenticate(r.token));
    clock.now += 10_000;
    assert.equal(auth.authenticate(r.token), undefined);
  });
});
