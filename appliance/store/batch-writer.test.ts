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

  test('a full batch commits at once instead of waiting for maxDelayMs', { timeout: 5_000 }, async () => {
    const { db } = fresh();
    const w = new BatchWriter(db, { maxDelayMs: 60_000, maxBatch: 3 });
    assert.deepEqual(await Promise.all(['a', 'b', 'c'].map((v) => w.run(insert(v)))), [1, 2, 3]);
    assert.equal(w.pending, 0);
    await w.close();
  });

  test('items of one batch are invisible to other connections until the batch commits', async () => {
    const { path, db } = fresh();
    const other = new Database(path, { readonly: true });
    const countElsewhere = () => other.prepare('SELECT COUNT(*) FROM t').pluck().get() as number;
    const w = new BatchWriter(db, { maxDelayMs: 5 });
    const [, seenDuringBatch] = await Promise.all([w.run(insert('a')), w.run(() => countElsewhere())]);
    assert.equal(seenDuringBatch, 0);
    assert.equal(countElsewhere(), 1);
    other.close();
  });

  test('a failing item rejects with its own error, such as the constraint SQLite reported', async () => {
    const { db } = fresh();
    const w = new BatchWriter(db, { maxDelayMs: 5 });
    await w.run(insert('dup'));
    await assert.rejects(w.run(insert('dup')), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
  });

  test('an item that ends the transaction itself fails its whole batch, and the next batch works', async () => {
    const { db } = fresh();
    const w = new BatchWriter(db, { maxDelayMs: 5 });
    const results = await Promise.allSettled([w.run(insert('before')), w.run((d) => d.exec('COMMIT')), w.run(insert('after'))]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof BatchWriterUsageError));
    assert.equal(await w.run(insert('next')), 2, '"before" was committed by the rogue COMMIT, nothing after it');
    assert.deepEqual(db.prepare('SELECT v FROM t ORDER BY id').pluck().all(), ['before', 'next']);
  });

  test('when another connection holds the write lock, the whole batch rejects and later batches succeed', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cc-batch-')), 'db.sqlite');
    const db = openDatabase(path, { migrations, busyTimeoutMs: 20 });
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    const w = new BatchWriter(db, { maxDelayMs: 1 });
    const results = await Promise.allSettled([w.run(insert('a')), w.run(insert('b'))]);
    assert.deepEqual(
      results.map((r) => r.status === 'rejected' && (r.reason as { code?: string }).code),
      ['SQLITE_BUSY', 'SQLITE_BUSY'],
    );
    other.exec('ROLLBACK');
    other.close();
    assert.equal(await w.run(insert('c')), 1);
    assert.equal(w.stats.failed, 2);
  });

  test('an item may queue more work; it runs in a later batch', async () => {
    const { db } = fresh();
    const w = new BatchWriter(db, { maxDelayMs: 1 });
    let inner: Promise<number> | undefined;
    await w.run((d) => {
      insert('outer')(d);
      inner = w.run(insert('inner'));
    });
    assert.equal(await inner, 2);
    assert.equal(w.stats.batches, 2);
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
