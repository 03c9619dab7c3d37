// Identifiers the stack mints: branch (with the RFC 3261 magic cookie, §8.1.1.7), tags
// (§19.3: at least 32 bits of randomness) and Call-IDs.
import { randomBytes } from 'node:crypto';

let pool = Buffer.alloc(0);
let offset = 0;

function random(bytes: number): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  const s = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return s;
}

export const magicCookie = 'z9hG4bK';
export const newBranch = (): string => magicCookie + random(10);
export const newTag = (): string => random(6);
export const newCallId = (): string => random(12);
