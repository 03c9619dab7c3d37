import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../store/sqlite-database.ts';
import { BatchWriter } from '../store/batch-writer.ts';
import { Outbox, outboxMigrations } from './outbox.ts';

function open(path = join(mkdtempSync(join(tmpdir(), 'cc-outbox-')), 'a.sqlite')) {
  const db = openDatabase(path, { migrations: outboxMigrations });
  const writer = new BatchWriter(db);
  return { path, db, writer, outbox: new Outbox({ db, writer, clock: () => 1000 }) };
}

describe('outbox', () => {
  test('hands out events in the order they were enqueued with increasing seq', async () => {
    const { outbox } = open();
    const made = await Promise.all([1, 2, 3, 4, 5].map((n) => outbox.enqueue({ type: 'cdr', data: { n } })));
    assert.deepEqual(made.map((e) => e.seq), [1, 2, 3, 4, 5]);
    assert.deepEqual(outbox.pending(0, 10).map((e) => e.data.n), [1, 2, 3, 4, 5]);
    assert.deepEqual(outbox.pending(2, 2).map((e) => e.seq), [3, 4]);
  });

  test('an acknowledged event is never handed out again, even before its delete commits', async () => {
    const { outbox } = open();
    for (let i = 0; i < 3; i++) await outbox.enqueue({ type: 'cdr' });
    const deleting = outbox.acknowledge(1);
    assert.deepEqual(outbox.pending(0, 10).map((e) => e.seq), [2, 3]);
    await deleting;
    assert.deepEqual(outbox.pending(0, 10).map((e) => e.seq), [2, 3]);
    assert.equal(outbox.size(), 2);
  });

  test('survives reopening: pending events, the epoch and the sequence carry on', async () => {
    const first = open();
    await first.outbox.enqueue({ type: 'a' });
    await first.outbox.enqueue({ type: 'b' });
    await first.outbox.acknowledge(1);
    await first.outbox.acknowledge(2);
    await first.outbox.enqueue({ type: 'c' });
    const epoch = first.outbox.epoch;
    await first.writer.close();
    first.db.close();
    const again = open(first.path);
    assert.equal(again.outbox.epoch, epoch);
    assert.deepEqual(again.outbox.pending(0, 10).map((e) => [e.seq, e.type]), [[3, 'c']]);
    // A seq is never reused, even after every row was deleted.
    await again.outbox.acknowledge(3);
    assert.equal((await again.outbox.enqueue({ type: 'd' })).seq, 4);
  });

  test('refuses an invalid event before storing anything', async () => {
    const { outbox } = open();
    await assert.rejects(outbox.enqueue({ type: 'Not Valid' }), /type/);
    assert.equal(outbox.size(), 0);
  });

  test('two outboxes get different epochs so the fleet never confuses their sequences', () => {
    assert.notEqual(open().outbox.epoch, open().outbox.epoch);
  });
});
