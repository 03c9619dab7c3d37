import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriter } from '../store/batch-writer.ts';
import { closeDatabase, openDatabase } from '../store/sqlite-database.ts';
import { CUSTOMER_MIGRATIONS, CustomerStore } from './customer-store.ts';

test('customer records are found by the caller number in its usual forms and refused when malformed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'customers-test-'));
  const db = openDatabase(join(dir, 'a.db'), { migrations: CUSTOMER_MIGRATIONS });
  const writer = new BatchWriter(db, { maxDelayMs: 1 });
  const store = new CustomerStore({ db, writer });
  await store.put({ phone: '13912345678', name: '王先生', level: 'gold', vip: true, tags: ['reseller'] });
  for (const n of ['13912345678', '+8613912345678', '8613912345678']) assert.equal(store.byPhone(n)?.name, '王先生', n);
  assert.equal(store.byPhone('13900000000'), undefined);
  assert.deepEqual(store.byPhone('13912345678'), { phone: '13912345678', name: '王先生', level: 'gold', vip: true, tags: ['reseller'] });
  await assert.rejects(store.put({ phone: 'abc' }), /phone number/);
  await store.put({ phone: '13912345678', name: 'Mr Wang' });
  assert.equal(store.byPhone('13912345678')?.vip, false, 'a put replaces the record');
  assert.equal(await store.remove('13912345678'), true);
  assert.equal(store.list().length, 0);
  await writer.close();
  closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});
