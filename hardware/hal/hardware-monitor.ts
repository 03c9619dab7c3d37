import { EventEmitter } from 'node:events';
import type { HardwareEvent } from './hardware-events.ts';
import type { HardwareStatus } from './hardware-status.ts';
import { HardwareWatch, type HardwareWatchOptions } from './hardware-watch.ts';
import type { TelephonyHal } from './telephony-hal.ts';

export interface HardwareMonitorEvents {
  event: [HardwareEvent];
  status: [HardwareStatus];
  'read-failed': [Error];
}

export interface HardwareMonitorOptions extends HardwareWatchOptions {
  hal: TelephonyHal;
  /** How often to read the hardware; alarms are seen at most this late. */
  intervalMs?: number;
  setInterval?: (fn: () => void, ms: number) => { unref?(): void } | number;
  clearInterval?: (handle: unknown) => void;
}

/**
 * The edge around `HardwareWatch`: reads the HAL on an interval and emits each event. The
 * appliance forwards alarm events to the fleet (`toDeviceEvent`) and puts `latest` into
 * telemetry. `poll()` is public so tests and a virtual clock drive it without timers.
 */
export class HardwareMonitor extends EventEmitter<HardwareMonitorEvents> {
  private readonly watch: HardwareWatch;
  private timer: unknown;
  private polling = false;

  constructor(private readonly options: HardwareMonitorOptions) {
    super();
    this.watch = new HardwareWatch(options);
  }

  get latest(): HardwareStatus | undefined {
    return this.watch.status;
  }

  raisedAlarms(): string[] {
    return this.watch.raised();
  }

  start(): void {
    if (this.timer !== undefined) return;
    const set = this.options.setInterval ?? setInterval;
    const handle = set(() => void this.poll(), this.options.intervalMs ?? 1000);
    if (typeof handle === 'object' && handle.unref) handle.unref();
    this.timer = handle;
    void this.poll();
  }

  stop(): void {
    if (this.timer === undefined) return;
    (this.options.clearInterval ?? ((h: unknown) => clearInterval(h as NodeJS.Timeout)))(this.timer);
    this.timer = undefined;
  }

  /** Reads once and emits what changed; a read that fails is reported, never thrown. */
  async poll(): Promise<HardwareEvent[]> {
    if (this.polling) return [];
    this.polling = true;
    try {
      const status = await this.options.hal.read();
      const events = this.watch.observe(status);
      for (const e of events) this.emit('event', e);
      this.emit('status', status);
      return events;
    } catch (err) {
      this.emit('read-failed', err as Error);
      return [];
    } finally {
      this.polling = false;
    }
  }
}
