import type { DeviceRef } from '../../protocol/ids.ts';
import { FINAL_UPDATE_STATES, type MaintenanceWindow, type UpdateState, type UpdateStatus } from '../../protocol/update-job.ts';

/**
 * The rollout campaign as a pure state machine: `decide(state, event, now)` returns the next
 * state and the effects the service carries out (publish a device's job, withdraw it). Time
 * is passed in; nothing here does I/O.
 *
 * A campaign releases its devices phase by phase (cumulative percentages, e.g. 1 → 10 → 50 →
 * 100). Once the share of released devices that committed reaches the success threshold, the
 * next phase is released; once the share that failed or rolled back exceeds the failure
 * threshold, the campaign halts and every job not yet installing is withdrawn.
 */
export type CampaignStatus = 'running' | 'paused' | 'halted' | 'aborted' | 'completed';

/** `pending`: its phase is not released yet; `released`: job published, no word yet; `cancelled`: job withdrawn. */
export type DeviceRolloutState = 'pending' | 'released' | 'cancelled' | UpdateState;

export interface CampaignBundle {
  /** SHA-256 of the bundle file: also its name in the fleet's bundle store. */
  sha256: string;
  size: number;
  version: string;
  board: string;
  keyId: string;
  description?: string;
}

export interface CampaignSettings {
  /** Cumulative percentages of the targets, rising, the last 100. */
  phases: number[];
  /** Share (0–1) of released devices that must have committed before the next phase. */
  successThreshold: number;
  /** Share (0–1) of released devices failed or rolled back above which the campaign halts. */
  failureThreshold: number;
  window?: MaintenanceWindow;
  drainFirst: boolean;
}

export interface HistoryEntry {
  at: number;
  what: string;
  by?: string;
}

export interface DeviceRollout {
  site: string;
  device: string;
  /** The phase (index into `settings.phases`) that releases this device. */
  phase: number;
  state: DeviceRolloutState;
  updatedAt: number;
  installedVersion?: string;
  progress?: { received: number; total?: number };
  activeCalls?: number;
  code?: string;
  reason?: string;
  history: HistoryEntry[];
}

export interface CampaignState {
  id: string;
  name: string;
  createdAt: number;
  createdBy: string;
  bundle: CampaignBundle;
  groups: string[];
  settings: CampaignSettings;
  status: CampaignStatus;
  /** The highest phase released so far. */
  phase: number;
  /** Why it halted or was aborted. */
  reason?: string;
  /**
   * The devices by `site.device`, spread over buckets by a hash of that key: a device's
   * status copies its bucket (some 32 devices) and the bucket list, not the whole campaign, so a rollout to
   * thousands stays cheap per message. Read them with `deviceOf` and `allDevices`.
   */
  buckets: Array<Record<string, DeviceRollout>>;
  /** Per phase, the devices in each kind of state: kept up to date with every change. */
  tally: CampaignCounts[];
  history: HistoryEntry[];
  updatedAt: number;
}

export type CampaignEvent =
  | { type: 'device-status'; ref: DeviceRef; status: UpdateStatus }
  | { type: 'pause'; by: string }
  | { type: 'resume'; by: string }
  | { type: 'abort'; by: string }
  | { type: 'evaluate' };

export type CampaignEffect = { type: 'release'; devices: DeviceRef[] } | { type: 'cancel'; devices: DeviceRef[]; reason: string };

export type Decision = { ok: true; state: CampaignState; effects: CampaignEffect[] } | { ok: false; error: string };

export interface CampaignInput {
  id: string;
  name: string;
  by: string;
  bundle: CampaignBundle;
  groups: string[];
  settings: CampaignSettings;
  devices: DeviceRef[];
}

export class CampaignSettingsError extends Error {
  override name = 'CampaignSettingsError';
}

const DEVICE_HISTORY = 30;
const CAMPAIGN_HISTORY = 200;
const FAILED: ReadonlySet<DeviceRolloutState> = new Set<DeviceRolloutState>(['failed', 'rolled-back']);
/** A job may be withdrawn until the device starts writing its inactive slot. */
const CANCELLABLE: ReadonlySet<DeviceRolloutState> = new Set<DeviceRolloutState>(['pending', 'released', 'idle', 'waiting-window', 'draining', 'downloading']);

export const keyOf = (ref: DeviceRef) => `${ref.site}.${ref.device}`;
/** About 32 devices a bucket: copying a bucket and the bucket list stays cheap at any size. */
const bucketCount = (devices: number) => Math.min(4096, Math.max(16, Math.ceil(devices / 32)));
const bucketOf = (key: string, buckets: number) => spread(key) % buckets;

export function deviceOf(state: CampaignState, key: string): DeviceRollout | undefined {
  return state.buckets[bucketOf(key, state.buckets.length)]?.[key];
}

export function allDevices(state: CampaignState): DeviceRollout[] {
  return state.buckets.flatMap((b) => Object.values(b));
}

type Kind = 'pending' | 'cancelled' | 'committed' | 'failed' | 'inProgress';
function kindOf(s: DeviceRolloutState): Kind {
  if (s === 'pending' || s === 'cancelled' || s === 'committed') return s;
  return FAILED.has(s) ? 'failed' : 'inProgress';
}
const emptyCounts = (): CampaignCounts => ({ total: 0, released: 0, committed: 0, failed: 0, cancelled: 0, inProgress: 0 });
function count(c: CampaignCounts, s: DeviceRolloutState, by: 1 | -1): void {
  const kind = kindOf(s);
  c.total += by;
  if (kind !== 'pending') {
    if (kind !== 'cancelled') c.released += by;
    c[kind] += by;
  }
}

/** The state with these devices replaced (copying only their buckets and the tally). */
function withDevices(state: CampaignState, changed: DeviceRollout[], now: number): CampaignState {
  if (changed.length === 0) return state;
  const buckets = [...state.buckets];
  const tally = state.tally.map((c) => ({ ...c }));
  const copied = new Set<number>();
  for (const d of changed) {
    const key = keyOf(d);
    const b = bucketOf(key, buckets.length);
    if (!copied.has(b)) {
      buckets[b] = { ...buckets[b] };
      copied.add(b);
    }
    const before = buckets[b]![key];
    if (before) count(tally[before.phase]!, before.state, -1);
    count(tally[d.phase]!, d.state, 1);
    buckets[b]![key] = d;
  }
  return { ...state, buckets, tally, updatedAt: now };
}

/** The campaign's counts over all phases. */
export function campaignTotals(state: CampaignState): CampaignCounts {
  const t = emptyCounts();
  for (const c of state.tally) for (const k of Object.keys(t) as (keyof CampaignCounts)[]) t[k] += c[k];
  return t;
}
const refOf = (d: DeviceRollout): DeviceRef => ({ site: d.site, device: d.device });
const push = <T>(list: T[], item: T, max: number) => [...list, item].slice(-max);

export function validateSettings(s: CampaignSettings): void {
  if (s.phases.length === 0 || s.phases.length > 20) throw new CampaignSettingsError('a campaign has 1 to 20 phases');
  s.phases.forEach((p, i) => {
    if (!(p > 0 && p <= 100)) throw new CampaignSettingsError(`phase ${i + 1} is ${p}%: phases are percentages above 0 and up to 100`);
    if (i > 0 && p <= s.phases[i - 1]!) throw new CampaignSettingsError('phase percentages must rise (they are cumulative)');
  });
  if (s.phases.at(-1) !== 100) throw new CampaignSettingsError('the last phase must reach 100%');
  for (const [name, v] of [['success', s.successThreshold], ['failure', s.failureThreshold]] as const) {
    if (!(v >= 0 && v <= 1)) throw new CampaignSettingsError(`the ${name} threshold is a share between 0 and 1`);
  }
}

/** FNV-1a: a stable spread of devices over phases, so the first phase is not one site's boxes. */
function spread(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** How many devices each phase has released in total: at least one in the first. */
export function phaseCounts(phases: number[], total: number): number[] {
  return phases.map((p, i) => Math.min(total, Math.max(i === 0 && total > 0 ? 1 : 0, Math.ceil((p / 100) * total - 1e-9))));
}

/** A new campaign, with its first phase released. */
export function createCampaign(input: CampaignInput, now: number): { state: CampaignState; effects: CampaignEffect[] } {
  validateSettings(input.settings);
  const unique = [...new Map(input.devices.map((r) => [keyOf(r), r])).values()];
  if (unique.length === 0) throw new CampaignSettingsError('the target groups have no devices');
  const ordered = unique.map((r) => ({ r, h: spread(`${input.id}/${keyOf(r)}`) })).sort((a, b) => a.h - b.h || keyOf(a.r).localeCompare(keyOf(b.r)));
  const counts = phaseCounts(input.settings.phases, ordered.length);
  const buckets: Array<Record<string, DeviceRollout>> = Array.from({ length: bucketCount(ordered.length) }, () => ({}));
  const tally = input.settings.phases.map(emptyCounts);
  ordered.forEach(({ r }, i) => {
    const phase = counts.findIndex((c) => i < c);
    const key = keyOf(r);
    buckets[bucketOf(key, buckets.length)]![key] = { site: r.site, device: r.device, phase, state: 'pending', updatedAt: now, history: [] };
    count(tally[phase]!, 'pending', 1);
  });
  const state: CampaignState = {
    id: input.id,
    name: input.name,
    createdAt: now,
    createdBy: input.by,
    bundle: input.bundle,
    groups: input.groups,
    settings: input.settings,
    status: 'running',
    phase: -1,
    buckets,
    tally,
    history: [{ at: now, what: `created for ${ordered.length} devices in ${input.groups.join(', ')}`, by: input.by }],
    updatedAt: now,
  };
  return evaluate(state, now);
}

type Handler<E extends CampaignEvent['type']> = (state: CampaignState, event: Extract<CampaignEvent, { type: E }>, now: number) => Decision;
type Row = { [E in CampaignEvent['type']]?: Handler<E> };

/** Every transition of a campaign: its status, the event, what happens. Anything not listed is refused. */
const transitions: Record<CampaignStatus, Row> = {
  running: { 'device-status': onDeviceStatus, evaluate: (s, _e, now) => ok(evaluate(s, now)), pause: (s, e, now) => to(s, 'paused', `paused`, e.by, now), abort: abort },
  paused: { 'device-status': onDeviceStatus, evaluate: (s, _e, now) => ok(evaluate(s, now)), resume: (s, e, now) => ok(evaluate(withStatus(s, 'running', 'resumed', e.by, now), now)), abort: abort },
  halted: { 'device-status': onDeviceStatus, abort: abort },
  aborted: { 'device-status': onDeviceStatus },
  completed: { 'device-status': onDeviceStatus },
};

export function decide(state: CampaignState, event: CampaignEvent, now: number): Decision {
  const handler = transitions[state.status][event.type] as Handler<typeof event.type> | undefined;
  if (!handler) return { ok: false, error: `a ${state.status} campaign cannot ${event.type === 'device-status' ? 'take device status' : event.type}` };
  return handler(state, event as never, now);
}

const ok = (r: { state: CampaignState; effects: CampaignEffect[] }): Decision => ({ ok: true, ...r });

function withStatus(state: CampaignState, status: CampaignStatus, what: string, by: string | undefined, now: number, reason?: string): CampaignState {
  const { reason: _old, ...rest } = state;
  return { ...rest, status, ...(reason ? { reason } : {}), history: push(state.history, { at: now, what, ...(by ? { by } : {}) }, CAMPAIGN_HISTORY), updatedAt: now };
}

function to(state: CampaignState, status: CampaignStatus, what: string, by: string, now: number): Decision {
  return { ok: true, state: withStatus(state, status, what, by, now), effects: [] };
}

function onDeviceStatus(state: CampaignState, event: Extract<CampaignEvent, { type: 'device-status' }>, now: number): Decision {
  const key = keyOf(event.ref);
  const device = deviceOf(state, key);
  const s = event.status;
  // Not ours, or about another campaign (an older job's final word, an idle device): nothing to record.
  if (!device || s.campaign !== state.id) return { ok: true, state, effects: [] };
  // A withdrawn job that the device never started stays withdrawn; one it had started keeps being followed.
  if (device.state === 'cancelled' && (s.state === 'idle' || CANCELLABLE.has(s.state))) return { ok: true, state, effects: [] };
  const changed = s.state !== device.state;
  const next: DeviceRollout = {
    site: device.site,
    device: device.device,
    phase: device.phase,
    state: s.state,
    updatedAt: now,
    installedVersion: s.installedVersion,
    ...(s.progress ? { progress: s.progress } : {}),
    ...(s.activeCalls !== undefined ? { activeCalls: s.activeCalls } : {}),
    ...(s.code ? { code: s.code } : {}),
    ...(s.reason ? { reason: s.reason } : {}),
    history: changed ? push(device.history, { at: now, what: s.reason ? `${s.state}: ${s.reason}` : s.state }, DEVICE_HISTORY) : device.history,
  };
  const updated = withDevices(state, [next], now);
  if (!changed || (state.status !== 'running' && state.status !== 'paused')) return { ok: true, state: updated, effects: [] };
  return ok(evaluate(updated, now));
}

function abort(state: CampaignState, event: { by: string }, now: number): Decision {
  return ok(withdraw(withStatus(state, 'aborted', 'aborted', event.by, now, `aborted by ${event.by}`), 'campaign aborted', now));
}

/** Withdraws every job not yet being installed. */
function withdraw(state: CampaignState, reason: string, now: number): { state: CampaignState; effects: CampaignEffect[] } {
  const changed: DeviceRollout[] = [];
  const published: DeviceRef[] = [];
  for (const d of allDevices(state)) {
    if (!CANCELLABLE.has(d.state)) continue;
    if (d.state !== 'pending') published.push(refOf(d));
    changed.push({ ...d, state: 'cancelled', updatedAt: now, history: push(d.history, { at: now, what: `cancelled: ${reason}` }, DEVICE_HISTORY) });
  }
  return { state: withDevices(state, changed, now), effects: published.length ? [{ type: 'cancel', devices: published, reason }] : [] };
}

export interface CampaignCounts {
  total: number;
  released: number;
  committed: number;
  failed: number;
  cancelled: number;
  inProgress: number;
}


/** Halts on too many failures, releases the next phase on enough successes, completes when all are done. */
function evaluate(start: CampaignState, now: number): { state: CampaignState; effects: CampaignEffect[] } {
  let state = start;
  const effects: CampaignEffect[] = [];
  const last = state.settings.phases.length - 1;
  for (;;) {
    const c = campaignTotals(state);
    if (c.released > 0 && c.failed / c.released > state.settings.failureThreshold) {
      const reason = `${c.failed} of ${c.released} released devices failed or rolled back (more than ${Math.round(state.settings.failureThreshold * 100)}%)`;
      const halted = withdraw(withStatus(state, 'halted', `halted: ${reason}`, undefined, now, reason), 'campaign halted', now);
      return { state: halted.state, effects: [...effects, ...halted.effects] };
    }
    const phaseDone = state.phase < 0 || (c.released > 0 && c.committed / c.released >= state.settings.successThreshold);
    if (state.status === 'running' && state.phase < last && phaseDone) {
      const phase = state.phase + 1;
      const changed: DeviceRollout[] = [];
      const released: DeviceRef[] = [];
      if (state.tally[phase]!.total > 0) {
        for (const d of allDevices(state)) {
          if (d.phase !== phase || d.state !== 'pending') continue;
          changed.push({ ...d, state: 'released', updatedAt: now, history: push(d.history, { at: now, what: `released in phase ${phase + 1}` }, DEVICE_HISTORY) });
          released.push(refOf(d));
        }
      }
      state = { ...withDevices(state, changed, now), phase, updatedAt: now, history: push(state.history, { at: now, what: `phase ${phase + 1} (${state.settings.phases[phase]}%) released: ${released.length} devices` }, CAMPAIGN_HISTORY) };
      if (released.length) effects.push({ type: 'release', devices: released });
      continue;
    }
    if (state.phase === last && c.total === c.committed + c.failed + c.cancelled) {
      state = withStatus(state, 'completed', `completed: ${c.committed} committed, ${c.failed} failed`, undefined, now);
    }
    return { state, effects };
  }
}

/** Per-phase figures for the console. */
export function phaseSummary(state: CampaignState): Array<{ phase: number; percent: number } & CampaignCounts> {
  return state.settings.phases.map((percent, phase) => ({ phase, percent, ...state.tally[phase]! }));
}
