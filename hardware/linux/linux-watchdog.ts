import { open, type FileHandle } from 'node:fs/promises';
import type { Watchdog } from '../hal/telephony-hal.ts';

/**
 * The Linux watchdog device: any write keeps the board alive; writing 'V' before closing is the
 * "magic close" that disarms it (Documentation/watchdog/watchdog-api.rst), so a clean stop does
 * not reset the box while a crash does.
 */
export class LinuxWatchdog implements Watchdog {
  private fh: FileHandle | undefined;

  constructor(private readonly device: string) {}

  async open(): Promise<void> {
    this.fh ??= await open(this.device, 'w');
  }

  async kick(): Promise<void> {
    if (!this.fh) throw new Error(`watchdog ${this.device} is not open`);
    await this.fh.write('\0');
  }

  async close(): Promise<void> {
    if (!this.fh) return;
    await this.fh.write('V');
    await this.fh.close();
    this.fh = undefined;
  }
}
