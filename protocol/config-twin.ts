import { z } from 'zod';
import { CONFIG_SCHEMA_VERSION, ConfigIssueSchema } from './config-document.ts';

const EpochMs = z.number().int().nonnegative();
const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in hex');

/** Fleet versions of one device's configuration count up from 1; 0 means "never had one". */
export const ConfigVersion = z.number().int().nonnegative();

/**
 * The desired configuration of one device (retained, so a device that was away reads the
 * latest one on connect and never an older one). The document itself is carried as plain
 * JSON and validated by the appliance, which refuses it with reasons rather than dropping
 * it as a malformed message: a refusal is something the fleet must be told about.
 */
export const DesiredConfig = z.object({
  version: ConfigVersion.min(1),
  issuedAt: EpochMs,
  /** Who pushed it (console user), for the device's own log. */
  by: z.string().max(128).optional(),
  /** sha256 of the canonical JSON of `config`: the device checks it before anything else. */
  hash: Sha256Hex,
  config: z.record(z.string(), z.unknown()),
});
export type DesiredConfig = z.infer<typeof DesiredConfig>;

/** Where the running configuration came from. */
export const ConfigSource = z.enum(['initial', 'fleet', 'bundle', 'local', 'rollback']);
export type ConfigSource = z.infer<typeof ConfigSource>;

export const AppliedConfig = z.object({
  /** The fleet (or bundle) version it is, or is based on for local edits and rollbacks. */
  version: ConfigVersion,
  hash: Sha256Hex,
  source: ConfigSource,
  at: EpochMs,
  by: z.string().max(128).optional(),
});
export type AppliedConfig = z.infer<typeof AppliedConfig>;

/**
 * What the device runs, retained so the fleet knows it even after its own restart. `drift`
 * is true when the running document is not the last version the fleet or a bundle gave
 * (a local edit or a rollback since); `refused` is the latest version it would not apply.
 */
export const ReportedConfig = z.object({
  ts: EpochMs,
  /** The configuration schema the appliance speaks. */
  schema: z.number().int().positive().default(CONFIG_SCHEMA_VERSION),
  applied: AppliedConfig,
  drift: z.boolean(),
  /** The highest fleet/bundle version this device has seen, applied or not. */
  highestSeen: ConfigVersion,
  refused: z
    .object({ version: ConfigVersion, hash: z.string().max(64), at: EpochMs, issues: z.array(ConfigIssueSchema).max(50) })
    .optional(),
  /** The version a rollback would return to, if one is kept. */
  previousVersion: ConfigVersion.optional(),
});
export type ReportedConfig = z.infer<typeof ReportedConfig>;
