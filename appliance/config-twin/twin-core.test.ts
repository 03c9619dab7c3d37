import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { configHash, validateConfigDocument } from '../../protocol/config-document.ts';
import { sampleTemplate } from '../../fleet/config/sample-template.ts';
import { decideLocalEdit, decideOffer, decideRollback, initialTwinState, reportOf, type ConfigOffer, type TwinState } from './twin-core.ts';

const T0 = 1_800_000_000_000;
const validate = validateConfigDocument;

function offer(version: number, config: Record<string, unknown> = sampleTemplate() as Record<string, unknown>): ConfigOffer {
  return { version, hash: configHash(config), config, source: 'fleet', by: 'hq-admin' };
}

function withFlags(flags: Record<string, boolean>): Record<string, unknown> {
  return { ...(sampleTemplate() as Record<string, unknown>), features: flags };
}

function applied(state: TwinState, o: ConfigOffer, now = T0): TwinState {
  const d = decideOffer(state, o, now, validate);
  assert.equal(d.kind, 'apply', JSON.stringify(d));
  return (d as { state: TwinState }).state;
}

describe('config twin core', () => {
  test('applies a newer version, keeps the one before for rollback, and reports it without drift', () => {
    const s1 = applied(initialTwinState(T0), offer(1));
    assert.equal(s1.current.version, 1);
    assert.equal(s1.previous?.source, 'initial');
    const r = reportOf(s1, T0 + 5);
    assert.deepEqual({ v: r.applied.version, src: r.applied.source, drift: r.drift, seen: r.highestSeen, prev: r.previousVersion }, { v: 1, src: 'fleet', drift: false, seen: 1, prev: 0 });
  });

  test('refuses an invalid version with the reasons and keeps running the previous one', () => {
    const s1 = applied(initialTwinState(T0), offer(1));
    const bad = structuredClone(sampleTemplate());
    bad.sip!.trunks![0]!.host = 'not-an-ip';
    const d = decideOffer(s1, offer(2, bad as Record<string, unknown>), T0 + 1, validate);
    assert.equal(d.kind, 'refuse');
    if (d.kind !== 'refuse') return;
    assert.equal(d.state.current, s1.current);
    assert.match(d.issues.map((i) => i.path).join(), /sip\.trunks\.0\.host/);
    const r = reportOf(d.state, T0 + 2);
    assert.equal(r.applied.version, 1);
    assert.equal(r.refused?.version, 2);
    assert.equal(r.highestSeen, 2);
  });

  test('never applies a version older than the highest it has seen', () => {
    const s3 = applied(initialTwinState(T0), offer(3, withFlags({ a: true })));
    assert.deepEqual(decideOffer(s3, offer(2, withFlags({ b: true })), T0, validate), { kind: 'ignore', reason: 'stale' });
  });

  test('ignores the redelivery of the applied version and of a refused one', () => {
    const s1 = applied(initialTwinState(T0), offer(1));
    assert.deepEqual(decideOffer(s1, offer(1), T0, validate), { kind: 'ignore', reason: 'already-applied' });
    const refused = decideOffer(s1, offer(2, { schema: 1, features: { 'Bad Flag': true } }), T0, validate);
    assert.equal(refused.kind, 'refuse');
    const s2 = (refused as { state: TwinState }).state;
    assert.deepEqual(decideOffer(s2, offer(2, { schema: 1, features: { 'Bad Flag': true } }), T0, validate), { kind: 'ignore', reason: 'already-refused' });
    // A later good version still applies after a refusal, and clears it.
    const s3 = applied(s2, offer(3));
    assert.equal(reportOf(s3, T0).refused, undefined);
  });

  test('refuses a document whose content does not match its declared hash', () => {
    const o = { ...offer(1), hash: configHash({ schema: 1 }) };
    const d = decideOffer(initialTwinState(T0), o, T0, validate);
    assert.equal(d.kind, 'refuse');
    assert.match(d.kind === 'refuse' ? d.issues[0]!.message : '', /does not match/);
  });

  test('refuses a configuration schema newer than its own, saying to upgrade', () => {
    const d = decideOffer(initialTwinState(T0), offer(1, { schema: 2 }), T0, validate);
    assert.match(d.kind === 'refuse' ? d.issues[0]!.message : '', /upgrade/);
  });

  test('a local edit is checked with the same schema and reported as drift until a newer fleet version replaces it', () => {
    const s1 = applied(initialTwinState(T0), offer(1));
    assert.equal(decideLocalEdit(s1, { schema: 1, features: { 'NOT OK': true } }, 'branch-admin', T0, validate).kind, 'refuse');
    const edit = decideLocalEdit(s1, withFlags({ webchat: true }), 'branch-admin', T0 + 10, validate);
    assert.equal(edit.kind, 'apply');
    const s1e = (edit as { state: TwinState }).state;
    const r = reportOf(s1e, T0 + 11);
    assert.deepEqual({ v: r.applied.version, src: r.applied.source, by: r.applied.by, drift: r.drift }, { v: 1, src: 'local', by: 'branch-admin', drift: true });
    // The retained version 1 delivered again after a reconnect does not undo the edit.
    assert.equal(decideOffer(s1e, offer(1), T0 + 12, validate).kind, 'ignore');
    const s2 = applied(s1e, offer(2, withFlags({ webchat: false, wallboard: true })));
    assert.equal(reportOf(s2, T0).drift, false);
  });

  test('a rollback returns to the kept configuration and is reported as drift; without one it is refused', () => {
    assert.equal(decideRollback(initialTwinState(T0), 'ops', T0, validate).kind, 'refuse');
    const s1 = applied(initialTwinState(T0), offer(1, withFlags({ a: true })));
    const s2 = applied(s1, offer(2, withFlags({ a: false })));
    const back = decideRollback(s2, 'ops', T0 + 1, validate);
    assert.equal(back.kind, 'apply');
    const s = (back as { state: TwinState }).state;
    assert.equal(s.current.version, 1);
    assert.equal(s.current.source, 'rollback');
    assert.equal(reportOf(s, T0).drift, true);
    assert.equal(s.previous?.version, 2);
  });
});
