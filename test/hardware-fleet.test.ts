// Issue 8's hardware status at the fleet, end to end: a real appliance process runs the card
// simulator (scripted through its configuration), and an E1 alarm raised and cleared there
// reaches a real fleet over its embedded aedes broker, as stored events (QoS 1 through the
// outbox) and as span state in the telemetry the console shows.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../fleet/fleet.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import type { HardwareTelemetry } from '../protocol/schemas.ts';
import { ApplianceProcess } from './support/appliance-process.ts';
import { ConsoleClient } from './support/console-client.ts';
import { freePort } from './support/net.ts';
import { waitFor } from './support/wait.ts';
import { e1x2Site } from './fixtures/hardware/sites.ts';

const admin = { username: 'admin', password: 'admin-password-123' };
const dev = { ref: { site: 'sh', device: 'hw1' }, secret: 'secret-of-hw1-0123456789abcdef' };

describe('hardware status reaches the fleet', { timeout: 30_000 }, () => {
  let fleet: Fleet;
  let appliance: ApplianceProcess;
  let client: ConsoleClient;
  const hardware = () => fleet.registry.get(dev.ref)?.telemetry?.hardware as HardwareTelemetry | undefined;

  before(async () => {
    fleet = await startFleet({ dataDir: mkdtempSync(join(tmpdir(), 'cc-fleet-hw-')), http: { port: 0 }, broker: { kind: 'embedded', port: await freePort() }, admin, provision: [{ ...dev.ref, name: 'hw', secret: dev.secret }], deviceSecretScrypt: { N: 1024, r: 8, p: 1 }, log: silentLogger });
    appliance = new ApplianceProcess({
      ...dev.ref,
      fleet: { url: fleet.brokerUrl, secret: dev.secret, telemetryIntervalS: 0.25 },
      hardware: {
        board: 'cc-e1x2',
        driver: 'simulator',
        site: e1x2Site as Record<string, unknown>,
        pollIntervalMs: 100,
        clearHoldS: 0.5,
        simulator: {
          script: [
            { atS: 1.5, do: 'raise', span: 2, alarm: 'los' },
            { atS: 1.5, do: 'raise', span: 2, alarm: 'lof' },
            { atS: 4, do: 'clear', span: 2, alarm: 'los' },
            { atS: 4, do: 'clear', span: 2, alarm: 'lof' },
          ],
        },
      },
    });
    await appliance.start();
    client = await ConsoleClient.login(fleet.httpUrl, admin.username, admin.password);
  });
  after(async () => {
    await appliance?.kill('SIGTERM');
    await fleet?.stop();
  });

  test('the telemetry carries every span and its state before any alarm', async () => {
    const hw = await waitFor('hardware telemetry', () => hardware());
    assert.equal(hw.board, 'cc-e1x2');
    assert.deepEqual(hw.spans.map((s) => [s.id, s.type, s.label]), [[1, 'E1', 'PSTN PRI'], [2, 'E1', 'PSTN R2']]);
    assert.equal(hw.spans[0]!.state, 'up');
    assert.equal(hw.spans[0]!.counters.bearer, 30);
  });

  test('a loss of signal shows span 2 down with its alarms in the console API', async () => {
    await waitFor('span 2 down', () => hardware()?.spans[1]?.state === 'down', { timeoutMs: 8000 });
    const view = await client.json<{ telemetry: { hardware: HardwareTelemetry } }>('GET', '/api/devices/sh/hw1');
    const span2 = view.telemetry.hardware.spans[1]!;
    assert.equal(span2.state, 'down');
    assert.deepEqual(span2.alarms, ['lof', 'los']);
    assert.equal(view.telemetry.hardware.spans[0]!.state, 'up');
  });

  test('the alarm raised and cleared arrives as stored events, and the span comes back up', async () => {
    await waitFor('span 2 up again', () => hardware()?.spans[1]?.state === 'up', { timeoutMs: 8000 });
    const events = await waitFor('raised and cleared events', async () => {
      const page = await client.json<{ events: Array<{ type: string; severity: string; data: Record<string, unknown> }> }>('GET', '/api/devices/sh/hw1/events?limit=20');
      const hw = page.events.filter((e) => e.type.startsWith('hardware.')).reverse();
      return hw.filter((e) => e.type.endsWith('.cleared')).length >= 2 ? hw : undefined;
    }, { timeoutMs: 8000 });
    const los = events.filter((e) => e.data.alarm === 'los');
    assert.deepEqual(los.map((e) => [e.type, e.severity, e.data.span]), [
      ['hardware.span.alarm.raised', 'critical', 2],
      ['hardware.span.alarm.cleared', 'info', 2],
    ]);
    const duration = los[1]!.data.durationMs as number;
    assert.ok(duration >= 2000 && duration < 6000, `alarm lasted ${duration} ms`);
  });
});
