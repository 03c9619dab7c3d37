// Randomised runs: random valid flows driven by random digits, prompt ends, timers, lookup
// answers and hang-ups. Whatever happens, a session never trips the step guard, never says
// anything after FlowEnded, ends with exactly one FlowEnded (at most one hand-off, right
// before it), and leaves no playback, timer or lookup behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateFlow, type CompiledFlow } from './flow-validation.ts';
import { HAND_OFF_TYPES, type IvrCommand } from './ivr-commands.ts';
import { IvrHarness } from './ivr-harness.ts';
import { MAX_TYPE_AHEAD } from './ivr-session.ts';
import { flowOf, tts, type NodeInput } from './ivr-test-flows.ts';
import { branchesOf } from './flow-schema.ts';

class Rng {
  constructor(private seed: number) {}
  next(): number {
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let t = this.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'];
const TYPES = ['play', 'menu', 'collect', 'condition', 'set', 'lookup', 'queue', 'agent', 'external', 'voicemail', 'hangup'] as const;
const INSTANT = new Set(['condition', 'set']);

/** A random flow; instant nodes only branch forward (higher index) or to waiting nodes, so none loops without a wait. */
function randomFlow(rng: Rng): unknown {
  const count = 2 + rng.int(14);
  const types = Array.from({ length: count }, (_, i) => (i === count - 1 ? 'hangup' : rng.pick(TYPES)));
  const ids = types.map((t, i) => `${t}${i}`);
  const target = (from: number): string => {
    for (;;) {
      const to = rng.int(count);
      if (!INSTANT.has(types[from]!) || !INSTANT.has(types[to]!) || to > from) return ids[to]!;
    }
  };
  const prompt = () => (rng.chance(0.5) ? tts(`p${rng.int(9)} \${v1}`) : [{ file: `f${rng.int(9)}.wav` }]);
  const nodes: NodeInput[] = types.map((type, i): NodeInput => {
    const id = ids[i]!;
    const t = () => target(i);
    switch (type) {
      case 'play':
        return { id, type, prompt: prompt(), bargeIn: rng.chance(0.5), next: t() };
      case 'menu': {
        const options: Record<string, { next: string }> = {};
        for (let k = 0; k < 1 + rng.int(4); k += 1) options[rng.pick(DIGITS) + (rng.chance(0.2) ? rng.pick(DIGITS) : '')] = { next: t() };
        return { id, type, prompt: prompt(), options, retries: rng.int(3), bargeIn: rng.chance(0.7), typeAhead: rng.chance(0.7), firstDigitTimeoutMs: 1000 + rng.int(4000), onInvalid: t(), onTimeout: t() };
      }
      case 'collect': {
        const minDigits = 1 + rng.int(4);
        return { id, type, prompt: prompt(), variable: 'v2', minDigits, maxDigits: minDigits + rng.int(4), terminator: rng.pick(['#', '*', null] as const), bargeIn: rng.chance(0.5), retries: rng.int(3), next: t(), onInvalid: t(), onTimeout: t() };
      }
      case 'condition':
        return {
          id,
          type,
          rules: [
            { when: { kind: 'var', var: 'v2', op: 'eq', value: String(rng.int(10)) }, next: t() },
            { when: { kind: 'any', of: [{ kind: 'calendar', calendar: 'office' }, { kind: 'caller', patterns: ['_1X.'] }] }, next: t() },
          ],
          otherwise: t(),
        };
      case 'set':
        return { id, type, assign: { v1: `\${v1}${rng.int(10)}`.slice(0, 50) }, next: t() };
      case 'lookup':
        return { id, type, url: 'http://127.0.0.1:9/x?c=${caller}', timeoutMs: 500 + rng.int(3000), map: { v1: 'a.b' }, ...(rng.chance(0.5) ? { holdPrompt: prompt() } : {}), onSuccess: t(), onFailure: t(), onTimeout: t() };
      case 'queue':
        return { id, type, queue: 'q', priorityVariable: 'v2' };
      case 'agent':
        return { id, type, agent: '${v2}', ...(rng.chance(0.5) ? { ifEmpty: t() } : {}) };
      case 'external':
        return { id, type, number: '${v2}' };
      case 'voicemail':
        return { id, type, box: 'b' };
      case 'hangup':
        return { id, type };
    }
  });
  return flowOf(nodes, { variables: { v1: '', v2: '' }, calendars: { office: { weekly: { mon: ['09:00-18:00'], tue: ['09:00-18:00'] } } } });
}

/** Drops nodes the entry cannot reach (a random graph has some), so the flow can validate. */
function pruned(raw: unknown): unknown {
  const flow = raw as { entry: string; nodes: NodeInput[] };
  const byId = new Map(flow.nodes.map((n) => [n.id, n]));
  const seen = new Set([flow.entry]);
  const todo = [flow.entry];
  while (todo.length) {
    const node = byId.get(todo.pop()!)!;
    for (const [, to] of branchesOf(node as never)) if (!seen.has(to)) seen.add(to), todo.push(to);
  }
  return { ...flow, nodes: flow.nodes.filter((n) => seen.has(n.id)) };
}

function validFlows(count: number, seed: number): CompiledFlow[] {
  const rng = new Rng(seed);
  const flows: CompiledFlow[] = [];
  for (let attempt = 0; flows.length < count && attempt < count * 20; attempt += 1) {
    const result = validateFlow(pruned(randomFlow(rng)));
    if (result.ok) flows.push(result.compiled);
  }
  return flows;
}

function drive(flow: CompiledFlow, rng: Rng): IvrHarness {
  const h = new IvrHarness(flow, { now: Date.UTC(2025, 0, 6, 0, 0) + rng.int(7 * 86_400_000), callId: `c${rng.int(1e6)}` });
  h.start(rng.pick(['13800138000', '075512345678', '10086']), '400');
  for (let i = 0; i < 120 && !h.ended; i += 1) {
    const r = rng.next();
    if (r < 0.35) h.digits(rng.pick(DIGITS).repeat(1 + rng.int(3)));
    else if (r < 0.6) h.promptEnded();
    else if (r < 0.85) h.advance(rng.int(6000));
    else if (r < 0.97 && h.lookups.size) {
      const lookupId = [...h.lookups.keys()][0]!;
      if (rng.chance(0.5)) h.send({ type: 'LookupResult', lookupId, variables: { v1: 'x' } });
      else h.send({ type: 'LookupFailed', lookupId, reason: rng.pick(['timeout', 'network', 'http-status', 'invalid-response'] as const) });
    } else if (rng.chance(0.1)) h.send({ type: 'CallerHungUp' });
  }
  if (!h.ended) h.send({ type: 'CallerHungUp' });
  return h;
}

function checkRun(h: IvrHarness, nodeCount: number): void {
  const log: IvrCommand[] = h.log;
  const ends = log.flatMap((c, i) => (c.type === 'FlowEnded' ? [i] : []));
  assert.equal(ends.length, 1, 'exactly one FlowEnded');
  assert.equal(ends[0], log.length - 1, 'FlowEnded is the last command');
  const ended = log[log.length - 1] as Extract<IvrCommand, { type: 'FlowEnded' }>;
  assert.notEqual(ended.reason, 'step-limit', 'a valid flow never trips the step guard');
  const handOffs = log.flatMap((c, i) => (HAND_OFF_TYPES.has(c.type) ? [i] : []));
  assert.ok(handOffs.length <= 1, 'at most one hand-off');
  if (handOffs.length) assert.equal(handOffs[0], log.length - 2, 'the hand-off comes right before FlowEnded');
  assert.equal(ended.reason === 'caller-hung-up', handOffs.length === 0, 'a hand-off unless the caller hung up');
  assert.equal(h.playing, null, 'no playback left running');
  assert.equal(h.timers.size, 0, 'no timer left running');
  assert.equal(h.lookups.size, 0, 'no lookup left pending');
  assert.ok(h.maxStepsSeen <= (MAX_TYPE_AHEAD + 1) * nodeCount, `steps ${h.maxStepsSeen} within the bound`);
  // Nothing after the end, whatever comes.
  assert.deepEqual([...h.digits('1'), ...h.advance(60_000), ...h.send({ type: 'CallerHungUp' })], []);
}

test('random event sequences on random valid flows end cleanly, once, within the step guard', () => {
  const flows = validFlows(400, 20250106);
  assert.ok(flows.length >= 300, `enough valid random flows (${flows.length})`);
  const rng = new Rng(7);
  const reasons = new Set<string>();
  for (const flow of flows) {
    for (let run = 0; run < 3; run += 1) {
      const h = drive(flow, rng);
      checkRun(h, flow.nodes.size);
      reasons.add(h.session.endReason ?? '');
    }
  }
  // The runs reach every kind of ending, so the checks above saw each of them.
  for (const reason of ['transferred-to-queue', 'transferred-to-agent', 'transferred-external', 'voicemail', 'hung-up', 'caller-hung-up']) assert.ok(reasons.has(reason), reason);
});

test('a long burst of type-ahead through chained menus stays far below the step guard', () => {
  const nodes: NodeInput[] = [{ id: 'hold', type: 'play', prompt: tts('Hold'), next: 'm0' }];
  for (let i = 0; i < 50; i += 1) nodes.push({ id: `m${i}`, type: 'menu', prompt: tts('M'), options: { '1': { next: i < 49 ? `m${i + 1}` : 'm0' } }, onInvalid: 'bye', onTimeout: 'bye' });
  nodes.push({ id: 'bye', type: 'hangup' });
  const h = new IvrHarness(flowOf(nodes));
  h.start();
  h.digits('1'.repeat(100));
  h.promptEnded();
  assert.equal(h.maxStepsSeen, MAX_TYPE_AHEAD + 1, 'the first menu, then one more per buffered digit, the buffer capped');
  assert.equal(h.session.buffer, '');
});
