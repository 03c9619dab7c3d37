import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt cost parameters (RFC 7914 §2): N is the CPU/memory cost, r the block size, p parallelism. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * For people's passwords: ~75 ms and 32 MiB per hash on the reference box, which makes an
 * offline guess expensive while a login stays instant.
 */
export const PASSWORD_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

/**
 * For device secrets: they are 256 random bits, so no guessing is possible whatever the
 * cost; a cheaper hash keeps thousands of devices reconnecting after a fleet restart fast.
 */
export const DEVICE_SECRET_SCRYPT: ScryptParams = { N: 2 ** 14, r: 8, p: 1 };

const KEY_BYTES = 32;
const SALT_BYTES = 16;
const PREFIX = 'scrypt';
/** Refuse absurd parameters from a tampered store rather than allocate gigabytes. */
const MAX_N = 2 ** 20;

export class PasswordHashFormatError extends Error {
  override name = 'PasswordHashFormatError';
}

function scrypt(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  // Node refuses a cost above maxmem (default 32 MiB); scrypt needs 128·N·r bytes plus slack.
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** `scrypt$N$r$p$salt$key` (salt and key base64url): the parameters travel with the hash so they can change later. */
export async function hashPassword(password: string, params: ScryptParams = PASSWORD_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, params);
  return [PREFIX, params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

function parseHash(encoded: string): ParsedHash {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== PREFIX) throw new PasswordHashFormatError('not an scrypt hash');
  const [N, r, p] = parts.slice(1, 4).map((x) => Number(x)) as [number, number, number];
  const valid = (x: number) => Number.isSafeInteger(x) && x > 0;
  if (!valid(N) || !valid(r) || !valid(p) || N > MAX_N || (N & (N - 1)) !== 0) {
    throw new PasswordHashFormatError('scrypt parameters out of range');
  }
  const salt = Buffer.from(parts[4]!, 'base64url');
  const key = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8 || key.length !== KEY_BYTES) throw new PasswordHashFormatError('scrypt salt or key has a wrong length');
  return { params: { N, r, p }, salt, key };
}

/** True when `password` matches `encoded`; the final comparison is constant-time. A malformed hash never matches. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  let parsed: ParsedHash;
  try {
    parsed = parseHash(encoded);
  } catch {
    return false;
  }
  const key = await scrypt(password, parsed.salt, parsed.params);
  return timingSafeEqual(key, parsed.key);
}

/** A fixed hash to verify against when the user does not exist, so timing does not reveal which names exist. */
const dummyHashes = new Map<string, Promise<string>>();
export function dummyPasswordHash(params: ScryptParams = PASSWORD_SCRYPT): Promise<string> {
  const key = `${params.N}/${params.r}/${params.p}`;
  let hash = dummyHashes.get(key);
  if (!hash) {
    hash = hashPassword(randomBytes(16).toString('base64url'), params);
    dummyHashes.set(key, hash);
  }
  return hash;
}

/** 32 random bytes, base64url: device secrets, session and CSRF tokens. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant-time equality of two strings of possibly different lengths (compares their digests). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}
