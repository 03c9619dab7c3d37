import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginLimiter } from './login-limiter.ts';

function limiter() {
  const clock = { now: 0 };
  return { clock, limiter: new LoginLimiter({ now: () => clock.now, maxFailures: 5, lockoutMs: 30_000 }) };
}

function fail(l: LoginLimiter, key: string): void {
  const a = l.begin(key);
  assert.ok(a.ok);
  a.finish(false);
}

describe('login rate limiting', () => {
  test('five failures lock the user name and address out for 30 seconds', () => {
    const { clock, limiter: l } = limiter();
    const key = LoginLimiter.keyOf('admin', '10.0.0.1');
    for (let i = 0; i < 5; i++) fail(l, key);
    const locked = l.begin(key);
    assert.deepEqual(locked, { ok: false, retryAfterMs: 30_000 });
    clock.now += 29_999;
    assert.equal(l.begin(key).ok, false);
    clock.now += 1;
    assert.equal(l.begin(key).ok, true);
  });

  test('the lockout is per user name and address', () => {
    const { limiter: l } = limiter();
    for (let i = 0; i < 5; i++) fail(l, LoginLimiter.keyOf('admin', '10.0.0.1'));
    assert.equal(l.begin(LoginLimiter.keyOf('ADMIN', '10.0.0.1')).ok, false);
    assert.equal(l.begin(LoginLimiter.keyOf('admin', '10.0.0.2')).ok, true);
    assert.equal(l.begin(LoginLimiter.keyOf('alice', '10.0.0.1')).ok, true);
  });

  test('a success clears the failures', () => {
    const { limiter: l } = limiter();
    const key = LoginLimiter.keyOf('admin', 'ip');
    for (let i = 0; i < 4; i++) fail(l, key);
    const ok = l.begin(key);
    assert.ok(ok.ok);
    ok.finish(true);
    for (let i = 0; i < 4; i++) fail(l, key);
    assert.equal(l.begin(key).ok, true);
  });

  test('parallel attempts cannot exceed the budget while they are being checked', () => {
    const { limiter: l } = limiter();
    const key = LoginLimiter.keyOf('admin', 'ip');
    const attempts = Array.from({ length: 10 }, () => l.begin(key));
    assert.equal(attempts.filter((a) => a.ok).length, 5);
  });

  test('failures older than the window are forgotten', () => {
    const clock = { now: 0 };
    const l = new LoginLimiter({ now: () => clock.now, maxFailures: 3, windowMs: 60_000 });
    const key = 'k';
    fail(l, key);
    fail(l, key);
    clock.now += 61_000;
    fail(l, key);
    fail(l, key);
    assert.equal(l.begin(key).ok, true);
  });
});
