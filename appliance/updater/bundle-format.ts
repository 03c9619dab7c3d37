import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BundleManifest, BundleSignature, ManifestFile } from './bundle-manifest.ts';

/**
 * The bundle file (`.ccb`): a small header, then the payload files back to back.
 *
 *   "CCBUNDL1" | u32be n | manifest (n bytes, JSON) | u32be m | signature (m bytes, JSON) | payload
 *
 * The manifest comes first so a device checks the signature, board and version before it reads
 * a byte of payload, and the payload is a plain concatenation in manifest order so each file is
 * one byte range: hashed while streamed, never unpacked to a temporary tree.
 */
export const MAGIC = Buffer.from('CCBUNDL1', 'latin1');
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_SIGNATURE_BYTES = 4096;

export interface BundleHeader {
  manifestBytes: Buffer;
  signatureBytes: Buffer;
  /** Where the payload starts in the file. */
  payloadOffset: number;
  /** The file's size when the header was read. */
  fileSize: number;
}

export class BundleFormatError extends Error {
  override name = 'BundleFormatError';
}

async function readExactly(fh: FileHandle, position: number, length: number, what: string): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new BundleFormatError(`the file ends inside the ${what} (truncated)`);
    done += bytesRead;
  }
  return buf;
}

export async function readBundleHeader(path: string): Promise<BundleHeader> {
  const fh = await open(path, 'r');
  try {
    const fileSize = (await fh.stat()).size;
    const magic = await readExactly(fh, 0, MAGIC.length, 'magic');
    if (!magic.equals(MAGIC)) throw new BundleFormatError('not a bundle: the file does not start with CCBUNDL1');
    const n = (await readExactly(fh, 8, 4, 'manifest length')).readUInt32BE(0);
    if (n === 0 || n > MAX_MANIFEST_BYTES) throw new BundleFormatError(`manifest length ${n} is out of bounds`);
    const manifestBytes = await readExactly(fh, 12, n, 'manifest');
    const m = (await readExactly(fh, 12 + n, 4, 'signature length')).readUInt32BE(0);
    if (m === 0 || m > MAX_SIGNATURE_BYTES) throw new BundleFormatError(`signature length ${m} is out of bounds`);
    const signatureBytes = await readExactly(fh, 16 + n, m, 'signature');
    return { manifestBytes, signatureBytes, payloadOffset: 16 + n + m, fileSize };
  } finally {
    await fh.close();
  }
}

export function encodeHeader(manifestBytes: Uint8Array, signature: BundleSignature): Buffer {
  const sig = Buffer.from(JSON.stringify(signature));
  const len = (x: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(x, 0);
    return b;
  };
  return Buffer.concat([MAGIC, len(manifestBytes.length), manifestBytes, len(sig.length), sig]);
}

/** Byte ranges of each payload file, in manifest order. */
export function payloadRanges(manifest: BundleManifest, payloadOffset: number): { file: ManifestFile; start: number; end: number }[] {
  let at = payloadOffset;
  return manifest.files.map((file) => {
    const range = { file, start: at, end: at + file.size };
    at += file.size;
    return range;
  });
}

/** A stream of one payload file's bytes. */
export function payloadStream(bundlePath: string, start: number, end: number): Readable {
  // createReadStream's `end` is inclusive; an empty file gets an empty range.
  return end > start ? createReadStream(bundlePath, { start, end: end - 1, highWaterMark: 1024 * 1024 }) : createReadStream(bundlePath, { start: 0, end: -1 });
}

export async function sha256OfRange(bundlePath: string, start: number, end: number): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  await pipeline(payloadStream(bundlePath, start, end), async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      hash.update(chunk);
      bytes += chunk.length;
    }
  });
  return { sha256: hash.digest('hex'), bytes };
}
