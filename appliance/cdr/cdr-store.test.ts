import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriter } from '../store/batch-writer.ts';
import { closeDatabase, openDatabase } from '../store/sqlite-database.ts';
import { CDR_MIGRATIONS, CdrStore, type CdrInput } from './cdr-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'cdr-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function open() {
  const db = openDatabase(join(dir, 'a.db'), { migrations: CDR_MIGRATIONS });
  const writer = new BatchWriter(db, { maxDelayMs: 1 });
  return { db, writer, store: new CdrStore({ db, writer }) };
}

const call = (id: string, customer: string, startedAt: number): CdrInput => ({
  callId: id, direction: 'inbound', customer, did: '4001', startedAt, endedAt: startedAt + 60_000, endReason: 'caller-hangup', queueId: 'sales', agentId: '1001',
  legs: [{ legId: 'leg-1', role: 'caller', party: customer, start: startedAt, end: startedAt + 60_000 }],
  segments: [{ kind: 'ivr', start: startedAt, end: startedAt + 5000 }, { kind: 'queue', start: startedAt + 5000, end: startedAt + 9000, queueId: 'sales' }, { kind: 'talk', start: startedAt + 9000, end: startedAt + 60_000, agentId: '1001' }],
});

describe('CDR store', () => {
  test('stores a call durably and finds it by id, by phone number (newest first) and among the recent ones, after a reopen', async () => {
    let s = open();
    await s.store.put(call('a', '13900000001', 1000));
    await s.store.put(call('b', '13900000002', 2000));
    await s.store.put(call('c', '13900000001', 3000));
    assert.equal(await s.store.setDisposition('a', 'resolved', 'asked about "prices", fine'), true);
    assert.equal(await s.store.setDisposition('nope', 'resolved'), false);
    await s.writer.close();
    closeDatabase(s.db);
    s = open();
    const a = s.store.get('a')!;
    assert.equal(a.disposition, 'resolved');
    assert.equal(a.segments.length, 3);
    assert.deepEqual(s.store.byPhone('13900000001').map((c) => c.callId), ['c', 'a']);
    assert.deepEqual(s.store.recent(2).map((c) => c.callId), ['c', 'b']);
    assert.deepEqual(s.store.recent(10, 2000).map((c) => c.callId), ['a']);
    const csv = s.store.exportCsv(0, 10_000).split('\r\n');
    assert.equal(csv.length, 5, 'header, three calls, final newline');
    assert.match(csv[1]!, /^a,inbound,13900000001,4001,.*,4000,51000,0,0,resolved,"asked about ""prices"", fine",$/);
    await s.writer.close();
    closeDatabase(s.db);
  });

  test('refuses a record whose shape is wrong, storing nothing', async () => {
    const s = open();
    await assert.rejects(s.store.put({ ...call('bad', '1', 0), segments: [{ kind: 'lunch', start: 0 }] } as unknown as CdrInput));
    assert.equal(s.store.get('bad'), undefined);
    await s.writer.close();
    closeDatabase(s.db);
  });
});
