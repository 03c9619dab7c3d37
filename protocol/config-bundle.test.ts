import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { BundleError, parsePublicKey, signBundle, verifyBundle, type ConfigBundlePayload } from './config-bundle.ts';
import { configHash } from './config-document.ts';

const fleetKey = generateKeyPairSync('ed25519');
const otherKey = generateKeyPairSync('ed25519');
const config = { schema: 1, features: { webchat: true } };
const payload: ConfigBundlePayload = { kind: 'config', site: 'gov-01', device: 'cc-1', version: 7, issuedAt: 1_800_000_000_000, by: 'hq-admin', hash: configHash(config), config };

describe('offline bundles', () => {
  test('a bundle signed by a trusted key verifies and returns its payload', () => {
    const text = signBundle(payload, fleetKey.privateKey);
    assert.deepEqual(verifyBundle(text, [otherKey.publicKey, fleetKey.publicKey]), payload);
  });

  test('a tampered payload is refused: the signature no longer matches', () => {
    const file = JSON.parse(signBundle(payload, fleetKey.privateKey));
    const altered = JSON.parse(Buffer.from(file.payload, 'base64').toString());
    altered.config.features.webchat = false;
    file.payload = Buffer.from(JSON.stringify(altered)).toString('base64');
    assert.throws(() => verifyBundle(JSON.stringify(file), [fleetKey.publicKey]), (e: Error) => e instanceof BundleError && /altered/.test(e.message));
  });

  test('a flipped signature bit and a bundle from an untrusted key are refused', () => {
    const file = JSON.parse(signBundle(payload, fleetKey.privateKey));
    const sig = Buffer.from(file.signature, 'base64');
    sig[0]! ^= 1;
    assert.throws(() => verifyBundle(JSON.stringify({ ...file, signature: sig.toString('base64') }), [fleetKey.publicKey]), /altered/);
    assert.throws(() => verifyBundle(signBundle(payload, otherKey.privateKey), [fleetKey.publicKey]), /does not trust/);
  });

  test('garbage and oversized files are refused with a reason, never a crash', () => {
    for (const bad of ['', 'nope', '{}', JSON.stringify({ format: 'cc-bundle/1', keyId: 'x', payload: '', signature: '' })]) {
      assert.throws(() => verifyBundle(bad, [fleetKey.publicKey]), BundleError, bad);
    }
    assert.throws(() => verifyBundle(' '.repeat(5 * 1024 * 1024), [fleetKey.publicKey]), /larger/);
  });

  test('trusted keys are read from PEM or base64 SPKI, and only ed25519 is accepted', () => {
    const pem = fleetKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const der = fleetKey.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    assert.ok(parsePublicKey(pem).equals(fleetKey.publicKey));
    assert.ok(parsePublicKey(der).equals(fleetKey.publicKey));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.throws(() => parsePublicKey(rsa), /ed25519/);
  });
});
