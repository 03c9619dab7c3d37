import { z } from 'zod';

/**
 * What the hardware layer reports: the state of each E1/T1 span and analog port. The zod
 * schemas are the proposed telemetry payload (a `hardware` field of the device telemetry)
 * and alarm event data; they live here until the protocol takes them over.
 */

/**
 * Span alarms as G.775/T1.231 name them. `los` loss of signal and `lof` loss of frame give the
 * local red alarm; `ais` (all ones from upstream) is the blue alarm; `rai` the remote alarm
 * indication, which T1 calls the yellow alarm: one condition, two names.
 */
export const SpanAlarm = z.enum(['los', 'lof', 'ais', 'rai']);
export type SpanAlarm = z.infer<typeof SpanAlarm>;

/** An FXO port without line battery has no line plugged in (or the exchange cut it). */
export const PortAlarm = z.enum(['no-battery']);
export type PortAlarm = z.infer<typeof PortAlarm>;

export const SpanStatus = z.object({
  span: z.number().int().min(1),
  type: z.enum(['E1', 'T1']),
  alarms: z.array(SpanAlarm).max(4),
  /** Bearer channels open by the signalling stack (calls or reserved). */
  inUse: z.number().int().nonnegative(),
  bearer: z.number().int().nonnegative(),
  syncSource: z.boolean(),
});
export type SpanStatus = z.infer<typeof SpanStatus>;

export const PortStatus = z.object({
  port: z.number().int().min(1),
  kind: z.enum(['fxs', 'fxo']),
  hook: z.enum(['on-hook', 'off-hook', 'unknown']),
  ringing: z.boolean(),
  alarms: z.array(PortAlarm).max(1),
});
export type PortStatus = z.infer<typeof PortStatus>;

export const HardwareStatus = z.object({
  board: z.string().max(64),
  ts: z.number().int().nonnegative(),
  spans: z.array(SpanStatus).max(32),
  ports: z.array(PortStatus).max(64),
});
export type HardwareStatus = z.infer<typeof HardwareStatus>;

/** Severity the fleet shows: a dead span is critical, a far-end alarm a warning. */
export const alarmSeverity: Record<SpanAlarm | PortAlarm, 'warning' | 'critical'> = {
  los: 'critical',
  lof: 'critical',
  ais: 'critical',
  rai: 'warning',
  'no-battery': 'warning',
};

/** DAHDI's alarm bits (include/dahdi/user.h): what /sys/bus/dahdi_spans/devices/span-N/alarms shows in hex. */
export const DAHDI_ALARM = {
  RECOVER: 1 << 0,
  LOOPBACK: 1 << 1,
  YELLOW: 1 << 2,
  RED: 1 << 3,
  BLUE: 1 << 4,
  NOTOPEN: 1 << 5,
  LOS: 1 << 8,
  LFA: 1 << 9,
  LMFA: 1 << 10,
} as const;

/** The alarms a DAHDI span bit mask stands for; a RED without LOS is taken as loss of frame. */
export function alarmsFromDahdiBits(bits: number): SpanAlarm[] {
  const out: SpanAlarm[] = [];
  if (bits & DAHDI_ALARM.LOS) out.push('los');
  if (bits & (DAHDI_ALARM.LFA | DAHDI_ALARM.LMFA) || (bits & DAHDI_ALARM.RED && !(bits & DAHDI_ALARM.LOS))) out.push('lof');
  if (bits & DAHDI_ALARM.BLUE) out.push('ais');
  if (bits & DAHDI_ALARM.YELLOW) out.push('rai');
  return out;
}

export function dahdiBitsFromAlarms(alarms: readonly SpanAlarm[]): number {
  let bits = 0;
  if (alarms.includes('los')) bits |= DAHDI_ALARM.LOS | DAHDI_ALARM.RED;
  if (alarms.includes('lof')) bits |= DAHDI_ALARM.LFA | DAHDI_ALARM.RED;
  if (alarms.includes('ais')) bits |= DAHDI_ALARM.BLUE;
  if (alarms.includes('rai')) bits |= DAHDI_ALARM.YELLOW;
  return bits;
}
