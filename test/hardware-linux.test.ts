// The Linux implementation of the hardware layer against DAHDI-style sysfs trees: fixture
// trees shaped like real cards, and trees written from the simulator (read back to the same
// status), plus writing and applying the channel configuration, LEDs and the watchdog.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { planChannels } from '../hardware/dahdi/channel-plan.ts';
import { renderDahdiConfig } from '../hardware/dahdi/dahdi-config.ts';
import { DahdiSysfsError } from '../hardware/linux/dahdi-sysfs-reader.ts';
import { LinuxDahdiHal } from '../hardware/linux/linux-dahdi-hal.ts';
import { LinuxLeds } from '../hardware/linux/linux-leds.ts';
import { LinuxWatchdog } from '../hardware/linux/linux-watchdog.ts';
import { builtinProfile } from '../hardware/profiles/builtin-profiles.ts';
import { checkSiteTelephony } from '../hardware/profiles/site-telephony.ts';
import { CardSimulator } from '../hardware/sim/card-simulator.ts';
import { writeDahdiSysfsTree } from '../hardware/sim/dahdi-sysfs-tree.ts';
import { e1x2Site } from './fixtures/hardware/sites.ts';

const fixture = (name: string) => new URL(`./fixtures/hardware/${name}`, import.meta.url).pathname;

describe('reading DAHDI sysfs', () => {
  test('a 2-span E1 card: span 2 in red alarm with loss of signal, span 1 clean, carrying two calls and the clock', async () => {
    const hal = new LinuxDahdiHal({ board: builtinProfile('cc-e1x2'), sysRoot: fixture('sysfs-e1x2'), now: () => 42 });
    assert.deepEqual(await hal.read(), {
      board: 'cc-e1x2',
      ts: 42,
      spans: [
        // The open D channel (timeslot 16) is not a call.
        { span: 1, type: 'E1', alarms: [], inUse: 2, bearer: 30, syncSource: true },
        { span: 2, type: 'E1', alarms: ['los'], inUse: 0, bearer: 30, syncSource: false },
      ],
      ports: [],
    });
  });

  test('an 8-port analog card: off hook, ringing, lost battery and a port whose hook state the driver does not export', async () => {
    const hal = new LinuxDahdiHal({ board: builtinProfile('cc-fxsfxo8'), sysRoot: fixture('sysfs-fxsfxo8'), now: () => 1 });
    const { ports } = await hal.read();
    assert.deepEqual(ports[0], { port: 1, kind: 'fxs', hook: 'off-hook', ringing: false, alarms: [] });
    assert.equal(ports[2]!.hook, 'unknown');
    assert.deepEqual(ports[4], { port: 5, kind: 'fxo', hook: 'on-hook', ringing: true, alarms: [] });
    assert.deepEqual(ports[7], { port: 8, kind: 'fxo', hook: 'on-hook', ringing: false, alarms: ['no-battery'] });
    assert.equal(ports.length, 8);
  });

  test('reads back what the simulator wrote as a sysfs tree, alarm bits and calls included', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cc-sysfs-'));
    try {
      for (const id of ['cc-e1x2', 'cc-fxsfxo8', 'cc-t1x1']) {
        const board = builtinProfile(id);
        const sim = new CardSimulator(board, { now: () => 5 });
        if (board.spans.length) {
          sim.raise(1, 'rai');
          sim.raise(1, 'ais');
          sim.setInUse(1, 7);
        }
        if (id === 'cc-e1x2') sim.raise(2, 'lof');
        if (board.ports.length) {
          sim.offHook(2);
          sim.ringLine(6);
          sim.unplugLine(7);
        }
        const status = sim.readNow();
        await writeDahdiSysfsTree(root, board, status);
        const read = await new LinuxDahdiHal({ board, sysRoot: root, now: () => 5 }).read();
        assert.deepEqual(read, status, id);
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('refuses a card that does not match the profile, or no card at all, with the reason', async () => {
    await assert.rejects(new LinuxDahdiHal({ board: builtinProfile('cc-t1x1'), sysRoot: fixture('sysfs-e1x2') }).read(), (err: Error) => err instanceof DahdiSysfsError && /span 1 is E1, the profile says T1/.test(err.message));
    await assert.rejects(new LinuxDahdiHal({ board: builtinProfile('cc-e1x2'), sysRoot: '/nonexistent-sysfs' }).read(), /span 1 is not registered under \/nonexistent-sysfs \(is the driver loaded\?\)/);
    assert.deepEqual((await new LinuxDahdiHal({ board: builtinProfile('cc-x86-generic'), sysRoot: '/nonexistent-sysfs', now: () => 0 }).read()).spans, [], 'a board without telephony reads nothing');
  });
});

describe('writing the channel configuration', () => {
  test('writes system.conf and chan_dahdi.conf where configured, then runs the apply command', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cc-dahdi-conf-'));
    try {
      const board = builtinProfile('cc-e1x2');
      const files = renderDahdiConfig(planChannels(board, checkSiteTelephony(board, e1x2Site)));
      const ran: string[][] = [];
      const hal = new LinuxDahdiHal({ board, configDir: join(dir, 'dahdi'), channelConfigDir: join(dir, 'asterisk'), applyCommand: ['dahdi_cfg', '-v'], run: async (c) => void ran.push(c) });
      await hal.applyChannelConfig(files);
      assert.equal(await readFile(join(dir, 'dahdi', 'system.conf'), 'utf8'), files['system.conf']);
      assert.equal(await readFile(join(dir, 'asterisk', 'chan_dahdi.conf'), 'utf8'), files['chan_dahdi.conf']);
      assert.deepEqual(ran, [['dahdi_cfg', '-v']]);

      const failing = new LinuxDahdiHal({ board, configDir: dir, applyCommand: ['false'] });
      await assert.rejects(failing.applyChannelConfig(files), (err: Error) => err instanceof DahdiSysfsError && /^false refused the channel configuration/.test(err.message));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('LEDs and watchdog', () => {
  test('LEDs are driven through the LED class triggers and brightness', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cc-leds-'));
    try {
      const led = join(root, 'class', 'leds', 'cc:red:alarm');
      await mkdir(led, { recursive: true });
      await writeFile(join(led, 'max_brightness'), '255\n');
      const leds = new LinuxLeds(root);
      await leds.set('cc:red:alarm', 'on');
      assert.deepEqual([await readFile(join(led, 'trigger'), 'utf8'), await readFile(join(led, 'brightness'), 'utf8')], ['none', '255']);
      await leds.set('cc:red:alarm', 'blink');
      assert.equal(await readFile(join(led, 'trigger'), 'utf8'), 'timer');
      await leds.set('cc:red:alarm', 'off');
      assert.equal(await readFile(join(led, 'brightness'), 'utf8'), '0');
      await assert.rejects(leds.set('../../etc/passwd', 'on'), /bad LED name/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('the watchdog is kicked by writes and disarmed by the magic close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cc-wdt-'));
    try {
      const dev = join(dir, 'watchdog');
      const wdt = new LinuxWatchdog(dev);
      await assert.rejects(wdt.kick(), /is not open/);
      await wdt.open();
      await wdt.kick();
      await wdt.kick();
      await wdt.close();
      assert.equal(await readFile(dev, 'latin1'), '\0\0V');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
