import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TerminalOutput } from '../../protocol/terminal.ts';
import { TerminalService, type Pty, type TerminalAuditEvent, type TerminalPolicy, type Timers } from './terminal-service.ts';

/** Timers on a virtual clock: `advance` runs whatever falls due. */
class VirtualTimers implements Timers {
  now = 1_000_000;
  #next = 1;
  readonly #due = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number) {
    const id = this.#next++;
    this.#due.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(h: unknown) {
    this.#due.delete(h as number);
  }
  advance(ms: number) {
    const end = this.now + ms;
    for (;;) {
      const first = [...this.#due.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!first) break;
      this.#due.delete(first[0]);
      this.now = first[1].at;
      first[1].fn();
    }
    this.now = end;
  }
}

class FakePty implements Pty {
  readonly pid = 4242;
  written: string[] = [];
  killed: string | undefined;
  paused = false;
  size = { cols: 0, rows: 0 };
  #data: ((d: string) => void) | undefined;
  #exit: ((e: { exitCode: number }) => void) | undefined;
  onData(l: (d: string) => void) {
    this.#data = l;
  }
  onExit(l: (e: { exitCode: number }) => void) {
    this.#exit = l;
  }
  write(d: string) {
    this.written.push(d);
  }
  resize(cols: number, rows: number) {
    this.size = { cols, rows };
  }
  kill(signal?: string) {
    this.killed = signal ?? 'SIGTERM';
  }
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
  emit(d: string) {
    this.#data?.(d);
  }
  exit(code: number) {
    this.#exit?.({ exitCode: code });
  }
}

const policy: TerminalPolicy = { enabled: true, maxSessions: 2, idleTimeoutMs: 60_000, maxDurationMs: 3_600_000, shell: '/bin/bash', cwd: '/tmp' };

function rig(over: Partial<TerminalPolicy> = {}, window = 16) {
  const timers = new VirtualTimers();
  const sent: TerminalOutput[] = [];
  const acks: Array<() => void> = [];
  const audit: TerminalAuditEvent[] = [];
  const ptys: FakePty[] = [];
  const service = new TerminalService({
    policy: { ...policy, ...over },
    spawn: () => {
      const p = new FakePty();
      ptys.push(p);
      return p;
    },
    send: (_caller, frame, onSent) => {
      sent.push(frame);
      if (onSent) acks.push(onSent);
      return true;
    },
    audit: (e) => audit.push(e),
    now: () => timers.now,
    timers,
    window,
  });
  const open = (session: string, expiresAt = timers.now + 10_000) =>
    service.handle({ kind: 'open', session, by: 'hq-admin', caller: 'fleet-1', cols: 80, rows: 24, expiresAt });
  return { timers, sent, acks, audit, ptys, service, open };
}

describe('terminal service', () => {
  test('refuses every open when the local policy disables the terminal, without starting a shell', () => {
    const r = rig({ enabled: false, disabledReason: 'disabled by the government profile' });
    r.open('session-01');
    assert.equal(r.ptys.length, 0);
    assert.deepEqual(r.sent, [{ kind: 'refused', session: 'session-01', code: 'policy', message: 'disabled by the government profile' }]);
    assert.equal(r.audit[0]?.type, 'terminal.refused');
    assert.equal(r.audit[0]?.by, 'hq-admin');
  });

  test('opens a shell, runs input once even when a frame is delivered twice, and numbers output frames', () => {
    const r = rig();
    r.open('session-01');
    assert.equal(r.sent[0]?.kind, 'opened');
    r.service.handle({ kind: 'input', session: 'session-01', seq: 0, data: 'ls\r' });
    r.service.handle({ kind: 'input', session: 'session-01', seq: 0, data: 'ls\r' });
    r.service.handle({ kind: 'input', session: 'session-01', seq: 1, data: 'pwd\r' });
    assert.deepEqual(r.ptys[0]!.written, ['ls\r', 'pwd\r']);
    r.ptys[0]!.emit('a');
    r.ptys[0]!.emit('b');
    r.timers.advance(20);
    r.ptys[0]!.emit('c');
    r.timers.advance(20);
    const out = r.sent.filter((f) => f.kind === 'output');
    assert.deepEqual(out.map((f) => [f.kind === 'output' && f.seq, f.kind === 'output' && f.data]), [[0, 'ab'], [1, 'c']]);
    r.service.handle({ kind: 'resize', session: 'session-01', cols: 132, rows: 50 });
    assert.deepEqual(r.ptys[0]!.size, { cols: 132, rows: 50 });
  });

  test('closes a session idle for the idle timeout, and one that lasts past the maximum duration', () => {
    const r = rig({ idleTimeoutMs: 60_000, maxDurationMs: 150_000 });
    r.open('session-01');
    r.open('session-02');
    r.timers.advance(50_000);
    r.service.handle({ kind: 'input', session: 'session-02', seq: 0, data: 'x' });
    r.timers.advance(15_000);
    assert.deepEqual(r.sent.filter((f) => f.kind === 'exit'), [{ kind: 'exit', session: 'session-01', reason: 'idle' }]);
    assert.equal(r.ptys[0]!.killed, 'SIGHUP');
    for (let i = 1; i <= 3; i++) {
      r.timers.advance(40_000);
      r.service.handle({ kind: 'input', session: 'session-02', seq: i, data: 'x' });
    }
    r.timers.advance(40_000);
    assert.deepEqual(r.sent.filter((f) => f.kind === 'exit').at(-1), { kind: 'exit', session: 'session-02', reason: 'max-duration' });
    const closed = r.audit.filter((a) => a.type === 'terminal.closed');
    assert.deepEqual(closed.map((a) => a.data.reason), ['idle', 'max-duration']);
  });

  test('refuses a session past the limit and an open that expired on the way', () => {
    const r = rig({ maxSessions: 1 });
    r.open('session-01');
    r.open('session-02');
    r.open('session-03', r.timers.now - 1);
    const refused = r.sent.filter((f) => f.kind === 'refused');
    assert.deepEqual(refused.map((f) => f.kind === 'refused' && f.code), ['limit', 'expired']);
    assert.equal(r.service.sessionCount, 1);
  });

  test('a shell that exits ends the session with its exit code', () => {
    const r = rig();
    r.open('session-01');
    r.ptys[0]!.emit('bye\r\n');
    r.ptys[0]!.exit(3);
    const tail = r.sent.slice(-2);
    assert.equal(tail[0]?.kind, 'output');
    assert.deepEqual(tail[1], { kind: 'exit', session: 'session-01', reason: 'exited', exitCode: 3 });
    assert.equal(r.service.sessionCount, 0);
  });

  test('pauses the shell while too many output frames await acknowledgement, and resumes as they are acknowledged', () => {
    const r = rig({}, 4);
    r.open('session-01');
    const pty = r.ptys[0]!;
    pty.emit('x'.repeat(16 * 1024 * 4));
    assert.equal(pty.paused, true);
    for (const ack of r.acks.splice(0, 2)) ack();
    assert.equal(pty.paused, false);
  });
});
