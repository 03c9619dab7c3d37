// The updater on the box, as the image's systemd units run it:
//   updater-cli.ts after-boot           commit the slot on trial if healthy, else roll back
//   updater-cli.ts install <bundle>     install into the inactive slot (then reboot to try it)
//   updater-cli.ts inbox                install the newest bundle dropped into /data/updater/inbox
//   updater-cli.ts usb-import <dir>     install the newest acceptable bundle on a USB stick
//   updater-cli.ts status
// Paths come from the environment so the same code runs in the image and in tests.
import { execFile } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { parseApplianceConfig } from '../config/appliance-config.ts';
import { loadTrustedKeys } from './bundle-signing.ts';
import { probe, tcpListeningProbe, type HealthProbe } from './health-check.ts';
import { LinuxBootControl } from './linux-boot-control.ts';
import { SlotStatusFile } from './slot-status.ts';
import { PartitionSlots } from './slot-store.ts';
import { Updater } from './updater.ts';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const dataDir = env('CC_DATA', '/data');
const configPath = env('CC_APPLIANCE_CONFIG', join(dataDir, 'appliance.json'));
const run = promisify(execFile);

async function partitionSize(device: string): Promise<number> {
  // Block devices stat as 0 bytes; blockdev asks the kernel.
  const { stdout } = await run('blockdev', ['--getsize64', device]);
  return Number(stdout.trim());
}

async function appVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** What "healthy" means for a freshly booted appliance (see DESIGN.md, Updates). */
async function probes(): Promise<HealthProbe[]> {
  const list: HealthProbe[] = [
    probe('appliance service running', async () => {
      const { stdout } = await run('systemctl', ['is-active', 'cc-appliance.service']).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? 'unknown' }));
      if (stdout.trim() !== 'active') return `cc-appliance.service is ${stdout.trim()}`;
    }),
  ];
  let config;
  try {
    config = parseApplianceConfig(JSON.parse(await readFile(configPath, 'utf8')), configPath);
  } catch (err) {
    return [...list, probe('configuration', () => (err as Error).message)];
  }
  list.push(
    probe('store opens', () => {
      const db = new Database(join(config.dataDir, 'appliance.sqlite'), { readonly: true, fileMustExist: true });
      try {
        const row = db.pragma('quick_check', { simple: true });
        if (row !== 'ok') return `quick_check: ${String(row)}`;
      } finally {
        db.close();
      }
    }),
  );
  if (config.profile === 'connected' && config.fleet) {
    // The broker must be reachable; the appliance's own link state needs a hook in the process (see the issue note).
    const url = new URL(config.fleet.url);
    const port = Number(url.port || (url.protocol === 'mqtts:' ? 8883 : 1883));
    list.push(tcpListeningProbe('fleet broker reachable', port, url.hostname));
  } else {
    list.push(probe('standalone (air-gapped) mode', () => {}));
  }
  return list;
}

async function updater(): Promise<Updater> {
  const boot = new LinuxBootControl({ grubenvPath: env('CC_GRUBENV', '/boot/efi/EFI/cc/grubenv') });
  return new Updater({
    boot,
    slots: new PartitionSlots({
      devices: { a: env('CC_SLOT_A', '/dev/disk/by-partlabel/cc-system-a'), b: env('CC_SLOT_B', '/dev/disk/by-partlabel/cc-system-b') },
      sizeOf: partitionSize,
    }),
    status: new SlotStatusFile(join(dataDir, 'updater', 'slots.json')),
    trustedKeys: await loadTrustedKeys(env('CC_TRUSTED_KEYS', '/usr/share/cc/keys')),
    board: (await readFile(env('CC_BOARD_FILE', '/etc/cc/board'), 'utf8')).trim(),
    currentVersion: await appVersion(),
    workDir: join(dataDir, 'updater', 'work'),
    probes: await probes(),
    health: { deadlineMs: Number(env('CC_HEALTH_DEADLINE_MS', '180000')), retryEveryMs: 2000 },
  });
}

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const [command, arg] = process.argv.slice(2);
const u = await updater();
u.on('refused', (r) => print({ refused: r }));
switch (command) {
  case 'after-boot': {
    print({ afterBoot: await u.afterBoot() });
    break;
  }
  case 'install':
  case 'inbox': {
    let path = arg;
    if (command === 'inbox') {
      const inbox = join(dataDir, 'updater', 'inbox');
      const names = (await readdir(inbox).catch(() => [] as string[])).filter((n) => n.endsWith('.ccb'));
      if (names.length === 0) {
        print({ inbox: 'empty' });
        break;
      }
      path = join(inbox, names.sort().at(-1)!);
    }
    if (!path) throw new Error('install needs a bundle path');
    const result = await u.installFile(path, basename(path));
    print({ install: result });
    if (command === 'inbox') await rm(path, { force: true });
    if (result.ok && process.env.CC_REBOOT_AFTER_INSTALL !== '0') await run('systemctl', ['reboot']);
    if (!result.ok) process.exitCode = 3;
    break;
  }
  case 'usb-import': {
    if (!arg) throw new Error('usb-import needs a mount point');
    const { scan, result } = await u.importFromUsb(arg);
    print({ chosen: scan.chosen?.manifest.version, refused: scan.refused.map((r) => r.refusal), install: result });
    break;
  }
  case 'status':
    print(await u.status());
    break;
  default:
    process.stderr.write('usage: updater-cli.ts after-boot | install <bundle> | inbox | usb-import <dir> | status\n');
    process.exitCode = 2;
}
