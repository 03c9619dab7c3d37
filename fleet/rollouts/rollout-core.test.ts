import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { UpdateState, UpdateStatus } from '../../protocol/update-job.ts';
import { allDevices, CampaignSettingsError, createCampaign, decide, deviceOf, keyOf, phaseCounts, phaseSummary, type CampaignEffect, type CampaignSettings, type CampaignState } from './rollout-core.ts';

const T0 = 1_790_000_000_000;
const bundle = { sha256: 'a'.repeat(64), size: 100, version: '1.2.0', board: 'sim', keyId: '0123456789abcdef' };
const refs = (n: number) => Array.from({ length: n }, (_, i) => ({ site: `s${i % 3}`, device: `d${i}` }));
const settings = (over: Partial<CampaignSettings> = {}): CampaignSettings => ({ phases: [10, 50, 100], successThreshold: 0.9, failureThreshold: 0.2, drainFirst: false, ...over });

/** A campaign driven on a virtual clock: each step advances it by one second. */
function rig(n: number, over: Partial<CampaignSettings> = {}) {
  let now = T0;
  const created = createCampaign({ id: 'fw-120', name: '1.2.0', by: 'ops', bundle, groups: ['east'], settings: settings(over), devices: refs(n) }, now);
  let state: CampaignState = created.state;
  const effects: CampaignEffect[] = [...created.effects];
  const released = () => new Set(effects.filter((e) => e.type === 'release').flatMap((e) => e.devices.map(keyOf)));
  const cancelled = () => new Set(effects.filter((e) => e.type === 'cancel').flatMap((e) => e.devices.map(keyOf)));
  const report = (key: string, s: UpdateState, extra: Partial<UpdateStatus> = {}) => {
    now += 1000;
    const d = deviceOf(state, key)!;
    const d2 = decide(state, { type: 'device-status', ref: { site: d.site, device: d.device }, status: { ts: now, state: s, campaign: 'fw-120', version: '1.2.0', installedVersion: s === 'committed' ? '1.2.0' : '1.1.0', ...extra } }, now);
    assert.ok(d2.ok, d2.ok ? '' : d2.error);
    state = d2.state;
    effects.push(...d2.effects);
  };
  const act = (type: 'pause' | 'resume' | 'abort') => {
    now += 1000;
    const d = decide(state, { type, by: 'ops' }, now);
    if (d.ok) {
      state = d.state;
      effects.push(...d.effects);
    }
    return d;
  };
  return { get state() { return state; }, released, cancelled, report, act, effects };
}

/** The per-phase tally counted again from scratch: what the incremental one must always equal. */
function recount(state: CampaignState) {
  return state.settings.phases.map((_, phase) => {
    const c = { total: 0, released: 0, committed: 0, failed: 0, cancelled: 0, inProgress: 0 };
    for (const d of allDevices(state).filter((x) => x.phase === phase)) {
      c.total++;
      if (d.state === 'pending') continue;
      if (d.state === 'cancelled') c.cancelled++;
      else {
        c.released++;
        if (d.state === 'committed') c.committed++;
        else if (d.state === 'failed' || d.state === 'rolled-back') c.failed++;
        else c.inProgress++;
      }
    }
    return c;
  });
}

describe('rollout campaign core', () => {
  test('splits the targets over cumulative phases, with at least one device in the first', () => {
    assert.deepEqual(phaseCounts([1, 10, 50, 100], 50), [1, 5, 25, 50]);
    assert.deepEqual(phaseCounts([1, 10, 50, 100], 3), [1, 1, 2, 3]);
    const r = rig(50, { phases: [1, 10, 50, 100] });
    assert.deepEqual(phaseSummary(r.state).map((p) => p.total), [1, 4, 20, 25]);
    assert.equal(r.released().size, 1);
    assert.equal(r.state.phase, 0);
  });

  test('releases the next phase once enough released devices committed, and completes after the last', () => {
    const r = rig(20);
    assert.equal(r.released().size, 2);
    const [a, b] = [...r.released()];
    r.report(a!, 'downloading', { progress: { received: 10, total: 100 } });
    r.report(a!, 'committed');
    assert.equal(r.state.phase, 0, 'one of two committed is below 90%');
    r.report(b!, 'committed');
    assert.equal(r.state.phase, 1);
    assert.equal(r.released().size, 10);
    for (const k of r.released()) if (deviceOf(r.state, k)!.state !== 'committed') r.report(k, 'committed');
    assert.equal(r.state.phase, 2);
    assert.equal(r.released().size, 20);
    for (const k of r.released()) if (deviceOf(r.state, k)!.state !== 'committed') r.report(k, 'committed');
    assert.equal(r.state.status, 'completed');
    assert.deepEqual(r.state.tally, recount(r.state));
    assert.deepEqual(deviceOf(r.state, a!)!.history.map((h) => h.what), ['released in phase 1', 'downloading', 'committed']);
  });

  test('halts when the failed share of released devices exceeds the threshold and withdraws jobs not yet installing', () => {
    const r = rig(20, { phases: [50, 100], failureThreshold: 0.2 });
    const released = [...r.released()];
    assert.equal(released.length, 10);
    r.report(released[0]!, 'installing');
    r.report(released[1]!, 'failed', { code: 'hash-mismatch', reason: 'bad download' });
    r.report(released[2]!, 'rolled-back', { reason: 'health check failed' });
    assert.equal(r.state.status, 'running', '2 of 10 is not more than 20%');
    r.report(released[3]!, 'failed');
    assert.equal(r.state.status, 'halted');
    assert.match(r.state.reason ?? '', /3 of 10/);
    // Installing devices are left to finish; the six still waiting are withdrawn; phase 2 was never released.
    assert.equal(deviceOf(r.state, released[0]!)!.state, 'installing');
    assert.equal(r.cancelled().size, 6);
    assert.equal(r.released().size, 10);
    assert.equal(allDevices(r.state).filter((d) => d.state === 'cancelled').length, 16);
    assert.deepEqual(r.state.tally, recount(r.state));
    // A halted campaign does not resume; it can only be aborted.
    assert.equal(r.act('resume').ok, false);
    r.report(released[0]!, 'committed');
    assert.equal(deviceOf(r.state, released[0]!)!.state, 'committed');
    assert.equal(r.state.status, 'halted');
  });

  test('a zero failure threshold halts at the first failure', () => {
    const r = rig(10, { failureThreshold: 0 });
    r.report([...r.released()][0]!, 'failed');
    assert.equal(r.state.status, 'halted');
  });

  test('a paused campaign releases nothing new but still follows its devices, and resumes where it was', () => {
    const r = rig(20);
    const [a, b] = [...r.released()];
    assert.ok(r.act('pause').ok);
    assert.equal(r.act('pause').ok, false);
    r.report(a!, 'committed');
    r.report(b!, 'committed');
    assert.equal(r.state.phase, 0);
    assert.equal(r.released().size, 2);
    assert.ok(r.act('resume').ok);
    assert.equal(r.state.phase, 1);
    assert.equal(r.released().size, 10);
  });

  test('abort withdraws every job not yet installing and refuses further commands', () => {
    const r = rig(20);
    const [a, b] = [...r.released()];
    r.report(a!, 'rebooting');
    assert.ok(r.act('abort').ok);
    assert.equal(r.state.status, 'aborted');
    assert.deepEqual([...r.cancelled()], [b!]);
    assert.equal(deviceOf(r.state, a!)!.state, 'rebooting');
    assert.equal(r.act('resume').ok, false);
    assert.equal(r.act('abort').ok, false);
    assert.deepEqual(r.state.tally, recount(r.state));
    // A withdrawn device's late word about a step it never started does not bring it back.
    r.report(b!, 'downloading');
    assert.equal(deviceOf(r.state, b!)!.state, 'cancelled');
  });

  test('ignores status about another campaign and from devices outside it', () => {
    const r = rig(5);
    const key = [...r.released()][0]!;
    const d = deviceOf(r.state, key)!;
    const before = r.state;
    const other = decide(before, { type: 'device-status', ref: { site: d.site, device: d.device }, status: { ts: T0, state: 'failed', campaign: 'older', installedVersion: '1.1.0' } }, T0);
    assert.ok(other.ok && other.state === before);
    const stranger = decide(before, { type: 'device-status', ref: { site: 'x', device: 'y' }, status: { ts: T0, state: 'failed', campaign: 'fw-120', installedVersion: '1.1.0' } }, T0);
    assert.ok(stranger.ok && stranger.state === before);
  });

  test('refuses phases that do not rise to 100% and thresholds outside 0–1', () => {
    for (const bad of [{ phases: [10, 5, 100] }, { phases: [10, 50] }, { phases: [] }, { successThreshold: 1.5 }, { failureThreshold: -0.1 }]) {
      assert.throws(() => rig(5, bad), CampaignSettingsError, JSON.stringify(bad));
    }
    assert.throws(() => createCampaign({ id: 'x', name: 'x', by: 'ops', bundle, groups: ['g'], settings: settings(), devices: [] }, T0), /no devices/);
  });

  test('spreads the first phase over sites rather than taking the first devices listed', () => {
    const r = rig(300, { phases: [10, 100] });
    const sites = new Set([...r.released()].map((k) => deviceOf(r.state, k)!.site));
    assert.equal(sites.size, 3);
    assert.notDeepEqual([...r.released()].sort(), refs(30).map(keyOf).sort());
  });
});
