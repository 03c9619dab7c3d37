import { z } from 'zod';
import { builtinProfiles } from '../../hardware/profiles/builtin-profiles.ts';

/**
 * The optional `hardware` section of the appliance's boot configuration: which board profile
 * the box is, and whether its telephony cards are read from Linux (DAHDI sysfs) or simulated
 * (the demo, tests, a box without cards that should still show spans).
 */
const SimStep = z.union([
  z.object({
    atS: z.number().nonnegative().max(86_400),
    do: z.enum(['raise', 'clear']),
    span: z.number().int().min(1),
    alarm: z.enum(['los', 'lof', 'ais', 'rai']),
  }),
  z.object({
    atS: z.number().nonnegative().max(86_400),
    do: z.enum(['ring', 'stop-ring', 'off-hook', 'on-hook', 'unplug', 'plug']),
    port: z.number().int().min(1),
  }),
]);
export type SimStep = z.infer<typeof SimStep>;

export const HardwareConfig = z.object({
  /** A built-in board profile id (hardware/profiles/builtin-profiles.ts), e.g. `cc-e1x2`. */
  board: z.string().refine((id) => builtinProfiles.has(id), { error: `must be a known board profile (${[...builtinProfiles.keys()].join(', ')})` }),
  driver: z.enum(['simulator', 'linux']).default('simulator'),
  /** What the site does with the board (hardware/profiles/site-telephony.ts), checked against it at start. */
  site: z.record(z.string(), z.unknown()).default({}),
  pollIntervalMs: z.number().int().min(100).max(60_000).default(1000),
  /** Good readings needed before an alarm clears (ANSI T1.231 says 10 s). */
  clearHoldS: z.number().min(0).max(600).default(10),
  linux: z
    .object({
      sysRoot: z.string().min(1).optional(),
      configDir: z.string().min(1).optional(),
      channelConfigDir: z.string().min(1).optional(),
      /** Applies system.conf; `dahdi_cfg` by default, `[]` to only write the files. */
      applyCommand: z.array(z.string().min(1)).max(16).optional(),
    })
    .default({}),
  simulator: z
    .object({
      seed: z.number().int().optional(),
      /** Alarms and rings at random (seeded), as a live demo. */
      chaos: z
        .object({
          meanAlarmIntervalS: z.number().positive(),
          meanAlarmDurationS: z.number().positive(),
          meanRingIntervalS: z.number().nonnegative().optional(),
          meanOffHookIntervalS: z.number().nonnegative().optional(),
        })
        .optional(),
      /** Steps at seconds after start: what a test or a scripted demo wants to happen. */
      script: z.array(SimStep).max(1000).default([]),
    })
    .default({ script: [] }),
});
export type HardwareConfig = z.infer<typeof HardwareConfig>;
export type HardwareConfigInput = z.input<typeof HardwareConfig>;
