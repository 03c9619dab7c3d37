import { copyFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyBundle, type Refusal, type VerifiedBundle, type VerifyOptions } from './bundle-verifier.ts';
import { compareVersions } from './version.ts';
import { syncDir } from './write-file-durably.ts';

/**
 * Air-gapped sites get updates on a USB stick: every `*.ccb` at the top of the stick (or one
 * folder down) is looked at, those this device would refuse are listed with their reason, and
 * the newest acceptable one is copied to the data partition, so the stick may be pulled while
 * the install runs.
 */
export interface UsbScan {
  chosen: VerifiedBundle | undefined;
  refused: { path: string; refusal: Refusal }[];
}

async function bundlesIn(dir: string, depth: number): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined);
    if (st?.isFile() && name.endsWith('.ccb')) out.push(path);
    else if (st?.isDirectory() && depth > 0) out.push(...(await bundlesIn(path, depth - 1)));
  }
  return out;
}

export async function scanUsb(mountDir: string, verify: Omit<VerifyOptions, 'headerOnly'>): Promise<UsbScan> {
  const refused: UsbScan['refused'] = [];
  let chosen: VerifiedBundle | undefined;
  for (const path of await bundlesIn(mountDir, 1)) {
    // Header checks only here (signature, board, version, size); the installer hashes the copy in full.
    const result = await verifyBundle(path, { ...verify, headerOnly: true });
    if (!result.ok) refused.push({ path, refusal: result });
    else if (!chosen || compareVersions(result.manifest.version, chosen.manifest.version) > 0) chosen = result;
  }
  return { chosen, refused };
}

/** Copies the chosen bundle onto the data partition and returns the copy's path. */
export async function copyToData(bundle: VerifiedBundle, incomingDir: string): Promise<string> {
  const dest = join(incomingDir, `usb-${bundle.manifest.version}.ccb`);
  await copyFile(bundle.path, dest);
  await syncDir(incomingDir);
  return dest;
}
