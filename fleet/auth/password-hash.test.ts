import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, randomToken, safeEqual, verifyPassword } from './password-hash.ts';

const CHEAP = { N: 1024, r: 8, p: 1 };

describe('password hashing', () => {
  test('encodes scrypt with its parameters and a random salt', async () => {
    const a = await hashPassword('correct horse', CHEAP);
    const b = await hashPassword('correct horse', CHEAP);
    assert.match(a, /^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b);
  });

  test('verifies the right password and refuses a wrong one', async () => {
    const h = await hashPassword('correct horse', CHEAP);
    assert.equal(await verifyPassword('correct horse', h), true);
    assert.equal(await verifyPassword('correct horsf', h), false);
    assert.equal(await verifyPassword('', h), false);
  });

  test('verifies with the parameters stored in the hash, not the current defaults', async () => {
    const h = await hashPassword('pw-with-other-cost', { N: 2048, r: 4, p: 2 });
    assert.equal(await verifyPassword('pw-with-other-cost', h), true);
  });

  test('a malformed or tampered hash never matches and never throws', async () => {
    const h = await hashPassword('x', CHEAP);
    for (const bad of ['', 'plain', h.replace('scrypt', 'bcrypt'), h.replace('$1024$', '$1000$'), h.replace('$1024$', `$${2 ** 30}$`), h.slice(0, -4)]) {
      assert.equal(await verifyPassword('x', bad), false, bad);
    }
  });

  test('random tokens are 32 bytes of base64url and differ', () => {
    const t = randomToken();
    assert.equal(Buffer.from(t, 'base64url').length, 32);
    assert.notEqual(t, randomToken());
  });

  test('safeEqual compares strings of any lengths', () => {
    assert.equal(safeEqual('abc', 'abc'), true);
    assert.equal(safeEqual('abc', 'abcd'), false);
    assert.equal(safeEqual('', 'a'), false);
  });
});
