// Issue 3's trunk state "reported in telemetry", end to end: a real appliance (composition
// root, fleet link) with two trunks, one a SIPp gateway answering the OPTIONS keepalive and one
// where nothing listens; the fleet's registry (and its console API) shows the first up and the
// second down, and the first goes down once the gateway answers 503 (a dead gateway takes
// Timer F, 64*T1 = 32 s, to be judged: too slow for the suite).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../fleet/fleet.ts';
import { startAppliance, type Appliance } from '../appliance/appliance.ts';
import { parseApplianceConfig } from '../appliance/config/appliance-config.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import { freeUdpPort, killChildren, spawnTracked } from './fixtures/sip/harness.ts';
import { freePort } from './support/net.ts';
import { waitFor } from './support/wait.ts';

const admin = { username: 'admin', password: 'admin-password-123' };
const dev = { site: 'gz', device: 'trunks1', secret: 'secret-of-trunks1-0123456789ab' };

describe('trunk state in telemetry', { timeout: 30_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cc-trunk-telemetry-'));
  let fleet: Fleet;
  let appliance: Appliance;
  let sipp: ReturnType<typeof spawnTracked>;
  let gatewayPort: number;
  const trunks = () => fleet.registry.get({ site: dev.site, device: dev.device })?.telemetry?.trunks;

  before(async () => {
    fleet = await startFleet({ dataDir: join(dir, 'fleet'), http: { port: 0 }, broker: { kind: 'embedded', port: await freePort() }, admin, provision: [{ site: dev.site, device: dev.device, name: 'trunks', secret: dev.secret }], deviceSecretScrypt: { N: 1024, r: 8, p: 1 }, log: silentLogger });
    gatewayPort = await freeUdpPort();
    const deadPort = await freeUdpPort();
    // -aa: SIPp answers OPTIONS by itself (each probe counts as a SIPp call, so no -m)
    sipp = spawnTracked('sipp', ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(gatewayPort), '-nostdin', '-aa', '-timeout', '25s']);
    const dataDir = join(dir, 'appliance');
    mkdirSync(dataDir, { recursive: true });
    const base = 41000 + (process.pid % 20) * 100;
    writeFileSync(join(dataDir, 'telephony.json'), JSON.stringify({
      media: { sipPorts: { min: base, max: base + 99 } },
      seedConfig: {
        schema: 1,
        sip: {
          listen: { host: '127.0.0.1', udpPort: await freeUdpPort() },
          trunks: [
            { id: 'carrier', host: '127.0.0.1', port: gatewayPort, optionsIntervalMs: 200, failuresBeforeDown: 1 },
            { id: 'backup', host: '127.0.0.1', port: deadPort, optionsIntervalMs: 200, failuresBeforeDown: 1 },
          ],
          trunkGroups: [{ id: 'pstn', trunks: ['carrier', 'backup'], callerId: '02088880000' }],
        },
      },
    }));
    appliance = await startAppliance(parseApplianceConfig({
      site: dev.site,
      device: dev.device,
      dataDir,
      logLevel: 'error',
      fleet: { url: fleet.brokerUrl, secret: dev.secret, telemetryIntervalS: 0.25 },
    }));
  });
  after(async () => {
    killChildren();
    await appliance?.stop();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the fleet sees the answering gateway up and the silent one down', async () => {
    const seen = await waitFor('both trunks judged', () => {
      const t = trunks();
      const carrier = t?.find((x) => x.id === 'carrier');
      const backup = t?.find((x) => x.id === 'backup');
      return carrier?.up === true && backup?.up === false ? t : undefined;
    }, { timeoutMs: 15_000 });
    assert.deepEqual(seen.map((t) => t.id).sort(), ['backup', 'carrier']);
    assert.equal(appliance.telephony.trunkStates().length, 2, 'the appliance reports exactly its configured trunks');
  });

  test('a gateway that starts refusing service with 503 is reported down with the reason', async () => {
    sipp.kill('SIGKILL');
    await new Promise((r) => sipp.once('exit', r));
    spawnTracked('sipp', ['-sf', 'uas-options-503.xml', '-i', '127.0.0.1', '-p', String(gatewayPort), '-nostdin', '-timeout', '25s']);
    const carrier = await waitFor('carrier down', () => trunks()?.find((x) => x.id === 'carrier' && !x.up), { timeoutMs: 10_000 });
    assert.equal(carrier.detail, '503 to OPTIONS');
  });
});
