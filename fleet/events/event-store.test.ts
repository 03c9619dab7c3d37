import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceEvent } from '../../protocol/schemas.ts';
import { EventStore } from './event-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'fleet-events-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const openStore = () => EventStore.open(join(dir, `events-${n++}.sqlite`));

const a = { site: 'sh01', device: 'box1' };
const b = { site: 'sh01', device: 'box2' };
const ev = (seq: number, over: Partial<DeviceEvent> = {}): DeviceEvent =>
  DeviceEvent.parse({ epoch: 'e1', seq, ts: 1000 + seq, type: 'cdr.finished', data: { call: `c${seq}` }, ...over });

describe('device event store', () => {
  test('a redelivered event (same device, epoch and seq) is stored once', () => {
    const store = openStore();
    assert.equal(store.insert(a, ev(1), 5), 'inserted');
    assert.equal(store.insert(a, ev(1, { data: { other: true } }), 6), 'duplicate');
    assert.equal(store.insert(a, ev(1, { epoch: 'e2' }), 7), 'inserted');
    assert.equal(store.insert(b, ev(1), 8), 'inserted');
    assert.equal(store.count(), 3);
    assert.deepEqual(store.stats(), { inserted: 3, duplicates: 1 });
    assert.deepEqual(store.list({ ...a, limit: 10 }).find((e) => e.epoch === 'e1')?.data, { call: 'c1' });
    store.close();
  });

  test('lists newest first with filters and pages by id', () => {
    const store = openStore();
    for (let i = 1; i <= 10; i++) store.insert(i % 2 ? a : b, ev(i, { type: i % 3 ? 'cdr.finished' : 'alarm.raised' }), 100 + i);
    const all = store.list();
    assert.deepEqual(all.map((e) => e.seq), [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    assert.deepEqual(store.list({ ...a }).map((e) => e.seq), [9, 7, 5, 3, 1]);
    assert.deepEqual(store.list({ type: 'alarm.raised' }).map((e) => e.seq), [9, 6, 3]);
    const page1 = store.list({ limit: 4 });
    const page2 = store.list({ limit: 4, beforeId: page1.at(-1)!.id });
    assert.deepEqual([...page1, ...page2].map((e) => e.seq), [10, 9, 8, 7, 6, 5, 4, 3]);
    assert.equal(store.count({ ...b }), 5);
    assert.equal(store.count({ ...b, type: 'alarm.raised' }), 1);
    store.close();
  });

  test('keeps every field of the event with its receipt time', () => {
    const store = openStore();
    store.insert(a, ev(7, { severity: 'critical', ts: 123, data: { nested: { x: [1, 2] } } }), 999);
    const [stored] = store.list();
    assert.deepEqual(stored, {
      id: stored!.id,
      site: 'sh01',
      device: 'box1',
      epoch: 'e1',
      seq: 7,
      ts: 123,
      receivedAt: 999,
      type: 'cdr.finished',
      severity: 'critical',
      data: { nested: { x: [1, 2] } },
    });
    assert.deepEqual(store.countBySeverity(), { info: 0, warning: 0, critical: 1 });
    store.close();
  });

  test('the limit is clamped and the database survives reopening', () => {
    const path = join(dir, 'reopen.sqlite');
    const first = EventStore.open(path);
    for (let i = 1; i <= 5; i++) first.insert(a, ev(i), i);
    assert.equal(first.list({ limit: 0 }).length, 1);
    first.close();
    const second = EventStore.open(path);
    assert.equal(second.count(), 5);
    assert.equal(second.insert(a, ev(5), 9), 'duplicate');
    assert.equal(second.db.pragma('journal_mode', { simple: true }), 'wal');
    second.close();
  });
});
