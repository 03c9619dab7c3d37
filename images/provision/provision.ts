import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DeviceId, SiteId } from '../../protocol/ids.ts';
import { parseApplianceConfig, type ApplianceConfig } from '../../appliance/config/appliance-config.ts';
import { BoardId } from '../../hardware/profiles/board-profile.ts';

/**
 * First-boot provisioning: a box leaves the factory without an identity; whoever installs it
 * puts `cc-provision.json` on the data partition or on a USB stick labelled CCPROVISION. The
 * file names the device, its site, and either the fleet to report to (URL and credentials) or
 * `air-gapped`. Pure here; the CLI beside it finds the file and writes the configuration.
 */
export const ProvisionFile = z
  .object({
    device: DeviceId,
    site: SiteId,
    mode: z.enum(['connected', 'air-gapped']),
    fleet: z.object({ url: z.string(), secret: z.string() }).optional(),
    board: BoardId.optional(),
    logLevel: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  })
  .strict();
export type ProvisionFile = z.infer<typeof ProvisionFile>;

export class ProvisionError extends Error {
  override name = 'ProvisionError';
}

export interface ProvisionPlan {
  config: ApplianceConfig;
  /** Fingerprint of the file applied, so the same stick is not applied again each boot. */
  sha256: string;
}

/** Validates a provision file and turns it into the appliance's boot configuration. */
export function planProvisioning(text: string, dataDir: string): ProvisionPlan {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ProvisionError(`the provision file is not JSON: ${(err as Error).message}`);
  }
  const parsed = ProvisionFile.safeParse(json);
  if (!parsed.success) throw new ProvisionError(`the provision file is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  const p = parsed.data;
  if (p.mode === 'connected' && !p.fleet) throw new ProvisionError('a connected appliance needs fleet.url and fleet.secret (or mode "air-gapped")');
  if (p.mode === 'air-gapped' && p.fleet) throw new ProvisionError('an air-gapped appliance must not name a fleet');
  const config = parseApplianceConfig(
    {
      site: p.site,
      device: p.device,
      dataDir,
      profile: p.mode,
      ...(p.fleet ? { fleet: p.fleet } : {}),
      ...(p.logLevel ? { logLevel: p.logLevel } : {}),
      // Rollouts from the fleet install into the image's A/B slots through GRUB, trusting the
      // release keys the image ships; air-gapped boxes update from USB bundles instead.
      ...(p.mode === 'connected'
        ? { updates: { boot: { kind: 'grub' }, trustedKeysDir: '/usr/share/cc/keys', ...(p.board ? { board: p.board } : {}) } }
        : {}),
    },
    'the provision file',
  );
  return { config, sha256: createHash('sha256').update(text).digest('hex') };
}
