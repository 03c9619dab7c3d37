import { createHash } from 'node:crypto';
import { otherSlot, MAX_TRIES, type BootControl, type Slot } from './boot-control.ts';
import { payloadRanges, payloadStream } from './bundle-format.ts';
import { verifyBundle, type Refusal, type RefusalCode, type VerifyOptions } from './bundle-verifier.ts';
import type { SlotStatusFile } from './slot-status.ts';
import type { SlotStore } from './slot-store.ts';

/**
 * Installs a verified bundle into the inactive slot and arms a trial boot of it. The order is
 * what makes a crash (kill -9, power cut) at any point harmless:
 *
 *   verify     every check, the payload hashed in full; nothing written yet
 *   disarm     an earlier, not yet booted install of the target slot is cancelled
 *   invalidate the target slot is marked `writing` (durably) before its first byte changes
 *   write      payload streamed into the target slot, hashed again on the way (the file could
 *              have changed since `verify`)
 *   seal       the target's bytes fsynced, then marked `complete` with its version
 *   arm        the boot environment gets cc_try=<target>, cc_tries=3, atomically
 *
 * Until `arm` lands, the bootloader only knows the old slot; after it, the new slot is tried
 * and the old one stays the default until the new one commits itself (boot-commit.ts). The
 * active slot is never opened for writing.
 */
export type InstallStep = 'verify' | 'disarm' | 'invalidate' | `write:${string}` | 'seal' | 'arm' | 'done';

export interface InstallerOptions {
  boot: BootControl;
  slots: SlotStore;
  status: SlotStatusFile;
  verify: Omit<VerifyOptions, 'headerOnly'>;
  tries?: number;
  now?: () => number;
  /**
   * Called before each step, and during `write` after each chunk with the file's bytes so far
   * (`write:<path>@<bytes>`); the crash tests stop the process here.
   */
  onStep?: (step: string) => void | Promise<void>;
}

export type InstallResult =
  | { ok: true; slot: Slot; version: string; rebootRequired: true }
  | (Refusal & { ok: false })
  | { ok: false; code: InstallFailureCode; reason: string };

export type InstallFailureCode = 'busy' | 'payload-mismatch' | 'write-failed' | 'wrong-payload';

export class Installer {
  private running = false;

  constructor(private readonly options: InstallerOptions) {}

  async install(bundlePath: string): Promise<InstallResult> {
    if (this.running) return { ok: false, code: 'busy', reason: 'an install is already running' };
    this.running = true;
    try {
      return await this.run(bundlePath);
    } finally {
      this.running = false;
    }
  }

  private async step(name: InstallStep | string): Promise<void> {
    await this.options.onStep?.(name);
  }

  private async run(bundlePath: string): Promise<InstallResult> {
    const { boot, slots, status } = this.options;
    const now = this.options.now ?? Date.now;
    await this.step('verify');
    const verified = await verifyBundle(bundlePath, this.options.verify);
    if (!verified.ok) return verified;
    const { manifest } = verified;
    if (manifest.payload !== slots.payload) {
      return { ok: false, code: 'wrong-payload', reason: `the bundle carries a ${manifest.payload} payload, this device's slots take ${slots.payload}` };
    }

    const env = await boot.env.read();
    const booted = await boot.bootedSlot();
    if (env.try === booted) return { ok: false, code: 'busy', reason: `slot ${booted} is on trial and not yet committed: wait for its health check` };
    if (booted !== env.default) return { ok: false, code: 'busy', reason: `running from slot ${booted}, which is not the default ${env.default}` };
    const target = otherSlot(booted);

    await this.step('disarm');
    if (env.try === target) await boot.env.write({ ...env, try: undefined, tries: 0 });

    await this.step('invalidate');
    const manifestSha256 = createHash('sha256').update(verified.header.manifestBytes).digest('hex');
    await status.update(target, { state: 'writing', version: manifest.version, manifestSha256, updatedAt: now() });

    const writer = await slots.beginWrite(target);
    for (const { file, start, end } of payloadRanges(manifest, verified.header.payloadOffset)) {
      await this.step(`write:${file.path}`);
      let written: { sha256: string; bytes: number };
      try {
        written = await writer.writeFile(file, payloadStream(bundlePath, start, end), (bytes) => this.step(`write:${file.path}@${bytes}`));
      } catch (err) {
        await writer.abort();
        return { ok: false, code: 'write-failed', reason: `writing ${file.path} into slot ${target} failed: ${(err as Error).message}` };
      }
      if (written.bytes !== file.size || written.sha256 !== file.sha256) {
        await writer.abort();
        return { ok: false, code: 'payload-mismatch', reason: `${file.path} changed after verification (SHA-256 ${written.sha256}, ${written.bytes} bytes); slot ${target} left unbootable` };
      }
    }

    await this.step('seal');
    await writer.finish();
    await status.update(target, { state: 'complete', version: manifest.version, manifestSha256, updatedAt: now() });

    await this.step('arm');
    await boot.env.write({ ...(await boot.env.read()), try: target, tries: this.options.tries ?? MAX_TRIES, rollback: undefined });
    await this.step('done');
    return { ok: true, slot: target, version: manifest.version, rebootRequired: true };
  }
}

export type { RefusalCode };
