// Durable journal throughput: `npx tsx scripts/bench/journal.ts [records] [appenders]`.
// Group commit through the batch writer, against the reference in the same run: one
// transaction (one fsync) per record. Both on a file database in WAL with synchronous=FULL.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, JOURNAL_MIGRATIONS } from '../../appliance/store/journal.ts';
import { closeDatabase, openDatabase } from '../../appliance/store/sqlite-database.ts';

const total = Number(process.argv[2] ?? 50_000);
const appenders = Number(process.argv[3] ?? 256);
const referenceTotal = Math.min(2_000, total);

function record(i: number) {
  // ~300 bytes of JSON, shaped like a CDR segment.
  return {
    callId: `c-${i.toString(36)}-0f3a9b`,
    leg: i % 2 ? 'agent' : 'caller',
    from: '+861380013' + String(i % 10_000).padStart(4, '0'),
    to: '4008001234',
    queue: `q${i % 50}`,
    agent: `a${i % 500}`,
    segments: [{ kind: 'ivr', ms: 12_000 }, { kind: 'queue', ms: 31_000 }, { kind: 'talk', ms: 184_000 }],
    disposition: 'resolved',
    note: 'x'.repeat(40),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function grouped(): Promise<{ perSecond: number; p50: number; p99: number; commits: number }> {
  const journal = Journal.open(join(mkdtempSync(join(tmpdir(), 'cc-bench-journal-')), 'j.sqlite'));
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: appenders }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await journal.append('cdr', record(i));
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const commits = journal.commits;
  await journal.close();
  latencies.sort((a, b) => a - b);
  return { perSecond: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), commits };
}

function onePerRecord(): { perSecond: number; p50: number; p99: number } {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'cc-bench-journal-')), 'ref.sqlite'), { migrations: JOURNAL_MIGRATIONS });
  const insert = db.prepare('INSERT INTO journal (stream, ts, data) VALUES (?, ?, ?)');
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < referenceTotal; i++) {
    const t = performance.now();
    insert.run('cdr', Date.now(), JSON.stringify(record(i))); // autocommit: one fsync each
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  closeDatabase(db);
  latencies.sort((a, b) => a - b);
  return { perSecond: referenceTotal / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const g = await grouped();
const r = onePerRecord();
console.log(`journal: ${total} records of ~300 B JSON, ${appenders} concurrent appenders, WAL + synchronous=FULL`);
console.log('mode | records | records/s | ack p50 ms | ack p99 ms | commits');
console.log('--- | ---: | ---: | ---: | ---: | ---:');
console.log(`group commit (batch writer) | ${total} | ${g.perSecond.toFixed(0)} | ${g.p50.toFixed(2)} | ${g.p99.toFixed(2)} | ${g.commits}`);
console.log(`reference: one transaction per record | ${referenceTotal} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${referenceTotal}`);
console.log(`speed-up: ${(g.perSecond / r.perSecond).toFixed(1)}x`);
