// Devices may only use their own topics, checked against the embedded aedes broker and a
// real mosquitto configured by the fleet's generator: no reading another device's desired
// configuration, no writing another device's reported state, no writing desired state at all.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startFleet, type Fleet } from '../fleet/fleet.ts';
import { sampleTemplate } from '../fleet/config/sample-template.ts';
import { brokerUsername } from '../protocol/ids.ts';
import { configHash } from '../protocol/config-document.ts';
import { topicFor } from '../protocol/topics.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import { Mosquitto } from './support/mosquitto.ts';
import { freePort } from './support/net.ts';
import { sleep, waitFor } from './support/wait.ts';
import { SimAppliance } from './support/sim-appliance.ts';

const cheapScrypt = { N: 1024, r: 8, p: 1 };
const victim = { ref: { site: 'sh', device: 'victim' }, secret: 'secret-of-victim-0123456789' };
const intruder = { ref: { site: 'sh', device: 'intruder' }, secret: 'secret-of-intruder-0123456789' };
const devices = [victim, intruder];
const provision = devices.map((d) => ({ ...d.ref, name: d.ref.device, secret: d.secret }));

async function embedded() {
  const fleet = await startFleet({ dataDir: mkdtempSync(join(tmpdir(), 'cc-fleet-')), http: { port: 0 }, broker: { kind: 'embedded', port: await freePort() }, provision, deviceSecretScrypt: cheapScrypt, log: silentLogger });
  return { fleet, url: fleet.brokerUrl, stop: () => fleet.stop() };
}

async function external() {
  const service = { username: 'fleet-t', password: 'service-password-0123456789' };
  const mosquitto = await Mosquitto.start({ devices, services: [service] });
  const fleet = await startFleet({ dataDir: mkdtempSync(join(tmpdir(), 'cc-fleet-')), http: { port: 0 }, broker: { kind: 'external', url: mosquitto.url, ...service }, nodeId: service.username, provision, deviceSecretScrypt: cheapScrypt, log: silentLogger });
  return { fleet, url: mosquitto.url, stop: async () => (await fleet.stop(), await mosquitto.stop()) };
}

const connectAs = (url: string, d: typeof victim): Promise<MqttClient> =>
  mqtt.connectAsync(url, { protocolVersion: 4, clientId: brokerUsername(d.ref), username: brokerUsername(d.ref), password: d.secret, reconnectPeriod: 0 });

async function pushTo(fleet: Fleet, refs: Array<typeof victim.ref>, features: Record<string, boolean>) {
  if (!fleet.config.listGroups().some((g) => g.id === 'g')) await fleet.config.createGroup({ id: 'g', name: 'g', template: sampleTemplate() as Record<string, unknown> }, 'test');
  await fleet.config.updateGroup('g', { template: { ...(sampleTemplate() as Record<string, unknown>), features } }, 'test');
  await fleet.config.setGroupOf(refs, 'g');
  await fleet.config.push('g', fleet.config.preview('g').planId, 'test');
}

for (const [name, makeRig] of [
  ['the embedded aedes broker', embedded],
  ['a real mosquitto', external],
] as const) {
  describe(`device topic isolation on ${name}`, () => {
    let rig: Awaited<ReturnType<typeof embedded>>;
    let app: SimAppliance;
    before(async () => {
      rig = await makeRig();
      app = await SimAppliance.create(rig.url, victim.ref, victim.secret);
      app.start();
      await pushTo(rig.fleet, [victim.ref], { a: true });
      await waitFor('victim applied', () => app.twin.running.version === 1);
    });
    after(async () => {
      await app.stop();
      await rig.stop();
    });

    test('a device reads its own retained desired configuration but never another device\'s', async () => {
      await pushTo(rig.fleet, [victim.ref, intruder.ref], { b: true });
      const client = await connectAs(rig.url, intruder);
      try {
        const seen: string[] = [];
        client.on('message', (topic) => seen.push(topic));
        // aedes refuses the subscription (SUBACK 0x80, which MQTT.js rejects); mosquitto grants
        // it and then checks read access per message: either way nothing may arrive.
        for (const filter of [topicFor('configDesired', victim.ref), 'cc/v1/+/+/config/desired', 'cc/v1/sh/#']) {
          await client.subscribeAsync(filter, { qos: 1 }).catch((e: Error) => e);
        }
        await client.subscribeAsync(topicFor('configDesired', intruder.ref), { qos: 1 });
        await waitFor('its own desired configuration', () => seen.includes(topicFor('configDesired', intruder.ref)));
        await pushTo(rig.fleet, [victim.ref, intruder.ref], { c: true });
        await waitFor('victim applied again', () => app.twin.running.version === 3);
        await sleep(200);
        assert.deepEqual(seen.filter((t) => t.includes('/victim/')), [], 'nothing of the victim was readable');
      } finally {
        await client.endAsync(true);
      }
    });

    test('a device cannot publish another device\'s reported state, nor anyone\'s desired configuration', async () => {
      const reportedBefore = rig.fleet.config.members('g').find((m) => m.device === 'victim')?.reported;
      assert.equal(reportedBefore?.applied.version, 3);
      const forgedConfig = { schema: 1, features: { pwned: true } };
      const forgedDesired = JSON.stringify({ version: 99, issuedAt: Date.now(), hash: configHash(forgedConfig), config: forgedConfig });
      const forgedReport = JSON.stringify({ ts: Date.now(), applied: { version: 99, hash: 'f'.repeat(64), source: 'fleet', at: Date.now() }, drift: false, highestSeen: 99 });
      // One connection per attempt: aedes drops a connection that publishes outside its rights.
      for (const [topic, payload] of [
        [topicFor('configReported', victim.ref), forgedReport],
        [topicFor('configDesired', victim.ref), forgedDesired],
        [topicFor('configDesired', intruder.ref), forgedDesired],
      ] as const) {
        const client = await connectAs(rig.url, intruder);
        client.publish(topic, payload, { qos: 0 });
        await sleep(150);
        await client.endAsync(true).catch(() => undefined);
      }
      await sleep(300);
      assert.equal(rig.fleet.config.members('g').find((m) => m.device === 'victim')?.reported?.applied.version, 3);
      assert.equal(app.twin.running.version, 3);
      assert.equal(app.twin.config.features?.pwned, undefined);
      assert.deepEqual(app.refused, []);
      // The intruder's own retained desired configuration is still the fleet's.
      const check = await connectAs(rig.url, intruder);
      try {
        const got = new Promise<string>((resolve) => check.on('message', (_t, p) => resolve(p.toString())));
        await check.subscribeAsync(topicFor('configDesired', intruder.ref), { qos: 1 });
        const desired = JSON.parse(await got) as { version: number; config: { features?: Record<string, boolean> } };
        assert.equal(desired.version, rig.fleet.config.members('g').find((m) => m.device === 'intruder')?.desired?.version);
        assert.deepEqual(desired.config.features, { c: true });
      } finally {
        await check.endAsync(true);
      }
    });
  });
}
