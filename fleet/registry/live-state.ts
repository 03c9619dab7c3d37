import type { DeviceState, Telemetry } from '../../protocol/schemas.ts';

/**
 * What the fleet knows of one device right now. Pure data: the registry keeps one per device
 * in memory and persists them in batches. Times named `…At`/`since` are the fleet's receipt
 * times; `stateTs` is the device's own clock, used only to order its state messages.
 */
export type DeviceStatus = 'online' | 'offline' | 'unknown';

export interface LiveState {
  status: DeviceStatus;
  /** Why it is offline: `lost` is the broker-published will, `shutdown` a clean stop. */
  reason?: 'lost' | 'shutdown';
  /** When the current status began. */
  since?: number;
  onlineSince?: number;
  /** The last message the device itself sent (a will is the broker speaking, so it does not count). */
  lastSeenAt?: number;
  bootId?: string;
  /** Device timestamp of the last applied state message of the current boot. */
  stateTs?: number;
  /** Boots superseded by a later one, newest first: their messages are stale by definition. */
  pastBootIds?: string[];
  version?: string;
  profile?: string;
  telemetry?: Telemetry;
  telemetryAt?: number;
}

export type ApplyResult = 'applied' | 'stale';

export interface LiveTransition {
  result: ApplyResult;
  live: LiveState;
}

export const MAX_PAST_BOOTS = 8;

export const initialLiveState = (): LiveState => ({ status: 'unknown' });

function withNewBoot(live: LiveState, bootId: string): LiveState {
  if (live.bootId === undefined || live.bootId === bootId) return { ...live, bootId };
  const past = [live.bootId, ...(live.pastBootIds ?? []).filter((b) => b !== bootId)].slice(0, MAX_PAST_BOOTS);
  // The previous boot's state timestamp says nothing about this boot's clock.
  const { stateTs: _dropped, ...rest } = live;
  return { ...rest, bootId, pastBootIds: past };
}

function withStatus(live: LiveState, status: 'online' | 'offline', bootChanged: boolean, at: number): LiveState {
  if (status === 'online') {
    if (live.status === 'online' && !bootChanged) return live;
    const { reason: _reason, ...rest } = live;
    return { ...rest, status, since: at, onlineSince: at };
  }
  const { onlineSince: _onlineSince, ...rest } = live;
  return live.status === 'offline' ? { ...rest, status } : { ...rest, status, since: at };
}

/**
 * Is this state message older than what is known? A superseded boot's message always is (the
 * classic case: the retained will of the previous boot delivered after the new birth). Within
 * one boot, and for a boot never seen before, the device's timestamp orders them; equal
 * timestamps are accepted, because a device stamps the will it registers at CONNECT and the
 * birth that follows with the same time (MQTT 3.1.1 §3.1.2.5: the will is fixed at CONNECT).
 */
export function isStaleState(live: LiveState, msg: DeviceState): boolean {
  if (live.bootId === undefined) return false;
  if (msg.bootId !== live.bootId && live.pastBootIds?.includes(msg.bootId)) return true;
  return live.stateTs !== undefined && msg.ts < live.stateTs;
}

/** Applies a birth or death (`state` topic). */
export function applyStateMessage(live: LiveState, msg: DeviceState, receivedAt: number): LiveTransition {
  if (isStaleState(live, msg)) return { result: 'stale', live };
  const bootChanged = live.bootId !== undefined && live.bootId !== msg.bootId;
  let next = withNewBoot(live, msg.bootId);
  next = withStatus(next, msg.status, bootChanged, receivedAt);
  next = { ...next, stateTs: msg.ts, version: msg.version };
  if (msg.profile !== undefined) next.profile = msg.profile;
  if (msg.status === 'offline') {
    if (msg.reason !== undefined) next.reason = msg.reason;
    else delete next.reason;
  }
  // A `lost` will is published by the broker, not the device: it is not a sighting.
  if (!(msg.status === 'offline' && msg.reason === 'lost')) next.lastSeenAt = receivedAt;
  return { result: 'applied', live: next };
}

/**
 * Applies a telemetry sample. A sample proves the device is connected, so it implies online;
 * one from a superseded boot, or older than the sample already held, is stale.
 */
export function applyTelemetryMessage(live: LiveState, msg: Telemetry, receivedAt: number): LiveTransition {
  if (live.bootId !== undefined && msg.bootId !== live.bootId && live.pastBootIds?.includes(msg.bootId)) {
    return { result: 'stale', live };
  }
  if (msg.bootId === live.bootId && live.telemetry && msg.ts < live.telemetry.ts) return { result: 'stale', live };
  const bootChanged = live.bootId !== undefined && live.bootId !== msg.bootId;
  let next = withNewBoot(live, msg.bootId);
  next = withStatus(next, 'online', bootChanged, receivedAt);
  next = { ...next, version: msg.version, telemetry: msg, telemetryAt: receivedAt, lastSeenAt: receivedAt };
  return { result: 'applied', live: next };
}
