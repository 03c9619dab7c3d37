import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { BundleManifest, type BundleManifestInput } from './bundle-manifest.ts';
import { encodeHeader } from './bundle-format.ts';
import { signManifest } from './bundle-signing.ts';

export interface BundleSource {
  /** Path inside the bundle (and the slot). */
  path: string;
  /** Where to read it from now. */
  from: string;
  mode?: number;
}

export interface MakeBundleOptions {
  out: string;
  version: string;
  board: string;
  payload: 'image' | 'files';
  files: BundleSource[];
  privateKeyPem: string;
  description?: string;
  createdAt?: number;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Builds and signs a bundle: used by scripts/make-bundle.ts and the tests. */
export async function makeBundle(options: MakeBundleOptions): Promise<BundleManifest> {
  const input: BundleManifestInput = {
    format: 1,
    version: options.version,
    board: options.board,
    payload: options.payload,
    createdAt: options.createdAt ?? Date.now(),
    ...(options.description ? { description: options.description } : {}),
    files: await Promise.all(
      options.files.map(async (f) => ({ path: f.path, size: (await stat(f.from)).size, sha256: await sha256File(f.from), mode: f.mode ?? 0o644 })),
    ),
  };
  const manifest = BundleManifest.parse(input);
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 1));
  const fh = await open(options.out, 'w');
  try {
    await fh.write(encodeHeader(manifestBytes, signManifest(manifestBytes, options.privateKeyPem)));
    for (const f of options.files) {
      for await (const chunk of createReadStream(f.from, { highWaterMark: 1024 * 1024 })) await fh.write(chunk as Buffer);
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  return manifest;
}
