// Update jobs carry a per-device download token, so a device must never read another's, nor
// speak for another: checked on the embedded aedes and on a real mosquitto configured by the
// fleet's generator. Then the bundle server: the token of one device opens only its own
// download, and an interrupted download resumes with a range request.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startFleet, type Fleet } from '../fleet/fleet.ts';
import { sampleTemplate } from '../fleet/config/sample-template.ts';
import { mayPublish, maySubscribe } from '../fleet/broker/broker-acl.ts';
import { mosquittoAcl } from '../fleet/broker/mosquitto-config.ts';
import { brokerUsername } from '../protocol/ids.ts';
import { filterFor, topicFor } from '../protocol/topics.ts';
import type { UpdateDesired } from '../protocol/update-job.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import { DownloadError, downloadBundle } from '../appliance/updater/bundle-download.ts';
import { bundle, keyPair } from './fixtures/updater/bundles.ts';
import { Mosquitto } from './support/mosquitto.ts';
import { freePort } from './support/net.ts';
import { sleep, waitFor } from './support/wait.ts';

const cheapScrypt = { N: 1024, r: 8, p: 1 };
const victim = { ref: { site: 'sh', device: 'victim' }, secret: 'secret-of-victim-0123456789' };
const intruder = { ref: { site: 'sh', device: 'intruder' }, secret: 'secret-of-intruder-0123456789' };
const devices = [victim, intruder];
const provision = devices.map((d) => ({ ...d.ref, name: d.ref.device, secret: d.secret }));
const key = keyPair();
const work = mkdtempSync(join(tmpdir(), 'cc-rollout-acl-'));

describe('update topics in the ACL rules', () => {
  test('a device may publish only its own update status and subscribe only to its own job', () => {
    const me = { kind: 'device' as const, ref: intruder.ref };
    assert.equal(mayPublish(me, topicFor('updateStatus', intruder.ref)), true);
    assert.equal(mayPublish(me, topicFor('updateStatus', victim.ref)), false);
    assert.equal(mayPublish(me, topicFor('updateDesired', intruder.ref)), false);
    assert.equal(maySubscribe(me, topicFor('updateDesired', intruder.ref)), true);
    for (const f of [topicFor('updateDesired', victim.ref), filterFor('updateDesired'), filterFor('updateDesired', { site: 'sh' })]) assert.equal(maySubscribe(me, f), false, f);
  });

  test('the generated mosquitto ACL lets a device write its update status and nothing of the update job', () => {
    const acl = mosquittoAcl({ devices: [intruder.ref], serviceUsers: [] });
    assert.match(acl, new RegExp(`topic write ${topicFor('updateStatus', intruder.ref)}\\n`));
    assert.doesNotMatch(acl, /topic (write|readwrite) \S*update\/desired/);
  });
});

async function embedded() {
  const fleet = await startFleet({ dataDir: mkdtempSync(join(tmpdir(), 'cc-fleet-')), http: { port: 0 }, broker: { kind: 'embedded', port: await freePort() }, provision, deviceSecretScrypt: cheapScrypt, updates: { trustedKeys: [key.publicPem] }, log: silentLogger });
  return { fleet, url: fleet.brokerUrl, stop: () => fleet.stop() };
}

async function external() {
  const service = { username: 'fleet-t', password: 'service-password-0123456789' };
  const mosquitto = await Mosquitto.start({ devices, services: [service] });
  const fleet = await startFleet({ dataDir: mkdtempSync(join(tmpdir(), 'cc-fleet-')), http: { port: 0 }, broker: { kind: 'external', url: mosquitto.url, ...service }, nodeId: service.username, provision, deviceSecretScrypt: cheapScrypt, updates: { trustedKeys: [key.publicPem] }, log: silentLogger });
  return { fleet, url: mosquitto.url, stop: async () => (await fleet.stop(), await mosquitto.stop()) };
}

const connectAs = (url: string, d: typeof victim): Promise<MqttClient> =>
  mqtt.connectAsync(url, { protocolVersion: 4, clientId: brokerUsername(d.ref), username: brokerUsername(d.ref), password: d.secret, reconnectPeriod: 0 });

async function startCampaign(fleet: Fleet): Promise<{ path: string }> {
  const path = await bundle(work, { version: '2.0.0', key, name: `b-${Math.random().toString(36).slice(2)}.ccb` });
  const record = await fleet.rollouts.importBundle(createReadStream(path), 'test');
  await fleet.config.createGroup({ id: 'g', name: 'g', template: sampleTemplate() as Record<string, unknown> }, 'test');
  await fleet.config.setGroupOf([victim.ref, intruder.ref], 'g');
  // A zero failure threshold: one accepted forged failure would halt the campaign.
  await fleet.rollouts.create({ id: 'c1', name: 'c1', bundle: record.sha256, groups: ['g'], phases: [100], successThreshold: 1, failureThreshold: 0, drainFirst: false }, 'test');
  return { path };
}

/** The retained job a device reads on its own topic. */
async function jobOf(url: string, d: typeof victim): Promise<Extract<UpdateDesired, { kind: 'install' }>> {
  const c = await connectAs(url, d);
  try {
    const got = new Promise<string>((resolve) => c.on('message', (_t, p) => resolve(p.toString())));
    await c.subscribeAsync(topicFor('updateDesired', d.ref), { qos: 1 });
    return JSON.parse(await got) as Extract<UpdateDesired, { kind: 'install' }>;
  } finally {
    await c.endAsync(true);
  }
}

for (const [name, makeRig] of [
  ['the embedded aedes broker', embedded],
  ['a real mosquitto', external],
] as const) {
  describe(`update job isolation on ${name}`, () => {
    let rig: Awaited<ReturnType<typeof embedded>>;
    let path: string;
    before(async () => {
      rig = await makeRig();
      ({ path } = await startCampaign(rig.fleet));
    });
    after(() => rig.stop());

    test('a device reads its own update job but never another device\'s (with its download token)', async () => {
      const own = await jobOf(rig.url, intruder);
      assert.equal(own.kind, 'install');
      assert.equal(own.token, rig.fleet.rollouts.token('c1', intruder.ref));
      const client = await connectAs(rig.url, intruder);
      const seen: string[] = [];
      client.on('message', (topic) => seen.push(topic));
      try {
        for (const filter of [topicFor('updateDesired', victim.ref), filterFor('updateDesired'), 'cc/v1/sh/+/update/#']) {
          await client.subscribeAsync(filter, { qos: 1 }).catch(() => undefined);
        }
        await sleep(400);
        assert.deepEqual(seen.filter((t) => t.includes('/victim/')), []);
      } finally {
        await client.endAsync(true).catch(() => undefined);
      }
    });

    test('a device cannot report for another device nor publish anyone\'s update job', async () => {
      const forgedStatus = JSON.stringify({ ts: Date.now(), state: 'failed', campaign: 'c1', version: '2.0.0', installedVersion: '1.0.0', reason: 'forged' });
      const forgedJob = JSON.stringify({ kind: 'none', campaign: 'c1', issuedAt: Date.now(), reason: 'forged' });
      for (const [topic, payload] of [
        [topicFor('updateStatus', victim.ref), forgedStatus],
        [topicFor('updateDesired', victim.ref), forgedJob],
        [topicFor('updateDesired', intruder.ref), forgedJob],
      ] as const) {
        const client = await connectAs(rig.url, intruder);
        client.publish(topic, payload, { qos: 0 });
        await sleep(150);
        await client.endAsync(true).catch(() => undefined);
      }
      await sleep(300);
      const c = rig.fleet.rollouts.get('c1');
      assert.equal(c.status, 'running', 'no forged failure reached the campaign');
      assert.equal(c.devices['sh.victim']!.state, 'released');
      assert.equal((await jobOf(rig.url, victim)).kind, 'install', 'the victim\'s job is still the fleet\'s');
      assert.equal((await jobOf(rig.url, intruder)).kind, 'install');
    });

    test('the fleet takes a device\'s own status', async () => {
      const client = await connectAs(rig.url, intruder);
      try {
        await client.publishAsync(topicFor('updateStatus', intruder.ref), JSON.stringify({ ts: Date.now(), state: 'downloading', campaign: 'c1', version: '2.0.0', installedVersion: '1.0.0', progress: { received: 10, total: 100 } }), { qos: 1, retain: true });
        await waitFor('status taken', () => rig.fleet.rollouts.get('c1').devices['sh.intruder']!.state === 'downloading');
      } finally {
        await client.endAsync(true);
      }
    });

    if (name === 'the embedded aedes broker') {
      test('a download token opens only its own device\'s bundle, and an interrupted download resumes with a range', async () => {
        const job = await jobOf(rig.url, victim);
        const size = (await stat(path)).size;
        assert.equal(job.size, size);
        const other = rig.fleet.rollouts.token('c1', intruder.ref);
        for (const token of [other, 'x'.repeat(43), '']) {
          const res = await fetch(job.url, { headers: { authorization: `Bearer ${token}` } });
          assert.equal(res.status, 403, token);
        }
        // The link drops after 1 MiB; the second attempt asks only for the rest.
        const dest = join(work, 'victim.ccb');
        const ranges: string[] = [];
        const dropping: typeof fetch = async (input, init) => {
          const range = new Headers(init?.headers).get('range');
          ranges.push(range ?? 'none');
          const res = await fetch(input, init);
          if (range) return res;
          let sent = 0;
          const reader = res.body!.getReader();
          const body = new ReadableStream<Uint8Array>({
            async pull(ctrl) {
              const { done, value } = await reader.read();
              if (done) return ctrl.close();
              sent += value.length;
              if (sent > 1024 * 1024) return ctrl.error(new Error('link dropped'));
              ctrl.enqueue(value);
            },
          });
          return new Response(body, { status: res.status, headers: res.headers });
        };
        const options = { url: job.url, dest, sha256: job.sha256, size: job.size, headers: { authorization: `Bearer ${job.token}` }, fetch: dropping };
        await assert.rejects(downloadBundle(options), (err: unknown) => err instanceof DownloadError && err.code === 'interrupted');
        const resumed = await downloadBundle(options);
        assert.ok(resumed.resumedFrom > 0 && resumed.resumedFrom <= 1024 * 1024, `resumed from ${resumed.resumedFrom}`);
        assert.deepEqual(ranges, ['none', `bytes=${resumed.resumedFrom}-`]);
        assert.deepEqual(await readFile(dest), await readFile(path));
      });
    }
  });
}
