import { devicePrefix, matchTopic, topics } from '../../protocol/topics.ts';
import type { DeviceRef } from '../../protocol/ids.ts';

/** Who a broker connection is: one device, or the fleet's own service client. */
export type Principal = { kind: 'device'; ref: DeviceRef } | { kind: 'service'; name: string };

/**
 * A device may publish only the device-to-fleet rows of the topic table under its own
 * prefix, and subscribe only under that prefix, so one appliance can neither impersonate
 * another nor read another's desired config or commands.
 */
export function mayPublish(principal: Principal, topic: string): boolean {
  if (principal.kind === 'service') return true;
  const m = matchTopic(topic);
  if (!m || topics[m.name].direction !== 'device-to-fleet') return false;
  const p = m.params as Partial<DeviceRef>;
  return p.site === principal.ref.site && p.device === principal.ref.device;
}

export function maySubscribe(principal: Principal, filter: string): boolean {
  if (principal.kind === 'service') return true;
  const prefix = devicePrefix(principal.ref.site, principal.ref.device);
  if (filter === `${prefix}/#`) return true;
  if (!filter.startsWith(`${prefix}/`)) return false;
  // Wildcards after the prefix stay inside it; `#` may only end a filter (MQTT 3.1.1 §4.7.1.2).
  const rest = filter.slice(prefix.length + 1).split('/');
  return rest.every((level, i) => level !== '' && (level !== '#' || i === rest.length - 1));
}
