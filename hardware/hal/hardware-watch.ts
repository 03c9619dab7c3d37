import { initialAlarmState, stepAlarm, type AlarmHolds, type AlarmTrackerState } from './alarm-tracker.ts';
import type { HardwareEvent } from './hardware-events.ts';
import { alarmSeverity, PortAlarm, SpanAlarm, type HardwareStatus } from './hardware-status.ts';

/**
 * Turns successive hardware status readings into events: alarms raised and cleared (through
 * the debouncing tracker), hook and ring changes. Pure: feed it readings with their time.
 */
export interface HardwareWatchOptions extends Partial<AlarmHolds> {}

export const DEFAULT_HOLDS: AlarmHolds = { raiseHoldMs: 0, clearHoldMs: 10_000 };

export class HardwareWatch {
  private readonly holds: AlarmHolds;
  private readonly trackers = new Map<string, AlarmTrackerState>();
  private readonly hooks = new Map<number, string>();
  private readonly ringing = new Map<number, boolean>();
  private last: HardwareStatus | undefined;

  constructor(options: HardwareWatchOptions = {}) {
    this.holds = { ...DEFAULT_HOLDS, ...options };
  }

  /** The latest reading, for telemetry. */
  get status(): HardwareStatus | undefined {
    return this.last;
  }

  /** Alarms the watch considers raised now (after debouncing), as `span:1:los` keys. */
  raised(): string[] {
    return [...this.trackers].filter(([, s]) => s.phase === 'raised' || s.phase === 'pending-clear').map(([k]) => k).sort();
  }

  observe(status: HardwareStatus): HardwareEvent[] {
    const now = status.ts;
    const events: HardwareEvent[] = [];
    for (const span of status.spans) {
      for (const alarm of SpanAlarm.options) {
        const out = this.step(`span:${span.span}:${alarm}`, span.alarms.includes(alarm), now);
        if (out.kind === 'raised') events.push({ type: 'span.alarm.raised', ts: now, span: span.span, alarm, severity: alarmSeverity[alarm] });
        if (out.kind === 'cleared') events.push({ type: 'span.alarm.cleared', ts: now, span: span.span, alarm, durationMs: out.durationMs });
      }
    }
    for (const port of status.ports) {
      for (const alarm of PortAlarm.options) {
        const out = this.step(`port:${port.port}:${alarm}`, port.alarms.includes(alarm), now);
        if (out.kind === 'raised') events.push({ type: 'port.alarm.raised', ts: now, port: port.port, alarm, severity: alarmSeverity[alarm] });
        if (out.kind === 'cleared') events.push({ type: 'port.alarm.cleared', ts: now, port: port.port, alarm, durationMs: out.durationMs });
      }
      const prevHook = this.hooks.get(port.port);
      if (port.hook !== 'unknown' && prevHook !== undefined && prevHook !== port.hook) {
        events.push({ type: 'port.hook', ts: now, port: port.port, hook: port.hook });
      }
      this.hooks.set(port.port, port.hook);
      const prevRing = this.ringing.get(port.port) ?? false;
      if (prevRing !== port.ringing) events.push({ type: 'port.ringing', ts: now, port: port.port, ringing: port.ringing });
      this.ringing.set(port.port, port.ringing);
    }
    this.last = status;
    return events;
  }

  private step(key: string, present: boolean, now: number) {
    const [next, out] = stepAlarm(this.trackers.get(key) ?? initialAlarmState, present, now, this.holds);
    this.trackers.set(key, next);
    return out;
  }
}
