// The metrics row on real brokers: the fleet's embedded aedes and a real mosquitto configured
// by the fleet's ACL generator. A device's samples reach the fleet's store; a device writing
// samples under another device's prefix is refused by the broker and never shown.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startFleet, type Fleet } from '../fleet/fleet.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import { brokerUsername, type DeviceRef } from '../protocol/ids.ts';
import { encode } from '../protocol/decode.ts';
import { publishOptions, topicFor } from '../protocol/topics.ts';
import type { LiveMetrics, QueueFigures } from '../protocol/metrics.ts';
import { Mosquitto } from './support/mosquitto.ts';
import { freePort } from './support/net.ts';
import { waitFor } from './support/wait.ts';

const devices = [
  { ref: { site: 'sh', device: 'honest' }, secret: 'secret-of-honest-0123456789' },
  { ref: { site: 'sh', device: 'intruder' }, secret: 'secret-of-intruder-0123456789' },
];
const [victim, intruder] = devices as [(typeof devices)[0], (typeof devices)[0]];
const cheapScrypt = { N: 1024, r: 8, p: 1 };

const figures = (waiting: number): QueueFigures => ({
  waiting,
  longestWaitS: 0,
  agents: { loggedIn: 1, ready: 1, notReady: 0, ringing: 0, busy: 0, wrapUp: 0 },
  today: { offered: 0, answered: 0, abandoned: 0, shortAbandons: 0, overflowed: 0 },
  serviceLevel: { pct: null, thresholdS: 20 },
  asaS: null,
  ahtS: null,
  abandonPct: null,
});
const sample = (bootId: string, seq: number, waiting: number): LiveMetrics => ({ ts: Date.now(), seq, bootId, queues: [{ id: 'q', name: 'Q', ...figures(waiting) }], totals: figures(waiting) });

async function deviceClient(url: string, d: { ref: DeviceRef; secret: string }): Promise<MqttClient> {
  const name = brokerUsername(d.ref);
  return mqtt.connectAsync(url, { protocolVersion: 4, clientId: name, username: name, password: d.secret, reconnectPeriod: 0 });
}

function brokerSuite(kind: 'aedes' | 'mosquitto') {
  describe(`metrics over ${kind}`, { timeout: 20_000 }, () => {
    let fleet: Fleet;
    let mosquitto: Mosquitto | undefined;
    let url: string;
    const clients: MqttClient[] = [];

    before(async () => {
      const common = { dataDir: mkdtempSync(join(tmpdir(), 'cc-fleet-mb-')), http: { port: 0 }, provision: devices.map((d) => ({ ...d.ref, name: d.ref.device, secret: d.secret })), deviceSecretScrypt: cheapScrypt, log: silentLogger };
      if (kind === 'aedes') {
        fleet = await startFleet({ ...common, broker: { kind: 'embedded', port: await freePort() } });
        url = fleet.brokerUrl;
      } else {
        const service = { username: 'fleet-mb', password: 'service-password-0123456789' };
        mosquitto = await Mosquitto.start({ devices, services: [service] });
        fleet = await startFleet({ ...common, broker: { kind: 'external', url: mosquitto.url, ...service }, nodeId: service.username });
        url = mosquitto.url;
      }
    });
    after(async () => {
      for (const c of clients) await c.endAsync(true).catch(() => undefined);
      await fleet?.stop();
      await mosquitto?.stop();
    });

    test('a device\'s samples reach the fleet at QoS 0 and replace the previous one', async () => {
      const c = await deviceClient(url, victim);
      clients.push(c);
      for (const seq of [1, 2]) await c.publishAsync(topicFor('metrics', victim.ref), encode('metrics', sample('boot-v', seq, seq * 10)), publishOptions('metrics'));
      const got = await waitFor('victim sample', () => (fleet.metrics.get(victim.ref)?.metrics.seq === 2 ? fleet.metrics.get(victim.ref) : undefined));
      assert.equal(got.metrics.totals.waiting, 20);
    });

    test('samples under another device\'s prefix are refused by the broker and never reach the store', async () => {
      const forged: string[] = [];
      const sub = fleet.metrics.changes$.subscribe((v) => forged.push(v.metrics.bootId));
      const c = await deviceClient(url, intruder);
      clients.push(c);
      c.on('error', () => undefined);
      await c.publishAsync(topicFor('metrics', victim.ref), encode('metrics', sample('forged', 99, 999)), publishOptions('metrics')).catch(() => undefined);
      // Same connection, in order after the forgery: once this is seen (or aedes refused and
      // closed), the forgery has been dealt with.
      if (c.connected) await c.publishAsync(topicFor('metrics', intruder.ref), encode('metrics', sample('boot-i', 1, 1)), publishOptions('metrics')).catch(() => undefined);
      await waitFor('the broker dealt with the forgery', () => fleet.metrics.get(intruder.ref) !== undefined || (fleet.broker?.counters.refusedPublishes ?? 0) > 0);
      sub.unsubscribe();
      assert.equal(forged.includes('forged'), false);
      assert.equal(fleet.metrics.get(victim.ref)?.metrics.bootId, 'boot-v');
      assert.equal(fleet.metrics.get(victim.ref)?.metrics.totals.waiting, 20);
    });
  });
}

brokerSuite('aedes');
brokerSuite('mosquitto');
