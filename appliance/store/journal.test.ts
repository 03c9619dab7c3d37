import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from './journal.ts';
import { journalContract } from './journal.contract.ts';
import { BatchWriter } from './batch-writer.ts';
import { appliedMigrations, closeDatabase, openDatabase } from './sqlite-database.ts';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'cc-journal-')), 'journal.sqlite');

journalContract('file database', () => Journal.open(fresh()));
journalContract(':memory:', () => Journal.open(':memory:'));

test('a reopened journal keeps its records and continues the sequence', async () => {
  const path = fresh();
  const a = Journal.open(path);
  await a.append('cdr', { n: 1 });
  await a.append('cdr', { n: 2 });
  await a.close();
  const b = Journal.open(path);
  assert.equal((await b.append('cdr', { n: 3 })).seq, 3);
  assert.deepEqual(b.query().map((e) => (e.data as { n: number }).n), [1, 2, 3]);
  await b.close();
});

test('many concurrent appends share few commits', async () => {
  const j = Journal.open(fresh(), { maxDelayMs: 5 });
  await Promise.all(Array.from({ length: 500 }, (_, i) => j.append('load', { i })));
  assert.equal(j.count('load'), 500);
  assert.ok(j.commits < 50, `${j.commits} commits for 500 appends`);
  await j.close();
});

test('an append without a timestamp is stamped by the injected clock', async () => {
  let now = 1_700_000_000_000;
  const j = Journal.open(':memory:', { clock: () => now });
  const first = await j.append('cdr', { n: 1 });
  now += 250;
  const second = await j.append('cdr', { n: 2 });
  assert.deepEqual([first.ts, second.ts], [1_700_000_000_000, 1_700_000_000_250]);
  await j.close();
});

test('a journal on a shared database applies its own migrations and, when closed, leaves the writer to the other owners', async () => {
  const db = openDatabase(':memory:', { migrations: [{ id: 'other-1', sql: 'CREATE TABLE other (v TEXT)' }] });
  const writer = new BatchWriter(db, { maxDelayMs: 1 });
  const journal = new Journal(db, writer);
  assert.deepEqual(appliedMigrations(db), ['other-1', 'journal-1']);
  const pending = journal.append('cdr', { n: 1 });
  await journal.close();
  assert.equal((await pending).seq, 1, 'close commits what the journal had queued');
  await assert.rejects(journal.append('cdr', { n: 2 }), /closed/);
  await writer.run((d) => d.prepare('INSERT INTO other (v) VALUES (?)').run('still open'));
  assert.equal(db.prepare('SELECT COUNT(*) FROM journal').pluck().get(), 1);
  await writer.close();
  closeDatabase(db);
});
