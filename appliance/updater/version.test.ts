import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareVersions, parseVersion } from './version.ts';

test('orders versions as SemVer does, pre-releases before their release', () => {
  const sorted = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.2.0', '1.10.0', '2.0.0'];
  for (let i = 1; i < sorted.length; i++) assert.ok(compareVersions(sorted[i - 1]!, sorted[i]!) < 0, `${sorted[i - 1]} < ${sorted[i]}`);
  assert.equal(compareVersions('3.1.4', '3.1.4'), 0);
});

test('refuses text that is not a version', () => {
  for (const bad of ['1.0', '01.0.0', 'v1.0.0', '1.0.0-', '1.0.0+build', '']) assert.equal(parseVersion(bad), undefined, bad);
  assert.throws(() => compareVersions('1.0', '1.0.0'), /not both versions/);
});
