import type { HardwareTelemetry } from '../../protocol/schemas.ts';
import type { HardwareDeviceEvent } from '../../hardware/hal/hardware-events.ts';
import type { HardwareStatus } from '../../hardware/hal/hardware-status.ts';
import type { TelephonyHal } from '../../hardware/hal/telephony-hal.ts';
import { HardwareService } from '../../hardware/hardware-service.ts';
import { LinuxDahdiHal } from '../../hardware/linux/linux-dahdi-hal.ts';
import type { BoardProfile } from '../../hardware/profiles/board-profile.ts';
import { builtinProfile } from '../../hardware/profiles/builtin-profiles.ts';
import { CardSimulator } from '../../hardware/sim/card-simulator.ts';
import type { OutboxEventInput } from '../fleet-link/outbox.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import type { HardwareConfig, SimStep } from './hardware-config.ts';

/**
 * The appliance's side of issue 8: runs the hardware service on the configured HAL (the card
 * simulator or DAHDI's sysfs on a real box), sends alarms to the fleet as events (QoS 1 through
 * the outbox) and gives span and port state for the telemetry.
 */
export interface StartHardwareOptions {
  config: HardwareConfig;
  /** The fleet link's durable event path; absent on an air-gapped appliance (alarms are logged only). */
  emitEvent?: ((event: OutboxEventInput) => Promise<unknown>) | undefined;
  log?: Logger;
  now?: () => number;
  /** A HAL of the caller's (tests); otherwise built from the configuration. */
  hal?: TelephonyHal;
}

export interface HardwareLink {
  readonly hal: TelephonyHal;
  readonly service: HardwareService;
  /** The `hardware` field of the telemetry; undefined before the first reading. */
  telemetry(): HardwareTelemetry | undefined;
  stop(): void;
}

/** The telemetry form of a HAL reading: spans up or down by their alarms, ringing as a hook state. */
export function toHardwareTelemetry(status: HardwareStatus, board: BoardProfile): HardwareTelemetry {
  const spanLabel = new Map(board.spans.map((s) => [s.span, s.label]));
  const portLabel = new Map(board.ports.map((p) => [p.port, p.label]));
  return {
    board: status.board,
    spans: status.spans.map((s) => {
      const label = spanLabel.get(s.span);
      return {
        id: s.span,
        type: s.type,
        state: s.alarms.length > 0 ? 'down' : 'up',
        alarms: [...s.alarms],
        counters: { inUse: s.inUse, bearer: s.bearer },
        syncSource: s.syncSource,
        ...(label ? { label } : {}),
      };
    }),
    ports: status.ports.map((p) => {
      const label = portLabel.get(p.port);
      return { id: p.port, kind: p.kind, hook: p.ringing ? 'ringing' : p.hook, alarms: [...p.alarms], ...(label ? { label } : {}) };
    }),
  };
}

function applyStep(sim: CardSimulator, step: SimStep): void {
  if ('span' in step) {
    if (step.do === 'raise') sim.raise(step.span, step.alarm);
    else sim.clear(step.span, step.alarm);
    return;
  }
  const verbs = { ring: sim.ringLine, 'stop-ring': sim.stopRing, 'off-hook': sim.offHook, 'on-hook': sim.onHook, unplug: sim.unplugLine, plug: sim.plugLine };
  verbs[step.do].call(sim, step.port);
}

function buildHal(config: HardwareConfig, now: () => number, log: Logger): TelephonyHal {
  const board = builtinProfile(config.board);
  if (config.driver === 'linux') {
    const l = config.linux;
    return new LinuxDahdiHal({
      board,
      now,
      ...(l.sysRoot ? { sysRoot: l.sysRoot } : {}),
      ...(l.configDir ? { configDir: l.configDir } : {}),
      ...(l.channelConfigDir ? { channelConfigDir: l.channelConfigDir } : {}),
      ...(l.applyCommand ? { applyCommand: l.applyCommand } : {}),
    });
  }
  const s = config.simulator;
  const chaos = s.chaos && {
    meanAlarmIntervalMs: s.chaos.meanAlarmIntervalS * 1000,
    meanAlarmDurationMs: s.chaos.meanAlarmDurationS * 1000,
    ...(s.chaos.meanRingIntervalS !== undefined ? { meanRingIntervalMs: s.chaos.meanRingIntervalS * 1000 } : {}),
    ...(s.chaos.meanOffHookIntervalS !== undefined ? { meanOffHookIntervalMs: s.chaos.meanOffHookIntervalS * 1000 } : {}),
  };
  const sim = new CardSimulator(board, { now, ...(s.seed !== undefined ? { seed: s.seed } : {}), ...(chaos ? { chaos } : {}) });
  const start = now();
  for (const step of s.script) {
    sim.schedule(start + step.atS * 1000, step.do, () => {
      try {
        applyStep(sim, step);
      } catch (err) {
        log.warn('simulator script step refused', { step, error: (err as Error).message });
      }
    });
  }
  return sim;
}

/** Builds the HAL, applies the channel configuration and starts watching; throws when the site does not fit the board. */
export async function startHardware(options: StartHardwareOptions): Promise<HardwareLink> {
  const log = options.log ?? silentLogger;
  const now = options.now ?? Date.now;
  const hal = options.hal ?? buildHal(options.config, now, log);
  const forward = async (e: HardwareDeviceEvent): Promise<unknown> => {
    log[e.severity === 'info' ? 'info' : 'warn']('hardware alarm', { type: e.type, ...e.data });
    return options.emitEvent?.({ type: e.type, severity: e.severity, data: e.data });
  };
  const service = new HardwareService({
    hal,
    site: options.config.site,
    forwardEvent: forward,
    onError: (err) => log.warn('hardware', { error: err.message }),
    pollIntervalMs: options.config.pollIntervalMs,
    clearHoldMs: options.config.clearHoldS * 1000,
  });
  await service.start();
  log.info('hardware started', { board: hal.board.id, driver: options.hal ? 'custom' : options.config.driver });
  return {
    hal,
    service,
    telemetry() {
      const status = service.telemetry();
      return status && toHardwareTelemetry(status, hal.board);
    },
    stop: () => service.stop(),
  };
}
