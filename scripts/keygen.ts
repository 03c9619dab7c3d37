// Generates an ed25519 key pair for signing update bundles.
//   npx tsx scripts/keygen.ts --out keys/release   → keys/release.key (private, 0600) and keys/release.pub
// The .pub goes into the image's trusted keys (images/: /usr/share/cc/keys/); the .key stays
// offline with whoever signs releases.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { keyIdOf } from '../appliance/updater/bundle-signing.ts';

const { values } = parseArgs({ options: { out: { type: 'string' }, force: { type: 'boolean', default: false } } });
if (!values.out) {
  console.error('usage: keygen.ts --out <path-prefix> [--force]');
  process.exit(2);
}
const keyPath = `${values.out}.key`;
const pubPath = `${values.out}.pub`;
if (!values.force && (existsSync(keyPath) || existsSync(pubPath))) {
  console.error(`${keyPath} or ${pubPath} exists; pass --force to replace it`);
  process.exit(1);
}
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
mkdirSync(dirname(keyPath), { recursive: true });
writeFileSync(keyPath, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
writeFileSync(pubPath, publicKey.export({ format: 'pem', type: 'spki' }));
console.log(JSON.stringify({ keyId: keyIdOf(publicKey), privateKey: keyPath, publicKey: pubPath }));
