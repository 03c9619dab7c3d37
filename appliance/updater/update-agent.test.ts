import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Decoded } from '../../protocol/decode.ts';
import type { UpdateDesired, UpdateStatus } from '../../protocol/update-job.ts';
import type { InstallResult } from './installer.ts';
import type { UpdaterStatus } from './updater.ts';
import { UpdateAgent, type UpdateAgentOptions, type UpdateDrain } from './update-agent.ts';

// 2026-11-23 23:00 in UTC+8.
const T0 = Date.UTC(2026, 10, 23, 15, 0);
const payload = randomBytes(200_000);
const sha256 = createHash('sha256').update(payload).digest('hex');

function job(over: Partial<Extract<UpdateDesired, { kind: 'install' }>> = {}): UpdateDesired {
  return { kind: 'install', campaign: 'c1', version: '1.2.0', url: 'http://fleet.test/bundles/c1/s/d', token: 't'.repeat(43), sha256, size: payload.length, drainFirst: false, issuedAt: T0, ...over };
}

/** The agent's steps wait on files (fsync) and streams: poll for the outcome, not for time. */
const until = async (what: string, pred: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!pred() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  assert.ok(pred(), `never: ${what}`);
};

function rig(over: Partial<UpdateAgentOptions> & { install?: InstallResult; body?: Buffer; updaterStatus?: Partial<UpdaterStatus> } = {}) {
  let now = T0;
  const statuses: UpdateStatus[] = [];
  const link = new EventEmitter() as EventEmitter & { publish: (name: string, p: UpdateStatus) => boolean };
  link.publish = (_name, p) => (statuses.push(p), true);
  const fetches: string[] = [];
  const auth: string[] = [];
  const installs: string[] = [];
  const sleeps: number[] = [];
  const reboots: number[] = [];
  const options: UpdateAgentOptions = {
    link: link as never,
    updater: {
      installFile: async (path) => (installs.push(path), over.install ?? { ok: true, slot: 'b', version: '1.2.0', rebootRequired: true }),
      status: async () => ({ booted: 'a', env: { default: 'a', try: undefined, tries: 0, rollback: undefined }, slots: { a: { state: 'complete', version: '1.1.0', updatedAt: 0 }, b: { state: 'empty', updatedAt: 0 } }, currentVersion: '1.1.0', board: 'x', ...over.updaterStatus }),
    },
    currentVersion: '1.1.0',
    workDir: mkdtempSync(join(tmpdir(), 'cc-agent-')),
    reboot: async () => void reboots.push(now),
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    progressEveryMs: 0,
    download: {
      attempts: 2,
      retryPauseMs: 1,
      fetch: async (url, init) => (fetches.push(String(url)), auth.push(new Headers(init?.headers).get('authorization') ?? ''), new Response(new Uint8Array(over.body ?? payload), { status: 200, headers: { 'content-length': String((over.body ?? payload).length) } })),
    },
    ...over,
  };
  const agent = new UpdateAgent(options);
  const deliver = (d: UpdateDesired) => link.emit('message', { ok: true, name: 'updateDesired', params: { site: 's', device: 'd' }, payload: d } as Decoded);
  return { agent, deliver, statuses, states: () => statuses.map((s) => s.state), fetches, auth, installs, sleeps, reboots, options };
}

class Calls implements UpdateDrain {
  undrained = 0;
  drained = false;
  activeCalls = () => 3;
  drain = () => new Promise<void>(() => {});
  undrain = () => void this.undrained++;
}

describe('update agent', () => {
  test('waits for the maintenance window, then downloads with its token, installs and reboots', async () => {
    const r = rig();
    await r.agent.start();
    r.deliver(job({ window: { start: '02:00', end: '05:00', utcOffsetMinutes: 480 } }));
    await until('reboot', () => r.reboots.length === 1);
    // It looks at the clock again at least hourly (clocks get set, timers drift).
    assert.deepEqual(r.sleeps, [3600_000, 3600_000, 3600_000]);
    assert.deepEqual(r.auth, [`Bearer ${'t'.repeat(43)}`]);
    assert.equal(r.statuses.find((s) => s.state === 'waiting-window')?.windowOpensAt, T0 + 3 * 3600_000);
    assert.deepEqual([...new Set(r.states())], ['waiting-window', 'downloading', 'installing', 'rebooting']);
    assert.equal(r.reboots[0], T0 + 3 * 3600_000, 'nothing happened before the window opened');
    assert.equal(r.installs.length, 1);
    assert.ok(r.statuses.some((s) => s.state === 'downloading' && s.progress?.received === payload.length));
  });

  test('a job withdrawn while draining downloads nothing and offers calls again', async () => {
    const calls = new Calls();
    const r = rig({ drain: calls });
    await r.agent.start();
    r.deliver(job({ drainFirst: true }));
    await until('draining', () => r.states().includes('draining'));
    assert.equal(r.statuses.at(-1)?.activeCalls, 3);
    r.deliver({ kind: 'none', campaign: 'c1', issuedAt: T0, reason: 'campaign halted' });
    await until('idle', () => r.states().at(-1) === 'idle');
    assert.equal(calls.undrained, 1);
    assert.deepEqual(r.fetches, []);
    assert.deepEqual(r.installs, []);
    await r.agent.stop();
  });

  test('refuses an older version without downloading it', async () => {
    const r = rig();
    await r.agent.start();
    r.deliver(job({ version: '1.0.9' }));
    await until('failed', () => r.states().includes('failed'));
    assert.equal(r.statuses.at(-1)?.code, 'downgrade');
    assert.deepEqual(r.fetches, []);
  });

  test('a failed install is reported with the installer\'s code and calls are offered again', async () => {
    const calls = new Calls();
    calls.drain = async () => {};
    const r = rig({ drain: calls, install: { ok: false, code: 'wrong-board', reason: 'the bundle is for board b2, this device is b1' } });
    await r.agent.start();
    r.deliver(job({ drainFirst: true }));
    await until('failed', () => r.states().includes('failed'));
    assert.deepEqual({ code: r.statuses.at(-1)?.code, reason: r.statuses.at(-1)?.reason }, { code: 'wrong-board', reason: 'the bundle is for board b2, this device is b1' });
    assert.equal(calls.undrained, 1);
    assert.deepEqual(r.reboots, []);
  });

  test('a download that does not match the announced hash fails the job without installing', async () => {
    const r = rig({ body: Buffer.alloc(payload.length, 7) });
    await r.agent.start();
    r.deliver(job());
    await until('failed', () => r.states().includes('failed'));
    assert.equal(r.statuses.at(-1)?.code, 'download-mismatch');
    assert.equal(r.fetches.length, 2, 'one retry from scratch');
    assert.deepEqual(r.installs, []);
  });

  test('a job cut short by a crash resumes when the fleet\'s retained job arrives after the restart', async () => {
    const r = rig({ sleep: () => new Promise<void>(() => {}) });
    await r.agent.start();
    r.deliver(job({ window: { start: '02:00', end: '05:00', utcOffsetMinutes: 480 } }));
    await until('waiting', () => r.states().includes('waiting-window'));
    // The box loses power while waiting: no stop(), the job file stays behind.
    const after = rig({ workDir: r.options.workDir });
    await after.agent.start();
    assert.deepEqual(after.states(), [], 'nothing final to report yet');
    after.deliver(job());
    await until('reboot', () => after.reboots.length === 1);
    assert.deepEqual([...new Set(after.states())], ['downloading', 'installing', 'rebooting']);
  });

  test('after the reboot it reports committed, and a job delivered again starts nothing', async () => {
    const r = rig();
    await r.agent.start();
    r.deliver(job());
    await until('reboot', () => r.reboots.length === 1);
    await r.agent.stop();
    // The box came back on the new slot, which committed itself.
    const after = rig({ workDir: r.options.workDir, currentVersion: '1.2.0', updaterStatus: { booted: 'b', env: { default: 'b', try: undefined, tries: 0, rollback: undefined } } });
    await after.agent.start();
    assert.deepEqual(after.states(), ['committed']);
    after.deliver(job());
    await until('re-reported', () => after.statuses.length === 2);
    assert.deepEqual(after.states(), ['committed', 'committed']);
    assert.deepEqual(after.installs, []);
    assert.deepEqual(after.fetches, []);
  });

  test('a restart before the box rebooted into the armed slot reboots it again instead of reporting a rollback', async () => {
    const r = rig();
    await r.agent.start();
    r.deliver(job());
    await until('reboot', () => r.reboots.length === 1);
    const after = rig({ workDir: r.options.workDir, updaterStatus: { booted: 'a', env: { default: 'a', try: 'b', tries: 3, rollback: undefined } } });
    await after.agent.start();
    assert.deepEqual(after.states(), ['rebooting']);
    assert.equal(after.reboots.length, 1);
  });

  test('after the reboot it reports rolled back with the failed slot\'s note when the box runs the old version', async () => {
    const r = rig();
    await r.agent.start();
    r.deliver(job());
    await until('reboot', () => r.reboots.length === 1);
    await r.agent.stop();
    const after = rig({
      workDir: r.options.workDir,
      updaterStatus: { booted: 'a', slots: { a: { state: 'complete', version: '1.1.0', updatedAt: 0 }, b: { state: 'failed', version: '1.2.0', updatedAt: 0, note: 'health check failed: sip: no answer' } } },
    });
    await after.agent.start();
    assert.equal(after.statuses.at(-1)?.state, 'rolled-back');
    assert.equal(after.statuses.at(-1)?.reason, 'health check failed: sip: no answer');
    assert.equal(after.statuses.at(-1)?.installedVersion, '1.1.0');
  });
});
