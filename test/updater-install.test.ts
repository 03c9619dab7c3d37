// The updater on simulated slots (directories) and a simulated bootloader (a real grubenv
// file and the same boot decision grub.cfg makes): good bundles install and commit, failed
// health checks and hung boots roll back, bad bundles are refused with their reason and
// nothing written.
import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { afterBoot } from '../appliance/updater/boot-commit.ts';
import { readBundleHeader } from '../appliance/updater/bundle-format.ts';
import { Installer } from '../appliance/updater/installer.ts';
import { probe } from '../appliance/updater/health-check.ts';
import { SimulatedMachine } from '../appliance/updater/sim-boot-control.ts';
import { DirectorySlots } from '../appliance/updater/slot-store.ts';
import { Updater } from '../appliance/updater/updater.ts';
import { bundle, fingerprint, keyPair, systemTree, trusted, type KeyPair } from './fixtures/updater/bundles.ts';

let work: string;
let key: KeyPair;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'cc-updater-'));
  key = keyPair();
});
after(() => rm(work, { recursive: true, force: true }));

/** A factory-fresh simulated box running 1.0.0 from slot a. */
async function box(name: string) {
  const root = join(work, name);
  const machine = await SimulatedMachine.provision(root, '1.0.0');
  const slots = new DirectorySlots(join(root, 'slots'));
  await systemTree(slots.dir('a'), '1.0.0');
  const installer = (installedVersion = '1.0.0') =>
    new Installer({ boot: machine, slots, status: machine.status, verify: { trustedKeys: trusted(key), board: 'cc-x86-generic', installedVersion } });
  const healthy = [probe('store opens', () => {}), probe('sip listening', () => {})];
  const sick = [probe('store opens', () => {}), probe('sip listening', () => 'nothing on 5060')];
  const check = (probes = healthy) => afterBoot({ boot: machine, status: machine.status, probes, deadlineMs: 0, retryEveryMs: 0 });
  return { root, machine, slots, installer, check, healthy, sick };
}

describe('installing', () => {
  test('a good bundle is written to the inactive slot, tried on the next boot and committed by a passing health check', async () => {
    const b = await box('good');
    const result = await b.installer().install(await bundle(work, { version: '1.1.0', key }));
    assert.deepEqual(result, { ok: true, slot: 'b', version: '1.1.0', rebootRequired: true });
    assert.deepEqual(await b.machine.env.read(), { default: 'a', try: 'b', tries: 3, rollback: undefined });
    assert.equal((await readFile(join(b.slots.dir('b'), 'os-release'), 'utf8')), 'VERSION=1.1.0\n');

    assert.equal((await b.machine.powerOn()).slot, 'b');
    const outcome = await b.check();
    assert.equal(outcome.kind, 'committed');
    assert.deepEqual(await b.machine.env.read(), { default: 'b', try: undefined, tries: 0, rollback: undefined });
    assert.equal((await b.machine.powerOn()).slot, 'b', 'committed: b is the default from now on');
    assert.equal((await b.check()).kind, 'steady');
    assert.equal((await b.machine.status.read()).b.version, '1.1.0');
  });

  test('a failed health check marks the new slot failed, reboots, and the bootloader returns to the old slot', async () => {
    const b = await box('sick');
    assert.equal((await b.installer().install(await bundle(work, { version: '1.1.0', key }))).ok, true);
    assert.equal((await b.machine.powerOn()).slot, 'b');
    const outcome = await b.check(b.sick);
    assert.equal(outcome.kind, 'rolling-back');
    assert.deepEqual(b.machine.reboots, ['health check failed: sip listening: nothing on 5060']);

    const decision = await b.machine.powerOn();
    assert.deepEqual([decision.slot, decision.rolledBack], ['a', true]);
    const back = await b.check();
    assert.deepEqual(back, { kind: 'rolled-back', slot: 'a', failed: 'b', version: '1.1.0' });
    const status = await b.machine.status.read();
    assert.equal(status.b.state, 'failed');
    assert.match(status.b.note ?? '', /sip listening: nothing on 5060/);
    assert.equal((await b.check()).kind, 'steady', 'the rollback is reported once');

    // A fixed release installs over the failed slot.
    assert.equal((await b.installer().install(await bundle(work, { version: '1.1.1', key }))).ok, true);
    assert.equal((await b.machine.powerOn()).slot, 'b');
    assert.equal((await b.check()).kind, 'committed');
  });

  test('a new system that never reaches its health check (hang, watchdog reset) is abandoned after three boots', async () => {
    const b = await box('hang');
    await b.installer().install(await bundle(work, { version: '1.1.0', key }));
    const booted = [];
    for (let i = 0; i < 4; i++) booted.push((await b.machine.powerOn()).slot);
    assert.deepEqual(booted, ['b', 'b', 'b', 'a']);
    assert.equal((await b.check()).kind, 'rolled-back');
  });

  test('an install while a trial is not yet committed is refused as busy', async () => {
    const b = await box('busy');
    await b.installer().install(await bundle(work, { version: '1.1.0', key }));
    await b.machine.powerOn();
    const again = await b.installer('1.1.0').install(await bundle(work, { version: '1.2.0', key }));
    assert.equal(again.ok, false);
    assert.equal(!again.ok && again.code, 'busy');
  });

  test('installing again before rebooting replaces the armed install, never a half-written slot', async () => {
    const b = await box('rearm');
    await b.installer().install(await bundle(work, { version: '1.1.0', key }));
    assert.equal((await b.installer().install(await bundle(work, { version: '1.2.0', key }))).ok, true);
    assert.equal((await b.machine.powerOn()).slot, 'b');
    assert.equal((await readFile(join(b.slots.dir('b'), 'os-release'), 'utf8')), 'VERSION=1.2.0\n');
  });
});

describe('refusing', () => {
  /** Runs the installer on a bundle and checks nothing at all changed on the box. */
  async function refused(name: string, path: string, options: { trustedKey?: KeyPair } = {}) {
    const b = await box(name);
    const before = { a: await fingerprint(b.slots.dir('a')), env: await readFile(join(b.root, 'grubenv')), status: await readFile(join(b.root, 'slots.json'), 'utf8') };
    const installer = new Installer({ boot: b.machine, slots: b.slots, status: b.machine.status, verify: { trustedKeys: trusted(options.trustedKey ?? key), board: 'cc-x86-generic', installedVersion: '1.0.0' } });
    const result = await installer.install(path);
    assert.equal(result.ok, false);
    assert.deepEqual(await fingerprint(b.slots.dir('a')), before.a, 'the active slot is untouched');
    assert.deepEqual(await fingerprint(b.slots.dir('b')), {}, 'the inactive slot is untouched too');
    assert.deepEqual(await readFile(join(b.root, 'grubenv')), before.env, 'the boot environment is untouched');
    assert.equal(await readFile(join(b.root, 'slots.json'), 'utf8'), before.status);
    assert.equal((await b.machine.powerOn()).slot, 'a');
    return result.ok ? undefined : result;
  }

  test('a manifest changed after signing: bad signature', async () => {
    const path = await bundle(work, { version: '1.1.0', key, name: 'tampered.ccb' });
    const buf = await readFile(path);
    const at = buf.indexOf('"version": "1.1.0"');
    assert.ok(at > 0);
    buf.write('"version": "9.1.0"', at);
    await writeFile(path, buf);
    const r = await refused('bad-sig', path);
    assert.equal(r?.code, 'bad-signature');
    assert.match(r!.reason, /the signature does not match the manifest/);
  });

  test('a bundle signed by a key the device does not trust: unknown key', async () => {
    const r = await refused('unknown-key', await bundle(work, { version: '1.1.0', key: keyPair(), name: 'stranger.ccb' }));
    assert.equal(r?.code, 'unknown-key');
    assert.match(r!.reason, /signed with key [0-9a-f]{16}, which this device does not trust/);
  });

  test('a bundle for another board: wrong board', async () => {
    const r = await refused('wrong-board', await bundle(work, { version: '1.1.0', key, board: 'cc-e1x2', name: 'e1.ccb' }));
    assert.deepEqual([r?.code, r?.reason], ['wrong-board', 'the bundle is for board cc-e1x2, this device is cc-x86-generic']);
  });

  test('a truncated file: truncated', async () => {
    const path = await bundle(work, { version: '1.1.0', key, name: 'short.ccb' });
    await truncate(path, Math.floor((await stat(path)).size / 2));
    const r = await refused('truncated', path);
    assert.equal(r?.code, 'truncated');
    assert.match(r!.reason, /the manifest needs \d+: truncated/);
  });

  test('a payload file changed while the manifest keeps the old hash: hash mismatch naming the file', async () => {
    const path = await bundle(work, { version: '1.1.0', key, name: 'changed.ccb' });
    const { payloadOffset } = await readBundleHeader(path);
    const fh = await open(path, 'r+');
    await fh.write(Buffer.from("console.log('evil 1.1.0'); "), 0, 27, payloadOffset);
    await fh.close();
    const r = await refused('changed', path);
    assert.equal(r?.code, 'hash-mismatch');
    assert.match(r!.reason, /^bin\/appliance\.js: SHA-256 is [0-9a-f]{64}, the signed manifest says [0-9a-f]{64}$/);
  });

  test('a lower version: downgrade, and the same version unless repair is asked for', async () => {
    const r = await refused('downgrade', await bundle(work, { version: '0.9.5', key }));
    assert.deepEqual([r?.code, r?.reason], ['downgrade', 'version 0.9.5 is older than the installed 1.0.0; downgrades are refused']);
    const same = await refused('same', await bundle(work, { version: '1.0.0', key }));
    assert.equal(same?.code, 'same-version');
    const rc = await refused('prerelease', await bundle(work, { version: '1.0.0-rc.9', key }));
    assert.equal(rc?.code, 'downgrade', 'a release candidate of the installed version is older');
  });

  test('bytes after the payload, and a file that is no bundle at all', async () => {
    const path = await bundle(work, { version: '1.1.0', key, name: 'trailing.ccb' });
    await writeFile(path, Buffer.concat([await readFile(path), Buffer.from('junk')]));
    assert.equal((await refused('trailing', path))?.code, 'trailing-data');
    const notBundle = join(work, 'photo.ccb');
    await writeFile(notBundle, 'JFIF not a bundle at all');
    const r = await refused('not-bundle', notBundle);
    assert.deepEqual([r?.code, r?.reason], ['not-a-bundle', 'not a bundle: the file does not start with CCBUNDL1']);
  });
});

describe('USB import for air-gapped sites', () => {
  test('picks the newest acceptable bundle on the stick, lists the others with their reasons, and installs a copy', async () => {
    const b = await box('usb');
    const stick = join(work, 'stick');
    await bundle(stick, { version: '1.1.0', key });
    await bundle(join(stick, 'releases'), { version: '1.3.0', key });
    await bundle(stick, { version: '2.0.0', key, board: 'cc-e1x2', name: 'other-board.ccb' });
    await bundle(stick, { version: '0.5.0', key, name: 'old.ccb' });
    const updater = new Updater({ boot: b.machine, slots: b.slots, status: b.machine.status, trustedKeys: trusted(key), board: 'cc-x86-generic', currentVersion: '1.0.0', workDir: join(b.root, 'work'), probes: b.healthy });
    const refusedEvents: string[] = [];
    updater.on('refused', (e) => refusedEvents.push(e.code));
    const { scan, result } = await updater.importFromUsb(stick);
    assert.equal(scan.chosen?.manifest.version, '1.3.0');
    assert.deepEqual(scan.refused.map((r) => r.refusal.code).sort(), ['downgrade', 'wrong-board']);
    assert.deepEqual(refusedEvents.sort(), ['downgrade', 'wrong-board']);
    assert.deepEqual(result, { ok: true, slot: 'b', version: '1.3.0', rebootRequired: true });
    await rm(stick, { recursive: true });
    assert.equal((await b.machine.powerOn()).slot, 'b', 'the stick can go once the install is done');
    assert.equal((await updater.afterBoot()).kind, 'committed');
  });
});
