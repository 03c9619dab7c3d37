import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Reads DAHDI's sysfs tree (bus/dahdi_spans, bus/dahdi_channels) under a configurable root, so
 * tests point it at a fixture directory and the appliance at /sys. Raw values only; mapping to
 * the board profile is the Linux HAL's job.
 */

export interface RawSpan {
  span: number;
  name: string;
  spantype: string;
  alarmBits: number;
  basechan: number;
  channels: number;
  isSyncMaster: boolean;
  lineconfig: string;
}

export interface RawChannel {
  span: number;
  chanpos: number;
  channo: number;
  name: string;
  sig: string;
  /** Words DAHDI's fill_alarm_string writes: RED, YELLOW, BLUE, … */
  alarms: string[];
  inUse: boolean;
  /** Our extension (not in DAHDI): onhook | offhook | ringing, when the driver exports it. */
  hookstate: string | undefined;
}

export interface DahdiTree {
  spans: RawSpan[];
  channels: RawChannel[];
}

export class DahdiSysfsError extends Error {
  override name = 'DahdiSysfsError';
}

async function attr(dir: string, name: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dir, name), 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function required(dir: string, name: string): Promise<string> {
  const v = await attr(dir, name);
  if (v === undefined) throw new DahdiSysfsError(`${join(dir, name)} is missing`);
  return v;
}

function int(text: string, where: string): number {
  const n = text.startsWith('0x') ? Number.parseInt(text.slice(2), 16) : Number(text);
  if (!Number.isInteger(n)) throw new DahdiSysfsError(`${where}: ${JSON.stringify(text)} is not an integer`);
  return n;
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    // No DAHDI module loaded: no spans, not an error.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export async function readDahdiTree(root: string): Promise<DahdiTree> {
  const spansDir = join(root, 'bus', 'dahdi_spans', 'devices');
  const chansDir = join(root, 'bus', 'dahdi_channels', 'devices');
  const spans: RawSpan[] = [];
  for (const entry of await list(spansDir)) {
    const m = /^span-(\d+)$/.exec(entry);
    if (!m) continue;
    const dir = join(spansDir, entry);
    spans.push({
      span: Number(m[1]),
      name: await required(dir, 'name'),
      spantype: await required(dir, 'spantype'),
      alarmBits: int(await required(dir, 'alarms'), join(dir, 'alarms')),
      basechan: int(await required(dir, 'basechan'), join(dir, 'basechan')),
      channels: int(await required(dir, 'channels'), join(dir, 'channels')),
      isSyncMaster: (await attr(dir, 'is_sync_master')) === '1',
      lineconfig: (await attr(dir, 'lineconfig')) ?? '',
    });
  }
  const channels: RawChannel[] = [];
  for (const entry of await list(chansDir)) {
    // Device names are dahdi!channels!<span>!<chanpos> (dahdi-sysfs-chan.c).
    const m = /^dahdi!channels!(\d+)!(\d+)$/.exec(entry);
    if (!m) continue;
    const dir = join(chansDir, entry);
    channels.push({
      span: Number(m[1]),
      chanpos: Number(m[2]),
      channo: int(await required(dir, 'channo'), join(dir, 'channo')),
      name: (await attr(dir, 'name')) ?? '',
      sig: (await attr(dir, 'sig')) ?? '',
      alarms: ((await attr(dir, 'alarms')) ?? '').split(/\s+/).filter(Boolean),
      inUse: (await attr(dir, 'in_use')) === '1',
      hookstate: await attr(dir, 'hookstate'),
    });
  }
  spans.sort((a, b) => a.span - b.span);
  channels.sort((a, b) => a.span - b.span || a.chanpos - b.chanpos);
  return { spans, channels };
}
