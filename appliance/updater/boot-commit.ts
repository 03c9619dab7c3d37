import type { BootControl, Slot } from './boot-control.ts';
import { runHealthCheck, type HealthCheckOptions, type HealthProbe, type HealthReport } from './health-check.ts';
import type { SlotStatusFile } from './slot-status.ts';

/**
 * Runs once after every boot. If the system runs from a slot on trial, it checks its health:
 * healthy → the slot becomes the default (commit); not → no tries are left and the machine
 * reboots into the old default. If the bootloader already went back (cc_rollback), it reports
 * that once and marks the abandoned slot failed.
 */
export type AfterBootOutcome =
  | { kind: 'steady'; slot: Slot }
  | { kind: 'committed'; slot: Slot; version: string | undefined; health: HealthReport }
  | { kind: 'rolling-back'; slot: Slot; health: HealthReport }
  | { kind: 'rolled-back'; slot: Slot; failed: Slot; version: string | undefined };

export interface AfterBootOptions extends HealthCheckOptions {
  boot: BootControl;
  status: SlotStatusFile;
  probes: HealthProbe[];
  now?: () => number;
}

export async function afterBoot(options: AfterBootOptions): Promise<AfterBootOutcome> {
  const { boot, status } = options;
  const now = options.now ?? Date.now;
  const env = await boot.env.read();
  const booted = await boot.bootedSlot();
  if (env.try === booted) {
    const health = await runHealthCheck(options.probes, options);
    const record = (await status.read())[booted];
    if (health.ok) {
      // One atomic write turns the trial into the default.
      await boot.env.write({ default: booted, try: undefined, tries: 0, rollback: undefined });
      return { kind: 'committed', slot: booted, version: record.version, health };
    }
    const why = health.results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.detail ?? 'failed'}`).join('; ');
    await boot.env.write({ ...env, tries: 0 });
    await status.update(booted, { ...record, state: 'failed', updatedAt: now(), note: `health check failed: ${why}`.slice(0, 500) });
    await boot.reboot(`health check failed: ${why}`);
    return { kind: 'rolling-back', slot: booted, health };
  }
  if (env.rollback !== undefined) {
    const record = (await status.read())[env.rollback];
    if (record.state !== 'failed') {
      await status.update(env.rollback, { ...record, state: 'failed', updatedAt: now(), note: record.note ?? 'did not boot to a healthy system within its tries' });
    }
    await boot.env.write({ ...env, rollback: undefined });
    return { kind: 'rolled-back', slot: booted, failed: env.rollback, version: record.version };
  }
  return { kind: 'steady', slot: booted };
}
