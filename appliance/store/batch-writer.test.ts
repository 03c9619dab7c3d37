import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BatchWriter, BatchWriterClosedError, BatchWriterUsageError } from './batch-writer.ts';
import { openDatabase } from './sqlite-database.ts';

const migrations = [{ id: 'test-1', sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)' }];
function fresh() {
  const path = join(mkdtempSync(join(tmpdir(), 'cc-batch-')), 'db.sqlite');
  const db = openDatabase(path, { migrations });
  return { path, db };
}
const insert = (v: string) => (db: Database.Database) => Number(db.prepare('INSERT INTO t (v) VALUES (?)').run(v).lastInsertRowid);

describe('batch writer', () => {
  test('a promise resolves only when its row is committed: another connection already sees it', async () => {
    const { path, db } = fresh();
    const w = new BatchWriter(db, { maxDelayMs: 1 });
    const other = new Database(path, { readonly: true });
    const id = await w.run(insert('a'));
    assert.deepEqual(other.prepare('SELECT id, v FROM t').all(), [{ id, v: 'a' }]);
    other.close();
  });

  test('concurrent runs share one transaction and resolve in order', async () => {
    const { db } = fresh();
    const w = new BatchWriter(db, { maxDelayMs: 5 });
    const ids = await Promise.all(['a', 'b', 'c', 'd'].map((v) => w.run(insert(v))));
    assert.deepEqual(ids, [1, 2, 3, 4]);
    assert.equal(w.stats.batches, 1);
    assert.equal(w.stats.committed, 4);
  });

  test('a failing item rejects alone: its changes roll back, the others commit', async () => {
    const { db } = fresh();
    const w = new BatchWriter(db, { maxDelayMs: 5 });
    const results = await Promise.allSettled([
      w.run(insert('x')),
      w.run((d) => {
        insert('y')(d);
        insert('x')(d); // UNIQUE violation after a successful insert in the same item
      }),
      w.run(insert('z')),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(db.prepare('SELECT v FROM t ORDER BY id').pluck().all(), ['x', 'z']);
  });

  test('a full batch splits: no transaction holds more than maxBatch items', async () => {
    const { db } = fresh();
    const w = new BatchWriter(db, { maxDelayMs: 50, maxBatch: 10 });
    await Promise.all(Array.from({ length: 35 }, (_, i) => w.run(insert(`v${i}`))));
    assert.equal(w.stats.batches, 4);
    assert.equal(db.prepare('SELECT COUNT(*) FROM t').pluck().get(), 35);
  });

  test('an async function is refused as a usage error and nothing of it is kept', async () => {
    const { db } = fresh();
    const w = new BatchWriter(db);
    await assert.rejects(
      w.run(async (d) => insert('late')(d)),
      BatchWriterUsageError,
    );
  });

  test('close commits what is queued, then refuses new work', async () => {
    const { db } = fresh();
    const w = new BatchWriter(db, { maxDelayMs: 1000 });
    const pending = w.run(insert('q'));
    await w.close();
    assert.equal(await pending, 1);
    await assert.rejects(w.run(insert('r')), BatchWriterClosedError);
  });
});
