// The behaviour every JSON document adapter must share. Registered once per implementation
// (fsync-json-file.test.ts, memory-json.test.ts) so the in-memory twin cannot drift from the
// durable file adapter that production uses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Low } from 'lowdb';
import type { Adapter } from 'lowdb';
import { z } from 'zod';
import type { JsonDocumentOptions } from './json-document.ts';
import { StoreCorruptError, StoreInvalidDocumentError } from './store-errors.ts';

/** One storage location (a file, a memory cell) that adapters can be opened over. */
export interface JsonAdapterStorage {
  open<T>(options?: JsonDocumentOptions<T>): Adapter<T>;
  /** The raw stored text, or null when nothing is stored. */
  storedText(): Promise<string | null>;
  dispose(): Promise<void>;
}

export interface JsonAdapterHarness {
  /** Fresh storage holding `seed` verbatim (null: nothing stored yet). */
  create(seed: string | null): Promise<JsonAdapterStorage>;
}

interface Settings {
  site: string;
  trunks: string[];
  retries?: number;
}

const settingsSchema = z.object({
  site: z.string().min(1),
  trunks: z.array(z.string()),
  retries: z.number().int().default(3),
});

export function describeJsonAdapterContract(label: string, harness: JsonAdapterHarness): void {
  async function withStorage(seed: string | null, body: (storage: JsonAdapterStorage) => Promise<void>): Promise<void> {
    const storage = await harness.create(seed);
    try {
      await body(storage);
    } finally {
      await storage.dispose();
    }
  }

  describe(`${label} (JSON adapter contract)`, () => {
    test('reads null when nothing has been stored', () =>
      withStorage(null, async (storage) => {
        assert.equal(await storage.open<Settings>().read(), null);
      }));

    test('reads back the document it wrote, and so does a freshly opened adapter', () =>
      withStorage(null, async (storage) => {
        const doc: Settings = { site: 'bj-01', trunks: ['pstn-a', 'pstn-b'], retries: 2 };
        const adapter = storage.open<Settings>();
        await adapter.write(doc);
        assert.deepEqual(await adapter.read(), doc);
        assert.deepEqual(await storage.open<Settings>().read(), doc);
      }));

    test('stores the document as it was when write was called, not as later mutated', () =>
      withStorage(null, async (storage) => {
        const adapter = storage.open<Settings>();
        const doc: Settings = { site: 'sh-02', trunks: ['a'] };
        const written = adapter.write(doc);
        doc.trunks.push('b');
        doc.site = 'changed';
        await written;
        assert.deepEqual(await adapter.read(), { site: 'sh-02', trunks: ['a'] });
      }));

    test('overlapping writes all resolve, in call order, and the last one wins', () =>
      withStorage(null, async (storage) => {
        const adapter = storage.open<{ n: number }>();
        const resolved: number[] = [];
        const writes = [1, 2, 3, 4, 5].map((n) => adapter.write({ n }).then(() => resolved.push(n)));
        await Promise.all(writes);
        assert.deepEqual(resolved, [1, 2, 3, 4, 5]);
        assert.deepEqual(await adapter.read(), { n: 5 });
      }));

    test('refuses a document cut off mid-way with StoreCorruptError naming the storage', () =>
      withStorage('{"site": "bj-01", "trunks": [', async (storage) => {
        const error = await storage.open<Settings>().read().then(
          () => assert.fail('read should have thrown'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof StoreCorruptError);
        assert.equal(error.reason, 'syntax');
        assert.ok(error.message.includes(error.file), error.message);
      }));

    test('refuses an empty document instead of reading it as "no data"', () =>
      withStorage('', async (storage) => {
        await assert.rejects(storage.open<Settings>().read(), { name: 'StoreCorruptError', reason: 'empty' });
      }));

    test('refuses a zero-filled document, as a power cut can leave behind', () =>
      withStorage('\0'.repeat(4096), async (storage) => {
        await assert.rejects(storage.open<Settings>().read(), { name: 'StoreCorruptError', reason: 'zero-filled' });
      }));

    test('refuses a stored document that does not match the schema', () =>
      withStorage('{"site": "", "trunks": "not-a-list"}', async (storage) => {
        const error = await storage
          .open({ schema: settingsSchema })
          .read()
          .then(
            () => assert.fail('read should have thrown'),
            (e: unknown) => e,
          );
        assert.ok(error instanceof StoreCorruptError);
        assert.equal(error.reason, 'schema');
        assert.match(error.message, /trunks/);
      }));

    test('returns the schema output on read, with defaults filled in', () =>
      withStorage('{"site": "gz-03", "trunks": []}', async (storage) => {
        assert.deepEqual(await storage.open({ schema: settingsSchema }).read(), { site: 'gz-03', trunks: [], retries: 3 });
      }));

    test('refuses to write a document its schema rejects and keeps the stored one', () =>
      withStorage(null, async (storage) => {
        const adapter = storage.open({ schema: settingsSchema });
        await adapter.write({ site: 'gz-03', trunks: [], retries: 1 });
        const before = await storage.storedText();
        await assert.rejects(adapter.write({ site: '', trunks: [], retries: 1 }), StoreInvalidDocumentError);
        assert.equal(await storage.storedText(), before);
      }));

    test('refuses values that are not JSON documents and keeps the stored one', () =>
      withStorage(null, async (storage) => {
        const adapter = storage.open<unknown>();
        await adapter.write({ ok: true });
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        await assert.rejects(adapter.write(cyclic), StoreInvalidDocumentError);
        await assert.rejects(adapter.write(undefined), StoreInvalidDocumentError);
        await assert.rejects(adapter.write({ big: 1n }), StoreInvalidDocumentError);
        assert.deepEqual(await adapter.read(), { ok: true });
      }));

    test('backs a lowdb Low database across reopen', () =>
      withStorage(null, async (storage) => {
        const db = new Low<{ users: string[] }>(storage.open(), { users: [] });
        await db.read();
        await db.update((data) => data.users.push('alice'));
        const again = new Low<{ users: string[] }>(storage.open(), { users: [] });
        await again.read();
        assert.deepEqual(again.data, { users: ['alice'] });
      }));
  });
}
