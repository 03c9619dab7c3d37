import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeviceRef } from '../../protocol/ids.ts';
import { FINAL_UPDATE_STATES, type MaintenanceWindow, type UpdateDesired, type UpdateStatus } from '../../protocol/update-job.ts';
import { BundleManifest } from '../../appliance/updater/bundle-manifest.ts';
import { readBundleHeader } from '../../appliance/updater/bundle-format.ts';
import { verifyBundle } from '../../appliance/updater/bundle-verifier.ts';
import type { TrustedKeys } from '../../appliance/updater/bundle-signing.ts';
import { silentLogger, type Logger } from '../../appliance/log/logger.ts';
import { allDevices, campaignTotals, createCampaign, decide, deviceOf, keyOf, phaseSummary, type CampaignCounts, type CampaignEffect, type CampaignEvent, type CampaignState, type DeviceRollout } from './rollout-core.ts';
import type { BundleRecord, RolloutStore } from './rollout-store.ts';

export class CampaignNotFoundError extends Error {
  override name = 'CampaignNotFoundError';
}
export class CampaignExistsError extends Error {
  override name = 'CampaignExistsError';
}
/** A target device is still busy with another campaign. */
export class CampaignConflictError extends Error {
  override name = 'CampaignConflictError';
}
/** The command does not apply to the campaign in its present state (resume an aborted one). */
export class CampaignCommandError extends Error {
  override name = 'CampaignCommandError';
}
export class BundleNotFoundError extends Error {
  override name = 'BundleNotFoundError';
}
export class BundleRefusedError extends Error {
  override name = 'BundleRefusedError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface CreateCampaignInput {
  id: string;
  name: string;
  /** SHA-256 of an uploaded bundle. */
  bundle: string;
  groups: string[];
  phases: number[];
  successThreshold: number;
  failureThreshold: number;
  window?: MaintenanceWindow;
  drainFirst: boolean;
}

export interface RolloutServiceOptions {
  store: RolloutStore;
  /** Where uploaded bundles are kept, named by their SHA-256. */
  bundleDir: string;
  /** The keys bundles must be signed with: the same the appliances trust. */
  trustedKeys: TrustedKeys;
  /** The devices of a group; throws for an unknown group. */
  groupMembers: (group: string) => DeviceRef[];
  /** Publishes a device's retained update job. */
  publish: (ref: DeviceRef, desired: UpdateDesired) => Promise<void>;
  /** Base URL of the bundle server as the devices reach it. */
  downloadBase: () => string;
  maxBundleBytes?: number;
  now?: () => number;
  log?: Logger;
}

export interface RolloutServiceEvents {
  changed: [campaign: string];
}

export type CampaignSummary = Omit<CampaignState, 'buckets' | 'tally' | 'history'> & { counts: CampaignCounts; phases: ReturnType<typeof phaseSummary> };

const ACTIVE = new Set(['running', 'paused']);

/**
 * Campaigns as the fleet runs them: the pure core decides, this shell keeps the bundles,
 * persists the campaigns, publishes each device's job and hands device status to the core.
 */
export class RolloutService extends EventEmitter<RolloutServiceEvents> {
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly options: RolloutServiceOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.log = options.log ?? silentLogger;
  }

  bundles(): BundleRecord[] {
    return [...this.options.store.doc.bundles].sort((a, b) => b.uploadedAt - a.uploadedAt);
  }

  bundlePath(sha256: string): string {
    return join(this.options.bundleDir, `${sha256}.ccb`);
  }

  /**
   * Takes an uploaded bundle: stored to disk while hashed, then verified exactly as a device
   * would (signature over the manifest with a trusted key, every payload file's hash) before
   * anything can ship it. A refused upload leaves nothing behind.
   */
  async importBundle(body: AsyncIterable<Uint8Array>, by: string): Promise<BundleRecord> {
    if (this.options.trustedKeys.size === 0) throw new BundleRefusedError('no-trusted-keys', 'this fleet has no trusted update keys configured, so it cannot check a bundle');
    await mkdir(this.options.bundleDir, { recursive: true });
    const temp = join(this.options.bundleDir, `.incoming-${randomBytes(8).toString('hex')}`);
    const max = this.options.maxBundleBytes ?? 8 * 1024 ** 3;
    const hash = createHash('sha256');
    let size = 0;
    const fh = await open(temp, 'w', 0o600);
    try {
      for await (const chunk of body) {
        size += chunk.length;
        if (size > max) throw new BundleRefusedError('too-large', `bundles are limited to ${max} bytes`);
        hash.update(chunk);
        await fh.write(chunk);
      }
      await fh.sync();
    } catch (err) {
      await fh.close();
      await rm(temp, { force: true });
      throw err;
    }
    await fh.close();
    try {
      const record = await this.#verify(temp, hash.digest('hex'), size, by);
      await rename(temp, this.bundlePath(record.sha256));
      this.options.store.addBundle(record);
      await this.options.store.flush();
      this.log.info('bundle uploaded', { version: record.version, sha256: record.sha256, size, by });
      return this.options.store.doc.bundles.find((b) => b.sha256 === record.sha256)!;
    } finally {
      await rm(temp, { force: true });
    }
  }

  async #verify(path: string, sha256: string, size: number, by: string): Promise<BundleRecord> {
    // The board is what the bundle says (devices check it against themselves); here it only has to be signed and whole.
    let board: string;
    try {
      const header = await readBundleHeader(path);
      const parsed = BundleManifest.safeParse(JSON.parse(header.manifestBytes.toString('utf8')));
      board = parsed.success ? parsed.data.board : 'unknown';
    } catch (err) {
      throw new BundleRefusedError('not-a-bundle', (err as Error).message);
    }
    const verified = await verifyBundle(path, { trustedKeys: this.options.trustedKeys, board, installedVersion: '0.0.0', allowSameVersion: true });
    if (!verified.ok) throw new BundleRefusedError(verified.code, verified.reason);
    const m = verified.manifest;
    return { sha256, size, version: m.version, board: m.board, keyId: verified.keyId, ...(m.description ? { description: m.description } : {}), uploadedAt: this.now(), uploadedBy: by };
  }

  list(): CampaignSummary[] {
    return this.options.store
      .campaigns()
      .map((c) => this.#summary(c))
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  /** A campaign with every device by `site.device`, and its history. */
  get(id: string): CampaignSummary & { devices: Record<string, DeviceRollout>; history: CampaignState['history'] } {
    const c = this.#campaign(id);
    return { ...this.#summary(c), devices: Object.fromEntries(allDevices(c).map((d) => [keyOf(d), d])), history: c.history };
  }

  #summary(c: CampaignState): CampaignSummary {
    const { buckets: _b, tally: _t, history: _h, ...rest } = c;
    return { ...rest, counts: campaignTotals(c), phases: phaseSummary(c) };
  }

  #campaign(id: string): CampaignState {
    const c = this.options.store.campaigns().find((x) => x.id === id);
    if (!c) throw new CampaignNotFoundError(`no campaign ${id}`);
    return c;
  }

  async create(input: CreateCampaignInput, by: string): Promise<CampaignSummary> {
    if (this.options.store.campaigns().some((c) => c.id === input.id)) throw new CampaignExistsError(`campaign ${input.id} exists`);
    const bundle = this.options.store.doc.bundles.find((b) => b.sha256 === input.bundle);
    if (!bundle) throw new BundleNotFoundError(`no uploaded bundle ${input.bundle}`);
    const devices = [...new Set(input.groups)].flatMap((g) => this.options.groupMembers(g));
    const busy = new Set<string>();
    for (const c of this.options.store.campaigns()) {
      if (!ACTIVE.has(c.status)) continue;
      for (const d of allDevices(c)) if (!FINAL_UPDATE_STATES.has(d.state as never) && d.state !== 'cancelled') busy.add(keyOf(d));
    }
    const clash = devices.filter((d) => busy.has(keyOf(d)));
    if (clash.length) throw new CampaignConflictError(`${clash.length} target devices are still in another running campaign (e.g. ${keyOf(clash[0]!)})`);
    const { uploadedAt: _u, uploadedBy: _b, ...campaignBundle } = bundle;
    const { state, effects } = createCampaign(
      {
        id: input.id,
        name: input.name,
        by,
        bundle: campaignBundle,
        groups: input.groups,
        settings: { phases: input.phases, successThreshold: input.successThreshold, failureThreshold: input.failureThreshold, drainFirst: input.drainFirst, ...(input.window ? { window: input.window } : {}) },
        devices,
      },
      this.now(),
    );
    this.options.store.setCampaign(state);
    await this.options.store.flush();
    this.log.info('campaign created', { id: state.id, version: bundle.version, devices: devices.length, by });
    this.#carryOut(state, effects, by);
    return this.#summary(state);
  }

  async command(id: string, type: 'pause' | 'resume' | 'abort', by: string): Promise<CampaignSummary> {
    const state = this.#apply(id, { type, by });
    await this.options.store.flush();
    this.log.info(`campaign ${type}`, { id, by, status: state.status });
    return this.#summary(state);
  }

  #apply(id: string, event: CampaignEvent, by?: string): CampaignState {
    const decision = decide(this.#campaign(id), event, this.now());
    if (!decision.ok) throw new CampaignCommandError(decision.error);
    this.options.store.setCampaign(decision.state);
    this.#carryOut(decision.state, decision.effects, by);
    this.emit('changed', id);
    return decision.state;
  }

  /** A device's retained update status, from the ingest. */
  onStatus(ref: DeviceRef, status: UpdateStatus): void {
    if (!status.campaign) return;
    const c = this.options.store.campaigns().find((x) => x.id === status.campaign);
    const device = c && deviceOf(c, keyOf(ref));
    if (!c || !device) return;
    try {
      const before = c.status;
      const state = this.#apply(c.id, { type: 'device-status', ref, status });
      if (state.status !== before) {
        this.log.info('campaign changed by device status', { id: c.id, status: state.status, reason: state.reason });
        void this.options.store.flush().catch((err: Error) => this.log.error('saving campaigns failed', { error: err.message }));
      } else if (device.state !== status.state) this.options.store.touch();
      // Progress alone is not saved: after a restart the devices' retained status brings it back.
    } catch (err) {
      this.log.warn('device status not taken', { device: keyOf(ref), error: (err as Error).message });
    }
  }

  #carryOut(state: CampaignState, effects: CampaignEffect[], by?: string): void {
    for (const e of effects) {
      for (const ref of e.devices) {
        const desired = e.type === 'release' ? this.#job(state, ref, by) : ({ kind: 'none', campaign: state.id, issuedAt: this.now(), reason: e.reason } as const);
        this.options.publish(ref, desired).catch((err: Error) => this.log.error('publishing update job failed', { device: keyOf(ref), error: err.message }));
      }
    }
  }

  #job(state: CampaignState, ref: DeviceRef, by?: string): UpdateDesired {
    return {
      kind: 'install',
      campaign: state.id,
      version: state.bundle.version,
      url: `${this.options.downloadBase()}/bundles/${state.id}/${ref.site}/${ref.device}`,
      token: this.token(state.id, ref),
      sha256: state.bundle.sha256,
      size: state.bundle.size,
      drainFirst: state.settings.drainFirst,
      ...(state.settings.window ? { window: state.settings.window } : {}),
      issuedAt: this.now(),
      ...(by ? { by } : {}),
    };
  }

  /**
   * Publishes every device's current job again: after a (re)connect to a broker that may have
   * lost its retained messages (the embedded one keeps nothing across a restart).
   */
  async republish(): Promise<number> {
    let n = 0;
    const sends: Promise<void>[] = [];
    for (const c of this.options.store.campaigns()) {
      for (const d of allDevices(c)) {
        const ref = { site: d.site, device: d.device };
        let desired: UpdateDesired | undefined;
        if (ACTIVE.has(c.status) && !['pending', 'cancelled', 'failed', 'rolled-back'].includes(d.state)) desired = this.#job(c, ref);
        else if (d.state === 'cancelled') desired = { kind: 'none', campaign: c.id, issuedAt: this.now(), reason: `campaign ${c.status}` };
        if (!desired) continue;
        n++;
        sends.push(this.options.publish(ref, desired));
      }
    }
    await Promise.all(sends);
    return n;
  }

  /** The per-device download token: an HMAC, so nothing per device is stored and none can be guessed. */
  token(campaign: string, ref: DeviceRef): string {
    return createHmac('sha256', this.options.store.tokenKey).update(`${campaign}/${keyOf(ref)}`).digest('base64url');
  }

  /** The bundle a device may download with this token, or undefined. */
  resolveDownload(campaign: string, ref: DeviceRef, token: string): { path: string; size: number; sha256: string } | undefined {
    const c = this.options.store.campaigns().find((x) => x.id === campaign);
    const d = c && deviceOf(c, keyOf(ref));
    if (!c || !d || d.state === 'pending' || d.state === 'cancelled' || c.status === 'aborted') return undefined;
    const expected = Buffer.from(this.token(campaign, ref));
    const given = Buffer.from(token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return { path: this.bundlePath(c.bundle.sha256), size: c.bundle.size, sha256: c.bundle.sha256 };
  }

  close(): Promise<void> {
    return this.options.store.close();
  }
}
