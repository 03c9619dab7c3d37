import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionStore } from './session-store.ts';

function store() {
  const clock = { now: 1_000_000 };
  const sessions = new SessionStore({ now: () => clock.now, idleTimeoutMs: 60_000, absoluteTimeoutMs: 300_000, maxSessions: 3 });
  return { clock, sessions };
}

describe('console sessions', () => {
  test('a new session has a 32-byte token and a separate CSRF token', () => {
    const { sessions } = store();
    const { token, session } = sessions.create('alice');
    assert.equal(Buffer.from(token, 'base64url').length, 32);
    assert.notEqual(session.csrfToken, token);
    assert.equal(sessions.get(token)?.username, 'alice');
    assert.equal(sessions.get(`${token}x`), undefined);
    assert.equal(sessions.get(undefined), undefined);
  });

  test('ends after the idle timeout unless used', () => {
    const { clock, sessions } = store();
    const { token } = sessions.create('alice');
    clock.now += 59_000;
    assert.ok(sessions.get(token));
    clock.now += 59_000;
    assert.ok(sessions.get(token), 'use resets the idle clock');
    clock.now += 60_000;
    assert.equal(sessions.get(token), undefined);
  });

  test('a look-up without touch does not keep the session alive', () => {
    const { clock, sessions } = store();
    const { token } = sessions.create('alice');
    clock.now += 50_000;
    assert.ok(sessions.get(token, false));
    clock.now += 10_000;
    assert.equal(sessions.get(token), undefined);
  });

  test('ends after the absolute timeout however busy', () => {
    const { clock, sessions } = store();
    const { token, session } = sessions.create('alice');
    assert.equal(sessions.expiresAt(session), 1_000_000 + 60_000);
    for (let i = 0; i < 9; i++) {
      clock.now += 30_000;
      assert.ok(sessions.get(token), `still alive at step ${i}`);
    }
    clock.now += 30_000;
    assert.equal(sessions.get(token), undefined);
  });

  test('logout and revoking a user end sessions', () => {
    const { sessions } = store();
    const a = sessions.create('alice');
    const b = sessions.create('Bob');
    const c = sessions.create('bob');
    assert.equal(sessions.revoke(a.token), true);
    assert.equal(sessions.get(a.token), undefined);
    assert.equal(sessions.revokeUser('BOB'), 2);
    assert.equal(sessions.get(b.token), undefined);
    assert.equal(sessions.get(c.token), undefined);
  });

  test('keeps at most maxSessions, dropping the oldest', () => {
    const { sessions } = store();
    const tokens = [1, 2, 3, 4].map(() => sessions.create('alice').token);
    assert.equal(sessions.size, 3);
    assert.equal(sessions.get(tokens[0]), undefined);
    assert.ok(sessions.get(tokens[3]));
  });

  test('sweep drops expired sessions', () => {
    const { clock, sessions } = store();
    sessions.create('alice');
    sessions.create('bob');
    clock.now += 61_000;
    assert.equal(sessions.sweep(), 2);
    assert.equal(sessions.size, 0);
  });

  test('the CSRF check needs the exact token of the session', () => {
    const { sessions } = store();
    const { session } = sessions.create('alice');
    assert.equal(SessionStore.csrfMatches(session, session.csrfToken), true);
    assert.equal(SessionStore.csrfMatches(session, undefined), false);
    assert.equal(SessionStore.csrfMatches(session, ''), false);
    assert.equal(SessionStore.csrfMatches(session, session.csrfToken.slice(1)), false);
  });
});
