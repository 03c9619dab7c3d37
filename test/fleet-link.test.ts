// The appliance's fleet link against real brokers: the fleet's embedded aedes and a real
// mosquitto, each on a free loopback port, with real appliance processes where a kill matters.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startFleet, type Fleet } from '../fleet/fleet.ts';
import { EmbeddedBroker } from '../fleet/broker/embedded-broker.ts';
import { FleetLink } from '../appliance/fleet-link/fleet-link.ts';
import { Outbox, outboxMigrations } from '../appliance/fleet-link/outbox.ts';
import { openDatabase } from '../appliance/store/sqlite-database.ts';
import { BatchWriter } from '../appliance/store/batch-writer.ts';
import { brokerUsername, type DeviceRef } from '../protocol/ids.ts';
import { topicFor } from '../protocol/topics.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import { Mosquitto } from './support/mosquitto.ts';
import { ApplianceProcess } from './support/appliance-process.ts';
import { freePort } from './support/net.ts';
import { sleep, waitFor } from './support/wait.ts';

const cheapScrypt = { N: 1024, r: 8, p: 1 };
const devices = ['a1', 'a2', 'a3', 'a4', 'a5'].map((d) => ({ ref: { site: 'sh', device: d }, secret: `secret-of-${d}-0123456789abcdef` }));
const [kill9, frozen, outboxDev, intruder, victim] = devices as [typeof devices[0], typeof devices[0], typeof devices[0], typeof devices[0], typeof devices[0]];

/** A broker the test can restart, and the fleet reading from it. */
interface Rig {
  fleet: Fleet;
  brokerUrl: string;
  restartBroker(): Promise<void>;
  stop(): Promise<void>;
}

async function embeddedRig(): Promise<Rig> {
  // The fleet's own embedded broker, so the path under test is the one `npm start` runs.
  const dir = mkdtempSync(join(tmpdir(), 'cc-fleet-'));
  const mqttPort = await freePort();
  const fleet = await startFleet({
    dataDir: dir,
    http: { port: 0 },
    broker: { kind: 'embedded', port: mqttPort },
    provision: devices.map((d) => ({ ...d.ref, name: d.ref.device, secret: d.secret })),
    deviceSecretScrypt: cheapScrypt,
    log: silentLogger,
  });
  return {
    fleet,
    brokerUrl: fleet.brokerUrl,
    restartBroker: () => fleet.restartBroker(),
    stop: () => fleet.stop(),
  };
}

async function mosquittoRig(): Promise<Rig> {
  const service = { username: 'fleet-t', password: 'service-password-0123456789' };
  const mosquitto = await Mosquitto.start({ devices, services: [service] });
  const fleet = await startFleet({
    dataDir: mkdtempSync(join(tmpdir(), 'cc-fleet-')),
    http: { port: 0 },
    broker: { kind: 'external', url: mosquitto.url, ...service },
    nodeId: service.username,
    provision: devices.map((d) => ({ ...d.ref, name: d.ref.device, secret: d.secret })),
    deviceSecretScrypt: cheapScrypt,
    log: silentLogger,
  });
  return {
    fleet,
    brokerUrl: mosquitto.url,
    async restartBroker() {
      await mosquitto.stop();
      await sleep(300);
      await mosquitto.resume();
    },
    async stop() {
      await fleet.stop();
      await mosquitto.stop();
    },
  };
}

function inProcessLink(rig: Rig, dev: { ref: DeviceRef; secret: string }) {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'cc-link-')), 'a.sqlite'), { migrations: outboxMigrations });
  const writer = new BatchWriter(db);
  const outbox = new Outbox({ db, writer });
  const link = new FleetLink({
    url: rig.brokerUrl,
    ref: dev.ref,
    secret: dev.secret,
    version: '9.9.9',
    bootId: 'boot-in-process',
    outbox,
    keepaliveS: 5,
    backoff: { minMs: 50, maxMs: 400 },
  });
  return { link, outbox, async close() { await link.stop(); await writer.close(); db.close(); } };
}

for (const [name, makeRig] of [
  ['the embedded aedes broker', embeddedRig],
  ['a real mosquitto', mosquittoRig],
] as const) {
  describe(`fleet link over ${name}`, () => {
    let rig: Rig;
    before(async () => {
      rig = await makeRig();
    });
    after(async () => {
      await rig.stop();
    });

    test('an appliance process is online in the registry within 2 s, with its version and telemetry', async () => {
      const app = new ApplianceProcess({ ...kill9.ref, fleet: { url: rig.brokerUrl, secret: kill9.secret, keepaliveS: 2, telemetryIntervalS: 0.5 } });
      try {
        const bootId = await app.start();
        await waitFor('online', () => rig.fleet.registry.get(kill9.ref)?.status === 'online' || undefined, { timeoutMs: 2000 });
        const view = await waitFor('telemetry', () => rig.fleet.registry.get(kill9.ref)?.telemetry ?? undefined, { timeoutMs: 3000 });
        assert.equal(rig.fleet.registry.get(kill9.ref)?.bootId, bootId);
        assert.equal(view.bootId, bootId);
        assert.ok(view.cpu.cores >= 1 && view.memory.totalBytes > 0 && view.disk.totalBytes > 0);

        // Killed like a power cut: the broker publishes the will.
        await app.kill('SIGKILL');
        const killedAt = Date.now();
        await waitFor('offline via last will', () => rig.fleet.registry.get(kill9.ref)?.status === 'offline', { timeoutMs: 3000 });
        assert.ok(Date.now() - killedAt <= 2 * 1.5 * 1000, 'offline within keepalive × 1.5');
        assert.equal(rig.fleet.registry.get(kill9.ref)?.reason, 'lost');
      } finally {
        await app.kill();
      }
    });

    // Only where we own the broker: mosquitto 2.0.11 (Debian 12) enforces keepalive on its own
    // schedule (measured: from 1.1 s to none within 10 s), so the bound would test mosquitto.
    if (name === 'the embedded aedes broker') test('a frozen appliance is declared offline by the keepalive timeout within keepalive × 1.5', async () => {
      const app = new ApplianceProcess({ ...frozen.ref, fleet: { url: rig.brokerUrl, secret: frozen.secret, keepaliveS: 1, telemetryIntervalS: 0.5 } });
      try {
        await app.start();
        await waitFor('online', () => rig.fleet.registry.get(frozen.ref)?.status === 'online' || undefined, { timeoutMs: 3000 });
        process.kill(app.pid!, 'SIGSTOP'); // the socket stays open: only the keepalive can tell
        const frozenAt = Date.now();
        // Brokers check keepalive on their own tick, so allow one second on top of 1.5 × 1 s.
        await waitFor('offline via keepalive', () => rig.fleet.registry.get(frozen.ref)?.status === 'offline', { timeoutMs: 2500 + 1000 });
        assert.equal(rig.fleet.registry.get(frozen.ref)?.reason, 'lost');
        assert.ok(Date.now() - frozenAt >= 1000, 'not before the keepalive could expire');
      } finally {
        if (app.pid) process.kill(app.pid, 'SIGCONT');
        await app.kill();
      }
    });

    test('the outbox delivers 1,000 events in order across a broker restart, none lost or duplicated', async () => {
      const { link, outbox, close } = inProcessLink(rig, outboxDev);
      try {
        link.start();
        await waitFor('link connected', () => link.isConnected);
        const enqueued = Promise.all(Array.from({ length: 1000 }, (_, i) => link.emitEvent({ type: 'test.seq', data: { i } })));
        await waitFor('some delivered', () => link.counters.delivered >= 200, { timeoutMs: 10_000 });
        await rig.restartBroker();
        await enqueued;
        await waitFor('all stored at the fleet', () => rig.fleet.events.list({ ...outboxDev.ref, limit: 2000 }).length === 1000 || undefined, { timeoutMs: 20_000 });
        await waitFor('outbox drained', () => outbox.size() === 0 || undefined);
        const stored = rig.fleet.events.list({ ...outboxDev.ref, limit: 2000 }).reverse(); // oldest first
        assert.deepEqual(stored.map((e) => e.seq), Array.from({ length: 1000 }, (_, i) => i + 1));
        assert.deepEqual(stored.map((e) => (e.data as { i: number }).i), Array.from({ length: 1000 }, (_, i) => i));
        assert.ok(link.counters.connects >= 2, 'the link reconnected after the restart');
      } finally {
        await close();
      }
    });

    test('a device that publishes under another device prefix is refused and nothing reaches the fleet', async () => {
      await waitFor('fleet connected after restart', () => rig.fleet.ingest.isConnected || undefined);
      const client = await mqtt.connectAsync(rig.brokerUrl, {
        protocolVersion: 4,
        clientId: brokerUsername(intruder.ref),
        username: brokerUsername(intruder.ref),
        password: intruder.secret,
        reconnectPeriod: 0,
      });
      try {
        // Subscribing to the victim's commands is refused (aedes: SUBACK 0x80) or granted but
        // never served (mosquitto checks read access per message): either way nothing arrives.
        const overheard: string[] = [];
        client.on('message', (topic) => overheard.push(topic));
        const refused = (e: Error) => e.message; // aedes answers SUBACK 0x80, which MQTT.js rejects
        await client.subscribeAsync(topicFor('commandRequest', victim.ref), { qos: 1 }).catch(refused);
        await client.subscribeAsync('cc/v1/#', { qos: 0 }).catch(refused);
        await rig.fleet.commands.call(victim.ref, 'ping', {}, { timeoutMs: 300 }).catch(() => undefined);
        assert.deepEqual(overheard, []);

        // Forged messages under the victim's prefix. QoS 0 so neither broker waits on an
        // acknowledgement it will never give; aedes also drops the offender's connection.
        const forged = { epoch: 'forged', seq: 1, ts: Date.now(), type: 'alarm.forged', data: {} };
        client.publish(topicFor('event', victim.ref), JSON.stringify(forged), { qos: 0 });
        client.publish(topicFor('state', victim.ref), JSON.stringify({ status: 'online', ts: Date.now(), bootId: 'x', version: 'forged' }), { qos: 0 });
        await sleep(300);
        assert.equal(rig.fleet.events.list({ ...victim.ref, limit: 10 }).length, 0);
        assert.notEqual(rig.fleet.registry.get(victim.ref)?.version, 'forged');
      } finally {
        await client.endAsync(true);
      }
    });

    test('malformed payloads are counted and refused while the fleet and the device keep working', async () => {
      const { link, close } = inProcessLink(rig, victim);
      try {
        link.start();
        await waitFor('victim connected', () => link.isConnected);
        const before = rig.fleet.ingest.counters;
        const invalidBefore = before.malformed['invalid-payload'] ?? 0;
        const jsonBefore = before.malformed['not-json'] ?? 0;
        const raw = await mqtt.connectAsync(rig.brokerUrl, {
          protocolVersion: 4,
          clientId: brokerUsername(intruder.ref),
          username: brokerUsername(intruder.ref),
          password: intruder.secret,
          reconnectPeriod: 0,
        });
        await raw.publishAsync(topicFor('telemetry', intruder.ref), '{"ts": "not a number"}', { qos: 1 });
        await raw.publishAsync(topicFor('telemetry', intruder.ref), Buffer.from([0x7b, 0x00, 0xff]), { qos: 1 });
        await raw.endAsync();
        await waitFor('counted', () => (rig.fleet.ingest.counters.malformed['invalid-payload'] ?? 0) > invalidBefore && (rig.fleet.ingest.counters.malformed['not-json'] ?? 0) + (rig.fleet.ingest.counters.malformed['not-utf8'] ?? 0) > jsonBefore);

        // A garbage command toward the device is counted there; a good one is still answered.
        await new Promise<void>((resolve, reject) =>
          rig.fleet.ingest.mqtt.publish(topicFor('commandRequest', victim.ref), 'garbage{', { qos: 1 }, (e) => (e ? reject(e) : resolve())),
        );
        await waitFor('device counted it', () => link.counters.malformed > 0);
        link.handle('ping', () => ({ pong: 1 }));
        const reply = await rig.fleet.commands.call(victim.ref, 'ping', {}, { timeoutMs: 3000 });
        assert.deepEqual(reply.ok ? reply.result : reply.error, { pong: 1 });
      } finally {
        await close();
      }
    });

    test('a command that arrives after its expiry is refused as expired, not run', async () => {
      const { link, close } = inProcessLink(rig, victim);
      try {
        let ran = false;
        link.handle('restart', () => (ran = true));
        link.start();
        await waitFor('connected', () => link.isConnected);
        // Expired before it was sent: stands for a command that waited in a queue too long.
        const reply = await rig.fleet.commands.call(victim.ref, 'restart', {}, { timeoutMs: 3000, expiresInMs: -1 });
        assert.equal(reply.ok, false);
        assert.equal(!reply.ok && reply.error.code, 'expired');
        assert.equal(ran, false);
      } finally {
        await close();
      }
    });
  });
}
