// Call orchestration core cost: `npx tsx scripts/bench/call-core.ts [calls]`.
// 1. Calls through the pure core (IVR, queue, ring, answer, hold, retrieve, hang-up, wrap-up:
//    8 events each), against the reference in the same run: JSON-serialising the same record
//    once per event, which writing it to the CDR store costs anyway.
// 2. CDR writes to SQLite through the BatchWriter (durable batches), against plain INSERTs in
//    one transaction.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInboundCall, stepCall, type CallCoreEvent, type CallRecord } from '../../appliance/calls/call-core.ts';
import { CDR_MIGRATIONS, CdrStore, type CdrInput } from '../../appliance/cdr/cdr-store.ts';
import { BatchWriter } from '../../appliance/store/batch-writer.ts';
import { closeDatabase, openDatabase } from '../../appliance/store/sqlite-database.ts';

const calls = Number(process.argv[2] ?? 100_000);

function time(label: string, n: number, unit: string, fn: (i: number) => void): number {
  fn(-1); // warm up
  const started = performance.now();
  for (let i = 0; i < n; i += 1) fn(i);
  const seconds = (performance.now() - started) / 1000;
  const rate = n / seconds;
  console.log(`${label.padEnd(56)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} ${unit}/s`);
  return rate;
}

const script = (id: string): CallCoreEvent[] => [
  { type: 'QueueEntered', queueId: 'sales' },
  { type: 'Offered', agentId: '1001', contactId: id },
  { type: 'Answered', agentId: '1001' },
  { type: 'Held' },
  { type: 'Retrieved' },
  { type: 'CallerHungUp' },
  { type: 'WrapUpStarted', agentId: '1001', contactId: id },
  { type: 'WrapUpEnded', agentId: '1001', contactId: id },
];

let sink = 0;
const core = time('calls through the core (8 events each)', calls, 'calls', (i) => {
  const id = `c${i}`;
  let call: CallRecord = createInboundCall(id, '13900000000', '4001', 0);
  let now = 0;
  for (const e of script(id)) {
    const r = stepCall(call, e, (now += 1000));
    if (!r.ok) throw new Error(r.reason);
    call = r.call;
  }
  sink += call.segments.length;
});
const reference = time('reference: JSON.stringify of the record per event', calls, 'calls', (i) => {
  const call = createInboundCall(`c${i}`, '13900000000', '4001', 0);
  for (let k = 0; k < 8; k++) sink += JSON.stringify(call).length;
});
console.log(`core / reference: ${(core / reference).toFixed(2)}  (events: ${Math.round(core * 8).toLocaleString('en-US')}/s)`);

const dir = mkdtempSync(join(tmpdir(), 'bench-cdr-'));
const db = openDatabase(join(dir, 'a.db'), { migrations: CDR_MIGRATIONS });
const writer = new BatchWriter(db);
const store = new CdrStore({ db, writer });
const cdr = (id: string): CdrInput => ({
  callId: id, direction: 'inbound', customer: '13900000000', did: '4001', startedAt: Date.now(), endedAt: Date.now() + 60_000, queueId: 'sales', agentId: '1001',
  legs: [{ legId: 'leg-1', role: 'caller', party: '13900000000', start: 0, end: 1 }],
  segments: [{ kind: 'ivr', start: 0, end: 1 }, { kind: 'queue', start: 1, end: 2 }, { kind: 'talk', start: 2, end: 3 }, { kind: 'wrap-up', start: 3, end: 4 }],
});
const writes = Math.min(calls, 20_000);
let started = performance.now();
await Promise.all(Array.from({ length: writes }, (_, i) => store.put(cdr(`w${i}`))));
const durable = writes / ((performance.now() - started) / 1000);
console.log(`${'CDR puts through the BatchWriter (durable)'.padEnd(56)} ${Math.round(durable).toLocaleString('en-US').padStart(12)} CDRs/s`);
const insert = db.prepare('INSERT INTO cdr (call_id, direction, customer, did, started_at, data) VALUES (?, ?, ?, ?, ?, ?)');
started = performance.now();
db.transaction(() => {
  for (let i = 0; i < writes; i++) insert.run(`r${i}`, 'inbound', '13900000000', '4001', Date.now(), JSON.stringify(cdr(`r${i}`)));
})();
const raw = writes / ((performance.now() - started) / 1000);
console.log(`${'reference: plain INSERTs in one transaction'.padEnd(56)} ${Math.round(raw).toLocaleString('en-US').padStart(12)} CDRs/s`);
console.log(`durable / reference: ${(durable / raw).toFixed(2)}`);
await writer.close();
closeDatabase(db);
rmSync(dir, { recursive: true, force: true });
if (sink < 0) console.log(sink);
