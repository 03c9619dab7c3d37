import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { Id } from './ids.ts';
import { describeIssues } from './decode.ts';

/**
 * The offline bundle for air-gapped sites: what the fleet would have pushed, signed with the
 * fleet's ed25519 key and carried on a USB stick. The signature covers the payload's exact
 * bytes (base64 in the file), so nothing has to be re-serialised the same way to check it.
 * `kind` leaves room for upgrade bundles.
 */
export const BUNDLE_FORMAT = 'cc-bundle/1';
/** Bundles are refused above this size before anything is parsed. */
export const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;

export const BundleFile = z.object({
  format: z.literal(BUNDLE_FORMAT),
  /** Which signing key: the first 16 hex digits of sha256 over its SPKI DER. */
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  payload: z.string().min(1),
  signature: z.string().min(1),
});
export type BundleFile = z.infer<typeof BundleFile>;

export const ConfigBundlePayload = z.object({
  kind: z.literal('config'),
  site: Id,
  device: Id,
  version: z.number().int().positive(),
  issuedAt: z.number().int().nonnegative(),
  by: z.string().max(128).optional(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  config: z.record(z.string(), z.unknown()),
});
export type ConfigBundlePayload = z.infer<typeof ConfigBundlePayload>;

export class BundleError extends Error {
  override name = 'BundleError';
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/** Signs a payload with the fleet's private key; the result is the bundle file's text. */
export function signBundle(payload: ConfigBundlePayload, privateKey: KeyObject): string {
  const bytes = Buffer.from(JSON.stringify(ConfigBundlePayload.parse(payload)));
  const file: BundleFile = {
    format: BUNDLE_FORMAT,
    keyId: keyIdOf(createPublicKey(privateKey)),
    payload: bytes.toString('base64'),
    signature: sign(null, bytes, privateKey).toString('base64'),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * Checks a bundle file against the trusted public keys and returns its payload, or throws
 * BundleError saying why: unknown key, bad signature, malformed payload.
 */
export function verifyBundle(text: string | Buffer, trustedKeys: readonly KeyObject[]): ConfigBundlePayload {
  if (Buffer.byteLength(text) > MAX_BUNDLE_BYTES) throw new BundleError(`bundle is larger than ${MAX_BUNDLE_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text.toString());
  } catch {
    throw new BundleError('not a bundle: the file is not JSON');
  }
  const file = BundleFile.safeParse(json);
  if (!file.success) throw new BundleError(`not a bundle: ${describeIssues(file.error)}`);
  const key = trustedKeys.find((k) => keyIdOf(k) === file.data.keyId);
  if (!key) throw new BundleError(`signed by key ${file.data.keyId}, which this appliance does not trust`);
  const bytes = Buffer.from(file.data.payload, 'base64');
  let ok = false;
  try {
    ok = verify(null, bytes, key, Buffer.from(file.data.signature, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) throw new BundleError('the signature does not match the content: the bundle was altered or damaged');
  let payload: unknown;
  try {
    payload = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new BundleError('the signed payload is not JSON');
  }
  const parsed = ConfigBundlePayload.safeParse(payload);
  if (!parsed.success) throw new BundleError(`the signed payload is invalid: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** A trusted key from configuration text: PEM, or base64 of the SPKI DER. */
export function parsePublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  const key = trimmed.startsWith('-----BEGIN')
    ? createPublicKey(trimmed)
    : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ed25519') throw new BundleError(`bundle keys must be ed25519, not ${key.asymmetricKeyType}`);
  return key;
}
