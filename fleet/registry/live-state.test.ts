import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceState, Telemetry } from '../../protocol/schemas.ts';
import { applyStateMessage, applyTelemetryMessage, initialLiveState, MAX_PAST_BOOTS, type LiveState } from './live-state.ts';

const state = (over: Partial<DeviceState>): DeviceState => ({ status: 'online', ts: 1000, bootId: 'b1', version: '1.0.0', ...over });
const sample = (over: Partial<Telemetry>): Telemetry => ({
  ts: 2000,
  bootId: 'b1',
  version: '1.0.0',
  uptimeS: 60,
  cpu: { cores: 4, usage: 0.25, load1: 0.5 },
  memory: { totalBytes: 8e9, availableBytes: 6e9, processRssBytes: 2e8 },
  disk: { path: '/data', totalBytes: 1e11, freeBytes: 5e10 },
  ...over,
});

function run(steps: Array<['state', DeviceState] | ['telemetry', Telemetry]>, start = initialLiveState()): { live: LiveState; results: string[] } {
  let live = start;
  const results: string[] = [];
  steps.forEach(([kind, msg], i) => {
    const at = 10_000 + i * 1000;
    const t = kind === 'state' ? applyStateMessage(live, msg as DeviceState, at) : applyTelemetryMessage(live, msg as Telemetry, at);
    live = t.live;
    results.push(t.result);
  });
  return { live, results };
}

describe('live state of one device', () => {
  test('a birth makes an unknown device online since its receipt time', () => {
    const { live } = run([['state', state({ profile: 'standalone' })]]);
    assert.equal(live.status, 'online');
    assert.equal(live.since, 10_000);
    assert.equal(live.onlineSince, 10_000);
    assert.equal(live.lastSeenAt, 10_000);
    assert.equal(live.profile, 'standalone');
    assert.equal(live.version, '1.0.0');
  });

  test('the will of the current connection, stamped like its birth, takes the device offline', () => {
    const { live, results } = run([
      ['state', state({ ts: 1000 })],
      ['state', state({ ts: 1000, status: 'offline', reason: 'lost' })],
    ]);
    assert.deepEqual(results, ['applied', 'applied']);
    assert.equal(live.status, 'offline');
    assert.equal(live.reason, 'lost');
    assert.equal(live.since, 11_000);
    assert.equal(live.onlineSince, undefined);
    // The will is the broker speaking: the device was last seen at its birth.
    assert.equal(live.lastSeenAt, 10_000);
  });

  test('a stale retained will of the previous boot arriving after the new birth is ignored', () => {
    const { live, results } = run([
      ['state', state({ bootId: 'b1', ts: 1000 })],
      ['state', state({ bootId: 'b2', ts: 5000 })],
      ['state', state({ bootId: 'b1', ts: 1000, status: 'offline', reason: 'lost' })],
    ]);
    assert.deepEqual(results, ['applied', 'applied', 'stale']);
    assert.equal(live.status, 'online');
    assert.equal(live.bootId, 'b2');
    assert.equal(live.onlineSince, 11_000);
  });

  test('a will of a boot never seen before but older than the known birth is ignored', () => {
    const { live, results } = run([
      ['state', state({ bootId: 'b2', ts: 5000 })],
      ['state', state({ bootId: 'b1', ts: 1000, status: 'offline', reason: 'lost' })],
    ]);
    assert.deepEqual(results, ['applied', 'stale']);
    assert.equal(live.status, 'online');
  });

  test('a will from an earlier connection of the same boot does not undo a later birth', () => {
    const { live, results } = run([
      ['state', state({ ts: 1000 })],
      ['state', state({ ts: 3000 })],
      ['state', state({ ts: 1000, status: 'offline', reason: 'lost' })],
    ]);
    assert.deepEqual(results, ['applied', 'applied', 'stale']);
    assert.equal(live.status, 'online');
  });

  test('a clean shutdown counts as a sighting and keeps its reason', () => {
    const { live } = run([
      ['state', state({ ts: 1000 })],
      ['state', state({ ts: 2000, status: 'offline', reason: 'shutdown' })],
    ]);
    assert.equal(live.status, 'offline');
    assert.equal(live.reason, 'shutdown');
    assert.equal(live.lastSeenAt, 11_000);
  });

  test('a telemetry sample implies online and brings the device back after a will', () => {
    const { live } = run([
      ['state', state({ ts: 1000 })],
      ['state', state({ ts: 1000, status: 'offline', reason: 'lost' })],
      ['telemetry', sample({ ts: 4000 })],
    ]);
    assert.equal(live.status, 'online');
    assert.equal(live.reason, undefined);
    assert.equal(live.since, 12_000);
    assert.equal(live.telemetry?.uptimeS, 60);
    assert.equal(live.telemetryAt, 12_000);
  });

  test('telemetry of a superseded boot, or older than the held sample, is stale', () => {
    const { live, results } = run([
      ['telemetry', sample({ bootId: 'b1', ts: 1000 })],
      ['telemetry', sample({ bootId: 'b2', ts: 3000, uptimeS: 5 })],
      ['telemetry', sample({ bootId: 'b1', ts: 2000 })],
      ['telemetry', sample({ bootId: 'b2', ts: 2500 })],
    ]);
    assert.deepEqual(results, ['applied', 'applied', 'stale', 'stale']);
    assert.equal(live.telemetry?.uptimeS, 5);
  });

  test('a new boot seen first through telemetry resets the online-since time and the state clock', () => {
    const { live } = run([
      ['state', state({ bootId: 'b1', ts: 9000 })],
      ['telemetry', sample({ bootId: 'b2', ts: 100 })],
      // b2's clock is behind b1's, yet its own birth is not stale.
      ['state', state({ bootId: 'b2', ts: 50 })],
    ]);
    assert.equal(live.status, 'online');
    assert.equal(live.bootId, 'b2');
    assert.equal(live.onlineSince, 11_000);
    assert.deepEqual(live.pastBootIds, ['b1']);
  });

  test('the list of superseded boots stays bounded', () => {
    const steps = Array.from({ length: 20 }, (_, i) => ['state', state({ bootId: `b${i}`, ts: i })] as ['state', DeviceState]);
    const { live } = run(steps);
    assert.equal(live.pastBootIds?.length, MAX_PAST_BOOTS);
    assert.equal(live.pastBootIds?.[0], 'b18');
  });
});
