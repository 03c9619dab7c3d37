// First-boot provisioning, run by cc-provision.service before the appliance starts:
// looks for cc-provision.json on a USB stick labelled CCPROVISION, then on the data
// partition; applies it once (the same file is not applied twice) into /data/appliance.json.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFileDurably } from '../../appliance/updater/write-file-durably.ts';
import { planProvisioning, ProvisionError } from './provision.ts';

const run = promisify(execFile);
const dataDir = process.env.CC_DATA ?? '/data';
const usbDevice = process.env.CC_PROVISION_USB ?? '/dev/disk/by-label/CCPROVISION';
const log = (msg: string, fields: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ msg, ...fields })}\n`);

async function readUsb(): Promise<string | undefined> {
  const mnt = '/run/cc-provision-usb';
  try {
    await mkdir(mnt, { recursive: true });
    await run('mount', ['-o', 'ro', usbDevice, mnt]);
  } catch {
    return undefined; // no stick
  }
  try {
    return await readFile(join(mnt, 'cc-provision.json'), 'utf8').catch(() => undefined);
  } finally {
    await run('umount', [mnt]).catch(() => {});
  }
}

const appliedPath = join(dataDir, 'provision-applied.sha256');
const local = join(dataDir, 'cc-provision.json');
const sources: [string, () => Promise<string | undefined>][] = [
  ['usb', readUsb],
  ['data partition', () => readFile(local, 'utf8').catch(() => undefined)],
];
for (const [source, read] of sources) {
  const text = await read();
  if (text === undefined) continue;
  try {
    const plan = planProvisioning(text, join(dataDir, 'appliance'));
    const applied = (await readFile(appliedPath, 'utf8').catch(() => '')).trim();
    if (applied === plan.sha256) {
      log('provision file already applied', { source });
      break;
    }
    await mkdir(plan.config.dataDir, { recursive: true });
    // The configuration holds the fleet secret: readable by root only.
    await writeFileDurably(join(dataDir, 'appliance.json'), `${JSON.stringify(plan.config, null, 2)}\n`, 0o600);
    await writeFile(appliedPath, `${plan.sha256}\n`);
    if (source === 'data partition') await rename(local, `${local}.applied`);
    log('provisioned', { source, site: plan.config.site, device: plan.config.device, profile: plan.config.profile });
  } catch (err) {
    if (!(err instanceof ProvisionError)) throw err;
    log('provision file refused', { source, reason: err.message });
    process.exitCode = 1;
  }
  break;
}
await rm('/run/cc-provision-usb', { recursive: true, force: true }).catch(() => {});
