import type { z } from 'zod';
import { CommandRequest, CommandResponse, DeviceEvent, DeviceState, Telemetry } from './schemas.ts';
import { DesiredConfig, ReportedConfig } from './config-twin.ts';
import { TerminalInput, TerminalOutput } from './terminal.ts';
import { Id } from './ids.ts';
import { LiveMetrics } from './metrics.ts';
import { UpdateDesired, UpdateStatus } from './update-job.ts';

/** Every topic lives under this versioned root; a v2 contract would live beside it. */
export const ROOT = 'cc/v1';

export type Direction = 'device-to-fleet' | 'fleet-to-device';

export interface TopicSpec<S extends z.ZodType = z.ZodType, D extends Direction = Direction> {
  /** Levels after the root; `{name}` marks a parameter level. */
  readonly pattern: string;
  readonly direction: D;
  readonly qos: 0 | 1;
  readonly retain: boolean;
  readonly schema: S;
  readonly about: string;
  /** Largest payload accepted on this row; `MAX_PAYLOAD_BYTES` of decode.ts when absent. */
  readonly maxBytes?: number;
}

function spec<S extends z.ZodType, D extends Direction>(s: TopicSpec<S, D>): TopicSpec<S, D> {
  return s;
}

/**
 * The one table of every MQTT topic. Nothing else in the code spells a topic string: build
 * them with `topicFor`, subscribe with `filterFor`, read them with `matchTopic`/`decode`.
 * Later contracts (updates, metrics) add rows here.
 */
export const topics = {
  state: spec({
    pattern: '{site}/{device}/state',
    direction: 'device-to-fleet',
    qos: 1,
    retain: true,
    schema: DeviceState,
    about: 'birth on connect and death as last will: the retained latest online/offline state',
  }),
  telemetry: spec({
    pattern: '{site}/{device}/telemetry',
    direction: 'device-to-fleet',
    qos: 0,
    retain: false,
    schema: Telemetry,
    about: 'health sample every N seconds; may be dropped',
  }),
  event: spec({
    pattern: '{site}/{device}/events',
    direction: 'device-to-fleet',
    qos: 1,
    retain: false,
    schema: DeviceEvent,
    about: 'events that must not be lost, stored and forwarded in order by the device outbox',
  }),
  commandRequest: spec({
    pattern: '{site}/{device}/cmd/req',
    direction: 'fleet-to-device',
    qos: 1,
    retain: false,
    schema: CommandRequest,
    about: 'a command for one device, with correlation id, reply topic and expiry',
  }),
  commandReply: spec({
    // The reply stays under the device's own prefix (a device may publish nowhere else) and
    // names the caller in its last level, so each caller subscribes only to its replies.
    pattern: '{site}/{device}/reply/{caller}',
    direction: 'device-to-fleet',
    qos: 1,
    retain: false,
    schema: CommandResponse,
    about: 'the response to a command, correlated by id',
  }),
  configDesired: spec({
    pattern: '{site}/{device}/config/desired',
    direction: 'fleet-to-device',
    qos: 1,
    retain: true,
    schema: DesiredConfig,
    about: 'the configuration the fleet wants this device to run: retained, so only the latest version is ever delivered',
    maxBytes: 2 * 1024 * 1024,
  }),
  configReported: spec({
    pattern: '{site}/{device}/config/reported',
    direction: 'device-to-fleet',
    qos: 1,
    retain: true,
    schema: ReportedConfig,
    about: 'the configuration version the device runs, drift, and why it refused the latest one',
  }),
  terminalInput: spec({
    pattern: '{site}/{device}/term/in',
    direction: 'fleet-to-device',
    qos: 1,
    retain: false,
    schema: TerminalInput,
    about: 'remote terminal: open, keystrokes, resize, close',
  }),
  terminalOutput: spec({
    // Like replies, under the device's prefix and naming the fleet node that relays the session.
    pattern: '{site}/{device}/term/out/{caller}',
    direction: 'device-to-fleet',
    qos: 1,
    retain: false,
    schema: TerminalOutput,
    about: 'remote terminal: opened or refused, output, exit',
  }),
  metrics: spec({
    pattern: '{site}/{device}/metrics',
    direction: 'device-to-fleet',
    qos: 0,
    retain: false,
    schema: LiveMetrics,
    about: 'live ACD metrics per queue and for the appliance, every second; may be dropped, never retained',
  }),
  updateDesired: spec({
    pattern: '{site}/{device}/update/desired',
    direction: 'fleet-to-device',
    qos: 1,
    retain: true,
    schema: UpdateDesired,
    about: 'the update job a rollout campaign wants this device to run (bundle URL, per-device token, window, drain first), or none: retained',
  }),
  updateStatus: spec({
    pattern: '{site}/{device}/update/status',
    direction: 'device-to-fleet',
    qos: 1,
    retain: true,
    schema: UpdateStatus,
    about: 'how far the device got with its update job: waiting, draining, downloading, installing, rebooting, committed, rolled back or failed',
  }),
} as const;

export type TopicName = keyof typeof topics;
/** The rows a device publishes on (its broker ACL allows no others). */
export type DeviceToFleetTopic = { [N in TopicName]: (typeof topics)[N]['direction'] extends 'device-to-fleet' ? N : never }[TopicName];
export type PayloadOf<N extends TopicName> = z.infer<(typeof topics)[N]['schema']>;

type ParamNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | ParamNames<Rest>
  : never;
export type TopicParams<N extends TopicName> = Record<ParamNames<(typeof topics)[N]['pattern']>, string>;

export const topicNames = Object.keys(topics) as TopicName[];

const levelsOf = (pattern: string) => pattern.split('/');

export class TopicParamError extends Error {
  override name = 'TopicParamError';
}

/** The concrete topic string for one device (or caller). */
export function topicFor<N extends TopicName>(name: N, params: TopicParams<N>): string {
  const values = params as Record<string, string>;
  const levels = levelsOf(topics[name].pattern).map((level) => {
    if (!level.startsWith('{')) return level;
    const key = level.slice(1, -1);
    const value = values[key];
    if (value === undefined || !Id.safeParse(value).success) {
      throw new TopicParamError(`topic ${name}: parameter ${key}=${String(value)} is not a valid id`);
    }
    return value;
  });
  return [ROOT, ...levels].join('/');
}

/** A subscription filter: parameters left out become `+` (MQTT 3.1.1 §4.7.1.3). */
export function filterFor<N extends TopicName>(name: N, params: Partial<TopicParams<N>> = {}): string {
  const values = params as Record<string, string | undefined>;
  const levels = levelsOf(topics[name].pattern).map((level) => {
    if (!level.startsWith('{')) return level;
    const value = values[level.slice(1, -1)];
    if (value === undefined) return '+';
    if (!Id.safeParse(value).success) throw new TopicParamError(`filter ${name}: ${value} is not a valid id`);
    return value;
  });
  return [ROOT, ...levels].join('/');
}

/** The filter for everything under one device's prefix: what the broker ACL grants it. */
export function devicePrefix(site: string, device: string): string {
  for (const v of [site, device]) {
    if (!Id.safeParse(v).success) throw new TopicParamError(`${v} is not a valid id`);
  }
  return `${ROOT}/${site}/${device}`;
}

export interface TopicMatch<N extends TopicName = TopicName> {
  name: N;
  params: TopicParams<N>;
}

/** Which row of the table a concrete topic belongs to, with its parameters; undefined if none. */
export function matchTopic(topic: string): TopicMatch | undefined {
  if (!topic.startsWith(`${ROOT}/`)) return undefined;
  const levels = topic.slice(ROOT.length + 1).split('/');
  for (const name of topicNames) {
    const pattern = levelsOf(topics[name].pattern);
    if (pattern.length !== levels.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const p = pattern[i]!;
      const l = levels[i]!;
      if (p.startsWith('{')) {
        if (Id.safeParse(l).success) params[p.slice(1, -1)] = l;
        else ok = false;
      } else if (p !== l) ok = false;
    }
    if (ok) return { name, params } as TopicMatch;
  }
  return undefined;
}

/** Publish options for a row, so QoS and retain are never spelled twice. */
export function publishOptions(name: TopicName): { qos: 0 | 1; retain: boolean } {
  return { qos: topics[name].qos, retain: topics[name].retain };
}
