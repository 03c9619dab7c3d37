// The card simulator driven on a virtual clock through the hardware service: alarms raised
// and cleared become the right events, ports ring with the zone's cadence, chaos runs replay
// from a seed; and an alarm raised and cleared on the simulator reaches a real fleet.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FleetLink } from '../appliance/fleet-link/fleet-link.ts';
import { Outbox, outboxMigrations } from '../appliance/fleet-link/outbox.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import { BatchWriter } from '../appliance/store/batch-writer.ts';
import { openDatabase } from '../appliance/store/sqlite-database.ts';
import { startFleet } from '../fleet/fleet.ts';
import type { HardwareDeviceEvent, HardwareEvent } from '../hardware/hal/hardware-events.ts';
import { HardwareMonitor } from '../hardware/hal/hardware-monitor.ts';
import { HardwareService } from '../hardware/hardware-service.ts';
import { builtinProfile } from '../hardware/profiles/builtin-profiles.ts';
import { CardSimulator, SimulatorError } from '../hardware/sim/card-simulator.ts';
import { e1x2Site, fxsfxo8Site } from './fixtures/hardware/sites.ts';
import { freePort } from './support/net.ts';
import { waitFor } from './support/wait.ts';

/** A virtual clock the simulator and the service share; `tick` advances it and polls once. */
function rig(boardId: string, site: unknown, options: { clearHoldMs?: number; seed?: number; chaos?: ConstructorParameters<typeof CardSimulator>[1]['chaos'] } = {}) {
  let now = 1_700_000_000_000;
  const sim = new CardSimulator(builtinProfile(boardId), { now: () => now, ...(options.seed !== undefined ? { seed: options.seed } : {}), ...(options.chaos ? { chaos: options.chaos } : {}) });
  const forwarded: HardwareDeviceEvent[] = [];
  const events: HardwareEvent[] = [];
  const service = new HardwareService({
    hal: sim,
    site,
    forwardEvent: async (e) => void forwarded.push(e),
    onEvent: (e) => events.push(e),
    ...(options.clearHoldMs !== undefined ? { clearHoldMs: options.clearHoldMs } : {}),
  });
  return {
    sim,
    service,
    forwarded,
    events,
    start: () => now,
    now: () => now,
    async tick(ms: number) {
      now += ms;
      return service.monitor.poll();
    },
  };
}

describe('hardware service on the card simulator', () => {
  test('an LOS raised and cleared on span 1 is forwarded as a critical alarm, then a clear with its duration after the hold', async () => {
    const r = rig('cc-e1x2', e1x2Site);
    await r.tick(0);
    r.sim.cutLine(1);
    await r.tick(1000);
    assert.deepEqual(r.forwarded, [{ type: 'hardware.span.alarm.raised', severity: 'critical', data: { span: 1, alarm: 'los', at: r.now() } }]);
    const raisedAt = r.now();
    r.sim.restoreLine(1);
    await r.tick(1000); // the first reading with good signal starts the hold
    await r.tick(9000);
    assert.equal(r.forwarded.length, 1, 'not cleared before 10 s of good signal');
    await r.tick(1000);
    assert.equal(r.forwarded.length, 2);
    assert.deepEqual(r.forwarded[1], { type: 'hardware.span.alarm.cleared', severity: 'info', data: { span: 1, alarm: 'los', at: r.now(), durationMs: r.now() - raisedAt } });
    assert.deepEqual(r.service.telemetry()?.spans.map((s) => s.alarms), [[], []]);
  });

  test('a far-end RAI is a warning and AIS on the other span critical, each on its own span', async () => {
    const r = rig('cc-e1x2', e1x2Site, { clearHoldMs: 0 });
    await r.tick(0);
    r.sim.raise(2, 'rai');
    r.sim.raise(1, 'ais');
    await r.tick(1000);
    assert.deepEqual(
      r.forwarded.map((e) => [e.type, e.severity, e.data.span, e.data.alarm]),
      [
        ['hardware.span.alarm.raised', 'critical', 1, 'ais'],
        ['hardware.span.alarm.raised', 'warning', 2, 'rai'],
      ],
    );
    r.sim.clear(2, 'rai');
    await r.tick(1000);
    assert.deepEqual(r.forwarded.slice(2).map((e) => [e.type, e.data.span, e.data.alarm]), [['hardware.span.alarm.cleared', 2, 'rai']]);
    assert.deepEqual(r.service.monitor.raisedAlarms(), ['span:1:ais']);
  });

  test('a flapping line within the hold gives one raise and one clear, not one per flap', async () => {
    const r = rig('cc-e1x2', e1x2Site);
    await r.tick(0);
    for (let i = 0; i < 5; i++) {
      r.sim.cutLine(1);
      await r.tick(1000);
      r.sim.restoreLine(1);
      await r.tick(2000);
    }
    await r.tick(10_000);
    assert.deepEqual(r.forwarded.map((e) => e.type), ['hardware.span.alarm.raised', 'hardware.span.alarm.cleared']);
  });

  test('an FXO line rings 1 s on, 4 s off until answered, and hook changes stay local while battery loss is forwarded', async () => {
    const r = rig('cc-fxsfxo8', fxsfxo8Site, { clearHoldMs: 0 });
    await r.tick(0);
    r.sim.ringLine(5);
    const ringing: boolean[] = [];
    for (let t = 0; t < 10; t++) {
      await r.tick(t === 0 ? 0 : 500);
      ringing.push(r.service.telemetry()!.ports[4]!.ringing);
    }
    // 0, 0.5 s on; 1.0..4.5 s off; 5.0 s on again (China's 1 s on / 4 s off).
    assert.deepEqual(ringing, [true, true, false, false, false, false, false, false, false, false]);
    await r.tick(500);
    assert.equal(r.service.telemetry()!.ports[4]!.ringing, true);
    r.sim.offHook(5);
    await r.tick(100);
    assert.deepEqual(r.service.telemetry()!.ports[4], { port: 5, kind: 'fxo', hook: 'off-hook', ringing: false, alarms: [] });
    r.sim.offHook(1);
    r.sim.unplugLine(8);
    await r.tick(100);
    assert.deepEqual(
      r.events.filter((e) => e.ts === r.now()).map((e) => e.type),
      ['port.hook', 'port.alarm.raised'],
    );
    assert.deepEqual(r.forwarded, [{ type: 'hardware.port.alarm.raised', severity: 'warning', data: { port: 8, alarm: 'no-battery', at: r.now() } }]);
  });

  test('the simulator refuses to ring an FXS port as a line, or to act on a port the board lacks', () => {
    const r = rig('cc-fxsfxo8', fxsfxo8Site);
    assert.throws(() => r.sim.ringLine(1), (err: Error) => err instanceof SimulatorError && /port 1 is FXS, not FXO/.test(err.message));
    assert.throws(() => r.sim.offHook(9), /has no port 9/);
  });

  test('start applies the generated configuration, which the simulated card accepts, and a foreign one it refuses', async () => {
    const r = rig('cc-e1x2', e1x2Site);
    await r.service.start();
    r.service.stop();
    assert.match(r.sim.appliedConfig!['system.conf'], /^span=2,2,0,cas,hdb3$/m);
    await assert.rejects(r.sim.applyChannelConfig({ 'system.conf': 'span=3,1,0,ccs,hdb3\n', 'chan_dahdi.conf': '' }), /span 3 does not exist/);
    await assert.rejects(r.sim.applyChannelConfig({ 'system.conf': 'bchan=1-70\n', 'chan_dahdi.conf': '' }), /channel 63 does not exist \(the card has 62\)/);
  });

  test('chaos makes alarms come and go, and the same seed replays the same events', async () => {
    const chaos = { meanAlarmIntervalMs: 60_000, meanAlarmDurationMs: 20_000 };
    const runOnce = async (seed: number) => {
      const r = rig('cc-e1x2', e1x2Site, { seed, chaos, clearHoldMs: 0 });
      for (let i = 0; i < 3600; i++) await r.tick(1000);
      return r.forwarded.map((e) => `${e.type}:${String(e.data.span)}:${String(e.data.alarm)}@${String(e.data.at)}`);
    };
    const a = await runOnce(7);
    const b = await runOnce(7);
    const c = await runOnce(8);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    const raised = a.filter((e) => e.includes('.raised')).length;
    const cleared = a.filter((e) => e.includes('.cleared')).length;
    assert.ok(raised >= 20, `an hour at one alarm a minute per span raises many (${raised})`);
    assert.ok(raised - cleared >= 0 && raised - cleared <= 2, 'every alarm but those still open is cleared');
  });

  test('a read that fails is reported and polling goes on', async () => {
    let fail = true;
    const sim = new CardSimulator(builtinProfile('cc-e1x2'), { now: () => 0 });
    const errors: Error[] = [];
    const monitor = new HardwareMonitor({ hal: { board: sim.board, read: async () => (fail ? Promise.reject(new Error('sysfs gone')) : sim.read()), applyChannelConfig: async () => {} } });
    monitor.on('read-failed', (e) => errors.push(e));
    assert.deepEqual(await monitor.poll(), []);
    fail = false;
    await monitor.poll();
    assert.equal(errors[0]?.message, 'sysfs gone');
    assert.equal(monitor.latest?.board, 'cc-e1x2');
  });
});

test('an alarm raised and cleared on the simulator reaches the fleet as two stored events', { timeout: 20_000 }, async () => {
  const ref = { site: 'sh', device: 'e1box' };
  const secret = 'secret-of-e1box-0123456789abcdef';
  const fleet = await startFleet({
    dataDir: mkdtempSync(join(tmpdir(), 'cc-fleet-hw-')),
    http: { port: 0 },
    broker: { kind: 'embedded', port: await freePort() },
    provision: [{ ...ref, name: 'e1box', secret }],
    deviceSecretScrypt: { N: 1024, r: 8, p: 1 },
    log: silentLogger,
  });
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'cc-hw-link-')), 'a.sqlite'), { migrations: outboxMigrations });
  const writer = new BatchWriter(db);
  const link = new FleetLink({ url: fleet.brokerUrl, ref, secret, version: '1.0.0', bootId: 'boot-hw', outbox: new Outbox({ db, writer }), backoff: { minMs: 50, maxMs: 400 } });
  try {
    link.start();
    let now = 1_700_000_000_000;
    const sim = new CardSimulator(builtinProfile('cc-e1x2'), { now: () => now });
    const service = new HardwareService({ hal: sim, site: e1x2Site, forwardEvent: (e) => link.emitEvent(e), clearHoldMs: 0 });
    await service.monitor.poll();
    sim.cutLine(2);
    now += 1000;
    await service.monitor.poll();
    sim.restoreLine(2);
    now += 1000;
    await service.monitor.poll();
    const stored = await waitFor('both alarm events stored at the fleet', () => {
      const list = fleet.events.list({ ...ref, limit: 10 });
      return list.length >= 2 ? list : undefined;
    });
    const oldestFirst = [...stored].reverse();
    assert.deepEqual(oldestFirst.map((e) => [e.type, e.severity, e.data.span, e.data.alarm]), [
      ['hardware.span.alarm.raised', 'critical', 2, 'los'],
      ['hardware.span.alarm.cleared', 'info', 2, 'los'],
    ]);
  } finally {
    await link.stop();
    await writer.close();
    db.close();
    await fleet.stop();
  }
});
