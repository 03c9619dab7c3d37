/**
 * ACD routing benchmark: 10,000 agents, 1,000 queues (language x product skill groups),
 * 100,000 waiting contacts; then a steady mix of arrivals, abandons, agents readying,
 * answering and finishing, each a call to the pure core. Reports decisions per second,
 * p50/p99 latency and heap, for the indexed core and, on the same state and the same events,
 * the naive scan-all reference (run for fewer events: it is that much slower).
 *
 *   npx tsx --expose-gc scripts/bench/acd.ts [--agents 10000] [--queues 1000] [--contacts 100000] [--events 200000] [--naive-events 2000]
 */
import { parseArgs } from 'node:util';
import { loadAcdConfig, type AcdConfigInput, type Channel } from '../../appliance/acd/config.ts';
import { decide } from '../../appliance/acd/decide.ts';
import type { AcdEvent } from '../../appliance/acd/events.ts';
import type { AcdCommand } from '../../appliance/acd/commands.ts';
import { IndexedRouting } from '../../appliance/acd/routing-index.ts';
import { NaiveRouting } from '../../appliance/acd/naive-routing.ts';
import { createAcdState, type AcdState } from '../../appliance/acd/state.ts';
import { Prng } from '../../appliance/acd/prng.ts';

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '10000' },
    queues: { type: 'string', default: '1000' },
    contacts: { type: 'string', default: '100000' },
    events: { type: 'string', default: '200000' },
    'naive-events': { type: 'string', default: '2000' },
    seed: { type: 'string', default: '42' },
  },
});
const AGENTS = Number(args.agents);
const QUEUES = Number(args.queues);
const CONTACTS = Number(args.contacts);
const EVENTS = Number(args.events);
const NAIVE_EVENTS = Number(args['naive-events']);
const SEED = Number(args.seed);

const LANGS = 25;
const PRODUCTS = Math.ceil(QUEUES / LANGS);
const STRATEGIES = ['longest-idle', 'longest-idle', 'longest-idle', 'skill-level', 'round-robin', 'least-occupied', 'fewest-handled', 'random'] as const;

/** Zipf-like weights: a few big queues and languages, a long tail of small ones. */
function zipfSampler(n: number, s: number, r: Prng): () => number {
  const cum: number[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) cum.push((total += 1 / (i + 1) ** s));
  return () => {
    const x = r.next() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function buildConfig(r: Prng): AcdConfigInput {
  const lang = zipfSampler(LANGS, 1, r);
  const skills = [...Array.from({ length: LANGS }, (_, i) => `lang${i}`), ...Array.from({ length: PRODUCTS }, (_, i) => `prod${i}`)];
  const queues: AcdConfigInput['queues'] = [];
  for (let i = 0; i < QUEUES; i++) {
    const l = i % LANGS;
    const p = Math.floor(i / LANGS);
    queues.push({
      id: `q${i}`,
      skills: [{ skill: `lang${l}` }, { skill: `prod${p}`, minLevel: 1 + (i % 3) }],
      strategy: STRATEGIES[i % STRATEGIES.length]!,
      agentOrder: i % 10 === 0 ? 'senior-first' : 'none',
      weight: i % 7,
      agingPerMinute: i % 4 === 0 ? 1 : 0,
      wrapUpSeconds: 0,
      ...(i % 5 === 0 ? { overflow: [{ when: { afterSeconds: 900 }, to: { callback: {} } }] } : {}),
      announcements: { onEnqueue: true, everySeconds: 0 },
    });
  }
  const agents: AcdConfigInput['agents'] = [];
  for (let i = 0; i < AGENTS; i++) {
    const s: Record<string, number> = { [`lang${lang()}`]: 5 + r.int(6) };
    if (r.next() < 0.3) s[`lang${lang()}`] = 3 + r.int(8);
    const nProducts = 4 + r.int(5);
    for (let k = 0; k < nProducts; k++) s[`prod${r.int(PRODUCTS)}`] = 1 + r.int(10);
    const roll = r.next();
    agents.push({ id: `a${i}`, skills: s, seniority: r.int(5), capacity: roll < 0.6 ? 'voice' : roll < 0.85 ? 'blended' : 'chat' });
  }
  return {
    seed: SEED,
    skills,
    capacityProfiles: {
      voice: { limits: { voice: 1 } },
      blended: { limits: { voice: 1, chat: 2, email: 2 }, maxTotal: 3, blocks: { voice: ['chat', 'email'] } },
      chat: { limits: { chat: 3, email: 2 }, maxTotal: 4 },
    },
    agents,
    queues,
  };
}

const channelOf = (r: Prng): Channel => {
  const x = r.next();
  return x < 0.7 ? 'voice' : x < 0.9 ? 'chat' : 'email';
};

interface Loaded {
  state: AcdState;
  now: number;
}

/** Logs every agent in (not ready) and queues CONTACTS contacts: the starting point of both runs. */
function load(configInput: AcdConfigInput): Loaded {
  const r = new Prng(SEED + 1);
  const state = createAcdState(loadAcdConfig(configInput), { index: new IndexedRouting() });
  let now = 1_700_000_000_000;
  for (let i = 0; i < AGENTS; i++) decide(state, { type: 'AgentLoggedIn', agentId: `a${i}` }, now);
  const queue = zipfSampler(QUEUES, 0.8, r);
  for (let i = 0; i < CONTACTS; i++) {
    now += 5;
    decide(state, { type: 'ContactArrived', contactId: `p${i}`, queueId: `q${queue()}`, channel: channelOf(r), priority: r.int(4) }, now);
  }
  return { state, now };
}

interface Run {
  events: AcdEvent[];
  latencies: Float64Array;
  offers: number;
  commands: AcdCommand[][];
  totalMs: number;
}

/**
 * Steady traffic. Events are chosen from the state as it evolves (who is ringing, who talks),
 * or replayed from `replay` so the naive run sees exactly the indexed run's events.
 */
function steady(loaded: Loaded, count: number, replay?: AcdEvent[], keep = 0): Run {
  const { state } = loaded;
  let now = loaded.now;
  const r = new Prng(SEED + 2);
  const queue = zipfSampler(QUEUES, 0.8, r);
  const events: AcdEvent[] = [];
  const latencies = new Float64Array(count);
  const commands: AcdCommand[][] = [];
  const ringing: [string, string][] = [];
  const talking: string[] = [];
  const notReady = Array.from({ length: AGENTS }, (_, i) => `a${i}`);
  const arrived = Array.from({ length: CONTACTS }, (_, i) => `p${i}`);
  let offers = 0;
  let next = 0;
  let totalNs = 0;
  const pickWaiting = (): string | undefined => {
    for (let tries = 0; tries < 8 && arrived.length > 0; tries++) {
      const i = r.int(arrived.length);
      const id = arrived[i]!;
      if (state.contacts.get(id)?.status === 'waiting') return id;
      arrived[i] = arrived[arrived.length - 1]!;
      arrived.pop();
    }
    return undefined;
  };
  for (let i = 0; i < count; i++) {
    now += 2;
    let e: AcdEvent | undefined = replay?.[i];
    if (!e) {
      const x = r.next();
      if (x < 0.3) e = { type: 'ContactArrived', contactId: `n${next}`, queueId: `q${queue()}`, channel: channelOf(r), priority: r.int(4) };
      else if (x < 0.36) {
        const id = pickWaiting();
        e = id ? { type: 'ContactAbandoned', contactId: id } : undefined;
      } else if (x < 0.38 && talking.length === 0 && ringing.length === 0) e = undefined;
      else if (ringing.length > 0 && x < 0.6) {
        const [contactId, agentId] = ringing.shift()!;
        e = { type: 'OfferAccepted', contactId, agentId };
      } else if (talking.length > 0 && x < 0.95) {
        const k = r.int(talking.length);
        const contactId = talking[k]!;
        talking[k] = talking[talking.length - 1]!;
        talking.pop();
        e = { type: 'ContactEnded', contactId };
      }
      if (!e && notReady.length > 0) e = { type: 'AgentStateChanged', agentId: notReady.pop()!, state: 'ready' };
      e ??= { type: 'ContactArrived', contactId: `n${next}`, queueId: `q${queue()}`, channel: channelOf(r), priority: r.int(4) };
      if (e.type === 'ContactArrived') next++;
    }
    const t0 = process.hrtime.bigint();
    const out = decide(state, e, now).commands;
    const ns = Number(process.hrtime.bigint() - t0);
    latencies[i] = ns;
    totalNs += ns;
    events.push(e);
    if (i < keep) commands.push(out);
    if (e.type === 'OfferAccepted') talking.push(e.contactId);
    if (e.type === 'ContactArrived') arrived.push(e.contactId);
    for (const c of out) {
      if (c.type === 'OfferToAgent') {
        offers++;
        ringing.push([c.contactId, c.agentId]);
      }
    }
  }
  return { events, latencies, offers, commands, totalMs: totalNs / 1e6 };
}

function pct(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

function summarize(name: string, run: Run) {
  const sorted = Float64Array.from(run.latencies).sort();
  const n = run.latencies.length;
  return {
    name,
    events: n,
    offers: run.offers,
    'decisions/s': Math.round(n / (run.totalMs / 1000)),
    'p50 µs': +(pct(sorted, 0.5) / 1000).toFixed(1),
    'p99 µs': +(pct(sorted, 0.99) / 1000).toFixed(1),
    'max µs': +(sorted[n - 1]! / 1000).toFixed(0),
  };
}

function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1048576);
}

const r = new Prng(SEED);
const configInput = buildConfig(r);
const base = heapMb();
let t = performance.now();
const a = load(configInput);
const loadMs = performance.now() - t;
const loadedHeap = heapMb() - base;
const waiting = [...a.state.queues.values()].reduce((s, q) => s + q.waiting, 0);
console.log(`loaded ${AGENTS} agents, ${QUEUES} queues, ${waiting} waiting contacts in ${(loadMs / 1000).toFixed(1)} s; heap for the state ${loadedHeap} MB`);

t = performance.now();
const fast = steady(a, EVENTS, undefined, NAIVE_EVENTS);
const fastWall = performance.now() - t;
const stillWaiting = [...a.state.queues.values()].reduce((s, q) => s + q.waiting, 0);

// The reference starts from the same loaded state (built the same way), moved onto the naive lookups.
const b = load(configInput);
b.state.index = new NaiveRouting();
const slow = steady(b, Math.min(NAIVE_EVENTS, EVENTS), fast.events.slice(0, NAIVE_EVENTS), NAIVE_EVENTS);
const same = JSON.stringify(slow.commands) === JSON.stringify(fast.commands.slice(0, slow.commands.length));

const rows = [summarize('indexed (appliance/acd)', fast), summarize('naive scan-all reference', slow)];
console.table(rows);
const byType = new Map<string, number[]>();
fast.events.forEach((e, i) => byType.set(e.type, [...(byType.get(e.type) ?? []), fast.latencies[i]!]));
console.table(
  [...byType].map(([type, ns]) => {
    const sorted = Float64Array.from(ns).sort();
    return { 'indexed, by event': type, events: ns.length, 'p50 µs': +(pct(sorted, 0.5) / 1000).toFixed(1), 'p99 µs': +(pct(sorted, 0.99) / 1000).toFixed(1) };
  }),
);

console.log(`indexed: ${EVENTS} events in ${(fastWall / 1000).toFixed(1)} s wall; ${stillWaiting} contacts still waiting at the end`);
console.log(`same commands from both for the first ${slow.commands.length} events: ${same ? 'yes' : 'NO'}`);
console.log(`speed-up at p99: ${(rows[1]!['p99 µs'] / rows[0]!['p99 µs']).toFixed(0)}x; throughput: ${(rows[0]!['decisions/s'] / rows[1]!['decisions/s']).toFixed(0)}x`);
const ok = rows[0]!['p99 µs'] < 1000 && rows[0]!['decisions/s'] >= 50_000 && same;
console.log(`targets (p99 < 1 ms, >= 50,000 decisions/s, same answers): ${ok ? 'met' : 'NOT met'}`);
if (!same) process.exitCode = 1;
