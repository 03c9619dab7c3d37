import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeConfig } from './merge-config.ts';
import { diffConfig, MASK } from './config-diff.ts';
import { sampleTemplate } from './sample-template.ts';

describe('rendering a template with overrides', () => {
  test('objects merge key by key and null removes a key (RFC 7386)', () => {
    assert.deepEqual(mergeConfig({ a: 1, b: { c: 2, d: 3 } }, { b: { c: 9, d: null }, e: 'x' }), { a: 1, b: { c: 9 }, e: 'x' });
  });

  test('an override changes one trunk\'s credentials by id without restating the trunk', () => {
    const out = mergeConfig(sampleTemplate(), { sip: { trunks: [{ id: 'pstn', username: 'sh-branch', password: 'sh-secret-123' }] } }) as ReturnType<typeof sampleTemplate>;
    assert.deepEqual(out.sip?.trunks, [{ id: 'pstn', host: '192.0.2.10', username: 'sh-branch', password: 'sh-secret-123', register: true }]);
  });

  test('id-keyed items can be added and removed; lists without ids are replaced whole', () => {
    const base = { queues: [{ id: 'a', w: 1 }, { id: 'b', w: 2 }], dids: [{ did: '1' }, { did: '2' }] };
    const out = mergeConfig(base, { queues: [{ id: 'a', $remove: true }, { id: 'c', w: 3 }], dids: [{ did: '9' }] });
    assert.deepEqual(out, { queues: [{ id: 'b', w: 2 }, { id: 'c', w: 3 }], dids: [{ did: '9' }] });
  });

  test('never changes its inputs', () => {
    const base = sampleTemplate();
    const frozen = JSON.stringify(base);
    const patch = { sip: { trunks: [{ id: 'pstn', password: 'x' }] } };
    mergeConfig(base, patch);
    assert.equal(JSON.stringify(base), frozen);
    assert.deepEqual(patch, { sip: { trunks: [{ id: 'pstn', password: 'x' }] } });
  });
});

describe('configuration diff', () => {
  test('lists changed leaves by path, matching id-keyed items by id', () => {
    const before = sampleTemplate();
    const after = mergeConfig(before, {
      acd: { queues: [{ id: 'vip', skills: [{ skill: 'sales' }] }] },
      features: { webchat: true },
      retention: null,
    });
    assert.deepEqual(diffConfig(before, after), [
      { path: 'acd.queues[vip]', op: 'add', after: { id: 'vip', skills: [{ skill: 'sales' }] } },
      { path: 'features.webchat', op: 'change', before: false, after: true },
      { path: 'retention', op: 'remove', before: { recordingDays: 180 } },
    ]);
  });

  test('shows that a secret changes, never its value', () => {
    const before = sampleTemplate();
    const after = mergeConfig(before, { sip: { trunks: [{ id: 'pstn', password: 'new-secret-value' }] } });
    const changes = diffConfig(before, after);
    assert.deepEqual(changes, [{ path: 'sip.trunks[pstn].password', op: 'change', before: MASK, after: MASK }]);
    assert.ok(!JSON.stringify(diffConfig({}, after)).includes('new-secret-value'));
  });

  test('equal documents have no changes', () => {
    assert.deepEqual(diffConfig(sampleTemplate(), sampleTemplate()), []);
  });
});
