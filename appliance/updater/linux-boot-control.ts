import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { isSlot, type BootControl, type Slot } from './boot-control.ts';
import { GrubEnvStore } from './grub-env.ts';

export interface LinuxBootControlOptions {
  /** The grubenv on the EFI system partition, e.g. /boot/efi/EFI/cc/grubenv. */
  grubenvPath: string;
  /** Where the kernel command line is read from. */
  cmdlinePath?: string;
  run?: (command: string[]) => Promise<void>;
}

/** The real machine: GRUB's environment, the slot GRUB put on the command line (`cc.slot=a`), systemd's reboot. */
export class LinuxBootControl implements BootControl {
  readonly env: GrubEnvStore;

  constructor(private readonly options: LinuxBootControlOptions) {
    this.env = new GrubEnvStore(options.grubenvPath);
  }

  async bootedSlot(): Promise<Slot> {
    const cmdline = await readFile(this.options.cmdlinePath ?? '/proc/cmdline', 'utf8');
    const m = /(?:^|\s)cc\.slot=(\S+)/.exec(cmdline);
    if (!m || !isSlot(m[1])) throw new Error(`the kernel command line names no slot (cc.slot=a|b): ${cmdline.trim()}`);
    return m[1];
  }

  async reboot(reason: string): Promise<void> {
    const run = this.options.run ?? (async (cmd: string[]) => void (await promisify(execFile)(cmd[0]!, cmd.slice(1))));
    await run(['systemctl', 'reboot', `--message=${reason.slice(0, 200)}`]);
  }
}
