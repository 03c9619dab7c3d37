import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BundleSignature } from './bundle-manifest.ts';

/** ed25519 over the manifest bytes (RFC 8032 via node:crypto; no pre-hash). */

export function keyIdOf(publicKey: KeyObject): string {
  const raw = publicKey.export({ format: 'der', type: 'spki' });
  // The last 32 bytes of an ed25519 SPKI are the raw key.
  return createHash('sha256').update(raw.subarray(raw.length - 32)).digest('hex').slice(0, 16);
}

export function signManifest(manifestBytes: Uint8Array, privateKeyPem: string): BundleSignature {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`signing key is ${key.asymmetricKeyType}, not ed25519`);
  const signature = sign(null, manifestBytes, key).toString('base64');
  return { keyId: keyIdOf(createPublicKey(key)), algorithm: 'ed25519', signature };
}

/** The public keys a device trusts, by key id. */
export type TrustedKeys = ReadonlyMap<string, KeyObject>;

export function trustedKeysFromPems(pems: string[]): TrustedKeys {
  const map = new Map<string, KeyObject>();
  for (const pem of pems) {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`trusted key is ${key.asymmetricKeyType}, not ed25519`);
    map.set(keyIdOf(key), key);
  }
  return map;
}

/** Every `*.pub` PEM in a directory: on the box, the keys shipped on the running system slot. */
export async function loadTrustedKeys(dir: string): Promise<TrustedKeys> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.pub')).sort();
  return trustedKeysFromPems(await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8'))));
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'unknown-key' | 'bad-signature' };

export function checkSignature(manifestBytes: Uint8Array, signature: BundleSignature, keys: TrustedKeys): SignatureCheck {
  const key = keys.get(signature.keyId);
  if (!key) return { ok: false, reason: 'unknown-key' };
  const ok = verify(null, manifestBytes, key, Buffer.from(signature.signature, 'base64'));
  return ok ? { ok: true } : { ok: false, reason: 'bad-signature' };
}
