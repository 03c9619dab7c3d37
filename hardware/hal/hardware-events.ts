import { alarmSeverity, type PortAlarm, type SpanAlarm } from './hardware-status.ts';

/** What the hardware layer tells the rest of the appliance, in the order it happened. */
export type HardwareEvent =
  | { type: 'span.alarm.raised'; ts: number; span: number; alarm: SpanAlarm; severity: 'warning' | 'critical' }
  | { type: 'span.alarm.cleared'; ts: number; span: number; alarm: SpanAlarm; durationMs: number }
  | { type: 'port.alarm.raised'; ts: number; port: number; alarm: PortAlarm; severity: 'warning' | 'critical' }
  | { type: 'port.alarm.cleared'; ts: number; port: number; alarm: PortAlarm; durationMs: number }
  | { type: 'port.hook'; ts: number; port: number; hook: 'on-hook' | 'off-hook' }
  | { type: 'port.ringing'; ts: number; port: number; ringing: boolean };

export type HardwareEventType = HardwareEvent['type'];

/** The device event (protocol `DeviceEvent` input) an alarm becomes; hook and ring changes stay local. */
export interface HardwareDeviceEvent {
  type: string;
  severity: 'info' | 'warning' | 'critical';
  data: Record<string, unknown>;
}

/**
 * Alarms must reach the fleet (QoS 1 through the outbox); hook and ring changes are too
 * frequent to be events and travel in telemetry as port state.
 */
export function toDeviceEvent(event: HardwareEvent): HardwareDeviceEvent | undefined {
  switch (event.type) {
    case 'span.alarm.raised':
      return { type: 'hardware.span.alarm.raised', severity: event.severity, data: { span: event.span, alarm: event.alarm, at: event.ts } };
    case 'span.alarm.cleared':
      return { type: 'hardware.span.alarm.cleared', severity: 'info', data: { span: event.span, alarm: event.alarm, at: event.ts, durationMs: event.durationMs } };
    case 'port.alarm.raised':
      return { type: 'hardware.port.alarm.raised', severity: event.severity, data: { port: event.port, alarm: event.alarm, at: event.ts } };
    case 'port.alarm.cleared':
      return { type: 'hardware.port.alarm.cleared', severity: 'info', data: { port: event.port, alarm: event.alarm, at: event.ts, durationMs: event.durationMs } };
    default:
      return undefined;
  }
}

export { alarmSeverity };
