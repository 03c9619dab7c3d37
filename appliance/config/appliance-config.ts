import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DeviceId, SiteId } from '../../protocol/ids.ts';
import { describeIssues } from '../../protocol/decode.ts';

/**
 * The appliance's boot configuration: who it is, where its data lives and how it reaches the
 * fleet. (What it does — trunks, queues, flows — is the configuration twin of a later issue.)
 */
export const ApplianceConfig = z
  .object({
    site: SiteId,
    device: DeviceId,
    /** The data partition: store, recordings. Outside the A/B system slots. */
    dataDir: z.string().min(1),
    /** `connected` reports to a fleet; `air-gapped` never opens a network path to one. */
    profile: z.enum(['connected', 'air-gapped']).default('connected'),
    fleet: z
      .object({
        url: z.string().regex(/^mqtts?:\/\/[^\s]+$/, 'must be an mqtt:// or mqtts:// URL'),
        secret: z.string().min(16, 'must be at least 16 characters'),
        telemetryIntervalS: z.number().positive().max(3600).default(5),
        keepaliveS: z.number().int().min(1).max(3600).default(30),
      })
      .optional(),
    logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  })
  .refine((c) => c.profile === 'air-gapped' || c.fleet !== undefined, {
    message: 'a connected appliance needs a fleet section (or set profile to air-gapped)',
    path: ['fleet'],
  });
export type ApplianceConfig = z.infer<typeof ApplianceConfig>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function parseApplianceConfig(value: unknown, source = 'configuration'): ApplianceConfig {
  const parsed = ApplianceConfig.safeParse(value);
  if (!parsed.success) throw new ConfigError(`${source} is invalid: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export function loadApplianceConfig(path: string): ApplianceConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${path} is not JSON: ${(err as Error).message}`);
  }
  return parseApplianceConfig(json, path);
}
