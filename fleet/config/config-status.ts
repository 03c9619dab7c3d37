import type { ReportedConfig } from '../../protocol/config-twin.ts';
import type { DesiredMeta } from './config-store.ts';

/**
 * A device's configuration status as the console shows it, from what the fleet wants, what
 * the device last reported and whether it is online. Pure.
 *
 * - `none`: the fleet never gave this device a configuration
 * - `applied`: it runs exactly the latest version
 * - `refused`: it refused the latest version (the reasons are in its report)
 * - `drift`: it saw the latest version but runs something else (a local edit or a rollback)
 * - `offline`: the latest version waits for it (retained at the broker)
 * - `pending`: online, the latest version is on its way
 * - `exported`: the latest version went out as an offline bundle and was not reported yet
 */
export type DeviceConfigStatus = 'none' | 'pending' | 'applied' | 'refused' | 'drift' | 'offline' | 'exported';

export function configStatus(desired: DesiredMeta | undefined, reported: ReportedConfig | undefined, online: boolean): DeviceConfigStatus {
  if (!desired) return 'none';
  if (reported?.refused?.version === desired.version) return 'refused';
  if (reported && reported.applied.version === desired.version && reported.applied.hash === desired.hash && !reported.drift) return 'applied';
  if (reported && reported.highestSeen >= desired.version) return 'drift';
  if (desired.via === 'bundle') return 'exported';
  return online ? 'pending' : 'offline';
}
