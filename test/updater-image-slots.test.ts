// The slot implementation the disk image uses: each slot a partition, an `image` bundle
// written raw over the inactive one; here the "partitions" are files of a fixed size, and
// the boot control is the Linux one (grubenv file, kernel command line).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeBundle } from '../appliance/updater/bundle-writer.ts';
import { GrubEnvStore } from '../appliance/updater/grub-env.ts';
import { Installer } from '../appliance/updater/installer.ts';
import { LinuxBootControl } from '../appliance/updater/linux-boot-control.ts';
import { SlotStatusFile } from '../appliance/updater/slot-status.ts';
import { DirectorySlots, PartitionSlots } from '../appliance/updater/slot-store.ts';
import { keyPair, trusted, type KeyPair } from './fixtures/updater/bundles.ts';

const MiB = 1024 * 1024;
let dir: string;
let key: KeyPair;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cc-partitions-'));
  key = keyPair();
});
after(() => rm(dir, { recursive: true, force: true }));

const sha = async (path: string, length?: number) => {
  const buf = await readFile(path);
  return createHash('sha256').update(length === undefined ? buf : buf.subarray(0, length)).digest('hex');
};

async function imageBundle(name: string, size: number, version: string, fill = version.charAt(2)): Promise<{ path: string; image: string }> {
  const image = join(dir, `${name}.img`);
  await writeFile(image, Buffer.alloc(size, fill));
  const path = join(dir, `${name}.ccb`);
  await makeBundle({ out: path, version, board: 'cc-x86-generic', payload: 'image', files: [{ path: 'system.img', from: image }], privateKeyPem: key.privatePem });
  return { path, image };
}

async function machine(name: string) {
  const devices = { a: join(dir, `${name}-system-a`), b: join(dir, `${name}-system-b`) };
  for (const [slot, path] of Object.entries(devices)) {
    const fh = await open(path, 'w');
    await fh.write(Buffer.alloc(8 * MiB, slot));
    await fh.close();
  }
  await writeFile(join(dir, `${name}-cmdline`), 'root=PARTUUID=1 ro cc.slot=a\n');
  await new GrubEnvStore(join(dir, `${name}-grubenv`)).write({ default: 'a', try: undefined, tries: 0, rollback: undefined });
  const boot = new LinuxBootControl({ grubenvPath: join(dir, `${name}-grubenv`), cmdlinePath: join(dir, `${name}-cmdline`) });
  const status = new SlotStatusFile(join(dir, `${name}-slots.json`));
  const installer = new Installer({ boot, slots: new PartitionSlots({ devices }), status, verify: { trustedKeys: trusted(key), board: 'cc-x86-generic', installedVersion: '1.0.0' } });
  return { devices, boot, status, installer };
}

test('an image bundle is written raw over the inactive partition and armed in the grubenv; the active partition is untouched', async () => {
  const m = await machine('ok');
  const before = await sha(m.devices.a);
  const { path, image } = await imageBundle('v110', 5 * MiB + 17, '1.1.0');
  assert.deepEqual(await m.installer.install(path), { ok: true, slot: 'b', version: '1.1.0', rebootRequired: true });
  assert.equal(await sha(m.devices.b, 5 * MiB + 17), await sha(image));
  assert.equal(await sha(m.devices.a), before);
  assert.deepEqual(await m.boot.env.read(), { default: 'a', try: 'b', tries: 3, rollback: undefined });
  assert.equal((await m.status.read()).b.state, 'complete');
});

test('an image larger than the partition fails the write and is never armed', async () => {
  const m = await machine('big');
  const { path } = await imageBundle('v120', 9 * MiB, '1.2.0');
  const result = await m.installer.install(path);
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.code, 'write-failed');
  assert.match(!result.ok ? result.reason : '', /system\.img is 9437184 bytes, slot b .* holds 8388608/);
  assert.deepEqual(await m.boot.env.read(), { default: 'a', try: undefined, tries: 0, rollback: undefined });
  assert.equal((await m.status.read()).b.state, 'writing', 'the slot is known not to hold a whole system');
});

test('a slot kind that does not take the bundle payload is refused before anything is written', async () => {
  const m = await machine('kind');
  const { path } = await imageBundle('v130', MiB, '1.3.0');
  const files = new Installer({ boot: m.boot, slots: new DirectorySlots(join(dir, 'dirslots')), status: m.status, verify: { trustedKeys: trusted(key), board: 'cc-x86-generic', installedVersion: '1.0.0' } });
  const result = await files.install(path);
  assert.equal(!result.ok && result.code, 'wrong-payload');
  assert.equal((await m.status.read()).b.state, 'empty');
});
