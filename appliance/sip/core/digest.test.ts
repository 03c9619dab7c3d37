import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAuthorization, computeDigestResponse, DigestServer, parseChallenge } from './digest.ts';

test('matches the RFC 2617 §3.5 MD5 qop=auth vector', () => {
  assert.equal(computeDigestResponse({
    algorithm: 'MD5', username: 'Mufasa', realm: 'testrealm@host.com', password: 'Circle Of Life', method: 'GET',
    uri: '/dir/index.html', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', qop: 'auth', nc: '00000001', cnonce: '0a4f113b',
  }), '6629fae49393a05397450978507c4ef1');
});

const rfc7616 = {
  username: 'Mufasa', realm: 'http-auth@example.org', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', qop: 'auth' as const, nc: '00000001', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};

test('matches the RFC 7616 §3.9.1 SHA-256 vector (the algorithm RFC 8760 brings to SIP)', () => {
  assert.equal(computeDigestResponse({ ...rfc7616, algorithm: 'SHA-256' }), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
});

test('matches the RFC 7616 §3.9.1 MD5 vector', () => {
  assert.equal(computeDigestResponse({ ...rfc7616, algorithm: 'MD5' }), '8ca523f5e9506fed4657c9700eebdbec');
});

test('accepts credentials built from its own challenge, with either algorithm', () => {
  const server = new DigestServer({ realm: 'cc.local' });
  for (const ch of server.challenges(1000)) {
    const c = parseChallenge(ch)!;
    const auth = buildAuthorization(c, { username: '1001', password: 's3cret' }, 'REGISTER', 'sip:cc.local');
    assert.deepEqual(server.verify(auth, 'REGISTER', 2000, (u) => (u === '1001' ? 's3cret' : undefined)), { verdict: 'ok', username: '1001' });
  }
});

test('refuses a wrong password, a forged nonce and a foreign scheme, and calls an old nonce stale', () => {
  const server = new DigestServer({ realm: 'cc.local', nonceLifetimeMs: 60_000 });
  const c = parseChallenge(server.challenges(0)[0]!)!;
  const pw = () => 's3cret';
  assert.equal(server.verify(buildAuthorization(c, { username: 'u', password: 'nope' }, 'INVITE', 'sip:x'), 'INVITE', 1, pw).verdict, 'invalid');
  const forged = buildAuthorization({ ...c, nonce: 'abc.def' }, { username: 'u', password: 's3cret' }, 'INVITE', 'sip:x');
  assert.equal(server.verify(forged, 'INVITE', 1, pw).verdict, 'invalid');
  assert.equal(server.verify('NoOneKnowsThisScheme opaque-data=here', 'INVITE', 1, pw).verdict, 'missing');
  const good = buildAuthorization(c, { username: 'u', password: 's3cret' }, 'INVITE', 'sip:x');
  assert.equal(server.verify(good, 'INVITE', 120_000, pw).verdict, 'stale');
});
