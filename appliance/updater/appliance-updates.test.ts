import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseApplianceConfig, UpdatesConfig } from '../config/appliance-config.ts';
import type { Appliance } from '../appliance.ts';
import type { Telephony } from '../telephony.ts';
import { bundle, keyPair } from '../../test/fixtures/updater/bundles.ts';
import { openApplianceUpdates, telephonyDrain, UpdatesConfigError } from './appliance-updates.ts';

const key = keyPair();
const base = { site: 'gz01', device: 'box1', dataDir: '/data', profile: 'air-gapped' } as const;

/** Just what the probes look at: SIP configured and running, the fleet link's state. */
function fakeAppliance(o: { connected: boolean }): Appliance {
  return {
    twin: { config: { sip: {} } },
    telephony: { modules: {}, sipPort: () => 5060 },
    fleetLink: { isConnected: o.connected },
  } as unknown as Appliance;
}

describe('the updates section of the appliance configuration', () => {
  test('grub boot control defaults to the image paths, no keys and a two-minute health deadline', async () => {
    const c = parseApplianceConfig({ ...base, updates: { boot: { kind: 'grub' } } });
    assert.deepEqual(c.updates?.boot, { kind: 'grub', grubenvPath: '/boot/efi/EFI/cc/grubenv', slotDevices: { a: '/dev/disk/by-partlabel/cc-system-a', b: '/dev/disk/by-partlabel/cc-system-b' } });
    assert.deepEqual(c.updates?.trustedKeys, []);
    assert.equal(c.updates?.healthDeadlineS, 120);
  });

  test('refuses a reboot mode for a real machine, a simulated machine without a directory and an unknown boot kind', () => {
    // A real box reboots into its new slot; restarting only the process would leave the old system running.
    assert.throws(() => parseApplianceConfig({ ...base, updates: { boot: { kind: 'grub', reboot: 'restart' } } }), (e: Error) => e instanceof ConfigError && /updates\.boot/.test(e.message));
    assert.equal(parseApplianceConfig({ ...base, updates: { boot: { kind: 'simulated', dir: '/m', reboot: 'exit' } } }).updates?.boot.kind, 'simulated');
    assert.throws(() => parseApplianceConfig({ ...base, updates: { boot: { kind: 'simulated' } } }), /updates\.boot\.dir/);
    assert.throws(() => parseApplianceConfig({ ...base, updates: { boot: { kind: 'uboot' } } }), /updates\.boot/);
  });
});

describe('the update path of one boot', () => {
  const setup = () => {
    const work = mkdtempSync(join(tmpdir(), 'cc-appliance-updates-'));
    const config = UpdatesConfig.parse({ boot: { kind: 'simulated', dir: join(work, 'machine'), initialVersion: '1.0.0' }, trustedKeys: [key.publicPem], healthDeadlineS: 1 });
    const reboots: string[] = [];
    const open = () => openApplianceUpdates(config, { dataDir: join(work, 'data'), programVersion: '9.9.9', reboot: (r) => void reboots.push(r), telephony: () => undefined });
    return { work, config, reboots, open };
  };

  test('a fresh simulated machine runs the initial version from slot a, restarts in place on reboot, and keeps its work on the data partition', async () => {
    const { work, open } = setup();
    const u = await open();
    assert.equal(u.version, '1.0.0');
    assert.equal(u.rebootMode, 'restart');
    assert.equal(await u.boot.bootedSlot(), 'a');
    assert.equal(u.agent.workDir, join(work, 'data', 'updater', 'work'));
    assert.equal((await open()).version, '1.0.0', 'a second power-on with nothing armed runs the same slot');
  });

  test('after an install the next power-on runs the new version on trial, and a healthy appliance commits it', async () => {
    const { work, open, reboots } = setup();
    const first = await open();
    const installed = await first.updater.installFile(await bundle(work, { version: '1.1.0', key }));
    assert.equal(installed.ok, true);
    const second = await open();
    assert.equal(second.version, '1.1.0');
    assert.equal(await second.boot.bootedSlot(), 'b');
    const outcome = await second.afterStart(fakeAppliance({ connected: true }));
    assert.equal(outcome?.kind, 'committed');
    assert.equal((await second.boot.env.read()).default, 'b');
    assert.deepEqual(reboots, []);
    assert.equal((await open()).version, '1.1.0');
  });

  test('a new version whose health check fails asks for a reboot, and the next power-on runs the old version with the slot marked failed', async () => {
    const { work, open, reboots } = setup();
    await (await open()).updater.installFile(await bundle(work, { version: '1.1.0', key }));
    const trial = await open();
    const outcome = await trial.afterStart(fakeAppliance({ connected: false }));
    assert.equal(outcome?.kind, 'rolling-back');
    assert.equal(reboots.length, 1);
    assert.match(reboots[0]!, /health check failed/);
    const back = await open();
    assert.equal(back.version, '1.0.0');
    assert.equal(await back.boot.bootedSlot(), 'a');
    const slots = JSON.parse(await readFile(join(work, 'machine', 'slots.json'), 'utf8')) as { b: { state: string; note?: string } };
    assert.equal(slots.b.state, 'failed');
    assert.match(slots.b.note ?? '', /fleet link: not connected/);
  });

  test('a bundle signed by a key the section does not list is refused by the updater', async () => {
    const { work, open } = setup();
    const result = await (await open()).updater.installFile(await bundle(work, { version: '1.1.0', key: keyPair() }));
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.code, 'unknown-key');
  });

  test('an unusable trusted key is an error about the updates section, before anything starts', async () => {
    const { config, work } = setup();
    await assert.rejects(
      openApplianceUpdates({ ...config, trustedKeys: ['-----BEGIN PUBLIC KEY-----\nnot a key at all, just words in the PEM armour\n-----END PUBLIC KEY-----\n'] }, { dataDir: work, programVersion: '1.0.0', reboot: () => {}, telephony: () => undefined }),
      (e: Error) => e instanceof UpdatesConfigError && /updates: a trusted key is unusable/.test(e.message),
    );
  });
});

describe('the drain hook on telephony', () => {
  test('reports the calls up and resolves only once none is left', async () => {
    let calls = 2;
    let draining = false;
    const drain = telephonyDrain(() => ({ activeCalls: () => calls, setDraining: (on: boolean) => (draining = on) }) as unknown as Telephony, 5);
    assert.equal(drain.activeCalls(), 2);
    let done = false;
    const waiting = drain.drain(new AbortController().signal).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(done, false, 'still calls up');
    assert.equal(draining, true, 'new calls are refused while the calls in progress end');
    calls = 0;
    await waiting;
    assert.equal(done, true);
    drain.undrain();
    assert.equal(draining, false, 'an update that does not go ahead takes calls again');
  });

  test('a withdrawn job stops the wait, and no telephony means no calls', async () => {
    const ac = new AbortController();
    const waiting = telephonyDrain(() => ({ activeCalls: () => 1, setDraining: () => {} }) as unknown as Telephony, 5).drain(ac.signal);
    ac.abort();
    await assert.rejects(waiting, /withdrawn/);
    const none = telephonyDrain(() => undefined, 5);
    assert.equal(none.activeCalls(), 0);
    await none.drain(new AbortController().signal);
  });
});
