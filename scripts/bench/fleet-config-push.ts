// How long does a configuration push to N appliances take, until every one acknowledged it?
// `npx tsx scripts/bench/fleet-config-push.ts [counts…]` (default 1000 5000 10000).
// A real mosquitto (configured by the fleet's generator) carries the traffic; the fleet runs
// here in external-broker mode exactly as `startFleet` builds it; the appliances are real
// MQTT clients running the real configuration twin, in two child processes (two cores).
// Reference in the same run and on the same connections: a bare client publishing the same
// retained documents while the appliances echo an acknowledgement without processing.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import mqtt from 'mqtt';
import { startFleet } from '../../fleet/fleet.ts';
import { hashPassword } from '../../fleet/auth/password-hash.ts';
import { sampleTemplate } from '../../fleet/config/sample-template.ts';
import { configHash } from '../../protocol/config-document.ts';
import { encode } from '../../protocol/decode.ts';
import { filterFor, publishOptions, topicFor } from '../../protocol/topics.ts';
import { silentLogger } from '../../appliance/log/logger.ts';
import { Mosquitto } from '../../test/support/mosquitto.ts';

const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const steps = counts.length ? counts : [1000, 5000, 10_000];
const secret = 'bench-secret-0123456789abcdef';
const service = { username: 'fleet-bench', password: 'bench-service-password-0123' };
const root = new URL('../..', import.meta.url).pathname;
const CHILDREN = 2;

interface Row {
  devices: number;
  connectS: number;
  previewMs: number;
  pushMs: number;
  allAckS: number;
  refAckS: number;
  fleetCpu: number;
  bytes: number;
}

function override(i: number) {
  return { sip: { trunks: [{ id: 'pstn', username: `branch-${i}`, password: `trunk-secret-${i}-0123` }], dids: [{ did: `+86105${String(i).padStart(7, '0')}`, route: { kind: 'ivr', flow: 'main' } }] } };
}

async function startChildren(url: string, n: number): Promise<{ children: ChildProcess[]; lines: Interface[] }> {
  const per = Math.ceil(n / CHILDREN);
  const children: ChildProcess[] = [];
  const lines: Interface[] = [];
  await Promise.all(
    Array.from({ length: CHILDREN }, (_, k) => {
      const first = k * per;
      const count = Math.max(0, Math.min(per, n - first));
      const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/bench/fleet-config-devices.ts'), url, String(first), String(count), secret], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
      children.push(child);
      const rl = createInterface({ input: child.stdout! });
      lines.push(rl);
      return new Promise<void>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`devices exited ${code}`)));
        rl.once('line', () => resolve());
      });
    }),
  );
  return { children, lines };
}

async function run(n: number): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'cc-bench-config-'));
  const devices = Array.from({ length: n }, (_, i) => ({ ref: { site: 'bench', device: `d${i}` }, secret }));
  const mosquitto = await Mosquitto.start({ devices, services: [service] });
  // mosquitto queues at most 1,000 QoS 1 messages per client by default and drops the rest:
  // thousands of reports arriving at once for the fleet's one subscription would be lost, and
  // the fleet would wait forever. Restart it with an unbounded queue (the fleet drains it).
  await mosquitto.stop();
  appendFileSync(join(mosquitto.dir, 'mosquitto.conf'), 'max_queued_messages 0\n');
  await mosquitto.resume();
  // Inventory, group and overrides written straight into the fleet's documents (cheap scrypt):
  // creating thousands through the API would measure inventory writes, not the push.
  const params = { N: 1024, r: 8, p: 1 };
  const hash = await hashPassword(secret, params);
  writeFileSync(join(dir, 'registry.json'), JSON.stringify({ devices: devices.map((d) => ({ ...d.ref, name: d.ref.device, createdAt: Date.now(), secretHash: hash })), live: {} }));
  writeFileSync(
    join(dir, 'fleet-config.json'),
    JSON.stringify({
      groups: [{ id: 'bench', name: 'bench', description: '', template: sampleTemplate(), revision: 1, updatedAt: Date.now(), updatedBy: 'bench' }],
      members: Object.fromEntries(devices.map((d) => [`bench.${d.ref.device}`, 'bench'])),
      overrides: Object.fromEntries(devices.map((d, i) => [`bench.${d.ref.device}`, { patch: override(i), revision: 1, updatedAt: Date.now(), updatedBy: 'bench' }])),
    }),
  );
  const fleet = await startFleet({ dataDir: dir, http: { port: 0 }, broker: { kind: 'external', url: mosquitto.url, ...service }, nodeId: service.username, deviceSecretScrypt: params, log: silentLogger });

  const t0 = performance.now();
  const { children, lines } = await startChildren(mosquitto.url, n);
  const connectS = (performance.now() - t0) / 1000;

  const cpu0 = process.cpuUsage();
  const p0 = performance.now();
  const plan = fleet.config.preview('bench');
  const previewMs = performance.now() - p0;
  const bytes = encode('configDesired', { version: 1, issuedAt: Date.now(), hash: plan.devices[0]!.hash, config: fleet.config.render({ site: 'bench', device: 'd0' })!.config }).length;
  const start = performance.now();
  await fleet.config.push('bench', plan.planId, 'bench');
  const pushMs = performance.now() - start;
  for (;;) {
    const applied = fleet.config.members('bench').filter((m) => m.status === 'applied').length;
    if (applied === n) break;
    if (performance.now() - start > 600_000) throw new Error(`only ${applied} of ${n} applied after 10 minutes`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const allAckS = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu0);
  const fleetCpu = (used.user + used.system) / 1e6 / allAckS;
  await fleet.stop();

  // Reference: the same retained documents from a bare client; the appliances echo at once.
  for (const c of children) c.stdin!.write('echo\n');
  const bare = await mqtt.connectAsync(mosquitto.url, { protocolVersion: 4, clientId: 'bench-reference', username: service.username, password: service.password, clean: true });
  let acks = 0;
  bare.on('message', () => acks++);
  await bare.subscribeAsync(filterFor('configReported'), { qos: 1 });
  await new Promise((r) => setTimeout(r, 1000)); // the retained reports of the fleet run arrive first
  acks = 0;
  const config = fleet.config.render({ site: 'bench', device: 'd0' })!.config;
  const doc = encode('configDesired', { version: 2, issuedAt: Date.now(), hash: configHash(config), config });
  const r0 = performance.now();
  for (const d of devices) bare.publish(topicFor('configDesired', d.ref), doc, publishOptions('configDesired'));
  while (acks < n) {
    if (performance.now() - r0 > 600_000) throw new Error(`reference: ${acks} of ${n}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const refAckS = (performance.now() - r0) / 1000;
  await bare.endAsync(true);
  for (const c of children) c.stdin!.write('quit\n');
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
  for (const l of lines) l.close();
  await mosquitto.stop();
  return { devices: n, connectS, previewMs, pushMs, allAckS, refAckS, fleetCpu, bytes };
}

const rows: Row[] = [];
for (const n of steps) {
  const row = await run(n);
  rows.push(row);
  console.error(JSON.stringify(row));
}
console.log('\nconfiguration push over mosquitto: fleet render/diff/push, appliances validate and apply with the real twin');
console.log('devices | document bytes | connect s | preview ms | push ms (stored + published) | all applied s | per device µs | fleet CPU (cores) | reference: bare publish + echo s');
console.log('---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---:');
for (const r of rows) {
  console.log(`${r.devices} | ${r.bytes} | ${r.connectS.toFixed(1)} | ${r.previewMs.toFixed(0)} | ${r.pushMs.toFixed(0)} | ${r.allAckS.toFixed(2)} | ${((r.allAckS * 1e6) / r.devices).toFixed(0)} | ${r.fleetCpu.toFixed(2)} | ${r.refAckS.toFixed(2)}`);
}
process.exit(0);
