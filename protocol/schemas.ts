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

/**
 * Span alarms as G.775/T1.231 name them: `los` loss of signal, `lof` loss of frame (together
 * the local red alarm), `ais` the blue alarm, `rai` remote alarm indication, which T1 calls
 * the yellow alarm. Appliances send `rai`; `yellow` is accepted as its T1 name.
 */
export const SpanAlarmName = z.enum(['los', 'lof', 'ais', 'rai', 'yellow']);
export type SpanAlarmName = z.infer<typeof SpanAlarmName>;

export const SpanTelemetry = z.object({
  /** The span number on the board (DAHDI span-N). */
  id: z.number().int().min(1).max(64),
  type: z.enum(['E1', 'T1']),
  /** Down while any alarm stands: the span carries no calls. */
  state: z.enum(['up', 'down']),
  alarms: z.array(SpanAlarmName).max(5),
  counters: z.object({
    /** Bearer channels open by the signalling stack, and how many the span has. */
    inUse: z.number().int().nonnegative(),
    bearer: z.number().int().nonnegative(),
    /** Line error counters where the driver exposes them (bipolar violations, CRC-4, frame errors). */
    bpv: z.number().int().nonnegative().optional(),
    crc4: z.number().int().nonnegative().optional(),
    fas: z.number().int().nonnegative().optional(),
  }),
  syncSource: z.boolean().optional(),
  label: z.string().max(64).optional(),
});
export type SpanTelemetry = z.infer<typeof SpanTelemetry>;

export const PortTelemetry = z.object({
  id: z.number().int().min(1).max(256),
  kind: z.enum(['fxs', 'fxo']),
  hook: z.enum(['on-hook', 'off-hook', 'ringing', 'unknown']),
  /** `no-battery`: an FXO line without battery (unplugged, or cut by the exchange). */
  alarms: z.array(z.enum(['no-battery'])).max(1),
  label: z.string().max(64).optional(),
});
export type PortTelemetry = z.infer<typeof PortTelemetry>;

export const HardwareTelemetry = z.object({
  /** The board profile id (hardware/profiles). */
  board: z.string().min(1).max(64),
  spans: z.array(SpanTelemetry).max(32),
  ports: z.array(PortTelemetry).max(64),
});
export type HardwareTelemetry = z.infer<typeof HardwareTelemetry>;

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
  /** E1/T1 spans and analog ports of the board's telephony cards, once the appliance has any. */
  hardware: HardwareTelemetry.optional(),
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
