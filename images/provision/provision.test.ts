import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planProvisioning, ProvisionError } from './provision.ts';

test('a connected provision file becomes the appliance configuration with its fleet and credentials', () => {
  const text = JSON.stringify({ device: 'box-7', site: 'shanghai', mode: 'connected', fleet: { url: 'mqtt://10.0.0.5:1883', secret: 'a-secret-of-24-characters' } });
  const plan = planProvisioning(text, '/data/appliance');
  assert.equal(plan.config.device, 'box-7');
  assert.equal(plan.config.profile, 'connected');
  assert.equal(plan.config.fleet?.url, 'mqtt://10.0.0.5:1883');
  assert.equal(plan.config.dataDir, '/data/appliance');
  assert.match(plan.sha256, /^[0-9a-f]{64}$/);
});

test('a connected box takes rollouts through GRUB with the release keys the image ships; an air-gapped one takes none', () => {
  const text = JSON.stringify({ device: 'box-8', site: 'shanghai', mode: 'connected', board: 'cc-e1x2', fleet: { url: 'mqtt://10.0.0.5:1883', secret: 'a-secret-of-24-characters' } });
  const updates = planProvisioning(text, '/data/appliance').config.updates;
  assert.equal(updates?.boot.kind, 'grub');
  assert.equal(updates?.trustedKeysDir, '/usr/share/cc/keys');
  assert.equal(updates?.board, 'cc-e1x2');
  assert.equal(planProvisioning('{"device":"d1","site":"s1","mode":"air-gapped"}', '/data/a').config.updates, undefined);
});

test('an air-gapped file needs no fleet, and may not name one', () => {
  assert.equal(planProvisioning('{"device":"d1","site":"s1","mode":"air-gapped"}', '/data/a').config.profile, 'air-gapped');
  assert.throws(() => planProvisioning('{"device":"d1","site":"s1","mode":"air-gapped","fleet":{"url":"mqtt://x:1","secret":"0123456789abcdef"}}', '/d'), /must not name a fleet/);
});

test('refuses bad files with the reason: not JSON, bad id, unknown field, connected without fleet, short secret', () => {
  const cases: [string, RegExp][] = [
    ['{oops', /not JSON/],
    ['{"device":"Box 7","site":"s","mode":"air-gapped"}', /device: must be 1-63/],
    ['{"device":"d","site":"s","mode":"air-gapped","password":"x"}', /Unrecognized key/],
    ['{"device":"d","site":"s","mode":"connected"}', /needs fleet.url and fleet.secret/],
    ['{"device":"d","site":"s","mode":"connected","fleet":{"url":"mqtt://h:1","secret":"short"}}', /fleet.secret: must be at least 16 characters/],
  ];
  for (const [text, reason] of cases) assert.throws(() => planProvisioning(text, '/d'), (e: Error) => (e instanceof ProvisionError || e.name === 'ConfigError') && reason.test(e.message), text);
});
