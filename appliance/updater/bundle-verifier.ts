import { BundleManifest, BundleSignature, totalPayloadBytes } from './bundle-manifest.ts';
import { BundleFormatError, payloadRanges, readBundleHeader, sha256OfRange, type BundleHeader } from './bundle-format.ts';
import { checkSignature, type TrustedKeys } from './bundle-signing.ts';
import { compareVersions } from './version.ts';

/** Why a bundle is refused: one code a program can act on, and a sentence for a person. */
export type RefusalCode =
  | 'not-a-bundle'
  | 'truncated'
  | 'trailing-data'
  | 'bad-signature'
  | 'unknown-key'
  | 'bad-manifest'
  | 'wrong-board'
  | 'downgrade'
  | 'same-version'
  | 'hash-mismatch';

export interface Refusal {
  ok: false;
  code: RefusalCode;
  reason: string;
}

export interface VerifiedBundle {
  ok: true;
  path: string;
  manifest: BundleManifest;
  header: BundleHeader;
  keyId: string;
}

export type VerifyResult = VerifiedBundle | Refusal;

export interface VerifyOptions {
  trustedKeys: TrustedKeys;
  /** The board this device is. */
  board: string;
  /** The version running now: anything not newer is refused. */
  installedVersion: string;
  /** Re-install the running version (repair); a lower version is refused regardless. */
  allowSameVersion?: boolean;
  /** Skip hashing the payload (the installer hashes while it writes); header checks only. */
  headerOnly?: boolean;
}

const refuse = (code: RefusalCode, reason: string): Refusal => ({ ok: false, code, reason });

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Everything that can be checked without writing anything: format, signature over the exact
 * manifest bytes (checked before the manifest is even parsed), board, anti-rollback, size, and
 * the SHA-256 of every payload file. It never throws for a bad bundle; it returns the refusal.
 */
export async function verifyBundle(path: string, options: VerifyOptions): Promise<VerifyResult> {
  let header: BundleHeader;
  try {
    header = await readBundleHeader(path);
  } catch (err) {
    if (err instanceof BundleFormatError) return refuse(/truncated/.test(err.message) ? 'truncated' : 'not-a-bundle', err.message);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return refuse('not-a-bundle', `${path} does not exist`);
    throw err;
  }
  const sig = BundleSignature.safeParse(parseJson(header.signatureBytes));
  if (!sig.success) return refuse('bad-signature', 'the signature block is not a valid ed25519 signature record');
  const check = checkSignature(header.manifestBytes, sig.data, options.trustedKeys);
  if (!check.ok) {
    return check.reason === 'unknown-key'
      ? refuse('unknown-key', `signed with key ${sig.data.keyId}, which this device does not trust`)
      : refuse('bad-signature', `the signature does not match the manifest (key ${sig.data.keyId})`);
  }
  const parsed = BundleManifest.safeParse(parseJson(header.manifestBytes));
  if (!parsed.success) {
    return refuse('bad-manifest', `signed manifest is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const manifest = parsed.data;
  if (manifest.board !== options.board) return refuse('wrong-board', `the bundle is for board ${manifest.board}, this device is ${options.board}`);
  const order = compareVersions(manifest.version, options.installedVersion);
  if (order < 0) return refuse('downgrade', `version ${manifest.version} is older than the installed ${options.installedVersion}; downgrades are refused`);
  if (order === 0 && !options.allowSameVersion) return refuse('same-version', `version ${manifest.version} is already installed`);
  const expected = header.payloadOffset + totalPayloadBytes(manifest);
  if (header.fileSize < expected) return refuse('truncated', `the bundle is ${header.fileSize} bytes, the manifest needs ${expected}: truncated`);
  if (header.fileSize > expected) return refuse('trailing-data', `the bundle has ${header.fileSize - expected} bytes after its payload`);
  if (!options.headerOnly) {
    for (const { file, start, end } of payloadRanges(manifest, header.payloadOffset)) {
      const { sha256, bytes } = await sha256OfRange(path, start, end);
      if (bytes !== file.size) return refuse('truncated', `${file.path}: read ${bytes} of ${file.size} bytes (the file changed while it was checked)`);
      if (sha256 !== file.sha256) return refuse('hash-mismatch', `${file.path}: SHA-256 is ${sha256}, the signed manifest says ${file.sha256}`);
    }
  }
  return { ok: true, path, manifest, header, keyId: sig.data.keyId };
}
