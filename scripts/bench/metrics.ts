// What do live metrics cost? `npx tsx scripts/bench/metrics.ts`
// 1. Appliance: one sample (ACD metrics snapshot + live view + payload + encode) on a busy ACD,
//    against the reference in the same run: the ACD adapter's own `metrics()` it builds on.
// 2. Fleet: decoding and storing one sample (zod validation + store with history), against
//    the reference of decoding alone; and the samples per second one core takes at that cost.
import { performance } from 'node:perf_hooks';
import { AcdAdapter } from '../../appliance/acd/acd-adapter.ts';
import { acdMetricsSource, MetricsPublisher } from '../../appliance/metrics/metrics-publisher.ts';
import { VirtualClock } from '../../appliance/metrics/virtual-clock.ts';
import { decode, encode } from '../../protocol/decode.ts';
import { topicFor } from '../../protocol/topics.ts';
import type { LiveMetrics } from '../../protocol/metrics.ts';
import { MetricsStore } from '../../fleet/metrics/metrics-store.ts';

function time(label: string, runs: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(50, runs); i++) fn(i); // warm up
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) fn(i);
  const per = (performance.now() - t0) / runs;
  console.log(`${label.padEnd(58)} ${per < 1 ? `${(per * 1000).toFixed(1)} µs` : `${per.toFixed(2)} ms`}`);
  return per;
}

// --- appliance ----------------------------------------------------------------------------
const QUEUES = 50;
const AGENTS = 2000;
const WAITING = 1000;
const clock = new VirtualClock();
const acd = new AcdAdapter({
  clock,
  tickMs: 1000,
  config: {
    skills: Array.from({ length: QUEUES }, (_, q) => `s${q}`),
    agents: Array.from({ length: AGENTS }, (_, a) => ({ id: `a${a}`, skills: { [`s${a % QUEUES}`]: 5, [`s${(a + 7) % QUEUES}`]: 3 } })),
    queues: Array.from({ length: QUEUES }, (_, q) => ({ id: `q${q}`, name: `队列 ${q}`, skills: [{ skill: `s${q}` }], offerTimeoutSeconds: 600, wrapUpSeconds: 600 })),
  },
});
for (let a = 0; a < AGENTS; a++) {
  acd.dispatch({ type: 'AgentLoggedIn', agentId: `a${a}` });
  if (a % 3 === 0) acd.dispatch({ type: 'AgentStateChanged', agentId: `a${a}`, state: 'ready' });
}
for (let c = 0; c < AGENTS; c++) acd.dispatch({ type: 'ContactArrived', contactId: `c${c}`, queueId: `q${c % QUEUES}`, channel: 'voice' });
for (let c = 0; c < 400; c++) acd.dispatch({ type: 'ContactEnded', contactId: `c${c}` });
for (let c = AGENTS; c < AGENTS + WAITING; c++) acd.dispatch({ type: 'ContactArrived', contactId: `c${c}`, queueId: `q${c % QUEUES}`, channel: 'voice' });
clock.advance(1000);

const names = Object.fromEntries(Array.from({ length: QUEUES }, (_, q) => [`q${q}`, `队列 ${q}`]));
let last: LiveMetrics | undefined;
const publisher = new MetricsPublisher({ source: acdMetricsSource(acd), bootId: 'bench', clock, queueNames: () => names, link: { publish: (_n, p) => ((last = p), true) } });
console.log(`appliance: ${QUEUES} queues, ${AGENTS} agents logged in, ${WAITING}+ contacts waiting`);
const reference = time('  reference: AcdAdapter.metrics()', 500, () => acd.metrics());
const sample = time('  one sample (metrics + live view + payload)', 500, () => publisher.sample());
const bytes = encode('metrics', last!).byteLength;
const enc = time('  encode (validate + JSON) of that payload', 500, () => encode('metrics', last!));
console.log(`  payload ${bytes} bytes; a sample a second costs ${(((sample + enc) / 1000) * 100).toFixed(3)} % of one core (reference alone ${((reference / 1000) * 100).toFixed(3)} %)`);
acd.stop();

// --- fleet --------------------------------------------------------------------------------
const DEVICES = 1000;
const small: LiveMetrics = { ...last!, queues: last!.queues.slice(0, 10) };
const payload = encode('metrics', small);
const topics = Array.from({ length: DEVICES }, (_, d) => topicFor('metrics', { site: `s${d % 50}`, device: `d${d}` }));
const store = new MetricsStore();
let seq = 0;
console.log(`fleet: ${DEVICES} appliances with 10 queues each (${payload.byteLength} bytes a sample)`);
const decodeOnly = time('  reference: decode (UTF-8, JSON, zod) one sample', 20_000, (i) => decode(topics[i % DEVICES]!, payload));
const full = time('  decode + store with history', 20_000, (i) => {
  const r = decode(topics[i % DEVICES]!, payload);
  if (!r.ok || r.name !== 'metrics') throw new Error('bad sample');
  const p = r.params as { site: string; device: string };
  store.apply(p, { ...r.payload, seq: ++seq }, Date.now());
});
console.log(`  one core absorbs ~${Math.round(1000 / full).toLocaleString('en')} samples/s (decode alone ~${Math.round(1000 / decodeOnly).toLocaleString('en')}/s): ${DEVICES} appliances at 1/s use ${((full * DEVICES) / 10).toFixed(1)} % of a core`);
