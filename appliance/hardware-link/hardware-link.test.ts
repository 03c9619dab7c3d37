import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDahdiSysfsTree } from '../../hardware/sim/dahdi-sysfs-tree.ts';
import { builtinProfile } from '../../hardware/profiles/builtin-profiles.ts';
import { CardSimulator } from '../../hardware/sim/card-simulator.ts';
import type { OutboxEventInput } from '../fleet-link/outbox.ts';
import { HardwareTelemetry } from '../../protocol/schemas.ts';
import { HardwareConfig } from './hardware-config.ts';
import { startHardware, toHardwareTelemetry } from './hardware-link.ts';

describe('hardware link', () => {
  test('a reading becomes telemetry: spans down while alarmed, a ringing line shows as ringing', () => {
    const now = 1_000;
    const board = builtinProfile('cc-fxsfxo8');
    const sim = new CardSimulator(board, { now: () => now });
    sim.ringLine(5);
    sim.offHook(1);
    sim.unplugLine(6);
    const t = toHardwareTelemetry(sim.readNow(), board);
    assert.equal(HardwareTelemetry.safeParse(t).success, true);
    assert.deepEqual(t.ports.slice(0, 1), [{ id: 1, kind: 'fxs', hook: 'off-hook', alarms: [], label: 'reception phone' }]);
    assert.deepEqual(t.ports[4], { id: 5, kind: 'fxo', hook: 'ringing', alarms: [], label: 'PSTN line 1' });
    assert.deepEqual(t.ports[5], { id: 6, kind: 'fxo', hook: 'on-hook', alarms: ['no-battery'] });

    const e1 = builtinProfile('cc-e1x2');
    const card = new CardSimulator(e1, { now: () => now });
    card.raise(1, 'rai');
    card.setInUse(2, 4);
    const spans = toHardwareTelemetry(card.readNow(), e1).spans;
    assert.deepEqual(spans.map((s) => [s.id, s.state, s.alarms, s.counters.inUse]), [[1, 'down', ['rai'], 0], [2, 'up', [], 4]]);
  });

  test('alarms of the configured simulator script go to the event path with their severity', async () => {
    let now = 50_000;
    const events: OutboxEventInput[] = [];
    const config = HardwareConfig.parse({ board: 'cc-e1x2', clearHoldS: 0, simulator: { script: [{ atS: 1, do: 'raise', span: 1, alarm: 'ais' }, { atS: 2, do: 'clear', span: 1, alarm: 'ais' }] } });
    const link = await startHardware({ config: { ...config, pollIntervalMs: 60_000 }, now: () => now, emitEvent: async (e) => void events.push(e) });
    try {
      await link.service.monitor.poll();
      assert.equal(link.telemetry()?.spans[0]?.state, 'up');
      now += 1000;
      await link.service.monitor.poll();
      assert.equal(link.telemetry()?.spans[0]?.state, 'down');
      now += 1000;
      await link.service.monitor.poll();
      assert.deepEqual(events.map((e) => [e.type, e.severity, e.data?.alarm]), [
        ['hardware.span.alarm.raised', 'critical', 'ais'],
        ['hardware.span.alarm.cleared', 'info', 'ais'],
      ]);
    } finally {
      link.stop();
    }
  });

  test('the linux driver reads the DAHDI sysfs tree under the configured root and writes system.conf', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-hwlink-'));
    const board = builtinProfile('cc-e1x2');
    const card = new CardSimulator(board, { now: () => 1000 });
    card.raise(2, 'ais');
    card.setInUse(1, 7);
    await writeDahdiSysfsTree(join(dir, 'sys'), board, card.readNow());
    const config = HardwareConfig.parse({ board: 'cc-e1x2', driver: 'linux', linux: { sysRoot: join(dir, 'sys'), configDir: join(dir, 'etc'), applyCommand: [] } });
    const link = await startHardware({ config: { ...config, pollIntervalMs: 60_000 } });
    try {
      // The first reading starts with the service (file reads); wait for it unless it is in.
      if (!link.telemetry()) await once(link.service.monitor, 'status');
      assert.deepEqual(link.telemetry()?.spans.map((s) => [s.id, s.state, s.alarms, s.counters.inUse]), [[1, 'up', [], 7], [2, 'down', ['ais'], 0]]);
      assert.match(readFileSync(join(dir, 'etc', 'system.conf'), 'utf8'), /^span=1,/m);
    } finally {
      link.stop();
    }
  });

  test('the configuration refuses an unknown board and a site that does not fit the board', async () => {
    const bad = HardwareConfig.safeParse({ board: 'cc-nonexistent' });
    assert.equal(bad.success, false);
    assert.match(JSON.stringify(bad.error?.issues), /known board profile/);
    const config = HardwareConfig.parse({ board: 'cc-fxsfxo8', site: { spans: [{ span: 1 }] } });
    await assert.rejects(startHardware({ config }), /no such span/);
  });
});
