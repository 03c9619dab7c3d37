import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { planChannels } from '../dahdi/channel-plan.ts';
import { dahdiBitsFromAlarms, type HardwareStatus } from '../hal/hardware-status.ts';
import type { BoardProfile } from '../profiles/board-profile.ts';
import { SiteTelephony } from '../profiles/site-telephony.ts';

/**
 * Writes a hardware status as the sysfs tree DAHDI's kernel module exposes
 * (drivers/dahdi/dahdi-sysfs.c, dahdi-sysfs-chan.c): one directory per span under
 * bus/dahdi_spans/devices and per channel under bus/dahdi_channels/devices. DAHDI has no hook
 * state in sysfs (it is an ioctl), so channels carry one extra attribute, `hookstate`
 * (`onhook`, `offhook`, `ringing`), which the Linux reader takes when present.
 *
 * Used to build fixture trees from the simulator and to give the demo a fake /sys.
 */
export async function writeDahdiSysfsTree(root: string, board: BoardProfile, status: HardwareStatus): Promise<void> {
  const spansDir = join(root, 'bus', 'dahdi_spans', 'devices');
  const chansDir = join(root, 'bus', 'dahdi_channels', 'devices');
  await rm(spansDir, { recursive: true, force: true });
  await rm(chansDir, { recursive: true, force: true });
  const plan = planChannels(board, SiteTelephony.parse({}));
  const attrs = async (dir: string, values: Record<string, string | number>) => {
    await mkdir(dir, { recursive: true });
    for (const [k, v] of Object.entries(values)) await writeFile(join(dir, k), `${v}\n`);
  };
  for (const sp of plan.spans) {
    const dir = join(spansDir, `span-${sp.span}`);
    if (sp.kind === 'digital') {
      const st = status.spans.find((s) => s.span === sp.span);
      const p = sp.profile;
      const bits = dahdiBitsFromAlarms(st?.alarms ?? []);
      const lineconfig = [p.lineCoding.toUpperCase(), p.framing.toUpperCase(), ...(p.type === 'E1' && p.crc4 ? ['CRC4'] : [])].join('/');
      await attrs(dir, {
        name: `SIM/${board.id}/${sp.span}`,
        desc: `Simulated ${p.type} span ${sp.span}`,
        spantype: p.type,
        alarms: `0x${bits.toString(16)}`,
        basechan: sp.basechan,
        channels: sp.channels,
        is_digital: 1,
        is_sync_master: st?.syncSource ? 1 : 0,
        lineconfig,
      });
      const bearer = sp.bearer.flatMap((r) => Array.from({ length: r.last - r.first + 1 }, (_, i) => r.first + i));
      const inUse = new Set(bearer.slice(0, st?.inUse ?? 0));
      for (let pos = 1; pos <= sp.channels; pos++) {
        const channo = sp.basechan + pos - 1;
        await attrs(join(chansDir, `dahdi!channels!${sp.span}!${pos}`), {
          name: `SIM/${board.id}/${sp.span}/${pos}`,
          channo,
          chanpos: pos,
          sig: channo === sp.dchan ? 'HardHDLC' : bearer.includes(channo) ? (p.signalling === 'pri' ? 'Clear' : 'CAS') : 'Unconfigured',
          alarms: '',
          in_use: inUse.has(channo) ? 1 : 0,
        });
      }
    } else {
      await attrs(dir, {
        name: board.analogCard ?? 'SIM/analog',
        desc: `Simulated analog card, ${sp.channels} ports`,
        spantype: 'ANALOG_MIXED',
        alarms: '0x0',
        basechan: sp.basechan,
        channels: sp.channels,
        is_digital: 0,
        is_sync_master: 0,
        lineconfig: '',
      });
      for (const port of sp.ports) {
        const st = status.ports.find((p) => p.port === port.port);
        const pos = port.channel - sp.basechan + 1;
        await attrs(join(chansDir, `dahdi!channels!${sp.span}!${pos}`), {
          name: `${board.analogCard ?? 'SIM/analog'}/${pos - 1}`,
          channo: port.channel,
          chanpos: pos,
          sig: port.signalling === 'fxoks' ? 'FXOKS' : 'FXSKS',
          alarms: st?.alarms.includes('no-battery') ? 'RED' : '',
          in_use: st?.hook === 'off-hook' ? 1 : 0,
          hookstate: st?.ringing ? 'ringing' : st?.hook === 'off-hook' ? 'offhook' : 'onhook',
        });
      }
    }
  }
}
