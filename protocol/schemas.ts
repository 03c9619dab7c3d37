import { z } from 'zod';

/** Milliseconds since the Unix epoch. */
const EpochMs = z.number().int().nonnegative();
const Bytes = z.number().nonnegative();
const Version = z.string().min(1).max(64);
const BootId = z.string().min(1).max(64);

/**
 * Birth and death share one retained topic: the birth is published on connect and the
 * death is registered as the last will (MQTT 3.1.1 §3.1.2.5), so the retained value is
 * always the device's latest known state. A device stamps the birth and the will of one
 * connection with the same `ts`, chosen before it connects: the fleet then applies that
 * will, and ignores a will of an earlier connection (older `ts`) or of a replaced boot.
 */
export const DeviceState = z.object({
  status: z.enum(['online', 'offline']),
  ts: EpochMs,
  bootId: BootId,
  version: Version,
  /** Why a device is offline: `lost` is the broker-published will, `shutdown` a clean stop. */
  reason: z.enum(['lost', 'shutdown']).optional(),
  /** standalone/air-gapped policy etc. travels here so the fleet can show it. */
  profile: z.string().max(64).optional(),
});
export type DeviceState = z.infer<typeof DeviceState>;

export const Telemetry = z.object({
  ts: EpochMs,
  bootId: BootId,
  version: Version,
  uptimeS: z.number().nonnegative(),
  cpu: z.object({
    cores: z.number().int().positive(),
    /** Share of all cores busy since the previous sample, 0..1. */
    usage: z.number().min(0).max(1),
    load1: z.number().nonnegative(),
  }),
  memory: z.object({ totalBytes: Bytes, availableBytes: Bytes, processRssBytes: Bytes }),
  disk: z.object({ path: z.string().max(256), totalBytes: Bytes, freeBytes: Bytes }),
  /** SIP trunks and their keepalive state, once the appliance has any. */
  trunks: z
    .array(z.object({ id: z.string().max(64), up: z.boolean(), since: EpochMs, detail: z.string().max(256).optional() }))
    .max(256)
    .optional(),
});
export type Telemetry = z.infer<typeof Telemetry>;

/**
 * An event that must not be lost (CDR, alarm, audit). `epoch` names the device's outbox
 * (it changes only when the outbox is recreated) and `seq` counts within it, so the fleet
 * can drop the duplicates QoS 1 allows (MQTT 3.1.1 §4.3.2) and spot gaps.
 */
export const DeviceEvent = z.object({
  epoch: z.string().min(1).max(64),
  seq: z.number().int().positive(),
  ts: EpochMs,
  type: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'must be a dotted lower-case name'),
  severity: z.enum(['info', 'warning', 'critical']).default('info'),
  data: z.record(z.string(), z.unknown()).default({}),
});
export type DeviceEvent = z.infer<typeof DeviceEvent>;
export type DeviceEventInput = z.input<typeof DeviceEvent>;

/**
 * MQTT 3.1.1 has no response-topic or correlation property (those are MQTT 5), so a command
 * carries them in its payload; `expiresAt` lets a device refuse a command that waited in a
 * queue too long instead of running it late.
 */
export const CommandRequest = z.object({
  id: z.string().min(1).max(64),
  name: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/),
  args: z.record(z.string(), z.unknown()).default({}),
  replyTo: z.string().min(1).max(256),
  expiresAt: EpochMs,
  /** Who asked, for the device's own audit log. */
  by: z.string().max(128).optional(),
});
export type CommandRequest = z.infer<typeof CommandRequest>;

export const CommandResponse = z.discriminatedUnion('ok', [
  z.object({ id: z.string().min(1).max(64), ok: z.literal(true), ts: EpochMs, result: z.unknown() }),
  z.object({
    id: z.string().min(1).max(64),
    ok: z.literal(false),
    ts: EpochMs,
    error: z.object({
      code: z.enum(['expired', 'unknown-command', 'bad-args', 'failed', 'forbidden']),
      message: z.string().max(2000),
    }),
  }),
]);
export type CommandResponse = z.infer<typeof CommandResponse>;
