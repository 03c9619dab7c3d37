import { z } from 'zod';
import { Id } from './ids.ts';

/**
 * Update jobs between the fleet's rollout campaigns and a device's update agent: the fleet
 * says which signed bundle the device should install (retained, so a device that was away
 * reads its current job on connect), the device says how far it got (retained, so the fleet
 * sees each device's last state after its own restart).
 */
const EpochMs = z.number().int().nonnegative();
const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in hex');
/** SemVer 2.0.0 `major.minor.patch[-pre]`; the updater orders them (anti-rollback). */
export const BundleVersion = z
  .string()
  .max(64)
  .regex(/^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/, 'must be a version like 1.4.2 or 1.5.0-rc.1');
const TimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)');

/**
 * A daily maintenance window in the site's wall-clock time. The offset is explicit (not a
 * time-zone name) so device and fleet compute the same instants without a tz database; a
 * window may span midnight (22:00–04:00).
 */
export const MaintenanceWindow = z
  .object({
    start: TimeOfDay,
    end: TimeOfDay,
    /** The site's offset from UTC in minutes (China Standard Time: 480). */
    utcOffsetMinutes: z.number().int().min(-720).max(840),
    /** Local days of the week (0 = Sunday) on which the window opens; every day when absent. */
    days: z.array(z.number().int().min(0).max(6)).min(1).max(7).optional(),
  })
  .refine((w) => w.start !== w.end, 'a window must not start and end at the same minute');
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

export const UpdateInstall = z.object({
  kind: z.literal('install'),
  campaign: Id,
  version: BundleVersion,
  /** Where the fleet serves the bundle (HTTP range requests supported). */
  url: z.string().max(2048).regex(/^https?:\/\/\S+$/, 'must be an http(s) URL'),
  /** Per-device download token, sent as `Authorization: Bearer`; only this device can read it (ACL). */
  token: z.string().min(16).max(256).regex(/^[A-Za-z0-9_-]+$/),
  sha256: Sha256Hex,
  size: z.number().int().positive(),
  window: MaintenanceWindow.optional(),
  /** Wait until no call is active (and offer no new ones) before downloading. */
  drainFirst: z.boolean(),
  issuedAt: EpochMs,
  by: z.string().max(128).optional(),
});
export type UpdateInstall = z.infer<typeof UpdateInstall>;

/** No job (a campaign was aborted or halted before this device started installing). */
export const UpdateNone = z.object({
  kind: z.literal('none'),
  campaign: Id.optional(),
  issuedAt: EpochMs,
  reason: z.string().max(500).optional(),
});

export const UpdateDesired = z.discriminatedUnion('kind', [UpdateInstall, UpdateNone]);
export type UpdateDesired = z.infer<typeof UpdateDesired>;

export const UpdateState = z.enum(['idle', 'waiting-window', 'draining', 'downloading', 'installing', 'rebooting', 'committed', 'rolled-back', 'failed']);
export type UpdateState = z.infer<typeof UpdateState>;
/** States after which a device does nothing more for its campaign. */
export const FINAL_UPDATE_STATES: ReadonlySet<UpdateState> = new Set(['committed', 'rolled-back', 'failed']);

export const UpdateStatus = z.object({
  ts: EpochMs,
  state: UpdateState,
  /** The campaign this status is about; absent when idle without a job. */
  campaign: Id.optional(),
  /** The version being installed. */
  version: BundleVersion.optional(),
  /** The version the device runs now. */
  installedVersion: BundleVersion,
  progress: z.object({ received: z.number().int().nonnegative(), total: z.number().int().positive().optional() }).optional(),
  /** While draining: calls still up. */
  activeCalls: z.number().int().nonnegative().optional(),
  /** While waiting: when the maintenance window opens. */
  windowOpensAt: EpochMs.optional(),
  /** For failed / rolled-back: a machine-readable code and a sentence. */
  code: z.string().max(64).optional(),
  reason: z.string().max(500).optional(),
});
export type UpdateStatus = z.infer<typeof UpdateStatus>;

const DAY_MS = 86_400_000;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export type WindowState = { open: true; closesAt: number } | { open: false; opensAt: number };

/** Whether the window is open at `now` (UTC ms), and when it closes or next opens. */
export function windowState(window: MaintenanceWindow, now: number): WindowState {
  const offset = window.utcOffsetMinutes * 60_000;
  const localDay = Math.floor((now + offset) / DAY_MS);
  const start = minutesOf(window.start) * 60_000;
  let length = minutesOf(window.end) * 60_000 - start;
  if (length <= 0) length += DAY_MS;
  // 1970-01-01 was a Thursday (4).
  const allowed = (day: number) => !window.days || window.days.includes((((day + 4) % 7) + 7) % 7);
  // Yesterday's window may still be open past midnight.
  for (let day = localDay - 1; day <= localDay + 8; day++) {
    if (!allowed(day)) continue;
    const opens = day * DAY_MS + start - offset;
    if (now < opens) return { open: false, opensAt: opens };
    if (now < opens + length) return { open: true, closesAt: opens + length };
  }
  // Unreachable with at least one allowed day; keep the type total.
  return { open: false, opensAt: now + DAY_MS };
}
