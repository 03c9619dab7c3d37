import { planChannels, type ChannelPlan } from '../dahdi/channel-plan.ts';
import type { DahdiConfigFiles } from '../dahdi/dahdi-config.ts';
import { parseSystemConf } from '../dahdi/system-conf-parser.ts';
import type { BoardProfile } from '../profiles/board-profile.ts';
import { SiteTelephony } from '../profiles/site-telephony.ts';
import type { HardwareStatus, PortStatus, SpanAlarm, SpanStatus } from '../hal/hardware-status.ts';
import type { TelephonyHal } from '../hal/telephony-hal.ts';

/**
 * A card that behaves like the real thing, on a clock the caller owns: spans lose signal and
 * get it back, the far end raises RAI, FXO lines ring with the tone zone's cadence, phones on
 * FXS ports go off hook. Scripted with `schedule`/the verbs below, or left to run on its own
 * with `chaos` (seeded, so a run can be replayed). Used by tests and the demo.
 */

export interface ChaosOptions {
  /** Mean time between alarms on one span. */
  meanAlarmIntervalMs: number;
  /** Mean time an alarm lasts. */
  meanAlarmDurationMs: number;
  /** Mean time between incoming rings on one FXO port (0 = never). */
  meanRingIntervalMs?: number;
  /** Mean time between calls picked up on one FXS port (0 = never). */
  meanOffHookIntervalMs?: number;
}

export interface CardSimulatorOptions {
  /** Current time in ms: a virtual clock in tests. */
  now: () => number;
  seed?: number;
  chaos?: ChaosOptions;
  /** Ring cadence on, off (China: 1 s on, 4 s off per YD/T 1076). */
  ringCadenceMs?: [number, number];
}

export class SimulatorError extends Error {
  override name = 'SimulatorError';
}

interface SpanState {
  alarms: Set<SpanAlarm>;
  inUse: number;
}
interface PortState {
  offHook: boolean;
  ringingSince: number | undefined;
  battery: boolean;
}
interface Scheduled {
  at: number;
  seq: number;
  what: string;
  run: () => void;
}

/** mulberry32: small, fast, seedable; enough for a simulation. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class CardSimulator implements TelephonyHal {
  private readonly spans = new Map<number, SpanState>();
  private readonly ports = new Map<number, PortState>();
  private agenda: Scheduled[] = [];
  private seq = 0;
  private readonly random: () => number;
  private readonly cadence: [number, number];
  private applied: DahdiConfigFiles | undefined;
  readonly log: string[] = [];

  constructor(
    readonly board: BoardProfile,
    private readonly options: CardSimulatorOptions,
  ) {
    for (const s of board.spans) this.spans.set(s.span, { alarms: new Set(), inUse: 0 });
    // An FXO line has battery; a phone on an FXS port starts on hook.
    for (const p of board.ports) this.ports.set(p.port, { offHook: false, ringingSince: undefined, battery: p.kind === 'fxo' });
    this.random = prng(options.seed ?? 1);
    this.cadence = options.ringCadenceMs ?? [1000, 4000];
    if (options.chaos) this.startChaos(options.chaos);
  }

  /** The configuration last applied, as dahdi_cfg would hold it. */
  get appliedConfig(): DahdiConfigFiles | undefined {
    return this.applied;
  }

  // --- verbs a test or the demo uses -------------------------------------------------------

  raise(span: number, alarm: SpanAlarm): void {
    this.spanState(span).alarms.add(alarm);
    this.note(`span ${span} ${alarm} raised`);
  }

  clear(span: number, alarm: SpanAlarm): void {
    this.spanState(span).alarms.delete(alarm);
    this.note(`span ${span} ${alarm} cleared`);
  }

  /** The cable is pulled: loss of signal (and so no frame either). */
  cutLine(span: number): void {
    this.raise(span, 'los');
  }

  restoreLine(span: number): void {
    this.clear(span, 'los');
    this.clear(span, 'lof');
  }

  setInUse(span: number, channels: number): void {
    this.spanState(span).inUse = channels;
  }

  /** The exchange rings an FXO line. */
  ringLine(port: number): void {
    const p = this.portState(port, 'fxo');
    if (!p.battery) throw new SimulatorError(`port ${port}: a line without battery cannot ring`);
    p.ringingSince ??= this.options.now();
    this.note(`port ${port} ringing`);
  }

  stopRing(port: number): void {
    this.portState(port).ringingSince = undefined;
    this.note(`port ${port} ring stopped`);
  }

  /** The appliance answers an FXO line, or the person on an FXS phone picks up. */
  offHook(port: number): void {
    const p = this.portState(port);
    p.offHook = true;
    p.ringingSince = undefined;
    this.note(`port ${port} off hook`);
  }

  onHook(port: number): void {
    this.portState(port).offHook = false;
    this.note(`port ${port} on hook`);
  }

  unplugLine(port: number): void {
    const p = this.portState(port, 'fxo');
    p.battery = false;
    p.ringingSince = undefined;
    this.note(`port ${port} line unplugged`);
  }

  plugLine(port: number): void {
    this.portState(port, 'fxo').battery = true;
    this.note(`port ${port} line plugged`);
  }

  /** Runs `run` when the clock reaches `at` (checked on each read). */
  schedule(at: number, what: string, run: () => void): void {
    this.agenda.push({ at, seq: this.seq++, what, run });
    this.agenda.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  // --- TelephonyHal ------------------------------------------------------------------------

  async read(): Promise<HardwareStatus> {
    return this.readNow();
  }

  /** Synchronous read, for tests on a virtual clock. */
  readNow(): HardwareStatus {
    const now = this.options.now();
    this.runDue(now);
    const plan = planChannels(this.board, SiteTelephony.parse({}));
    const spans: SpanStatus[] = this.board.spans.map((s) => {
      const st = this.spanState(s.span);
      const dp = plan.spans.find((p) => p.kind === 'digital' && p.span === s.span);
      const bearer = dp && dp.kind === 'digital' ? dp.bearer.reduce((n, r) => n + r.last - r.first + 1, 0) : 0;
      const alarms = [...st.alarms].sort();
      return { span: s.span, type: s.type, alarms, inUse: Math.min(st.inUse, bearer), bearer, syncSource: s.span === 1 && alarms.length === 0 };
    });
    const ports: PortStatus[] = this.board.ports.map((p) => {
      const st = this.portState(p.port);
      return { port: p.port, kind: p.kind, hook: st.offHook ? 'off-hook' : 'on-hook', ringing: this.isRinging(st, now), alarms: st.battery || p.kind === 'fxs' ? [] : ['no-battery'] };
    });
    return { board: this.board.id, ts: now, spans, ports };
  }

  async applyChannelConfig(files: DahdiConfigFiles): Promise<void> {
    // Like dahdi_cfg: refuse a configuration naming spans or channels the card does not have.
    const conf = parseSystemConf(files['system.conf']);
    const plan: ChannelPlan = planChannels(this.board, SiteTelephony.parse({}));
    for (const s of conf.spans) {
      if (!this.spans.has(s.span)) throw new SimulatorError(`system.conf: span ${s.span} does not exist on ${this.board.id}`);
    }
    for (const c of conf.channels.keys()) {
      if (c > plan.totalChannels) throw new SimulatorError(`system.conf: channel ${c} does not exist (the card has ${plan.totalChannels})`);
    }
    this.applied = { ...files };
    this.note('channel configuration applied');
  }

  // --- internals ---------------------------------------------------------------------------

  private isRinging(p: PortState, now: number): boolean {
    if (p.ringingSince === undefined) return false;
    const [on, off] = this.cadence;
    return (now - p.ringingSince) % (on + off) < on;
  }

  private runDue(now: number): void {
    while (this.agenda.length > 0 && this.agenda[0]!.at <= now) {
      const item = this.agenda.shift()!;
      item.run();
    }
  }

  private exp(mean: number): number {
    return Math.max(1, Math.round(-Math.log(1 - this.random()) * mean));
  }

  private startChaos(chaos: ChaosOptions): void {
    const start = this.options.now();
    const alarms: SpanAlarm[] = ['los', 'ais', 'rai', 'lof'];
    for (const s of this.board.spans) {
      const next = (from: number) => {
        const at = from + this.exp(chaos.meanAlarmIntervalMs);
        const alarm = alarms[Math.floor(this.random() * alarms.length)]!;
        this.schedule(at, `span ${s.span} ${alarm}`, () => {
          this.raise(s.span, alarm);
          const end = at + this.exp(chaos.meanAlarmDurationMs);
          this.schedule(end, `span ${s.span} ${alarm} end`, () => {
            this.clear(s.span, alarm);
            next(end);
          });
        });
      };
      next(start);
    }
    for (const p of this.board.ports) {
      const mean = p.kind === 'fxo' ? chaos.meanRingIntervalMs : chaos.meanOffHookIntervalMs;
      if (!mean) continue;
      const next = (from: number) => {
        const at = from + this.exp(mean);
        this.schedule(at, `port ${p.port} activity`, () => {
          const st = this.portState(p.port);
          if (p.kind === 'fxo' && st.battery) this.ringLine(p.port);
          if (p.kind === 'fxs') this.offHook(p.port);
          const end = at + this.exp(mean / 4);
          this.schedule(end, `port ${p.port} idle`, () => {
            if (p.kind === 'fxo') this.stopRing(p.port);
            else this.onHook(p.port);
            next(end);
          });
        });
      };
      next(start);
    }
  }

  private spanState(span: number): SpanState {
    const s = this.spans.get(span);
    if (!s) throw new SimulatorError(`board ${this.board.id} has no span ${span}`);
    return s;
  }

  private portState(port: number, kind?: 'fxs' | 'fxo'): PortState {
    const s = this.ports.get(port);
    const profile = this.board.ports.find((p) => p.port === port);
    if (!s || !profile) throw new SimulatorError(`board ${this.board.id} has no port ${port}`);
    if (kind && profile.kind !== kind) throw new SimulatorError(`port ${port} is ${profile.kind.toUpperCase()}, not ${kind.toUpperCase()}`);
    return s;
  }

  private note(what: string): void {
    this.log.push(`${this.options.now()} ${what}`);
  }
}
