import type { BoardProfile } from '../profiles/board-profile.ts';
import type { DahdiConfigFiles } from '../dahdi/dahdi-config.ts';
import type { HardwareStatus } from './hardware-status.ts';

/**
 * The hardware abstraction the appliance talks to. The Linux implementation reads DAHDI's
 * sysfs tree and writes /etc/dahdi; the simulator behaves like a card on a virtual clock.
 */
export interface TelephonyHal {
  readonly board: BoardProfile;
  /** The status of every span and port now. */
  read(): Promise<HardwareStatus>;
  /** Writes the generated channel configuration and has the driver apply it. */
  applyChannelConfig(files: DahdiConfigFiles): Promise<void>;
}

/**
 * A hardware watchdog (Linux watchdog API, Documentation/watchdog/watchdog-api.rst). On the
 * image systemd owns /dev/watchdog (RuntimeWatchdogSec) and the appliance is watched through
 * its unit's WatchdogSec; this interface is for boards without systemd's help.
 */
export interface Watchdog {
  /** Opens the device: from now on the board resets unless `kick` comes in time. */
  open(): Promise<void>;
  kick(): Promise<void>;
  /** Magic close: disarms the watchdog on a clean stop. */
  close(): Promise<void>;
}

export type LedState = 'on' | 'off' | 'blink' | 'heartbeat';

export interface Leds {
  set(name: string, state: LedState): Promise<void>;
}
