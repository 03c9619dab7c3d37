import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bootDecision, isSlot, type BootControl, type BootDecision, type Slot } from './boot-control.ts';
import { GrubEnvStore } from './grub-env.ts';
import { SlotStatusFile } from './slot-status.ts';

export class BrickedError extends Error {
  override name = 'BrickedError';
}

/**
 * A simulated machine in a directory: the same grubenv file the real bootloader reads, the
 * slot status file, and `booted` naming the slot the "running system" came from. `powerOn()`
 * plays the bootloader (bootDecision, as grub.cfg does) and refuses, as a bricked box would,
 * to boot a slot that is not complete.
 */
export class SimulatedMachine implements BootControl {
  readonly env: GrubEnvStore;
  readonly status: SlotStatusFile;
  readonly reboots: string[] = [];

  constructor(readonly root: string) {
    this.env = new GrubEnvStore(join(root, 'grubenv'));
    this.status = new SlotStatusFile(join(root, 'slots.json'));
  }

  /** A factory-fresh box: slot a holds `version` and is the default. */
  static async provision(root: string, version: string): Promise<SimulatedMachine> {
    await mkdir(root, { recursive: true });
    const m = new SimulatedMachine(root);
    await m.env.write({ default: 'a', try: undefined, tries: 0, rollback: undefined });
    await m.status.update('a', { state: 'complete', version, updatedAt: 0 });
    await writeFile(join(root, 'booted'), 'a');
    return m;
  }

  async bootedSlot(): Promise<Slot> {
    const s = (await readFile(join(this.root, 'booted'), 'utf8')).trim();
    if (!isSlot(s)) throw new Error(`simulated machine: booted slot ${JSON.stringify(s)}`);
    return s;
  }

  async reboot(reason: string): Promise<void> {
    this.reboots.push(reason);
  }

  /** The bootloader's turn: picks a slot, saves its environment, "boots" it. */
  async powerOn(): Promise<BootDecision> {
    const decision = bootDecision(await this.env.read());
    await this.env.write(decision.env);
    const record = (await this.status.read())[decision.slot];
    if (record.state !== 'complete' && record.state !== 'failed') {
      throw new BrickedError(`the bootloader chose slot ${decision.slot}, which is ${record.state}`);
    }
    await writeFile(join(this.root, 'booted'), decision.slot);
    return decision;
  }
}
