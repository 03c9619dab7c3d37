import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PortAllocator, PortsExhaustedError } from './port-allocator.ts';

describe('PortAllocator', () => {
  test('hands out even ports of the range in order', () => {
    const a = new PortAllocator(20001, 20008);
    assert.deepEqual([a.allocate(), a.allocate(), a.allocate()], [20002, 20004, 20006]);
    assert.equal(a.available, 1);
    assert.equal(a.inUse, 3);
  });

  test('reuses a released port only after every other free port', () => {
    const a = new PortAllocator(100 * 2, 100 * 2 + 6); // 200, 202, 204, 206
    const first = a.allocate();
    a.release(first);
    assert.deepEqual([a.allocate(), a.allocate(), a.allocate(), a.allocate()], [202, 204, 206, 200]);
  });

  test('refuses when exhausted, and ignores double or foreign releases', () => {
    const a = new PortAllocator(1000, 1002);
    a.allocate();
    a.allocate();
    assert.throws(() => a.allocate(), PortsExhaustedError);
    a.release(1000);
    a.release(1000);
    a.release(5000);
    assert.equal(a.available, 1);
  });

  test('a retired port never comes back', () => {
    const a = new PortAllocator(1000, 1002);
    const p = a.allocate();
    a.retire(p);
    a.release(p);
    assert.equal(a.allocate(), 1002);
    assert.throws(() => a.allocate(), PortsExhaustedError);
  });

  test('stays consistent through many cycles (compaction)', () => {
    const a = new PortAllocator(10000, 19999);
    const held: number[] = [];
    for (let i = 0; i < 20000; i++) {
      held.push(a.allocate());
      if (held.length > 100) a.release(held.shift()!);
    }
    assert.equal(a.inUse, 100);
    assert.equal(a.available, 5000 - 100);
    assert.equal(new Set(held).size, 100);
  });
});
