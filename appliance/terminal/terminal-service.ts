import { MAX_TERMINAL_FRAME, type TerminalExitReason, type TerminalInput, type TerminalOutput } from '../../protocol/terminal.ts';
import { silentLogger, type Logger } from '../log/logger.ts';

/** The part of node-pty's IPty the service uses, so tests can hand in a fake. */
export interface Pty {
  readonly pid: number;
  onData(listener: (data: string) => void): unknown;
  onExit(listener: (e: { exitCode: number; signal?: number }) => void): unknown;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  kill(signal?: string): void;
  pause(): void;
  resume(): void;
}

export type SpawnPty = (shell: string, options: { cols: number; rows: number; cwd: string; env: Record<string, string> }) => Pty;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface TerminalPolicy {
  /** False on government and air-gapped profiles, or when the local configuration says so; the fleet cannot change it. */
  enabled: boolean;
  /** Said to the fleet when refusing, e.g. "disabled by the government profile". */
  disabledReason?: string;
  maxSessions: number;
  idleTimeoutMs: number;
  maxDurationMs: number;
  shell: string;
  cwd: string;
}

export interface TerminalAuditEvent {
  type: 'terminal.opened' | 'terminal.refused' | 'terminal.closed';
  session: string;
  by: string;
  data: Record<string, unknown>;
}

export interface TerminalServiceOptions {
  policy: TerminalPolicy;
  spawn: SpawnPty;
  /** Sends one frame to the relaying fleet node; `onSent` runs when the broker acknowledged it. */
  send: (caller: string, frame: TerminalOutput, onSent?: () => void) => boolean;
  /** The device's own record of each session (stored and forwarded as an event). */
  audit?: (event: TerminalAuditEvent) => void;
  now?: () => number;
  timers?: Timers;
  log?: Logger;
  /** Output frames awaiting acknowledgement before the shell is paused (back pressure). */
  window?: number;
  /** Output is gathered this long into one frame. */
  coalesceMs?: number;
}

interface Session {
  id: string;
  caller: string;
  by: string;
  pty: Pty;
  startedAt: number;
  outSeq: number;
  nextInSeq: number;
  pending: string;
  flushTimer: unknown;
  idleTimer: unknown;
  maxTimer: unknown;
  inflight: number;
  paused: boolean;
  bytesIn: number;
  bytesOut: number;
  ended: boolean;
}

const realTimers: Timers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };

/**
 * Shells on the appliance for the fleet's remote terminal. The local policy decides whether
 * any may run at all (the fleet only relays requests); sessions are limited in number,
 * closed when idle or too long, and each one is recorded on the device. Output goes out in
 * numbered frames with back pressure: the shell is paused while the broker lags.
 */
export class TerminalService {
  readonly #sessions = new Map<string, Session>();
  readonly #options: TerminalServiceOptions;
  readonly #now: () => number;
  readonly #timers: Timers;
  readonly #log: Logger;
  readonly #window: number;
  readonly #coalesceMs: number;

  constructor(options: TerminalServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? realTimers;
    this.#log = options.log ?? silentLogger;
    this.#window = options.window ?? 16;
    this.#coalesceMs = options.coalesceMs ?? 15;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  handle(input: TerminalInput): void {
    switch (input.kind) {
      case 'open':
        return this.#open(input);
      case 'input': {
        const s = this.#sessions.get(input.session);
        if (!s) return;
        // QoS 1 may deliver a frame twice after a reconnect (MQTT 3.1.1 §4.3.2): run it once.
        if (input.seq < s.nextInSeq) return;
        s.nextInSeq = input.seq + 1;
        s.bytesIn += input.data.length;
        this.#touch(s);
        s.pty.write(input.data);
        return;
      }
      case 'resize': {
        const s = this.#sessions.get(input.session);
        if (s) s.pty.resize(input.cols, input.rows);
        return;
      }
      case 'close': {
        const s = this.#sessions.get(input.session);
        if (s) this.#end(s, 'closed');
      }
    }
  }

  /** Ends every session (shutdown, or the fleet link went away). */
  closeAll(reason: TerminalExitReason = 'shutdown'): void {
    for (const s of [...this.#sessions.values()]) this.#end(s, reason);
  }

  #open(input: Extract<TerminalInput, { kind: 'open' }>): void {
    const { policy } = this.#options;
    const refuse = (code: 'policy' | 'limit' | 'expired' | 'failed', message: string) => {
      this.#log.warn('terminal refused', { session: input.session, by: input.by, code, message });
      this.#options.audit?.({ type: 'terminal.refused', session: input.session, by: input.by, data: { code, message } });
      this.#options.send(input.caller, { kind: 'refused', session: input.session, code, message });
    };
    if (!policy.enabled) return refuse('policy', policy.disabledReason ?? 'remote terminal is disabled by this appliance\'s local policy');
    if (this.#now() > input.expiresAt) return refuse('expired', 'the request expired before it arrived');
    if (this.#sessions.has(input.session)) return;
    if (this.#sessions.size >= policy.maxSessions) return refuse('limit', `already ${this.#sessions.size} terminal sessions (the limit is ${policy.maxSessions})`);
    let pty: Pty;
    try {
      pty = this.#options.spawn(policy.shell, {
        cols: input.cols,
        rows: input.rows,
        cwd: policy.cwd,
        env: { TERM: 'xterm-256color', LANG: process.env.LANG ?? 'C.UTF-8', HOME: process.env.HOME ?? policy.cwd, PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', CC_TERMINAL_BY: input.by },
      });
    } catch (err) {
      return refuse('failed', `cannot start ${policy.shell}: ${(err as Error).message}`);
    }
    const s: Session = {
      id: input.session,
      caller: input.caller,
      by: input.by,
      pty,
      startedAt: this.#now(),
      outSeq: 0,
      nextInSeq: 0,
      pending: '',
      flushTimer: undefined,
      idleTimer: undefined,
      maxTimer: undefined,
      inflight: 0,
      paused: false,
      bytesIn: 0,
      bytesOut: 0,
      ended: false,
    };
    this.#sessions.set(s.id, s);
    pty.onData((data) => this.#output(s, data));
    pty.onExit(({ exitCode }) => this.#end(s, 'exited', exitCode));
    if (policy.maxDurationMs > 0) s.maxTimer = this.#timers.setTimeout(() => this.#end(s, 'max-duration'), policy.maxDurationMs);
    this.#touch(s);
    this.#log.info('terminal opened', { session: s.id, by: s.by, pid: pty.pid });
    this.#options.audit?.({ type: 'terminal.opened', session: s.id, by: s.by, data: { shell: policy.shell } });
    this.#options.send(s.caller, { kind: 'opened', session: s.id, shell: policy.shell, idleTimeoutS: policy.idleTimeoutMs / 1000, maxDurationS: policy.maxDurationMs / 1000 });
  }

  #touch(s: Session): void {
    const { idleTimeoutMs } = this.#options.policy;
    if (idleTimeoutMs <= 0) return;
    this.#timers.clearTimeout(s.idleTimer);
    s.idleTimer = this.#timers.setTimeout(() => this.#end(s, 'idle'), idleTimeoutMs);
  }

  #output(s: Session, data: string): void {
    if (s.ended) return;
    s.pending += data;
    if (s.pending.length >= MAX_TERMINAL_FRAME) this.#flush(s);
    else if (s.flushTimer === undefined) s.flushTimer = this.#timers.setTimeout(() => this.#flush(s), this.#coalesceMs);
  }

  #flush(s: Session): void {
    this.#timers.clearTimeout(s.flushTimer);
    s.flushTimer = undefined;
    while (s.pending.length > 0) {
      const data = s.pending.slice(0, MAX_TERMINAL_FRAME);
      s.pending = s.pending.slice(data.length);
      s.bytesOut += data.length;
      s.inflight++;
      const sent = this.#options.send(s.caller, { kind: 'output', session: s.id, seq: s.outSeq++, data }, () => {
        s.inflight--;
        if (s.paused && s.inflight <= this.#window / 2 && !s.ended) {
          s.paused = false;
          s.pty.resume();
        }
      });
      if (!sent) s.inflight--;
    }
    if (s.inflight >= this.#window && !s.paused) {
      s.paused = true;
      s.pty.pause();
    }
  }

  #end(s: Session, reason: TerminalExitReason, exitCode?: number): void {
    if (s.ended) return;
    if (s.pending) this.#flush(s);
    s.ended = true;
    this.#sessions.delete(s.id);
    for (const t of [s.flushTimer, s.idleTimer, s.maxTimer]) this.#timers.clearTimeout(t);
    if (reason !== 'exited') {
      try {
        s.pty.kill('SIGHUP');
      } catch {
        // already gone
      }
    }
    const durationMs = this.#now() - s.startedAt;
    this.#log.info('terminal closed', { session: s.id, by: s.by, reason, durationMs });
    this.#options.audit?.({ type: 'terminal.closed', session: s.id, by: s.by, data: { reason, durationMs, bytesIn: s.bytesIn, bytesOut: s.bytesOut, ...(exitCode !== undefined ? { exitCode } : {}) } });
    this.#options.send(s.caller, { kind: 'exit', session: s.id, reason, ...(exitCode !== undefined ? { exitCode } : {}) });
  }
}
