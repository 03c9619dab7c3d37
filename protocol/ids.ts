import { z } from 'zod';

/**
 * Site and device identifiers are MQTT topic levels and broker user names, so they may not
 * hold topic separators or wildcards (MQTT 3.1.1 §4.7) nor the dot that joins them in a
 * broker user name (`{site}.{device}`).
 */
export const Id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1-63 of a-z 0-9 _ - and start with a letter or digit');

export const SiteId = Id.describe('site id');
export const DeviceId = Id.describe('device id');

export interface DeviceRef {
  site: string;
  device: string;
}

/** The broker user name of a device: one string, unambiguous because ids hold no dot. */
export function brokerUsername(ref: DeviceRef): string {
  return `${ref.site}.${ref.device}`;
}

export function parseBrokerUsername(username: string): DeviceRef | undefined {
  const parts = username.split('.');
  if (parts.length !== 2) return undefined;
  const [site, device] = parts as [string, string];
  if (!Id.safeParse(site).success || !Id.safeParse(device).success) return undefined;
  return { site, device };
}
