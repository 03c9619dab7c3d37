// Configuration push end to end, on the embedded aedes broker and on a real mosquitto: the
// fleet as `startFleet` builds it, driven over its REST API, and 20 appliances running the
// real fleet link and configuration twin in this process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../fleet/fleet.ts';
import { sampleTemplate } from '../fleet/config/sample-template.ts';
import { diffConfig } from '../fleet/config/config-diff.ts';
import { mergeConfig } from '../fleet/config/merge-config.ts';
import type { Plan } from '../fleet/config/config-service.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import { Mosquitto } from './support/mosquitto.ts';
import { freePort } from './support/net.ts';
import { waitFor } from './support/wait.ts';
import { SimAppliance } from './support/sim-appliance.ts';
import { ConsoleClient } from './support/console-client.ts';

const cheapScrypt = { N: 1024, r: 8, p: 1 };
const admin = { username: 'admin', password: 'admin-password-123' };
const devices = Array.from({ length: 20 }, (_, i) => {
  const device = `d${String(i + 1).padStart(2, '0')}`;
  return { ref: { site: 'north', device }, secret: `secret-of-${device}-0123456789abcdef` };
});
const invalid = devices[6]!; // d07
const late = devices[19]!; // d20: offline for the first pushes

interface Rig {
  fleet: Fleet;
  brokerUrl: string;
  restartBroker(): Promise<void>;
  stop(): Promise<void>;
}

const provision = devices.map((d) => ({ ...d.ref, name: `North ${d.ref.device}`, secret: d.secret }));

async function embeddedRig(): Promise<Rig> {
  const fleet = await startFleet({ dataDir: mkdtempSync(join(tmpdir(), 'cc-fleet-')), http: { port: 0 }, broker: { kind: 'embedded', port: await freePort() }, admin, provision, deviceSecretScrypt: cheapScrypt, log: silentLogger });
  return { fleet, brokerUrl: fleet.brokerUrl, restartBroker: () => fleet.restartBroker(), stop: () => fleet.stop() };
}

async function mosquittoRig(): Promise<Rig> {
  const service = { username: 'fleet-t', password: 'service-password-0123456789' };
  const mosquitto = await Mosquitto.start({ devices, services: [service] });
  const fleet = await startFleet({ dataDir: mkdtempSync(join(tmpdir(), 'cc-fleet-')), http: { port: 0 }, broker: { kind: 'external', url: mosquitto.url, ...service }, nodeId: service.username, admin, provision, deviceSecretScrypt: cheapScrypt, log: silentLogger });
  return {
    fleet,
    brokerUrl: mosquitto.url,
    async restartBroker() {
      await mosquitto.stop();
      await mosquitto.resume();
    },
    async stop() {
      await fleet.stop();
      await mosquitto.stop();
    },
  };
}

/** Each device's own trunk credentials and DIDs. */
function overrideOf(i: number) {
  const d = devices[i]!.ref.device;
  return { sip: { trunks: [{ id: 'pstn', username: `north-${d}`, password: `pw-${d}-0123456789` }], dids: [{ did: `+8610777700${String(i).padStart(2, '0')}`, route: { kind: 'ivr', flow: 'main' } }] } };
}

type StatusRow = { site: string; device: string; status: string; reported?: { applied: { version: number; hash: string }; refused?: { version: number; issues: Array<{ path: string; message: string }> } } };

for (const [name, makeRig] of [
  ['the embedded aedes broker', embeddedRig],
  ['a real mosquitto', mosquittoRig],
] as const) {
  describe(`configuration push over ${name}`, () => {
    let rig: Rig;
    let console: ConsoleClient;
    const sims = new Map<string, SimAppliance>();
    const sim = (d: { ref: { device: string } }) => sims.get(d.ref.device)!;
    const statuses = async () => new Map((await console.json<{ devices: StatusRow[] }>('GET', '/api/groups/north/status')).devices.map((r) => [r.device, r]));
    const preview = () => console.json<Plan>('GET', '/api/groups/north/preview');

    before(async () => {
      rig = await makeRig();
      console = await ConsoleClient.login(rig.fleet.httpUrl, admin.username, admin.password);
      for (const d of devices) sims.set(d.ref.device, await SimAppliance.create(rig.brokerUrl, d.ref, d.secret));
    });
    after(async () => {
      for (const s of sims.values()) await s.stop();
      await rig.stop();
    });

    test('a template pushed to a group of 20 is applied by every online appliance; the offline one waits', async () => {
      for (const d of devices) if (d !== late) sim(d).start();
      await waitFor('19 appliances online', () => devices.filter((d) => rig.fleet.registry.get(d.ref)?.status === 'online').length === 19);
      await console.json('POST', '/api/groups', { id: 'north', name: '华北网点 North branches', template: sampleTemplate() }, 201);
      await console.json('POST', '/api/groups/north/members', { add: devices.map((d) => d.ref) });
      for (let i = 0; i < devices.length; i++) await console.json('PUT', `/api/devices/north/${devices[i]!.ref.device}/config/override`, { patch: overrideOf(i) });

      const plan = await preview();
      assert.equal(plan.devices.length, 20);
      assert.ok(plan.devices.every((d) => d.issues.length === 0 && d.nextVersion === 1 && !d.unchanged));
      const pushed = await console.json<{ pushed: unknown[] }>('POST', '/api/groups/north/push', { planId: plan.planId });
      assert.equal(pushed.pushed.length, 20);

      await waitFor('19 applied', async () => [...(await statuses()).values()].filter((r) => r.status === 'applied').length === 19);
      assert.equal((await statuses()).get(late.ref.device)?.status, 'offline');
      for (const [i, d] of devices.entries()) {
        if (d === late) continue;
        const planned = plan.devices.find((p) => p.device === d.ref.device)!;
        assert.equal(sim(d).twin.running.version, 1);
        assert.equal(sim(d).twin.running.hash, planned.hash);
        assert.deepEqual(sim(d).twin.running.config, mergeConfig(sampleTemplate(), overrideOf(i)));
      }
      // A plan that no longer matches (the template changed since) is refused.
      await console.json('PUT', '/api/groups/north', { template: { ...sampleTemplate(), features: { wallboard: false } } });
      assert.equal((await console.fetch('POST', '/api/groups/north/push', { planId: plan.planId })).status, 409);
    });

    test('an invalid override is refused by its appliance with the reason, which keeps its previous version; the diff shown is what the others apply', async () => {
      const broken = mergeConfig(overrideOf(6), { sip: { trunks: [{ id: 'pstn', host: 'pstn.example.com' }] } });
      await console.json('PUT', `/api/devices/north/${invalid.ref.device}/config/override`, { patch: broken });
      const template = mergeConfig(sampleTemplate(), { features: { webchat: true }, acd: { queues: [{ id: 'vip', skills: [{ skill: 'sales', minLevel: 8 }] }] } }) as Record<string, unknown>;
      await console.json('PUT', '/api/groups/north', { template });
      const plan = await preview();
      const flagged = plan.devices.find((d) => d.device === invalid.ref.device)!;
      assert.match(flagged.issues.map((i) => i.path).join(), /sip\.trunks\.0\.host/, 'the preview warns before the push');
      const before = new Map(devices.map((d) => [d.ref.device, structuredClone(sim(d).twin.running.config)]));
      await console.json('POST', '/api/groups/north/push', { planId: plan.planId });

      await waitFor('18 applied and one refused', async () => {
        const rows = [...(await statuses()).values()];
        return rows.filter((r) => r.status === 'applied').length === 18 && rows.filter((r) => r.status === 'refused').length === 1;
      });
      const refused = (await statuses()).get(invalid.ref.device)!;
      assert.equal(refused.status, 'refused');
      assert.equal(refused.reported?.refused?.version, 2);
      assert.ok(refused.reported?.refused?.issues.some((i) => i.path === 'sip.trunks.0.host' && /IPv4 or IPv6/.test(i.message)), JSON.stringify(refused.reported?.refused));
      assert.equal(refused.reported?.applied.version, 1);
      assert.equal(sim(invalid).twin.running.version, 1);
      assert.deepEqual(sim(invalid).twin.running.config, before.get(invalid.ref.device));

      for (const d of devices) {
        if (d === late || d === invalid) continue;
        const planned = plan.devices.find((p) => p.device === d.ref.device)!;
        assert.equal(planned.diffBase.kind, 'running');
        assert.equal(sim(d).twin.running.hash, planned.hash);
        assert.deepEqual(diffConfig(before.get(d.ref.device), sim(d).twin.running.config), planned.changes, `diff of ${d.ref.device}`);
      }
      assert.deepEqual(plan.devices.find((p) => p.device === 'd01')!.changes.map((c) => c.path), ['acd.queues[vip]', 'features.webchat']);
    });

    test('an offline appliance applies only the latest version when it comes back, even after a broker restart', async () => {
      await console.json('PUT', `/api/devices/north/${invalid.ref.device}/config/override`, { patch: overrideOf(6) });
      await console.json('PUT', '/api/groups/north', { template: mergeConfig(sampleTemplate(), { retention: { cdrDays: 730 } }) });
      const plan = await preview();
      assert.equal(plan.devices.find((d) => d.device === late.ref.device)?.nextVersion, 3);
      await console.json('POST', '/api/groups/north/push', { planId: plan.planId });
      await waitFor('19 applied version 3', async () => [...(await statuses()).values()].filter((r) => r.status === 'applied' && r.reported?.applied.version === 3).length === 19);

      await rig.restartBroker();
      sim(late).start();
      await waitFor('the late appliance applied', () => sim(late).applied.length > 0, { timeoutMs: 15_000 });
      await waitFor('all 20 applied', async () => [...(await statuses()).values()].every((r) => r.status === 'applied'), { timeoutMs: 15_000 });
      assert.deepEqual(sim(late).applied.map((a) => a.version), [3], 'versions 1 and 2 were never applied');
      assert.equal(sim(late).twin.running.hash, plan.devices.find((d) => d.device === late.ref.device)?.hash);
      // The others saw version 3 again after the restart and did not apply it twice.
      await waitFor('everyone reconnected', () => devices.every((d) => sim(d).link.isConnected));
      assert.deepEqual(sim(devices[0]!).applied.map((a) => a.version), [1, 2, 3]);
      assert.deepEqual(sim(invalid).applied.map((a) => a.version), [1, 3]);

      const pushes = rig.fleet.audit.search({ action: 'config.push' });
      assert.equal(pushes.filter((e) => e.outcome === 'ok').length, 3);
      assert.ok(pushes.every((e) => e.actor === 'admin'));
    });
  });
}
