// How many appliances' telemetry can the fleet absorb on this machine?
// `npx tsx scripts/bench/fleet-ingest.ts [counts…]` — the fleet (embedded broker, ACL, decode,
// zod validation, registry) runs here; simulated appliances run in a child process. The
// reference in the same run is a bare aedes broker with a subscriber that only counts.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { startFleet } from '../../fleet/fleet.ts';
import { hashPassword } from '../../fleet/auth/password-hash.ts';
import { silentLogger } from '../../appliance/log/logger.ts';

const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const steps = counts.length ? counts : [500, 1000, 2000, 4000];
const intervalMs = 1000;
const durationMs = 10_000;
const secret = 'bench-secret-0123456789abcdef';
const root = new URL('../..', import.meta.url).pathname;

interface Result {
  devices: number;
  sent: number;
  absorbed: number;
  perSecond: number;
  cpu: number;
  lagP99Ms: number;
}

async function runDevices(url: string, n: number, onReady: () => void): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/bench/fleet-ingest-devices.ts'), url, String(n), String(intervalMs), String(durationMs), secret], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => code !== 0 && reject(new Error(`devices exited ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as { connected?: number; sent?: number };
      if (msg.connected !== undefined) {
        onReady();
        child.stdin.write('go\n');
      }
      if (msg.sent !== undefined) resolve(msg.sent);
    });
  });
}

async function measure(n: number, url: string, counter: () => number): Promise<Result> {
  let base = 0;
  let cpu0 = process.cpuUsage();
  let t0 = 0;
  const lag = monitorEventLoopDelay({ resolution: 10 });
  const sent = await runDevices(url, n, () => {
    base = counter();
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    lag.enable();
  });
  await new Promise((r) => setTimeout(r, 300));
  lag.disable();
  const elapsed = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu0);
  const absorbed = counter() - base;
  return { devices: n, sent, absorbed, perSecond: absorbed / elapsed, cpu: (used.user + used.system) / 1e6 / elapsed, lagP99Ms: lag.percentile(99) / 1e6 };
}

async function fleetRun(): Promise<Result[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cc-bench-fleet-'));
  const max = Math.max(...steps);
  // Devices are written straight into the registry document: creating thousands one by one
  // through the API would measure inventory writes, not ingest. Cheap scrypt for the same reason.
  const params = { N: 1024, r: 8, p: 1 };
  const hash = await hashPassword(secret, params);
  const devices = Array.from({ length: max }, (_, i) => ({ site: 'bench', device: `d${i}`, name: `d${i}`, createdAt: Date.now(), secretHash: hash }));
  writeFileSync(join(dir, 'registry.json'), JSON.stringify({ devices, live: {} }));
  const port = await freePort();
  const fleet = await startFleet({ dataDir: dir, http: { port: 0 }, broker: { kind: 'embedded', port }, deviceSecretScrypt: params, log: silentLogger });
  const results: Result[] = [];
  for (const n of steps) results.push(await measure(n, fleet.brokerUrl, () => fleet.ingest.counters.accepted));
  console.error(JSON.stringify({ ingest: fleet.ingest.counters, broker: fleet.broker?.counters, registry: fleet.registry.stats() }));
  await fleet.stop();
  return results;
}

async function referenceRun(): Promise<Result[]> {
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const url = `mqtt://127.0.0.1:${port}`;
  let count = 0;
  const sub = await mqtt.connectAsync(url, { protocolVersion: 4 });
  sub.on('message', () => count++);
  await sub.subscribeAsync('cc/v1/+/+/telemetry', { qos: 0 });
  const results: Result[] = [];
  for (const n of steps) results.push(await measure(n, url, () => count));
  await sub.endAsync(true);
  await new Promise<void>((r) => aedes.close(() => r()));
  server.close();
  return results;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function table(title: string, rows: Result[]): void {
  console.log(`\n${title}`);
  console.log('devices | sent | absorbed | absorbed/s | loss % | fleet CPU (cores) | loop lag p99 ms');
  console.log('---: | ---: | ---: | ---: | ---: | ---: | ---:');
  for (const r of rows) {
    const loss = r.sent ? (100 * (r.sent - r.absorbed)) / r.sent : 0;
    console.log(`${r.devices} | ${r.sent} | ${r.absorbed} | ${r.perSecond.toFixed(0)} | ${Math.max(0, loss).toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.lagP99Ms.toFixed(1)}`);
  }
}

console.log(`fleet ingest: each simulated appliance sends one telemetry sample every ${intervalMs} ms for ${durationMs / 1000} s`);
const fleetResults = await fleetRun();
const refResults = await referenceRun();
table('fleet (embedded aedes + auth + ACL + decode/zod + registry)', fleetResults);
table('reference: bare aedes, no auth, subscriber that only counts', refResults);
const sustained = fleetResults.filter((r) => r.sent > 0 && r.absorbed >= r.sent * 0.999 && r.lagP99Ms < 200);
const best = sustained.at(-1);
if (best) {
  console.log(`\nhighest step absorbed without loss: ${best.devices} devices at 1 sample/s = ${best.perSecond.toFixed(0)} msgs/s,`);
  console.log(`i.e. about ${Math.floor(best.perSecond * 5)} appliances at the default 5 s telemetry interval.`);
}
process.exit(0);
