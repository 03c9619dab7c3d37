// How much does the rollout campaign core cost per device message as the campaign grows?
// `npx tsx scripts/bench/fleet-rollout.ts [counts…]` (default 1000 10000 50000). Each device of
// one campaign (a single 100% phase) reports downloading with progress three times, then
// installing, then committed: five `decide` calls, as the fleet makes per device status.
// Reference in the same run: the same events on a straightforward immutable state that copies
// the whole device record and counts every device again per message (the core's first form).
import { createCampaign, decide, keyOf, type CampaignState } from '../../fleet/rollouts/rollout-core.ts';
import type { UpdateState } from '../../protocol/update-job.ts';

const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const steps = counts.length ? counts : [1000, 10_000, 50_000];
const script: Array<[UpdateState, number | undefined]> = [['downloading', 1], ['downloading', 5], ['downloading', 9], ['installing', undefined], ['committed', undefined]];

function core(n: number): { perEventUs: number; heapMb: number } {
  const devices = Array.from({ length: n }, (_, i) => ({ site: `s${i % 100}`, device: `d${i}` }));
  let state: CampaignState = createCampaign({ id: 'c', name: 'c', by: 'bench', bundle: { sha256: 'a'.repeat(64), size: 10, version: '1.0.0', board: 'b', keyId: 'k' }, groups: ['g'], settings: { phases: [100], successThreshold: 1, failureThreshold: 0.5, drainFirst: false }, devices }, 0).state;
  const t0 = performance.now();
  for (const ref of devices) {
    for (const [s, received] of script) {
      const d = decide(state, { type: 'device-status', ref, status: { ts: 0, state: s, campaign: 'c', installedVersion: '1.0.0', ...(received ? { progress: { received, total: 10 } } : {}) } }, 1);
      if (d.ok) state = d.state;
    }
  }
  const perEventUs = ((performance.now() - t0) * 1000) / (n * script.length);
  if (state.status !== 'completed') throw new Error(`campaign ${state.status}`);
  return { perEventUs, heapMb: process.memoryUsage().heapUsed / 2 ** 20 };
}

function reference(n: number): number {
  type D = { state: string; progress?: unknown };
  let record: Record<string, D> = {};
  const devices = Array.from({ length: n }, (_, i) => ({ site: `s${i % 100}`, device: `d${i}` }));
  for (const r of devices) record[keyOf(r)] = { state: 'released' };
  // Copy-and-scan is quadratic: time a sample of devices and scale per event.
  const sample = devices.slice(0, Math.min(n, 200));
  const t0 = performance.now();
  let committed = 0;
  for (const ref of sample) {
    for (const [s, received] of script) {
      record = { ...record, [keyOf(ref)]: { state: s, ...(received ? { progress: { received } } : {}) } };
      committed = 0;
      for (const d of Object.values(record)) if (d.state === 'committed') committed++;
    }
  }
  if (committed !== sample.length) throw new Error('reference miscounted');
  return ((performance.now() - t0) * 1000) / (sample.length * script.length);
}

console.log('rollout core: five device status messages per device on one campaign');
console.log('devices | core µs per message | heap MB | reference: copy + count per message µs | ratio');
console.log('---: | ---: | ---: | ---: | ---:');
for (const n of steps) {
  const c = core(n);
  const ref = reference(n);
  console.log(`${n} | ${c.perEventUs.toFixed(1)} | ${c.heapMb.toFixed(0)} | ${ref.toFixed(1)} | ${(ref / c.perEventUs).toFixed(0)}×`);
}
