/**
 * A/B slots and the bootloader's counter, the way GRUB runs them on the box (see grub-env.ts
 * and images/grub/grub.cfg). The environment holds four variables:
 *
 *   cc_default   the committed slot, booted when nothing is on trial
 *   cc_try       the slot on trial after an install (empty when none)
 *   cc_tries     trial boots left; the bootloader takes one per boot
 *   cc_rollback  set by the bootloader when a trial ran out of tries and it went back
 *
 * An install writes the inactive slot, then arms `cc_try`. The bootloader boots the trial slot
 * while tries are left; the new system commits itself (cc_default = cc_try) once its health
 * check passes. A crash, a hang (the watchdog resets the box) or a failed check leaves the
 * trial uncommitted, and when the tries are spent the bootloader returns to cc_default.
 */
export type Slot = 'a' | 'b';
export const SLOTS: readonly Slot[] = ['a', 'b'];
export const otherSlot = (s: Slot): Slot => (s === 'a' ? 'b' : 'a');
export const isSlot = (s: unknown): s is Slot => s === 'a' || s === 'b';

/** GRUB's script has no arithmetic: grub.cfg counts down 3 → 2 → 1 → 0 with string compares. */
export const MAX_TRIES = 3;

export interface BootEnv {
  default: Slot;
  try: Slot | undefined;
  tries: number;
  rollback: Slot | undefined;
}

export interface BootDecision {
  slot: Slot;
  /** The environment the bootloader saves before it boots. */
  env: BootEnv;
  rolledBack: boolean;
}

/** What the bootloader does at power-on: the same steps as grub.cfg, one per row. */
export function bootDecision(env: BootEnv): BootDecision {
  if (env.try === undefined || env.try === env.default) return { slot: env.default, env: { ...env, try: undefined, tries: 0 }, rolledBack: false };
  if (env.tries >= 1) return { slot: env.try, env: { ...env, tries: Math.min(env.tries, MAX_TRIES) - 1 }, rolledBack: false };
  return { slot: env.default, env: { ...env, try: undefined, tries: 0, rollback: env.try }, rolledBack: true };
}

/** Reads and durably replaces the bootloader's environment. */
export interface BootEnvStore {
  read(): Promise<BootEnv>;
  write(env: BootEnv): Promise<void>;
}

/** What the updater needs from the machine it runs on. */
export interface BootControl {
  readonly env: BootEnvStore;
  /** The slot the running system was booted from. */
  bootedSlot(): Promise<Slot>;
  /** Restarts the machine (the real one via systemd; the simulated one records it). */
  reboot(reason: string): Promise<void>;
}
