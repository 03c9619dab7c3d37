// IVR cost: `npx tsx scripts/bench/ivr.ts [calls]`.
// 1. Calls through the demo flow (welcome, main menu, submenu, queue: 6 events each) with the
//    pure interpreter, against the reference in the same run: only zod-validating the same
//    events at the edge, which every event pays anyway.
// 2. Save-time validation of the demo flow and of a 300-node flow, against zod parsing alone.
import { readFileSync } from 'node:fs';
import { FlowSchema } from '../../appliance/ivr/flow-schema.ts';
import { compileFlow, validateFlow } from '../../appliance/ivr/flow-validation.ts';
import { IvrEventSchema, type IvrEventInput } from '../../appliance/ivr/ivr-events.ts';
import { step } from '../../appliance/ivr/interpreter.ts';
import { createSession } from '../../appliance/ivr/ivr-session.ts';
import { flowOf, tts, type NodeInput } from '../../appliance/ivr/ivr-test-flows.ts';

const calls = Number(process.argv[2] ?? 50_000);
const demo: unknown = JSON.parse(readFileSync(new URL('../../appliance/ivr/flows/demo.json', import.meta.url), 'utf8'));
const compiled = compileFlow(demo);
const now = Date.parse('2025-01-06T10:00:00+08:00');

function time(label: string, n: number, unit: string, fn: () => void): number {
  fn(); // warm up
  const started = performance.now();
  for (let i = 0; i < n; i += 1) fn();
  const seconds = (performance.now() - started) / 1000;
  const rate = n / seconds;
  console.log(`${label.padEnd(52)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} ${unit}/s`);
  return rate;
}

/** One demo call: the playback ids are predictable (callId/pN), so the script is fixed. */
function demoCall(): void {
  let s = createSession(compiled, 'c');
  const events: IvrEventInput[] = [
    { type: 'CallStarted', caller: '13800138000', callee: '4008001234', variables: {} },
    { type: 'PromptEnded', playbackId: 'c/p1' },
    { type: 'PromptEnded', playbackId: 'c/p2' },
    { type: 'Digit', digit: '2' },
    { type: 'Digit', digit: '1' },
  ];
  for (const e of events) s = step(s, IvrEventSchema.parse(e), now).session;
  if (s.endReason !== 'transferred-to-queue') throw new Error(`demo call ended with ${s.endReason}`);
}

function parseOnly(): void {
  for (const e of [
    { type: 'CallStarted', caller: '13800138000', callee: '4008001234', variables: {} },
    { type: 'PromptEnded', playbackId: 'c/p1' },
    { type: 'PromptEnded', playbackId: 'c/p2' },
    { type: 'Digit', digit: '2' },
    { type: 'Digit', digit: '1' },
  ]) IvrEventSchema.parse(e);
}

function bigFlow(): unknown {
  // 74 groups of menu → condition → set → queue, the menus chained in a ring, plus a hang-up.
  const groups = 74;
  const nodes: NodeInput[] = [];
  for (let i = 0; i < groups; i += 1) {
    nodes.push({ id: `m${i}`, type: 'menu', prompt: tts(`Menu ${i} \${caller}`), options: { '1': { next: `c${i}` }, '2': { next: `m${(i + 1) % groups}` }, '9': { next: `m${i}` } }, onInvalid: 'bye', onTimeout: 'bye' });
    nodes.push({ id: `c${i}`, type: 'condition', rules: [{ when: { kind: 'caller', patterns: ['_1[3-9]XXXXXXXXX'] }, next: `s${i}` }], otherwise: `q${i}` });
    nodes.push({ id: `s${i}`, type: 'set', assign: { vip: '1' }, next: `q${i}` });
    nodes.push({ id: `q${i}`, type: 'queue', queue: `q${i}`, priorityVariable: 'vip' });
  }
  nodes.push({ id: 'bye', type: 'hangup' });
  return flowOf(nodes, { variables: { vip: '0' } });
}

console.log(`node ${process.version}, ${calls.toLocaleString('en-US')} calls`);
const full = time('demo call through step() (5 events, zod at the edge)', calls, 'calls', demoCall);
const reference = time('reference: zod-parse the same 5 events only', calls, 'calls', parseOnly);
console.log(`  interpreter cost on top of edge validation: ${(reference / full).toFixed(2)}x the reference time`);
const big = bigFlow();
if (!validateFlow(big).ok) throw new Error('the 297-node bench flow is invalid');
time('validateFlow(demo)', 5_000, 'flows', () => validateFlow(demo));
time('reference: FlowSchema.parse(demo) only', 5_000, 'flows', () => FlowSchema.parse(demo));
time('validateFlow(297 nodes)', 500, 'flows', () => validateFlow(big));
time('reference: FlowSchema.parse(297 nodes) only', 500, 'flows', () => FlowSchema.parse(big));
