// Call admission on the media plane: beyond `maxSessions` a new call is refused up front
// instead of every call degrading (the benchmark shows what a box can carry).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MediaCapacityError } from '../appliance/media/media-engine.ts';
import { startEngine, type TestEngine } from './fixtures/media/media-harness.ts';

let t: TestEngine;
before(async () => {
  t = await startEngine({ workers: 1, maxSessions: 2 });
});
after(async () => {
  await t?.close();
});

test('refuses a call beyond maxSessions with MediaCapacityError, counting calls still being set up, and takes one again once a call ends', async () => {
  // three at once: the third is refused although no router existed when it asked
  const results = await Promise.allSettled([t.engine.createSession('a'), t.engine.createSession('b'), t.engine.createSession('c')]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected']);
  const refused = (results[2] as PromiseRejectedResult).reason;
  assert.ok(refused instanceof MediaCapacityError, String(refused));
  assert.equal(refused.maxSessions, 2);
  assert.equal(t.engine.sessionCount, 2);
  assert.equal(t.engine.atCapacity, true);
  await t.engine.session('a')!.close();
  assert.equal(t.engine.atCapacity, false);
  const d = await t.engine.createSession('d');
  assert.equal(t.engine.sessionCount, 2);
  await d.close();
  await t.engine.session('b')!.close();
});
