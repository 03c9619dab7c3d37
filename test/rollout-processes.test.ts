// A rollout across real processes: the fleet as `fleet/main.ts` with its update flags (bundle
// server port, trusted key file) and an appliance as `appliance/main.ts` whose configuration has
// an `updates` section on simulated A/B slots. The console API takes a signed bundle (and
// refuses one signed by a key it does not trust); a campaign ships it to the appliance's group;
// the appliance downloads, installs, "reboots" in place into the new slot, whose health check
// commits it, and reports committed with the new version.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleTemplate } from '../fleet/config/sample-template.ts';
import type { CampaignSummary } from '../fleet/rollouts/rollout-service.ts';
import type { DeviceRollout } from '../fleet/rollouts/rollout-core.ts';
import { GrubEnvStore } from '../appliance/updater/grub-env.ts';
import { bundle, keyPair } from './fixtures/updater/bundles.ts';
import { ApplianceProcess } from './support/appliance-process.ts';
import { ConsoleClient } from './support/console-client.ts';
import { FleetExitError, FleetProcess } from './support/fleet-process.ts';
import { freePort } from './support/net.ts';
import { waitFor } from './support/wait.ts';

const dev = { site: 'gz01', device: 'box1', secret: 'device-secret-0123456789abc' };
const ADMIN = { username: 'admin', password: 'admin-password-123' };

describe('a rollout between a fleet process and an appliance process', () => {
  const work = mkdtempSync(join(tmpdir(), 'cc-rollout-proc-'));
  const key = keyPair();
  const stranger = keyPair();
  const machineDir = join(work, 'machine');
  let fleet: FleetProcess;
  let appliance: ApplianceProcess;
  let admin: ConsoleClient;

  before(async () => {
    writeFileSync(join(work, 'release.pub'), key.publicPem);
    const mqttPort = await freePort();
    fleet = await FleetProcess.start([
      '--data', join(work, 'fleet'),
      '--port', '0',
      '--mqtt-port', String(mqttPort),
      '--updates-port', '0',
      '--update-key', join(work, 'release.pub'),
      '--admin', `${ADMIN.username}:${ADMIN.password}`,
      '--provision', `${dev.site}.${dev.device}:${dev.secret}:Guangzhou`,
    ]);
    appliance = new ApplianceProcess({
      site: dev.site,
      device: dev.device,
      fleet: { url: `mqtt://127.0.0.1:${mqttPort}`, secret: dev.secret, telemetryIntervalS: 1 },
      updates: { boot: { kind: 'simulated', dir: machineDir, initialVersion: '1.0.0' }, trustedKeys: [key.publicPem], healthDeadlineS: 10 },
    });
    await appliance.start();
    admin = await ConsoleClient.login(fleet.httpUrl, ADMIN.username, ADMIN.password);
    await waitFor('appliance online at 1.0.0', async () => {
      const d = await admin.json<{ status: string; version?: string; telemetry?: { version?: string } }>('GET', `/api/devices/${dev.site}/${dev.device}`);
      return d.status === 'online';
    }, { timeoutMs: 15_000, intervalMs: 200 });
  });

  after(async () => {
    await appliance?.kill('SIGTERM');
    await fleet?.stop();
  });

  const upload = async (path: string) =>
    fetch(`${fleet.httpUrl}/api/rollout-bundles`, { method: 'POST', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/octet-stream' }, body: new Uint8Array(await readFile(path)) });

  test('a bundle signed by a key the fleet was not started with is refused with the reason', async () => {
    const res = await upload(await bundle(work, { version: '1.1.0', key: stranger, name: 'stranger.ccb' }));
    assert.equal(res.status, 422);
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(body.code, 'unknown-key');
    assert.match(body.message, /key/i);
    assert.deepEqual((await admin.json<{ bundles: unknown[] }>('GET', '/api/rollout-bundles')).bundles, []);
  });

  test('the appliance downloads, installs, reboots into the new slot and reports committed with the new version', async () => {
    const res = await upload(await bundle(work, { version: '1.1.0', key }));
    assert.equal(res.status, 201, await res.clone().text());
    const { sha256 } = (await res.json()) as { sha256: string };
    await admin.json('POST', '/api/groups', { id: 'south', name: 'South', template: sampleTemplate() }, 201);
    await admin.json('POST', `/api/groups/south/members`, { add: [{ site: dev.site, device: dev.device }] });
    await admin.json<CampaignSummary>('POST', '/api/rollouts', { id: 'r110', name: '1.1.0 south', bundle: sha256, groups: ['south'], phases: [100], successThreshold: 1, failureThreshold: 0, drainFirst: true }, 201);

    const campaign = () => admin.json<CampaignSummary & { devices: Record<string, DeviceRollout> }>('GET', '/api/rollouts/r110');
    const done = await waitFor('campaign completed', async () => ((await campaign()).status === 'completed' ? campaign() : false), { timeoutMs: 20_000, intervalMs: 200 });
    const d = done.devices[`${dev.site}.${dev.device}`]!;
    assert.equal(d.state, 'committed');
    assert.equal(d.installedVersion, '1.1.0');
    assert.deepEqual(d.history.map((h) => h.what), ['released in phase 1', 'draining', 'downloading', 'installing', 'rebooting', 'committed']);
    // The simulated machine booted slot b, and its health check made b the default.
    assert.equal((await readFile(join(machineDir, 'booted'), 'utf8')).trim(), 'b');
    assert.deepEqual(await new GrubEnvStore(join(machineDir, 'grubenv')).read(), { default: 'b', try: undefined, tries: 0, rollback: undefined });
    assert.match(await readFile(join(machineDir, 'slots', 'b', 'os-release'), 'utf8'), /VERSION=1\.1\.0/);
    // The fleet sees the new version in the rebooted appliance's own state, too.
    await waitFor('fleet sees 1.1.0', async () => JSON.stringify(await admin.json('GET', `/api/devices/${dev.site}/${dev.device}`)).includes('"1.1.0"'), { timeoutMs: 10_000, intervalMs: 200 });
  });
});

describe('the fleet process refuses bad update flags with a clear error', () => {
  const work = mkdtempSync(join(tmpdir(), 'cc-rollout-flags-'));
  const refused = async (args: string[]) => {
    const err = await FleetProcess.start(['--data', join(work, 'fleet'), '--port', '0', '--mqtt-port', '0', '--updates-port', '0', ...args]).then(
      async (f) => (await f.stop(), assert.fail('the fleet started')),
      (e: unknown) => e,
    );
    assert.ok(err instanceof FleetExitError, String(err));
    assert.equal(err.code, 2);
    return err.stderr;
  };

  test('a missing key file, a key that is not ed25519, a directory without keys, a non-HTTP public URL and a bad port', async () => {
    writeFileSync(join(work, 'rsa.pub'), generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }));
    const empty = mkdtempSync(join(work, 'keys-'));
    // Side by side: each is a process start.
    const [absent, rsa, none, url, port] = await Promise.all([
      refused(['--update-key', join(work, 'absent.pub')]),
      refused(['--update-key', join(work, 'rsa.pub')]),
      refused(['--update-key', empty]),
      refused(['--updates-url', 'ftp://fleet.example/']),
      refused(['--updates-port', '70000']),
    ]);
    assert.match(absent, /bad --update-key .*absent\.pub.*ENOENT/);
    assert.match(rsa, /bad --update-key .*rsa\.pub.*not ed25519/);
    assert.match(none, /holds no \.pub file/);
    assert.match(url, /updates-url.*http/);
    assert.match(port, /updates-port/);
  });
});
