// Staged rollouts end to end: the real fleet (embedded aedes, rollout service, bundle server,
// console API) and 50 simulated appliances in this process, each with the real FleetLink, the
// real update agent and updater on simulated A/B slots and bootloader. A "reboot" restarts the
// update agent on the same simulated machine after the bootloader's turn and the after-boot
// health check, as the box's systemd units do.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../fleet/fleet.ts';
import { sampleTemplate } from '../fleet/config/sample-template.ts';
import type { CampaignSummary } from '../fleet/rollouts/rollout-service.ts';
import type { DeviceRollout } from '../fleet/rollouts/rollout-core.ts';
import type { DeviceRef } from '../protocol/ids.ts';
import { FleetLink } from '../appliance/fleet-link/fleet-link.ts';
import { Outbox, outboxMigrations } from '../appliance/fleet-link/outbox.ts';
import { openDatabase } from '../appliance/store/sqlite-database.ts';
import { BatchWriter } from '../appliance/store/batch-writer.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import { SimulatedMachine } from '../appliance/updater/sim-boot-control.ts';
import { DirectorySlots } from '../appliance/updater/slot-store.ts';
import { Updater } from '../appliance/updater/updater.ts';
import { probe } from '../appliance/updater/health-check.ts';
import { UpdateAgent, type UpdateDrain } from '../appliance/updater/update-agent.ts';
import { bundle, keyPair, trusted } from './fixtures/updater/bundles.ts';
import { ConsoleClient } from './support/console-client.ts';
import { freePort } from './support/net.ts';
import { sleep, waitFor } from './support/wait.ts';

const N = 50;
const BOARD = 'cc-x86-generic';
const SECRET = 'rollout-device-secret-0123456789';
const key = keyPair();
const keys = trusted(key);

/** A drain hook a test holds open: calls stay up until it lets them go. */
class HeldCalls implements UpdateDrain {
  calls = 2;
  drainAsked = false;
  private release: (() => void) | undefined;
  activeCalls = () => this.calls;
  drain = () => {
    this.drainAsked = true;
    return new Promise<void>((resolve) => (this.release = resolve));
  };
  undrain = () => {};
  hangUp() {
    this.calls = 0;
    this.release?.();
  }
}

class SimBox {
  agent: UpdateAgent | undefined;
  healthy = true;
  drain: UpdateDrain | undefined;
  readonly boots: string[] = [];
  private constructor(
    readonly ref: DeviceRef,
    readonly root: string,
    readonly machine: SimulatedMachine,
    readonly link: FleetLink,
    private readonly close: () => Promise<void>,
  ) {}

  static async create(url: string, ref: DeviceRef, root: string): Promise<SimBox> {
    const machine = await SimulatedMachine.provision(join(root, 'machine'), '1.0.0');
    const db = openDatabase(join(root, 'a.sqlite'), { migrations: outboxMigrations });
    const writer = new BatchWriter(db);
    const link = new FleetLink({ url, ref, secret: SECRET, version: '1.0.0', bootId: `b-${ref.device}`, outbox: new Outbox({ db, writer }), keepaliveS: 10, backoff: { minMs: 50, maxMs: 400 }, log: silentLogger });
    const box = new SimBox(ref, root, machine, link, async () => {
      await link.stop();
      await writer.close();
      db.close();
    });
    await box.boot();
    link.start();
    return box;
  }

  async version(): Promise<string> {
    return (await this.machine.status.read())[await this.machine.bootedSlot()].version ?? 'none';
  }

  private updater(version: string): Updater {
    const probes = [probe('appliance healthy', () => (this.healthy ? undefined : 'sip listening: no answer on 5060'))];
    return new Updater({ boot: this.machine, slots: new DirectorySlots(join(this.root, 'slots')), status: this.machine.status, trustedKeys: keys, board: BOARD, currentVersion: version, workDir: join(this.root, 'work'), probes, health: { deadlineMs: 0, retryEveryMs: 0 } });
  }

  /** Power on: the bootloader picks a slot, the after-boot check commits or rolls back, the agent starts. */
  async boot(): Promise<void> {
    for (;;) {
      const decision = await this.machine.powerOn();
      this.boots.push(decision.slot);
      const outcome = await this.updater(await this.version()).afterBoot();
      if (outcome.kind !== 'rolling-back') break;
    }
    const version = await this.version();
    await mkdir(join(this.root, 'work'), { recursive: true });
    this.agent = new UpdateAgent({
      link: this.link,
      updater: this.updater(version),
      currentVersion: version,
      workDir: join(this.root, 'work'),
      reboot: async () => void setImmediate(() => void this.restart()),
      ...(this.drain ? { drain: this.drain } : {}),
      progressEveryMs: 50,
      download: { attempts: 2, retryPauseMs: 50 },
      log: silentLogger,
    });
    await this.agent.start();
  }

  private async restart(): Promise<void> {
    await this.agent?.stop();
    await this.boot();
  }

  async stop(): Promise<void> {
    await this.agent?.stop();
    await this.close();
  }
}

let fleet: Fleet;
let boxes: SimBox[];
let ops: ConsoleClient;
let work: string;
const byKey = new Map<string, SimBox>();

async function upload(version: string): Promise<string> {
  const path = await bundle(work, { version, board: BOARD, key });
  const bytes = await readFile(path);
  const send = (body: Buffer) => fetch(`${fleet.httpUrl}/api/rollout-bundles`, { method: 'POST', headers: { cookie: ops.cookie, 'x-csrf-token': ops.csrf, 'content-type': 'application/octet-stream' }, body: new Uint8Array(body) });
  // The fleet checks a bundle as a device would before anything can ship it.
  const tampered = Buffer.from(bytes);
  tampered[tampered.length - 10]! ^= 0xff;
  const refused = await send(tampered);
  assert.equal(refused.status, 422);
  assert.equal(((await refused.json()) as { code: string }).code, 'hash-mismatch');
  const up = await send(bytes);
  assert.equal(up.status, 201, await up.clone().text());
  return ((await up.json()) as { sha256: string }).sha256;
}

const campaign = (id: string) => ops.json<CampaignSummary & { devices: Record<string, DeviceRollout> }>('GET', `/api/rollouts/${id}`);
const devicesIn = async (id: string) => Object.values((await campaign(id)).devices);

describe('staged rollouts to 50 simulated appliances', () => {
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'cc-rollout-'));
    const refs = Array.from({ length: N }, (_, i) => ({ site: `site${i % 5}`, device: `box${i}` }));
    fleet = await startFleet({
      dataDir: join(work, 'fleet'),
      http: { port: 0 },
      broker: { kind: 'embedded', port: await freePort() },
      admin: { username: 'admin', password: 'admin-password-123' },
      provision: refs.map((r) => ({ ...r, name: r.device, secret: SECRET })),
      deviceSecretScrypt: { N: 1024, r: 8, p: 1 },
      updates: { trustedKeys: [key.publicPem] },
      log: silentLogger,
    });
    await fleet.users.createUser({ username: 'ops', password: 'operator-password', role: 'operator' });
    ops = await ConsoleClient.login(fleet.httpUrl, 'ops', 'operator-password');
    await fleet.config.createGroup({ id: 'branches', name: 'Branches', template: sampleTemplate() as Record<string, unknown> }, 'admin');
    await fleet.config.setGroupOf(refs, 'branches');
    boxes = await Promise.all(refs.map((r) => SimBox.create(fleet.brokerUrl, r, join(work, `${r.site}-${r.device}`))));
    for (const b of boxes) byKey.set(`${b.ref.site}.${b.ref.device}`, b);
    await waitFor('every box online', () => fleet.registry.stats().online === N, { timeoutMs: 15_000 });
  });

  after(async () => {
    await Promise.all(boxes.map((b) => b.stop()));
    await fleet.stop();
  });

  test('phases advance only once every released device committed, until all 50 run the new version', async () => {
    const sha = await upload('1.2.0');
    const created = await ops.json<CampaignSummary>('POST', '/api/rollouts', { id: 'v120', name: '1.2.0 for all branches', bundle: sha, groups: ['branches'], phases: [2, 10, 50, 100], successThreshold: 1, failureThreshold: 0.5, drainFirst: false }, 201);
    assert.deepEqual(created.phases.map((p) => p.total), [1, 4, 20, 25]);
    // Every step is in the audit log with who did it, the refused upload too.
    const audit = fleet.audit.search({ action: 'rollout.' });
    assert.deepEqual(audit.map((e) => [e.action, e.actor, e.outcome]).reverse(), [['rollout.bundle-upload', 'ops', 'refused'], ['rollout.bundle-upload', 'ops', 'ok'], ['rollout.create', 'ops', 'ok']]);
    assert.equal(audit.find((e) => e.action === 'rollout.create')?.details.campaign, 'v120');
    assert.equal(audit.find((e) => e.action === 'rollout.bundle-upload' && e.outcome === 'refused')?.details.refused, 'hash-mismatch');
    const done = await waitFor('campaign completed', async () => ((await campaign('v120')).status === 'completed' ? campaign('v120') : false), { timeoutMs: 15_000, intervalMs: 100 });
    assert.equal(done.counts.committed, N);
    for (const b of boxes) {
      assert.equal(await b.version(), '1.2.0', `${b.ref.device} runs the new version`);
      assert.deepEqual(b.boots.slice(-1), ['b']);
      assert.equal((await b.machine.env.read()).default, 'b', 'the new slot committed itself');
    }
    // No phase was released before every device of the earlier phases had committed.
    const devices = Object.values(done.devices);
    for (let phase = 1; phase < 4; phase++) {
      const releasedAt = Math.min(...devices.filter((d) => d.phase === phase).map((d) => d.history.find((h) => h.what.startsWith('released'))!.at));
      const earlierCommitted = Math.max(...devices.filter((d) => d.phase < phase).map((d) => d.history.find((h) => h.what === 'committed')!.at));
      assert.ok(releasedAt >= earlierCommitted, `phase ${phase + 1} released at ${releasedAt}, before an earlier device committed at ${earlierCommitted}`);
    }
    for (const d of devices) {
      assert.deepEqual(d.history.map((h) => h.what), [`released in phase ${d.phase + 1}`, 'downloading', 'installing', 'rebooting', 'committed']);
      assert.equal(d.installedVersion, '1.2.0');
    }
  });

  test('a failure rate over the threshold halts the campaign: failed boxes roll back, the rest never get the bundle', async () => {
    const sha = await upload('1.3.0');
    // Phase 1 is 10% (5 boxes); the campaign decides which, so the test learns it first and
    // makes three of those five fail their health check after the reboot.
    const created = await ops.json<CampaignSummary>('POST', '/api/rollouts', { id: 'v130', name: '1.3.0', bundle: sha, groups: ['branches'], phases: [10, 100], successThreshold: 0.8, failureThreshold: 0.4, drainFirst: false }, 201);
    assert.equal(created.phases[0]!.total, 5);
    const first = (await devicesIn('v130')).filter((d) => d.phase === 0);
    // Health is only checked after the reboot, well after this line: the download and install come first.
    for (const d of first.slice(0, 3)) byKey.get(`${d.site}.${d.device}`)!.healthy = false;
    const halted = await waitFor('campaign halted', async () => ((await campaign('v130')).status === 'halted' ? campaign('v130') : false), { timeoutMs: 15_000, intervalMs: 100 });
    assert.match(halted.reason ?? '', /failed or rolled back/);
    const rolledBack = Object.values(halted.devices).filter((d) => d.state === 'rolled-back');
    assert.equal(rolledBack.length, 3);
    for (const d of rolledBack) {
      const box = byKey.get(`${d.site}.${d.device}`)!;
      assert.equal(await box.version(), '1.2.0', 'a failed box runs its old version again');
      assert.match(d.reason ?? '', /health check failed.*sip listening/);
    }
    // Phase 2 was never released: its 45 boxes have no job and downloaded nothing.
    await sleep(300);
    const later = Object.values((await campaign('v130')).devices).filter((d) => d.phase === 1);
    assert.equal(later.length, 45);
    for (const d of later) {
      assert.equal(d.state, 'cancelled');
      const box = byKey.get(`${d.site}.${d.device}`)!;
      assert.equal(await box.version(), '1.2.0');
      assert.deepEqual(await readdir(join(box.root, 'work')).then((f) => f.filter((n) => n.startsWith('update.ccb'))), []);
    }
    assert.equal((await ops.fetch('POST', '/api/rollouts/v130/resume')).status, 409, 'a halted campaign does not resume');
    const aborted = await ops.json<CampaignSummary>('POST', '/api/rollouts/v130/abort');
    assert.equal(aborted.status, 'aborted');
    for (const d of first) byKey.get(`${d.site}.${d.device}`)!.healthy = true;
  });

  test('a device with active calls waits for its drain before downloading, then installs', async () => {
    const victim = (await devicesIn('v130')).find((d) => d.phase === 1)!;
    const box = byKey.get(`${victim.site}.${victim.device}`)!;
    const calls = new HeldCalls();
    box.drain = calls;
    // Reboot it so its agent picks up the drain hook, as a box with the call layer wired would start.
    await box.agent!.stop();
    await box.boot();
    await fleet.config.createGroup({ id: 'busy', name: 'Busy branch', template: sampleTemplate() as Record<string, unknown> }, 'admin');
    await fleet.config.setGroupOf([box.ref], 'busy');
    const sha = (await ops.json<{ bundles: Array<{ sha256: string; version: string }> }>('GET', '/api/rollout-bundles')).bundles.find((b) => b.version === '1.3.0')!.sha256;
    await ops.json('POST', '/api/rollouts', { id: 'busy130', name: 'busy', bundle: sha, groups: ['busy'], phases: [100], drainFirst: true }, 201);
    const draining = await waitFor('draining reported', async () => {
      const d = (await devicesIn('busy130'))[0]!;
      return d.state === 'draining' ? d : false;
    });
    assert.equal(draining.activeCalls, 2);
    assert.ok(calls.drainAsked);
    await sleep(400);
    assert.equal((await devicesIn('busy130'))[0]!.state, 'draining', 'still waiting for its calls');
    assert.deepEqual((await readdir(join(box.root, 'work'))).filter((n) => n.startsWith('update.ccb')), [], 'nothing downloaded while calls are up');
    calls.hangUp();
    const done = await waitFor('committed', async () => ((await campaign('busy130')).status === 'completed' ? campaign('busy130') : false), { timeoutMs: 10_000, intervalMs: 100 });
    const d = Object.values(done.devices)[0]!;
    assert.equal(d.state, 'committed');
    assert.equal(await box.version(), '1.3.0');
    assert.deepEqual(d.history.map((h) => h.what), ['released in phase 1', 'draining', 'downloading', 'installing', 'rebooting', 'committed']);
  });
});
