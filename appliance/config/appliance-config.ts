import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { HardwareConfig } from '../hardware-link/hardware-config.ts';
import { DeviceId, SiteId } from '../../protocol/ids.ts';
import { describeIssues } from '../../protocol/decode.ts';

/** A user made on first start (later changes on the appliance win): demo agents, the first admin. */
export const WebSeedUser = z
  .object({
    username: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/),
    role: z.enum(['agent', 'supervisor', 'admin']),
    /** The ACD agent id this user takes calls as; defaults to the user name. */
    agentId: z.string().min(1).max(64).optional(),
    displayName: z.string().max(100).optional(),
    /** Plain (demo, first boot) or an scrypt hash as fleet/auth/password-hash.ts writes it. */
    password: z.string().min(8).max(256).optional(),
    passwordHash: z.string().startsWith('scrypt$').optional(),
  })
  .refine((u) => (u.password === undefined) !== (u.passwordHash === undefined), { message: 'give exactly one of password or passwordHash' });

/**
 * The appliance's web server. Browsers allow the softphone's microphone only in a secure
 * context: http://localhost is one, a LAN address is not, so LAN agents need HTTPS. The
 * default makes a self-signed certificate on the data partition (agents' PCs trust it once);
 * `files` uses the site's own; `off` is for localhost or behind a TLS-terminating proxy.
 */
export const WebConfig = z.object({
  host: z.string().min(1).default('0.0.0.0'),
  port: z.number().int().min(0).max(65_535).default(8443),
  tls: z
    .object({
      mode: z.enum(['off', 'self-signed', 'files']).default('self-signed'),
      /** Extra names and addresses the self-signed certificate covers (the box's LAN address). */
      hosts: z.array(z.string().min(1).max(253)).max(32).default([]),
      certFile: z.string().min(1).optional(),
      keyFile: z.string().min(1).optional(),
    })
    .refine((t) => t.mode !== 'files' || (t.certFile !== undefined && t.keyFile !== undefined), { message: 'tls mode files needs certFile and keyFile' })
    .default({ mode: 'self-signed', hosts: [] }),
  users: z.array(WebSeedUser).max(1000).default([]),
  /** Agents idle this long are logged out of the web session (not of the ACD). */
  sessionIdleMinutes: z.number().int().min(5).max(24 * 60).default(60),
  /** Believe x-forwarded-proto/-for: only behind a reverse proxy that sets them. */
  trustProxy: z.boolean().default(false),
});
export type WebConfig = z.infer<typeof WebConfig>;

/**
 * Fleet rollouts and local installs (issue 8): how this box boots its A/B system slots, where
 * downloads land, which keys a bundle must be signed with and what "reboot" means.
 * `grub` is the image (GRUB's environment on the EFI partition, the slots as partitions);
 * `simulated` keeps a machine in a directory (grubenv, slot status, slots as directories) for
 * the demo and tests, the process playing the bootloader at each start.
 */
export const UpdatesConfig = z.strictObject({
  boot: z.discriminatedUnion('kind', [
    // Strict: a misspelt key (or a reboot mode on a real machine) is an error, not ignored.
    z.strictObject({
      kind: z.literal('grub'),
      grubenvPath: z.string().min(1).default('/boot/efi/EFI/cc/grubenv'),
      slotDevices: z.object({ a: z.string().min(1), b: z.string().min(1) }).default({ a: '/dev/disk/by-partlabel/cc-system-a', b: '/dev/disk/by-partlabel/cc-system-b' }),
    }),
    z.strictObject({
      kind: z.literal('simulated'),
      dir: z.string().min(1),
      /** The version a fresh simulated machine's slot a holds (default: this program's). */
      initialVersion: z.string().regex(/^\d+\.\d+\.\d+/, 'must be a version like 1.2.3').optional(),
      /**
       * What "reboot" does (on grub it is always `systemctl reboot`): `restart` stops the
       * appliance and boots it again in this process; `exit` ends the process for its
       * supervisor to start it again. Either way the next start is the bootloader's turn.
       */
      reboot: z.enum(['restart', 'exit']).default('restart'),
    }),
  ]),
  /** Downloads and the job file, on the data partition (default `<dataDir>/updater/work`). */
  workDir: z.string().min(1).optional(),
  /** ed25519 public keys (PEM) of release signers; with `trustedKeysDir`, the union. */
  trustedKeys: z.array(z.string().min(40).max(4096)).max(8).default([]),
  /** A directory of `*.pub` PEM files (the image ships /usr/share/cc/keys). */
  trustedKeysDir: z.string().min(1).optional(),
  /** The board id bundles must name (default: the `hardware` section's board, else cc-x86-generic). */
  board: z.string().min(1).max(64).optional(),
  /** How long a freshly booted slot has to prove healthy (simulated boot; the image's commit unit has its own). */
  healthDeadlineS: z.number().int().min(1).max(3600).default(120),
});
export type UpdatesConfig = z.infer<typeof UpdatesConfig>;

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
    /**
     * `connected` reports to a fleet; `government` reports too but refuses remote terminals
     * whatever else says so; `air-gapped` never opens a network path to a fleet and takes
     * configuration from signed offline bundles or local edits.
     */
    profile: z.enum(['connected', 'government', 'air-gapped']).default('connected'),
    /** Local policy: decided on the box, never by the fleet (the twin does not carry it). */
    policy: z
      .object({
        /** Remote terminal from the fleet console; always off for government and air-gapped profiles. */
        remoteTerminal: z.boolean().default(true),
        terminal: z
          .object({
            shell: z.string().min(1).default('/bin/bash'),
            maxSessions: z.number().int().min(1).max(16).default(2),
            idleTimeoutS: z.number().int().min(10).max(86_400).default(600),
            maxDurationS: z.number().int().min(60).max(86_400).default(4 * 3600),
          })
          .default({ shell: '/bin/bash', maxSessions: 2, idleTimeoutS: 600, maxDurationS: 4 * 3600 }),
      })
      .default({ remoteTerminal: true, terminal: { shell: '/bin/bash', maxSessions: 2, idleTimeoutS: 600, maxDurationS: 4 * 3600 } }),
    /** Offline configuration bundles (air-gapped sites). */
    bundles: z
      .object({
        /** ed25519 public keys (PEM or base64 SPKI) of the fleets whose bundles this appliance accepts. */
        trustedKeys: z.array(z.string().min(40).max(4096)).max(8).default([]),
        /** A folder watched for `*.ccbundle` files, e.g. where USB sticks are mounted. */
        importDir: z.string().min(1).optional(),
        pollIntervalS: z.number().positive().max(3600).default(5),
      })
      .default({ trustedKeys: [], pollIntervalS: 5 }),
    fleet: z
      .object({
        url: z.string().regex(/^mqtts?:\/\/[^\s]+$/, 'must be an mqtt:// or mqtts:// URL'),
        secret: z.string().min(16, 'must be at least 16 characters'),
        telemetryIntervalS: z.number().positive().max(3600).default(5),
        keepaliveS: z.number().int().min(1).max(3600).default(30),
      })
      .optional(),
    /** Telephony cards (E1/T1 spans, FXS/FXO ports): board profile, simulated or read from Linux. */
    hardware: HardwareConfig.optional(),
    logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    /** The agent desktop, local wallboard and admin pages; no web server when absent. */
    web: WebConfig.optional(),
    /** Updates from the fleet's rollouts; without it the appliance takes no rollout jobs. */
    updates: UpdatesConfig.optional(),
  })
  .refine((c) => c.profile === 'air-gapped' || c.fleet !== undefined, {
    message: 'a connected appliance needs a fleet section (or set profile to air-gapped)',
    path: ['fleet'],
  });
export type ApplianceConfig = z.infer<typeof ApplianceConfig>;

/** Whether the fleet may open a terminal here, and if not, the reason told to it. */
export function terminalPolicyOf(config: ApplianceConfig): { enabled: boolean; reason?: string } {
  if (config.profile !== 'connected') return { enabled: false, reason: `remote terminal is disabled by this appliance's ${config.profile} profile` };
  if (!config.policy.remoteTerminal) return { enabled: false, reason: "remote terminal is disabled by this appliance's local policy" };
  return { enabled: true };
}

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
