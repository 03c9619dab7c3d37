import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff.ts';

test('backoff grows exponentially up to its ceiling and starts over after reset', () => {
  const top = new Backoff({ minMs: 100, maxMs: 1000 }, () => 1);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => top.next()), [100, 200, 400, 800, 1000, 1000]);
  top.reset();
  assert.equal(top.next(), 100);
});

test('backoff jitter never goes below half the minimum', () => {
  const low = new Backoff({ minMs: 100, maxMs: 1000 }, () => 0);
  assert.deepEqual([1, 2, 3].map(() => low.next()), [50, 50, 50]);
});
