import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Low, Memory } from 'lowdb';
import { InvalidUserError, UserExistsError, UserStore, UsersDocError, emptyUsersDoc, hasRole, type UsersDoc } from './user-store.ts';

const CHEAP = { N: 1024, r: 8, p: 1 };

async function open(data?: UsersDoc) {
  const adapter = new Memory<UsersDoc>();
  if (data) await adapter.write(data);
  const store = await UserStore.open({ db: new Low<UsersDoc>(adapter, emptyUsersDoc()), now: () => 42, hashParams: CHEAP });
  return { adapter, store };
}

describe('console users', () => {
  test('ensureAdmin creates the first admin once and leaves an existing password alone', async () => {
    const { store, adapter } = await open();
    assert.equal(await store.ensureAdmin('admin', 'first-password'), 'created');
    assert.equal(await store.ensureAdmin('admin', 'second-password'), 'exists');
    assert.deepEqual(await store.verify('admin', 'first-password'), { username: 'admin', role: 'admin', createdAt: 42 });
    assert.equal(await store.verify('admin', 'second-password'), undefined);
    const stored = (await adapter.read())!;
    assert.match(stored.users[0]!.passwordHash, /^scrypt\$/);
    assert.equal(JSON.stringify(stored).includes('first-password'), false);
  });

  test('user names are unique without regard to case, and login accepts any case', async () => {
    const { store } = await open();
    await store.createUser({ username: 'Alice', password: 'alice-password', role: 'viewer' });
    await assert.rejects(store.createUser({ username: 'alice', password: 'other-password', role: 'admin' }), UserExistsError);
    assert.equal((await store.verify('ALICE', 'alice-password'))?.username, 'Alice');
  });

  test('refuses short passwords, bad names and unknown roles', async () => {
    const { store } = await open();
    await assert.rejects(store.createUser({ username: 'bob', password: 'short', role: 'viewer' }), InvalidUserError);
    await assert.rejects(store.createUser({ username: 'bob smith', password: 'long-enough', role: 'viewer' }), InvalidUserError);
    await assert.rejects(store.createUser({ username: 'bob', password: 'long-enough', role: 'root' as 'admin' }), InvalidUserError);
  });

  test('an unknown user and a wrong password both fail', async () => {
    const { store } = await open();
    await store.createUser({ username: 'carol', password: 'carol-password', role: 'operator' });
    assert.equal(await store.verify('nobody', 'carol-password'), undefined);
    assert.equal(await store.verify('carol', 'wrong-password'), undefined);
  });

  test('a changed password replaces the old one and a removed user cannot log in', async () => {
    const { store } = await open();
    await store.createUser({ username: 'dave', password: 'old-password', role: 'viewer' });
    await store.setPassword('dave', 'new-password');
    assert.equal(await store.verify('dave', 'old-password'), undefined);
    assert.ok(await store.verify('dave', 'new-password'));
    assert.equal(await store.removeUser('dave'), true);
    assert.equal(await store.verify('dave', 'new-password'), undefined);
  });

  test('refuses to open an invalid document', async () => {
    await assert.rejects(open({ users: [{ username: 'x' }] } as unknown as UsersDoc), UsersDocError);
  });

  test('roles are ordered viewer < operator < admin', () => {
    assert.equal(hasRole('admin', 'operator'), true);
    assert.equal(hasRole('operator', 'operator'), true);
    assert.equal(hasRole('viewer', 'operator'), false);
    assert.equal(hasRole('operator', 'admin'), false);
  });
});
