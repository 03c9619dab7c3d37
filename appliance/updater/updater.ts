import { EventEmitter } from 'node:events';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BootControl, BootEnv, Slot } from './boot-control.ts';
import { afterBoot, type AfterBootOutcome } from './boot-commit.ts';
import { downloadWithRetry, type DownloadOptions } from './bundle-download.ts';
import type { TrustedKeys } from './bundle-signing.ts';
import type { HealthCheckOptions, HealthProbe } from './health-check.ts';
import { Installer, type InstallResult } from './installer.ts';
import type { SlotStatusDoc, SlotStatusFile } from './slot-status.ts';
import type { SlotStore } from './slot-store.ts';
import { copyToData, scanUsb, type UsbScan } from './usb-import.ts';

export interface UpdaterOptions {
  boot: BootControl;
  slots: SlotStore;
  status: SlotStatusFile;
  trustedKeys: TrustedKeys;
  board: string;
  /** The version this system runs. */
  currentVersion: string;
  /** On the data partition: downloads and USB copies land here. */
  workDir: string;
  probes: HealthProbe[];
  health?: HealthCheckOptions;
  now?: () => number;
  onStep?: (step: string) => void | Promise<void>;
}

/** What the updater reports; the appliance turns these into fleet events (update.installed, update.refused, update.committed, update.rolled-back). */
export interface UpdaterEvents {
  installed: [{ slot: Slot; version: string; source: string }];
  refused: [{ code: string; reason: string; source: string }];
  'after-boot': [AfterBootOutcome];
}

export interface UpdaterStatus {
  booted: Slot;
  env: BootEnv;
  slots: SlotStatusDoc;
  currentVersion: string;
  board: string;
}

/** The updater as the appliance composes it: install from a file, the fleet or a USB stick; commit or roll back after boot. */
export class Updater extends EventEmitter<UpdaterEvents> {
  private readonly installer: Installer;

  constructor(private readonly options: UpdaterOptions) {
    super();
    this.installer = new Installer({
      boot: options.boot,
      slots: options.slots,
      status: options.status,
      verify: { trustedKeys: options.trustedKeys, board: options.board, installedVersion: options.currentVersion },
      ...(options.now ? { now: options.now } : {}),
      ...(options.onStep ? { onStep: options.onStep } : {}),
    });
  }

  async status(): Promise<UpdaterStatus> {
    return {
      booted: await this.options.boot.bootedSlot(),
      env: await this.options.boot.env.read(),
      slots: await this.options.status.read(),
      currentVersion: this.options.currentVersion,
      board: this.options.board,
    };
  }

  async installFile(path: string, source = 'file'): Promise<InstallResult> {
    const result = await this.installer.install(path);
    if (result.ok) this.emit('installed', { slot: result.slot, version: result.version, source });
    else this.emit('refused', { code: result.code, reason: result.reason, source });
    return result;
  }

  /** From the fleet: resumable download into the work directory, then install. */
  async installFromUrl(download: Omit<DownloadOptions, 'dest'> & { attempts?: number; retryPauseMs?: number }): Promise<InstallResult> {
    await mkdir(this.options.workDir, { recursive: true });
    const dest = join(this.options.workDir, 'download.ccb');
    const { attempts, retryPauseMs, ...rest } = download;
    await downloadWithRetry({ ...rest, dest }, { attempts: attempts ?? 5, pauseMs: retryPauseMs ?? 2000 });
    try {
      return await this.installFile(dest, download.url);
    } finally {
      await rm(dest, { force: true });
    }
  }

  /** From a USB stick mounted at `mountDir`: the newest acceptable bundle, copied first. */
  async importFromUsb(mountDir: string): Promise<{ scan: UsbScan; result: InstallResult | undefined }> {
    const scan = await scanUsb(mountDir, { trustedKeys: this.options.trustedKeys, board: this.options.board, installedVersion: this.options.currentVersion });
    for (const r of scan.refused) this.emit('refused', { code: r.refusal.code, reason: r.refusal.reason, source: r.path });
    if (!scan.chosen) return { scan, result: undefined };
    const incoming = join(this.options.workDir, 'incoming');
    await mkdir(incoming, { recursive: true });
    const copy = await copyToData(scan.chosen, incoming);
    try {
      return { scan, result: await this.installFile(copy, scan.chosen.path) };
    } finally {
      await rm(copy, { force: true });
    }
  }

  /** Run once per boot, after the appliance's services started. */
  async afterBoot(): Promise<AfterBootOutcome> {
    const outcome = await afterBoot({ boot: this.options.boot, status: this.options.status, probes: this.options.probes, ...this.options.health, ...(this.options.now ? { now: this.options.now } : {}) });
    this.emit('after-boot', outcome);
    return outcome;
  }
}
