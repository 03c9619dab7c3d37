import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadApplianceConfig, parseApplianceConfig, terminalPolicyOf } from './appliance-config.ts';

const good = { site: 'bj-01', device: 'cc-a', dataDir: '/var/lib/cc', fleet: { url: 'mqtt://127.0.0.1:1883', secret: 's'.repeat(32) } };

describe('appliance configuration', () => {
  test('fills defaults for telemetry, keepalive, profile and log level', () => {
    const c = parseApplianceConfig(good);
    assert.equal(c.profile, 'connected');
    assert.equal(c.fleet?.telemetryIntervalS, 5);
    assert.equal(c.fleet?.keepaliveS, 30);
    assert.equal(c.logLevel, 'info');
  });

  test('a connected appliance without a fleet section is refused with the field named', () => {
    assert.throws(() => parseApplianceConfig({ ...good, fleet: undefined }), (e: Error) => e instanceof ConfigError && /fleet: a connected appliance needs/.test(e.message));
  });

  test('an air-gapped appliance needs no fleet', () => {
    assert.equal(parseApplianceConfig({ ...good, fleet: undefined, profile: 'air-gapped' }).fleet, undefined);
  });

  test('refuses a device id that would break topics, and a short secret', () => {
    assert.throws(() => parseApplianceConfig({ ...good, device: 'a/b' }), /device/);
    assert.throws(() => parseApplianceConfig({ ...good, fleet: { url: 'mqtt://x', secret: 'short' } }), /fleet\.secret/);
    assert.throws(() => parseApplianceConfig({ ...good, fleet: { url: 'http://x', secret: 's'.repeat(20) } }), /fleet\.url/);
  });

  test('the remote terminal is allowed only on a connected profile whose local policy allows it', () => {
    assert.deepEqual(terminalPolicyOf(parseApplianceConfig(good)), { enabled: true });
    assert.match(terminalPolicyOf(parseApplianceConfig({ ...good, policy: { remoteTerminal: false } })).reason ?? '', /local policy/);
    // The government profile wins even over a local policy that says yes.
    const gov = terminalPolicyOf(parseApplianceConfig({ ...good, profile: 'government', policy: { remoteTerminal: true } }));
    assert.equal(gov.enabled, false);
    assert.match(gov.reason ?? '', /government profile/);
    assert.equal(terminalPolicyOf(parseApplianceConfig({ ...good, profile: 'air-gapped' })).enabled, false);
  });

  test('bundle settings default to no trusted keys and no watched folder', () => {
    const c = parseApplianceConfig(good);
    assert.deepEqual(c.bundles.trustedKeys, []);
    assert.equal(c.bundles.importDir, undefined);
    assert.equal(c.policy.terminal.maxSessions, 2);
  });

  test('a file that is not JSON is refused naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-cfg-'));
    const path = join(dir, 'appliance.json');
    writeFileSync(path, '{ "site": ');
    assert.throws(() => loadApplianceConfig(path), (e: Error) => e instanceof ConfigError && e.message.includes(path));
    assert.throws(() => loadApplianceConfig(join(dir, 'missing.json')), /cannot read/);
  });
});
