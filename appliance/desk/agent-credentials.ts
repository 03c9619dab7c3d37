// Agent passwords are stored only as scrypt hashes (node:crypto), in the configuration's
// `desk.agents[].passwordHash`: "scrypt$N$r$p$<salt base64url>$<hash base64url>".
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEY_LEN = 32;

export const PASSWORD_HASH_PATTERN = /^scrypt\$\d{1,7}\$\d{1,2}\$\d{1,2}\$[A-Za-z0-9_-]{16,64}\$[A-Za-z0-9_-]{32,128}$/;

export function hashPassword(password: string, salt: Buffer = randomBytes(16)): string {
  const key = scryptSync(password.normalize('NFC'), salt, KEY_LEN, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Constant-time check; a malformed hash never matches. */
export function verifyPassword(password: string, stored: string): boolean {
  if (!PASSWORD_HASH_PATTERN.test(stored)) return false;
  const [, n, r, p, salt, hash] = stored.split('$') as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64url');
  const cost = Number(n);
  // refuse costs that would let a pushed configuration stall the process
  if (cost > 1 << 20 || (cost & (cost - 1)) !== 0) return false;
  const key = scryptSync(password.normalize('NFC'), Buffer.from(salt, 'base64url'), expected.length, { N: cost, r: Number(r), p: Number(p), maxmem: 256 * 1024 * 1024 });
  return timingSafeEqual(key, expected);
}
