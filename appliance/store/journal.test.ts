import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from './journal.ts';
import { journalContract } from './journal.contract.ts';

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
