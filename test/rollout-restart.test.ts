// A real appliance (startAppliance, in this process) given its update parts takes a campaign's
// job through the real fleet; the fleet restarts in the middle (its campaigns and bundles come
// back from its store); the appliance "reboots" into the new slot, reports from the job file it
// kept across the reboot, and the campaign completes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../fleet/fleet.ts';
import { sampleTemplate } from '../fleet/config/sample-template.ts';
import { startAppliance, type Appliance } from '../appliance/appliance.ts';
import { parseApplianceConfig } from '../appliance/config/appliance-config.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import { SimulatedMachine } from '../appliance/updater/sim-boot-control.ts';
import { DirectorySlots } from '../appliance/updater/slot-store.ts';
import { Updater } from '../appliance/updater/updater.ts';
import { bundle, keyPair, trusted } from './fixtures/updater/bundles.ts';
import { freePort } from './support/net.ts';
import { waitFor } from './support/wait.ts';

const key = keyPair();
const dev = { ref: { site: 'gz01', device: 'box1' }, secret: 'device-secret-0123456789abc' };

describe('a rollout across a fleet restart with a real appliance', () => {
  const work = mkdtempSync(join(tmpdir(), 'cc-rollout-restart-'));
  let fleet: Fleet;
  let appliance: Appliance | undefined;
  let port: number;
  const machine = { m: undefined as SimulatedMachine | undefined };
  let reboots = 0;

  const start = async () =>
    startFleet({
      dataDir: join(work, 'fleet'),
      http: { port: 0 },
      broker: { kind: 'embedded', port },
      provision: [{ ...dev.ref, name: 'Guangzhou', secret: dev.secret }],
      deviceSecretScrypt: { N: 1024, r: 8, p: 1 },
      updates: { trustedKeys: [key.publicPem] },
      log: silentLogger,
    });

  /** Boots the simulated box (bootloader, after-boot check) and starts the appliance on it. */
  const boot = async () => {
    const m = machine.m!;
    await m.powerOn();
    const version = (await m.status.read())[await m.bootedSlot()].version!;
    const updater = (v: string) => new Updater({ boot: m, slots: new DirectorySlots(join(work, 'slots')), status: m.status, trustedKeys: trusted(key), board: 'cc-x86-generic', currentVersion: v, workDir: join(work, 'box', 'updates'), probes: [] });
    await updater(version).afterBoot();
    await mkdir(join(work, 'box', 'updates'), { recursive: true });
    appliance = await startAppliance(parseApplianceConfig({ ...dev.ref, dataDir: join(work, 'box', 'data'), logLevel: 'error', fleet: { url: `mqtt://127.0.0.1:${port}`, secret: dev.secret } }), {
      log: silentLogger,
      version,
      updates: { updater: updater(version), workDir: join(work, 'box', 'updates'), reboot: async () => void reboots++, progressEveryMs: 50, outcomePollMs: 100 },
    });
  };

  before(async () => {
    port = await freePort();
    fleet = await start();
    machine.m = await SimulatedMachine.provision(join(work, 'machine'), '1.0.0');
    await boot();
  });

  after(async () => {
    await appliance?.stop();
    await fleet.stop();
  });

  test('the campaign survives the fleet restart and completes once the appliance runs the new version', async () => {
    await waitFor('appliance online', () => fleet.registry.get(dev.ref)?.status === 'online');
    await fleet.config.createGroup({ id: 'south', name: 'South', template: sampleTemplate() as Record<string, unknown> }, 'admin');
    await fleet.config.setGroupOf([dev.ref], 'south');
    const record = await fleet.rollouts.importBundle(createReadStream(await bundle(work, { version: '1.1.0', key })), 'admin');
    await fleet.rollouts.create({ id: 'r110', name: '1.1.0', bundle: record.sha256, groups: ['south'], phases: [100], successThreshold: 1, failureThreshold: 0, drainFirst: true }, 'admin');
    await waitFor('installed and asking to reboot', () => reboots === 1, { timeoutMs: 15_000 });
    await waitFor('rebooting reported', () => fleet.rollouts.get('r110').devices['gz01.box1']?.state === 'rebooting');

    // The fleet restarts: its embedded broker keeps nothing, its campaigns are in its store.
    await fleet.stop();
    fleet = await start();
    const back = fleet.rollouts.get('r110');
    assert.equal(back.status, 'running');
    assert.equal(back.devices['gz01.box1']?.state, 'rebooting');
    assert.equal(fleet.rollouts.bundles()[0]?.version, '1.1.0');

    // The box reboots into slot b, which commits itself; the appliance starts on 1.1.0.
    await appliance!.stop();
    appliance = undefined;
    await boot();
    assert.equal(await machine.m!.bootedSlot(), 'b');
    const done = await waitFor('campaign completed', () => (fleet.rollouts.get('r110').status === 'completed' ? fleet.rollouts.get('r110') : false), { timeoutMs: 15_000 });
    const d = done.devices['gz01.box1']!;
    assert.equal(d.state, 'committed');
    assert.equal(d.installedVersion, '1.1.0');
    // Drain first with no call layer wired: the default hook has no calls and lets it through at once.
    assert.deepEqual(d.history.map((h) => h.what), ['released in phase 1', 'draining', 'downloading', 'installing', 'rebooting', 'committed']);
    assert.equal(reboots, 1, 'the retained job seen again after the reboot starts nothing');
  });
});
