import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { UpdatesConfig } from '../config/appliance-config.ts';
import type { Appliance, StartApplianceOptions } from '../appliance.ts';
import type { Telephony } from '../telephony.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import type { AfterBootOutcome } from './boot-commit.ts';
import type { BootControl } from './boot-control.ts';
import { loadTrustedKeys, trustedKeysFromPems, type TrustedKeys } from './bundle-signing.ts';
import { probe, type HealthProbe } from './health-check.ts';
import { LinuxBootControl } from './linux-boot-control.ts';
import { SimulatedMachine } from './sim-boot-control.ts';
import { SlotStatusFile } from './slot-status.ts';
import { DirectorySlots, PartitionSlots } from './slot-store.ts';
import { sleep, type UpdateDrain } from './update-agent.ts';
import { Updater } from './updater.ts';

/**
 * Builds the update path of one boot from the `updates` section of the appliance's
 * configuration: boot control, updater and the update agent's parts, for appliance/main.ts to
 * hand to startAppliance. With simulated boot control each process start (and each
 * "reboot" in place) is a power-on: the bootloader's turn picks the slot, the version run is
 * that slot's, and once the appliance is up its health check commits a slot on trial or sends
 * the box back — what the image's cc-update-commit unit does after cc-appliance.
 */
export interface ApplianceUpdatesOptions {
  dataDir: string;
  /** The hardware section's board, if any. */
  hardwareBoard?: string;
  /** This program's version (package.json): the running one on the image, slot a's on a fresh simulated machine. */
  programVersion: string;
  /** What the agent's reboot does, as appliance/main.ts carries it out. */
  reboot: (reason: string) => void;
  /** The running appliance's telephony, once started (drain and health). */
  telephony: () => Telephony | undefined;
  log?: Logger;
}

export class UpdatesConfigError extends Error {
  override name = 'UpdatesConfigError';
}

export interface ApplianceUpdates {
  readonly boot: BootControl;
  readonly updater: Updater;
  /** The version this boot runs. */
  readonly version: string;
  readonly rebootMode: 'machine' | 'restart' | 'exit';
  /** For startAppliance's `updates` option. */
  readonly agent: NonNullable<StartApplianceOptions['updates']>;
  /** After the appliance started: commits or rolls back a slot on trial (simulated boot only; the image runs cc-update-commit). */
  afterStart(appliance: Appliance): Promise<AfterBootOutcome | undefined>;
}

async function trustedKeysOf(config: UpdatesConfig): Promise<TrustedKeys> {
  try {
    const keys = new Map(trustedKeysFromPems(config.trustedKeys));
    if (config.trustedKeysDir) for (const [id, key] of await loadTrustedKeys(config.trustedKeysDir)) keys.set(id, key);
    return keys;
  } catch (err) {
    throw new UpdatesConfigError(`updates: a trusted key is unusable: ${(err as Error).message}`);
  }
}

/** Refuses new calls (503 with Retry-After) and waits for those in progress to end; undrain takes calls again. */
export function telephonyDrain(telephony: () => Telephony | undefined, pollMs = 1000): UpdateDrain {
  return {
    activeCalls: () => telephony()?.activeCalls() ?? 0,
    async drain(signal) {
      telephony()?.setDraining(true);
      while ((telephony()?.activeCalls() ?? 0) > 0) await sleep(pollMs, signal);
    },
    undrain: () => telephony()?.setDraining(false),
  };
}

/** What "healthy" means in-process: telephony up if SIP is configured, the fleet link connected if there is one. */
export function applianceProbes(appliance: Appliance): HealthProbe[] {
  return [
    probe('telephony', () => {
      if (!appliance.twin.config.sip) return;
      if (!appliance.telephony.modules || appliance.telephony.sipPort() === undefined) return 'SIP is configured but telephony is not running';
    }),
    probe('fleet link', () => {
      if (appliance.fleetLink && !appliance.fleetLink.isConnected) return 'not connected to the fleet';
    }),
  ];
}

export async function openApplianceUpdates(config: UpdatesConfig, options: ApplianceUpdatesOptions): Promise<ApplianceUpdates> {
  const log = options.log ?? silentLogger;
  const workDir = config.workDir ?? join(options.dataDir, 'updater', 'work');
  await mkdir(workDir, { recursive: true });
  const trustedKeys = await trustedKeysOf(config);
  if (trustedKeys.size === 0) log.warn('updates: no trusted keys; every bundle will be refused');
  const board = config.board ?? options.hardwareBoard ?? 'cc-x86-generic';
  const health = { deadlineMs: config.healthDeadlineS * 1000, retryEveryMs: 1000 };

  let boot: BootControl;
  let updaterParts: Pick<ConstructorParameters<typeof Updater>[0], 'slots' | 'status'>;
  let version: string;
  if (config.boot.kind === 'simulated') {
    const dir = config.boot.dir;
    const machine = existsSync(join(dir, 'grubenv')) ? new SimulatedMachine(dir) : await SimulatedMachine.provision(dir, config.boot.initialVersion ?? options.programVersion);
    const decision = await machine.powerOn();
    if (decision.rolledBack) log.warn('simulated bootloader: the trial slot ran out of tries; back on the default', { slot: decision.slot });
    boot = machine;
    updaterParts = { slots: new DirectorySlots(join(dir, 'slots')), status: machine.status };
    version = (await machine.status.read())[decision.slot].version ?? options.programVersion;
  } else {
    boot = new LinuxBootControl({ grubenvPath: config.boot.grubenvPath });
    const run = promisify(execFile);
    updaterParts = {
      // Block devices stat as 0 bytes; blockdev asks the kernel.
      slots: new PartitionSlots({ devices: config.boot.slotDevices, sizeOf: async (d) => Number((await run('blockdev', ['--getsize64', d])).stdout.trim()) }),
      // Where updater-cli.ts (the image's commit and inbox units) keeps it too.
      status: new SlotStatusFile(join(options.dataDir, 'updater', 'slots.json')),
    };
    version = options.programVersion;
  }
  // Filled once the appliance runs: the probes look at its modules.
  const probes: HealthProbe[] = [];
  const updater = new Updater({ boot, ...updaterParts, trustedKeys, board, currentVersion: version, workDir, probes, health });
  const rebootMode = config.boot.kind === 'simulated' ? config.boot.reboot : 'machine';
  return {
    boot,
    updater,
    version,
    rebootMode,
    agent: {
      updater,
      workDir,
      drain: telephonyDrain(options.telephony),
      // The agent saved its job as `rebooting` before this: the next boot reports from it.
      reboot: async () => options.reboot(`update installed; booting the new slot`),
      ...(config.boot.kind === 'simulated' ? { outcomePollMs: 500 } : {}),
    },
    async afterStart(appliance) {
      if (config.boot.kind !== 'simulated') return undefined;
      probes.splice(0, probes.length, ...applianceProbes(appliance));
      const outcome = await updater.afterBoot();
      if (outcome.kind !== 'steady') log.info('after boot', { outcome: outcome.kind, slot: outcome.slot });
      if (outcome.kind === 'rolling-back') options.reboot(`health check failed on slot ${outcome.slot}`);
      return outcome;
    },
  };
}
