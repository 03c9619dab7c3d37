import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LedState, Leds } from '../hal/telephony-hal.ts';

/** LEDs through the kernel's LED class (/sys/class/leds/<name>/{trigger,brightness}). */
export class LinuxLeds implements Leds {
  constructor(private readonly sysRoot = '/sys') {}

  async set(name: string, state: LedState): Promise<void> {
    if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(name)) throw new Error(`bad LED name ${JSON.stringify(name)}`);
    const dir = join(this.sysRoot, 'class', 'leds', name);
    if (state === 'blink') return writeFile(join(dir, 'trigger'), 'timer');
    if (state === 'heartbeat') return writeFile(join(dir, 'trigger'), 'heartbeat');
    await writeFile(join(dir, 'trigger'), 'none');
    const max = state === 'on' ? (await readFile(join(dir, 'max_brightness'), 'utf8').catch(() => '1')).trim() : '0';
    await writeFile(join(dir, 'brightness'), max);
  }
}
