import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bundle, keyPair, systemTree, trusted, type KeyPair } from '../../test/fixtures/updater/bundles.ts';
import { probe } from './health-check.ts';
import { SimulatedMachine } from './sim-boot-control.ts';
import { DirectorySlots } from './slot-store.ts';
import { Updater } from './updater.ts';
import { updaterRoutes } from './updater-routes.ts';

let work: string;
let key: KeyPair;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'cc-updater-routes-'));
  key = keyPair();
});
after(() => rm(work, { recursive: true, force: true }));

async function app(name: string, usbRoots?: string[]) {
  const root = join(work, name);
  const machine = await SimulatedMachine.provision(root, '1.0.0');
  const slots = new DirectorySlots(join(root, 'slots'));
  await systemTree(slots.dir('a'), '1.0.0');
  const updater = new Updater({ boot: machine, slots, status: machine.status, trustedKeys: trusted(key), board: 'cc-x86-generic', currentVersion: '1.0.0', workDir: join(root, 'work'), probes: [probe('ok', () => {})] });
  return updaterRoutes(updater, { workDir: join(root, 'work'), maxBytes: 8 * 1024 * 1024, ...(usbRoots ? { usbRoots } : {}) });
}

test('an uploaded bundle is installed and the status shows the armed slot', async () => {
  const routes = await app('upload');
  const body = await readFile(await bundle(work, { version: '1.1.0', key }));
  const res = await routes.request('/bundle', { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ok: true, slot: 'b', version: '1.1.0', rebootRequired: true });
  const status = (await (await routes.request('/status')).json()) as { env: { try: string }; slots: { b: { version: string } } };
  assert.equal(status.env.try, 'b');
  assert.equal(status.slots.b.version, '1.1.0');
});

test('an upload refused by verification answers 422 with the reason; an oversized one 413', async () => {
  const routes = await app('refuse');
  const body = await readFile(await bundle(work, { version: '0.1.0', key }));
  const res = await routes.request('/bundle', { method: 'POST', body });
  assert.equal(res.status, 422);
  assert.deepEqual(((await res.json()) as { code: string }).code, 'downgrade');
  const big = await routes.request('/bundle', { method: 'POST', body: new Uint8Array(9 * 1024 * 1024) });
  assert.equal(big.status, 413);
});

test('a USB import outside the allowed mount points is forbidden; inside, the newest bundle installs', async () => {
  const stick = join(work, 'media', 'usb0');
  await bundle(stick, { version: '1.2.0', key });
  const routes = await app('usb', [join(work, 'media')]);
  const outside = await routes.request('/usb-import', { method: 'POST', body: JSON.stringify({ path: '/etc' }), headers: { 'content-type': 'application/json' } });
  assert.equal(outside.status, 403);
  const res = await routes.request('/usb-import', { method: 'POST', body: JSON.stringify({ path: stick }), headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ok: true, slot: 'b', version: '1.2.0', rebootRequired: true, refused: [] });
});
