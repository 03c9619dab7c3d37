// Offline bundles for an air-gapped site: the fleet exports a device's configuration signed
// with its key; a real air-gapped appliance process (no fleet link at all) picks bundles up
// from its USB folder, refuses a tampered one and applies a valid one like a pushed version.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startFleet, type Fleet } from '../fleet/fleet.ts';
import { sampleTemplate } from '../fleet/config/sample-template.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import { ApplianceProcess } from './support/appliance-process.ts';
import { ConsoleClient } from './support/console-client.ts';
import { freePort } from './support/net.ts';
import { waitFor } from './support/wait.ts';

const admin = { username: 'admin', password: 'admin-password-123' };
const ref = { site: 'gov-01', device: 'box' };

describe('offline configuration bundles', () => {
  let fleet: Fleet;
  let client: ConsoleClient;
  let appliance: ApplianceProcess;
  let usb: string;
  let dataDir: string;

  const exportBundle = async () => {
    const res = await client.fetch('POST', `/api/devices/${ref.site}/${ref.device}/bundle`);
    assert.equal(res.status, 200, await res.clone().text());
    return { name: /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? '', text: await res.text() };
  };
  const drop = (name: string, text: string) => {
    // Written beside, then renamed in: the inbox never sees half a file.
    writeFileSync(join(usb, `.${name}.part`), text);
    renameSync(join(usb, `.${name}.part`), join(usb, name));
  };
  const resultOf = (name: string) => waitFor(`result of ${name}`, () => (existsSync(join(usb, `${name}.result.json`)) ? (JSON.parse(readFileSync(join(usb, `${name}.result.json`), 'utf8')) as { ok: boolean; outcome: string; message: string; version?: number }) : undefined));
  const twinOnDisk = () => JSON.parse(readFileSync(join(dataDir, 'config-twin.json'), 'utf8')) as { current: { version: number; hash: string; source: string; config: Record<string, unknown> } };

  before(async () => {
    fleet = await startFleet({ dataDir: mkdtempSync(join(tmpdir(), 'cc-fleet-')), http: { port: 0 }, broker: { kind: 'embedded', port: await freePort() }, admin, log: silentLogger, deviceSecretScrypt: { N: 1024, r: 8, p: 1 } });
    client = await ConsoleClient.login(fleet.httpUrl, admin.username, admin.password);
    await client.json('POST', '/api/devices', { ...ref, name: '政务网点 air-gapped' }, 201);
    await client.json('POST', '/api/groups', { id: 'gov', name: 'Government sites', template: sampleTemplate() }, 201);
    await client.json('POST', '/api/groups/gov/members', { add: [ref] });
    const key = await client.json<{ publicKeyPem: string }>('GET', '/api/bundle-key');
    usb = mkdtempSync(join(tmpdir(), 'cc-usb-'));
    appliance = new ApplianceProcess({ ...ref, profile: 'air-gapped', bundles: { trustedKeys: [key.publicKeyPem], importDir: usb, pollIntervalS: 0.1 } });
    dataDir = join(dirname(appliance.configPath), 'data');
    await appliance.start();
  });

  after(async () => {
    await appliance.kill('SIGTERM');
    await fleet.stop();
  });

  test('a tampered bundle is refused and the appliance keeps its configuration', async () => {
    const { text } = await exportBundle();
    const file = JSON.parse(text) as { payload: string };
    const payload = JSON.parse(Buffer.from(file.payload, 'base64').toString()) as { config: { features: Record<string, boolean> } };
    payload.config.features.webchat = true;
    file.payload = Buffer.from(JSON.stringify(payload)).toString('base64');
    drop('tampered.ccbundle', JSON.stringify(file));
    const result = await resultOf('tampered.ccbundle');
    assert.equal(result.outcome, 'refused');
    assert.match(result.message, /altered/);
    assert.equal(twinOnDisk().current.version, 0);
  });

  test('a valid bundle is verified and applied like a pushed version', async () => {
    const { name, text } = await exportBundle();
    assert.match(name, /^gov-01\.box\.v2\.ccbundle$/);
    drop(name, text);
    const result = await resultOf(name);
    assert.deepEqual([result.ok, result.outcome, result.version], [true, 'applied', 2]);
    const twin = twinOnDisk();
    assert.equal(twin.current.version, 2);
    assert.equal(twin.current.source, 'bundle');
    assert.deepEqual(twin.current.config, sampleTemplate());
    const status = (await client.json<{ devices: Array<{ status: string; desired: { version: number; via: string } }> }>('GET', '/api/groups/gov/status')).devices[0];
    assert.equal(status?.status, 'exported');
    assert.equal(status?.desired.via, 'bundle');
    const exported = fleet.audit.search({ action: 'config.export-bundle' });
    assert.deepEqual(exported.map((e) => [e.actor, e.target, e.outcome, e.details.version]), [['admin', 'gov-01/box', 'ok', 2], ['admin', 'gov-01/box', 'ok', 1]]);
  });

  test('an older bundle carried in later is not applied', async () => {
    await client.json('PUT', '/api/groups/gov', { template: { ...sampleTemplate(), features: { webchat: true } } });
    const newer = await exportBundle();
    // A stick still holding version 2 under a new name, then the new version 3.
    drop('old-copy.ccbundle', readFileSync(join(usb, 'gov-01.box.v2.ccbundle'), 'utf8'));
    drop(newer.name, newer.text);
    assert.equal((await resultOf(newer.name)).version, 3);
    assert.equal((await resultOf('old-copy.ccbundle')).outcome, 'ignored');
    assert.equal(twinOnDisk().current.version, 3);
    assert.equal((twinOnDisk().current.config.features as Record<string, boolean>).webchat, true);
  });
});
