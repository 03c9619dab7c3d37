import { planChannels, type ChannelPlan } from './dahdi/channel-plan.ts';
import { renderDahdiConfig } from './dahdi/dahdi-config.ts';
import { toDeviceEvent, type HardwareDeviceEvent, type HardwareEvent } from './hal/hardware-events.ts';
import { HardwareMonitor } from './hal/hardware-monitor.ts';
import type { HardwareStatus } from './hal/hardware-status.ts';
import type { TelephonyHal } from './hal/telephony-hal.ts';
import { checkSiteTelephony } from './profiles/site-telephony.ts';

export interface HardwareServiceOptions {
  hal: TelephonyHal;
  /** The site's telephony section (validated against the board here). */
  site: unknown;
  /** Where alarm events go: the fleet link's durable outbox (QoS 1) on the appliance. */
  forwardEvent: (event: HardwareDeviceEvent) => Promise<unknown>;
  /** Every hardware event, alarms and hook/ring changes alike (e.g. for the local UI). */
  onEvent?: (event: HardwareEvent) => void;
  onError?: (error: Error) => void;
  pollIntervalMs?: number;
  clearHoldMs?: number;
}

/**
 * The hardware layer as the appliance composes it: applies the channel configuration generated
 * from board profile + site, then watches spans and ports, forwarding alarms to the fleet and
 * keeping the latest status for telemetry.
 */
export class HardwareService {
  readonly plan: ChannelPlan;
  readonly monitor: HardwareMonitor;

  constructor(private readonly options: HardwareServiceOptions) {
    const site = checkSiteTelephony(options.hal.board, options.site);
    this.plan = planChannels(options.hal.board, site);
    this.monitor = new HardwareMonitor({
      hal: options.hal,
      ...(options.pollIntervalMs !== undefined ? { intervalMs: options.pollIntervalMs } : {}),
      ...(options.clearHoldMs !== undefined ? { clearHoldMs: options.clearHoldMs } : {}),
    });
    this.monitor.on('event', (event) => {
      options.onEvent?.(event);
      const deviceEvent = toDeviceEvent(event);
      if (deviceEvent) options.forwardEvent(deviceEvent).catch((err: Error) => options.onError?.(err));
    });
    this.monitor.on('read-failed', (err) => options.onError?.(err));
  }

  async start(): Promise<void> {
    await this.options.hal.applyChannelConfig(renderDahdiConfig(this.plan));
    this.monitor.start();
  }

  stop(): void {
    this.monitor.stop();
  }

  /** The latest span and port status: the proposed `hardware` field of the telemetry. */
  telemetry(): HardwareStatus | undefined {
    return this.monitor.latest;
  }
}
