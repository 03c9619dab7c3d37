import { randomBytes } from 'node:crypto';
import type { DeviceRef } from '../../protocol/ids.ts';
import type { TerminalExitReason, TerminalInput, TerminalOutput, TerminalRefusal } from '../../protocol/terminal.ts';
import { silentLogger, type Logger } from '../../appliance/log/logger.ts';
import type { AuditInput } from '../audit/audit-log.ts';

export type RelayRefusal = TerminalRefusal | 'timeout' | 'not-owner';

export class TerminalRefusedError extends Error {
  override name = 'TerminalRefusedError';
  constructor(readonly code: RelayRefusal, message: string) {
    super(message);
  }
}

export interface TerminalLimits {
  /** Sessions through this fleet node at once. */
  maxTotal: number;
  maxPerUser: number;
  /** How long the device has to answer an open. */
  openTimeoutMs: number;
  /** No keystroke for this long ends the session (the device has its own limit too). */
  idleTimeoutMs: number;
  /** No browser attached for this long ends the session. */
  detachedTimeoutMs: number;
  /** Output kept for a browser that is not reading, per session. */
  backlogChars: number;
}

export const DEFAULT_TERMINAL_LIMITS: TerminalLimits = {
  maxTotal: 20,
  maxPerUser: 3,
  openTimeoutMs: 10_000,
  idleTimeoutMs: 15 * 60_000,
  detachedTimeoutMs: 60_000,
  backlogChars: 1_000_000,
};

export interface TerminalRelayOptions {
  /** This fleet node's id: the caller level of the output topics it reads. */
  caller: string;
  send: (ref: DeviceRef, input: TerminalInput) => Promise<void>;
  audit: (entry: AuditInput) => void;
  limits?: Partial<TerminalLimits>;
  now?: () => number;
  log?: Logger;
}

export interface TerminalUser {
  username: string;
  role: string;
  ip?: string;
}

export interface TerminalSessionView {
  id: string;
  site: string;
  device: string;
  username: string;
  openedAt: number;
  state: 'opening' | 'open' | 'closed';
  shell?: string;
}

type Listener = (frame: TerminalOutput) => void;

interface Session extends TerminalSessionView {
  user: TerminalUser;
  inSeq: number;
  backlog: TerminalOutput[];
  backlogChars: number;
  listeners: Set<Listener>;
  bytesIn: number;
  bytesOut: number;
  lastInputAt: number;
  detachedSince: number | undefined;
  settle?: (frame: TerminalOutput | undefined) => void;
  watchdog: NodeJS.Timeout | undefined;
}

/**
 * The fleet's half of the remote terminal: opens a shell on a device for one console user,
 * relays keystrokes to it and its output to the user's browser, and ends sessions that go
 * idle or lose their browser. The device decides whether a shell may run at all; this side
 * limits how many run, checks that output comes from the session's own device, and writes
 * every session to the audit log.
 */
export class TerminalRelay {
  readonly #sessions = new Map<string, Session>();
  readonly #options: TerminalRelayOptions;
  readonly #limits: TerminalLimits;
  readonly #now: () => number;
  readonly #log: Logger;

  constructor(options: TerminalRelayOptions) {
    this.#options = options;
    this.#limits = { ...DEFAULT_TERMINAL_LIMITS, ...options.limits };
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? silentLogger;
  }

  list(username?: string): TerminalSessionView[] {
    return [...this.#sessions.values()].filter((s) => !username || s.username === username).map(view);
  }

  /** Opens a shell; resolves once the device started it, or throws TerminalRefusedError saying why not. */
  async open(user: TerminalUser, ref: DeviceRef, size: { cols: number; rows: number }): Promise<TerminalSessionView> {
    const active = [...this.#sessions.values()];
    if (active.length >= this.#limits.maxTotal) throw new TerminalRefusedError('limit', `${active.length} terminal sessions are open on this fleet node (the limit is ${this.#limits.maxTotal})`);
    const mine = active.filter((s) => s.username === user.username).length;
    if (mine >= this.#limits.maxPerUser) throw new TerminalRefusedError('limit', `you have ${mine} terminal sessions open (the limit is ${this.#limits.maxPerUser})`);
    const now = this.#now();
    const s: Session = {
      id: randomBytes(12).toString('base64url'),
      site: ref.site,
      device: ref.device,
      username: user.username,
      user,
      openedAt: now,
      state: 'opening',
      inSeq: 0,
      backlog: [],
      backlogChars: 0,
      listeners: new Set(),
      bytesIn: 0,
      bytesOut: 0,
      lastInputAt: now,
      detachedSince: now,
      watchdog: undefined,
    };
    this.#sessions.set(s.id, s);
    const answer = new Promise<TerminalOutput | undefined>((resolve) => {
      s.settle = resolve;
      setTimeout(() => resolve(undefined), this.#limits.openTimeoutMs).unref();
    });
    try {
      await this.#options.send(ref, { kind: 'open', session: s.id, by: user.username, caller: this.#options.caller, cols: size.cols, rows: size.rows, expiresAt: now + this.#limits.openTimeoutMs });
    } catch (err) {
      this.#sessions.delete(s.id);
      throw new TerminalRefusedError('failed', `cannot reach the broker: ${(err as Error).message}`);
    }
    const frame = await answer;
    s.settle = undefined;
    if (!frame || frame.kind !== 'opened') {
      this.#sessions.delete(s.id);
      // Tell the device in case its answer is only late, so no shell is left behind.
      if (!frame) void this.#options.send(ref, { kind: 'close', session: s.id }).catch(() => undefined);
      const refusal = !frame
        ? new TerminalRefusedError('timeout', `${ref.site}/${ref.device} did not answer within ${this.#limits.openTimeoutMs / 1000} s (offline?)`)
        : frame.kind === 'refused'
          ? new TerminalRefusedError(frame.code, frame.message)
          : new TerminalRefusedError('failed', `unexpected ${frame.kind} before the shell opened`);
      throw refusal;
    }
    s.state = 'open';
    s.shell = frame.shell;
    s.watchdog = setInterval(() => this.#check(s), 1000);
    s.watchdog.unref();
    this.#log.info('terminal opened', { session: s.id, device: `${ref.site}/${ref.device}`, by: user.username });
    return view(s);
  }

  /** A frame from a device (ingest). Frames of unknown sessions, or from another device than the session's, are dropped. */
  onFrame(ref: DeviceRef, caller: string, frame: TerminalOutput): void {
    if (caller !== this.#options.caller) return;
    const s = this.#sessions.get(frame.session);
    if (!s || s.site !== ref.site || s.device !== ref.device) {
      this.#log.warn('terminal frame for no session of that device dropped', { device: `${ref.site}/${ref.device}`, kind: frame.kind });
      return;
    }
    if (s.settle) return s.settle(frame);
    if (frame.kind === 'output') {
      s.bytesOut += frame.data.length;
      this.#deliver(s, frame);
    } else if (frame.kind === 'exit') {
      this.#end(s, frame.reason, frame);
    }
  }

  /**
   * Hands the session's frames to a browser: first what is waiting, then as they come. Only
   * the user who opened it may watch it.
   */
  attach(id: string, username: string, listener: Listener): () => void {
    const s = this.#owned(id, username);
    for (const f of s.backlog.splice(0)) listener(f);
    s.backlogChars = 0;
    s.listeners.add(listener);
    s.detachedSince = undefined;
    return () => {
      s.listeners.delete(listener);
      if (s.listeners.size === 0) s.detachedSince = this.#now();
    };
  }

  async input(id: string, username: string, data: string): Promise<void> {
    const s = this.#owned(id, username);
    s.lastInputAt = this.#now();
    s.bytesIn += data.length;
    await this.#options.send(s, { kind: 'input', session: s.id, seq: s.inSeq++, data });
  }

  async resize(id: string, username: string, cols: number, rows: number): Promise<void> {
    const s = this.#owned(id, username);
    await this.#options.send(s, { kind: 'resize', session: s.id, cols, rows });
  }

  close(id: string, username: string): void {
    this.#end(this.#owned(id, username), 'closed');
  }

  /** Ends every session (fleet stopping). */
  closeAll(): void {
    for (const s of [...this.#sessions.values()]) this.#end(s, 'shutdown');
  }

  #owned(id: string, username: string): Session {
    const s = this.#sessions.get(id);
    if (!s || s.state !== 'open') throw new TerminalRefusedError('unknown-session', 'no such terminal session');
    if (s.username !== username) throw new TerminalRefusedError('not-owner', 'this terminal session belongs to another user');
    return s;
  }

  #deliver(s: Session, frame: TerminalOutput): void {
    if (s.listeners.size > 0) {
      for (const l of s.listeners) l(frame);
      return;
    }
    s.backlog.push(frame);
    s.backlogChars += frame.kind === 'output' ? frame.data.length : 0;
    while (s.backlogChars > this.#limits.backlogChars && s.backlog.length > 1) {
      const dropped = s.backlog.shift()!;
      s.backlogChars -= dropped.kind === 'output' ? dropped.data.length : 0;
    }
  }

  #check(s: Session): void {
    const now = this.#now();
    if (now - s.lastInputAt >= this.#limits.idleTimeoutMs) this.#end(s, 'idle');
    else if (s.detachedSince !== undefined && now - s.detachedSince >= this.#limits.detachedTimeoutMs) this.#end(s, 'closed');
  }

  #end(s: Session, reason: TerminalExitReason, exitFrame?: TerminalOutput): void {
    if (s.state === 'closed') return;
    s.state = 'closed';
    clearInterval(s.watchdog);
    this.#sessions.delete(s.id);
    if (!exitFrame) void this.#options.send(s, { kind: 'close', session: s.id }).catch(() => undefined);
    const frame = exitFrame ?? { kind: 'exit', session: s.id, reason };
    for (const l of s.listeners) l(frame);
    this.#options.audit({
      actor: s.user.username,
      role: s.user.role,
      action: 'terminal.end',
      target: `${s.site}/${s.device}`,
      outcome: 'ok',
      ...(s.user.ip ? { ip: s.user.ip } : {}),
      details: { session: s.id, reason, openedAt: s.openedAt, durationMs: this.#now() - s.openedAt, bytesIn: s.bytesIn, bytesOut: s.bytesOut, ...(frame.kind === 'exit' && frame.exitCode !== undefined ? { exitCode: frame.exitCode } : {}) },
    });
    this.#log.info('terminal ended', { session: s.id, reason });
  }
}

function view(s: Session): TerminalSessionView {
  return { id: s.id, site: s.site, device: s.device, username: s.username, openedAt: s.openedAt, state: s.state, ...(s.shell ? { shell: s.shell } : {}) };
}
