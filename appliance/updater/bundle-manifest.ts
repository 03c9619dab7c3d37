import { z } from 'zod';
import { BoardId } from '../../hardware/profiles/board-profile.ts';
import { isVersion } from './version.ts';

/**
 * The manifest is what gets signed: version, target board and each payload file with its
 * size and SHA-256. The signature covers the manifest's exact bytes as stored in the bundle,
 * so nothing is re-serialised before verifying.
 */
const RelativePath = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'must be a relative path of [A-Za-z0-9._-] segments')
  .refine((p) => !p.split('/').some((s) => s === '.' || s === '..'), 'must not hold . or .. segments');

export const ManifestFile = z.object({
  path: RelativePath,
  size: z.number().int().nonnegative().max(64 * 1024 ** 3),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
  /** Unix permission bits for `files` payloads. */
  mode: z.number().int().min(0).max(0o777).default(0o644),
});
export type ManifestFile = z.infer<typeof ManifestFile>;

export const BundleManifest = z
  .object({
    format: z.literal(1),
    version: z.string().refine(isVersion, 'must be a version like 1.4.2 or 1.5.0-rc.1'),
    board: BoardId,
    /**
     * `image`: one file, a filesystem image written raw to the slot's partition (the real box);
     * `files`: a tree of files written into the slot's directory (the simulated slots).
     */
    payload: z.enum(['image', 'files']),
    createdAt: z.number().int().nonnegative(),
    description: z.string().max(500).optional(),
    files: z.array(ManifestFile).min(1).max(10_000),
  })
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    m.files.forEach((f, i) => {
      if (seen.has(f.path)) ctx.addIssue({ code: 'custom', path: ['files', i, 'path'], message: `${f.path} appears twice` });
      seen.add(f.path);
    });
    if (m.payload === 'image' && m.files.length !== 1) ctx.addIssue({ code: 'custom', path: ['files'], message: 'an image payload is exactly one file' });
  });
export type BundleManifest = z.infer<typeof BundleManifest>;
export type BundleManifestInput = z.input<typeof BundleManifest>;

export const BundleSignature = z.object({
  /** First 16 hex digits of the SHA-256 of the raw public key: which trusted key to use. */
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  algorithm: z.literal('ed25519'),
  /** Base64 of the 64-byte ed25519 signature (RFC 8032) over the manifest bytes. */
  signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'must be a base64 ed25519 signature'),
});
export type BundleSignature = z.infer<typeof BundleSignature>;

export function totalPayloadBytes(manifest: BundleManifest): number {
  return manifest.files.reduce((n, f) => n + f.size, 0);
}
