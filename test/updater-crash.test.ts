// kill -9 the installer at each step of an install (in a child process frozen exactly there)
// and check that the box still boots: the old slot, untouched, unless the install had armed
// the new one, whose trial then still falls back to the old slot. A clean install afterwards
// must succeed from whatever the crash left behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { afterBoot } from '../appliance/updater/boot-commit.ts';
import { probe } from '../appliance/updater/health-check.ts';
import { Installer } from '../appliance/updater/installer.ts';
import { SimulatedMachine } from '../appliance/updater/sim-boot-control.ts';
import { DirectorySlots } from '../appliance/updater/slot-store.ts';
import { bundle, fingerprint, keyPair, systemTree, trusted, type KeyPair } from './fixtures/updater/bundles.ts';

const child = new URL('./fixtures/updater/install-child.ts', import.meta.url).pathname;

/** Every place the installer can be stopped, in order; `…@` is the middle of that file's write. */
const STEPS = ['verify', 'disarm', 'invalidate', 'write:bin/appliance.js', 'write:os-release', 'write:lib/big.bin', 'write:lib/big.bin@', 'seal', 'arm', 'done'];

let work: string;
let key: KeyPair;
let pub: string;
let good: string;
let next: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'cc-updater-crash-'));
  key = keyPair();
  pub = join(work, 'trusted.pub');
  await writeFile(pub, key.publicPem);
  good = await bundle(work, { version: '1.1.0', key });
  next = await bundle(work, { version: '1.2.0', key });
});
after(() => rm(work, { recursive: true, force: true }));

function killAt(machineDir: string, bundlePath: string, step: string): Promise<{ reached: string; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, machineDir, bundlePath, pub, step], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    let reached = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const m = /^reached (.+)$/m.exec(out);
      if (m && !reached) {
        reached = m[1]!;
        proc.kill('SIGKILL');
      }
    });
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    proc.on('error', reject);
    proc.on('close', (_code, signal) => resolve({ reached: reached || `(never: ${out.trim()})`, signal, stderr }));
  });
}

test('a kill -9 at each install step leaves a box that boots its old slot, and a later install succeeds', { timeout: 60_000 }, async (t) => {
  for (const step of STEPS) {
    const root = join(work, `box-${step.replace(/[^a-z0-9]/gi, '_')}`);
    const machine = await SimulatedMachine.provision(root, '1.0.0');
    const slots = new DirectorySlots(join(root, 'slots'));
    await systemTree(slots.dir('a'), '1.0.0');
    const oldSlot = await fingerprint(slots.dir('a'));

    const { reached, signal, stderr } = await killAt(root, good, step);
    assert.equal(signal, 'SIGKILL', `${step}: the installer was not killed (${reached}) ${stderr}`);
    assert.ok(reached === step || (step.endsWith('@') && reached.startsWith(step)), `${step}: stopped at ${reached}`);

    assert.deepEqual(await fingerprint(slots.dir('a')), oldSlot, `${step}: the old slot is untouched`);
    const armed = step === 'done';
    const first = await machine.powerOn(); // throws BrickedError if it picked an incomplete slot
    if (!armed) {
      assert.equal(first.slot, 'a', `${step}: the bootloader boots the old slot`);
      assert.equal((await afterBoot({ boot: machine, status: machine.status, probes: [] })).kind, 'steady');
    } else {
      // Killed after arming: the new slot is whole and on trial; if it proves unhealthy the old one returns.
      assert.equal(first.slot, 'b');
      assert.equal((await afterBoot({ boot: machine, status: machine.status, probes: [probe('sip', () => 'down')], deadlineMs: 0 })).kind, 'rolling-back');
      assert.equal((await machine.powerOn()).slot, 'a');
      await afterBoot({ boot: machine, status: machine.status, probes: [] });
    }

    // Recovery: a clean install over whatever the crash left in slot b.
    const installer = new Installer({ boot: machine, slots, status: machine.status, verify: { trustedKeys: trusted(key), board: 'cc-x86-generic', installedVersion: '1.0.0' } });
    const result = await installer.install(next);
    assert.deepEqual(result, { ok: true, slot: 'b', version: '1.2.0', rebootRequired: true }, `${step}: install after the crash`);
    assert.equal((await machine.powerOn()).slot, 'b');
    assert.equal((await afterBoot({ boot: machine, status: machine.status, probes: [] })).kind, 'committed');
    t.diagnostic(`killed at ${reached}: old slot booted${armed ? ' after the trial failed' : ''}, later install committed`);
  }
});

test('a kill -9 during a second install, while a first one is armed, never leaves the bootloader pointing at a half-written slot', { timeout: 60_000 }, async (t) => {
  for (const step of ['disarm', 'invalidate', 'write:lib/big.bin@', 'seal', 'arm']) {
    const root = join(work, `rearm-${step.replace(/[^a-z0-9]/gi, '_')}`);
    const machine = await SimulatedMachine.provision(root, '1.0.0');
    const slots = new DirectorySlots(join(root, 'slots'));
    await systemTree(slots.dir('a'), '1.0.0');
    const installer = new Installer({ boot: machine, slots, status: machine.status, verify: { trustedKeys: trusted(key), board: 'cc-x86-generic', installedVersion: '1.0.0' } });
    assert.equal((await installer.install(good)).ok, true);
    const armedSlot = await fingerprint(slots.dir('b'));

    const { signal } = await killAt(root, next, step);
    assert.equal(signal, 'SIGKILL');
    const decision = await machine.powerOn(); // BrickedError if it chose a slot that is not complete
    if (decision.slot === 'b') {
      assert.equal(step, 'disarm', 'only before the first install is disarmed may its slot still be tried');
      assert.deepEqual(await fingerprint(slots.dir('b')), armedSlot, 'and then it is the first install, whole');
    }
    t.diagnostic(`killed at ${step}: booted ${decision.slot}`);
  }
});
