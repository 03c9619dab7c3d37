import { createHash } from 'node:crypto';
import { brokerUsername, type DeviceRef } from '../../protocol/ids.ts';
import { configHash, validateConfigDocument, type ConfigIssue } from '../../protocol/config-document.ts';
import type { DesiredConfig, ReportedConfig } from '../../protocol/config-twin.ts';
import { silentLogger, type Logger } from '../../appliance/log/logger.ts';
import type { DeviceRegistry, DeviceView } from '../registry/device-registry.ts';
import { diffConfig, type ConfigChange } from './config-diff.ts';
import { mergeConfig } from './merge-config.ts';
import type { ConfigStore, DesiredMeta, DeviceGroup, DeviceOverride } from './config-store.ts';
import { configStatus, type DeviceConfigStatus } from './config-status.ts';
import type { BundleSigner } from './bundle-signer.ts';

export class GroupNotFoundError extends Error {
  override name = 'GroupNotFoundError';
}
export class GroupExistsError extends Error {
  override name = 'GroupExistsError';
}
export class PlanChangedError extends Error {
  override name = 'PlanChangedError';
}
export class ConfigRefusedError extends Error {
  override name = 'ConfigRefusedError';
  constructor(message: string, readonly issues: ConfigIssue[]) {
    super(message);
  }
}
export class UnknownDeviceError extends Error {
  override name = 'UnknownDeviceError';
}

export interface ConfigServiceOptions {
  store: ConfigStore;
  registry: Pick<DeviceRegistry, 'get' | 'list'>;
  /** Publishes a device's desired configuration, retained; resolves when the broker has it. */
  publish: (ref: DeviceRef, desired: DesiredConfig) => Promise<void>;
  signer?: BundleSigner;
  now?: () => number;
  log?: Logger;
}

export interface RenderedConfig {
  group: string;
  config: Record<string, unknown>;
  hash: string;
  /** Why the appliance would refuse it (the fleet's copy of the same checks). */
  issues: ConfigIssue[];
}

export interface DeviceConfigRow {
  site: string;
  device: string;
  name: string;
  online: boolean;
  status: DeviceConfigStatus;
  desired?: DesiredMeta;
  reported?: ReportedConfig;
}

export interface PlanDevice extends DeviceConfigRow {
  nextVersion: number;
  hash: string;
  /** The rendered document equals the latest desired one: nothing to push. */
  unchanged: boolean;
  issues: ConfigIssue[];
  /** Against what the device runs when the fleet knows it, else the latest desired version. */
  changes: ConfigChange[];
  diffBase: { version: number; kind: 'running' | 'desired' | 'empty' };
}

export interface Plan {
  group: string;
  revision: number;
  /** Names exactly these rendered documents: a push with a stale plan id is refused. */
  planId: string;
  devices: PlanDevice[];
}

export interface PushResult {
  group: string;
  pushed: Array<{ site: string; device: string; version: number; hash: string }>;
  unchanged: number;
}

const keyOf = brokerUsername;

/**
 * Groups, templates and overrides; renders each device's document, shows what a push would
 * change, pushes new versions (retained, so offline devices get the latest when they come
 * back), and keeps what devices report.
 */
export class ConfigService {
  readonly #store: ConfigStore;
  readonly #registry: ConfigServiceOptions['registry'];
  readonly #publish: ConfigServiceOptions['publish'];
  readonly #signer: BundleSigner | undefined;
  readonly #now: () => number;
  readonly #log: Logger;
  #pushing: Promise<unknown> = Promise.resolve();

  constructor(options: ConfigServiceOptions) {
    this.#store = options.store;
    this.#registry = options.registry;
    this.#publish = options.publish;
    this.#signer = options.signer;
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? silentLogger;
  }

  get signer(): BundleSigner | undefined {
    return this.#signer;
  }

  // --- groups, membership, overrides -------------------------------------------------------

  listGroups(): Array<Omit<DeviceGroup, 'template'> & { members: number; status: Partial<Record<DeviceConfigStatus, number>> }> {
    return this.#store.doc.groups.map(({ template: _t, ...g }) => {
      const status: Partial<Record<DeviceConfigStatus, number>> = {};
      const members = this.members(g.id);
      for (const m of members) status[m.status] = (status[m.status] ?? 0) + 1;
      return { ...g, members: members.length, status };
    });
  }

  group(id: string): DeviceGroup {
    const g = this.#store.doc.groups.find((x) => x.id === id);
    if (!g) throw new GroupNotFoundError(`no group ${id}`);
    return g;
  }

  async createGroup(input: { id: string; name: string; description?: string; template: Record<string, unknown> }, by: string): Promise<DeviceGroup> {
    if (this.#store.doc.groups.some((g) => g.id === input.id)) throw new GroupExistsError(`group ${input.id} already exists`);
    const group: DeviceGroup = { id: input.id, name: input.name, description: input.description ?? '', template: input.template, revision: 1, updatedAt: this.#now(), updatedBy: by };
    await this.#store.mutate((doc) => ({ ...doc, groups: [...doc.groups, group] }));
    return group;
  }

  async updateGroup(id: string, input: { name?: string | undefined; description?: string | undefined; template?: Record<string, unknown> | undefined }, by: string): Promise<DeviceGroup> {
    const current = this.group(id);
    const next: DeviceGroup = {
      ...current,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.template !== undefined ? { template: input.template, revision: current.revision + 1 } : {}),
      updatedAt: this.#now(),
      updatedBy: by,
    };
    await this.#store.mutate((doc) => ({ ...doc, groups: doc.groups.map((g) => (g.id === id ? next : g)) }));
    return next;
  }

  /** Removes a group; its devices keep running what they have and belong to no group. */
  async deleteGroup(id: string): Promise<void> {
    this.group(id);
    await this.#store.mutate((doc) => ({
      ...doc,
      groups: doc.groups.filter((g) => g.id !== id),
      members: Object.fromEntries(Object.entries(doc.members).filter(([, g]) => g !== id)),
    }));
  }

  /** Puts devices in a group (or out of any with `null`). */
  async setGroupOf(refs: DeviceRef[], groupId: string | null): Promise<void> {
    if (groupId !== null) this.group(groupId);
    for (const ref of refs) if (!this.#registry.get(ref)) throw new UnknownDeviceError(`no device ${ref.site}/${ref.device}`);
    await this.#store.mutate((doc) => {
      const members = { ...doc.members };
      for (const ref of refs) {
        if (groupId === null) delete members[keyOf(ref)];
        else members[keyOf(ref)] = groupId;
      }
      return { ...doc, members };
    });
  }

  groupOf(ref: DeviceRef): string | undefined {
    return this.#store.doc.members[keyOf(ref)];
  }

  override(ref: DeviceRef): DeviceOverride | undefined {
    return this.#store.doc.overrides[keyOf(ref)];
  }

  async setOverride(ref: DeviceRef, patch: Record<string, unknown> | null, by: string): Promise<void> {
    if (!this.#registry.get(ref)) throw new UnknownDeviceError(`no device ${ref.site}/${ref.device}`);
    await this.#store.mutate((doc) => {
      const overrides = { ...doc.overrides };
      if (patch === null) delete overrides[keyOf(ref)];
      else overrides[keyOf(ref)] = { patch, revision: (overrides[keyOf(ref)]?.revision ?? 0) + 1, updatedAt: this.#now(), updatedBy: by };
      return { ...doc, overrides };
    });
  }

  // --- rendering, status, plans ------------------------------------------------------------

  render(ref: DeviceRef): RenderedConfig | undefined {
    const groupId = this.groupOf(ref);
    if (!groupId) return undefined;
    const { config, hash } = this.#renderWith(this.group(groupId), ref);
    const validation = validateConfigDocument(config);
    return { group: groupId, config, hash, issues: validation.ok ? [] : validation.issues };
  }

  #renderWith(group: DeviceGroup, ref: DeviceRef): { config: Record<string, unknown>; hash: string } {
    const config = mergeConfig(group.template, this.override(ref)?.patch ?? {}) as Record<string, unknown>;
    return { config, hash: configHash(config) };
  }

  /** Every member rendered (not validated): what a push sends, and what its plan id names. */
  #renderMembers(groupId: string): { group: DeviceGroup; planId: string; members: Array<{ row: DeviceConfigRow; ref: DeviceRef; config: Record<string, unknown>; hash: string }> } {
    const group = this.group(groupId);
    const members = this.members(groupId).map((row) => {
      const ref = { site: row.site, device: row.device };
      return { row, ref, ...this.#renderWith(group, ref) };
    });
    const planId = createHash('sha256')
      .update(JSON.stringify([group.id, members.map((m) => [m.ref.site, m.ref.device, m.hash])]))
      .digest('hex')
      .slice(0, 32);
    return { group, planId, members };
  }

  deviceRow(view: DeviceView): DeviceConfigRow {
    const desired = this.#store.latestDesired(view);
    const reported = this.#store.reported(view)?.reported;
    const online = view.status === 'online';
    return { site: view.site, device: view.device, name: view.name, online, status: configStatus(desired, reported, online), ...(desired ? { desired } : {}), ...(reported ? { reported } : {}) };
  }

  members(groupId: string): DeviceConfigRow[] {
    const members = this.#store.doc.members;
    return this.#registry.list().filter((v) => members[keyOf(v)] === groupId).map((v) => this.deviceRow(v));
  }

  /** What pushing the group now would do to each member, with the fleet's copy of the device checks. */
  preview(groupId: string): Plan {
    const { group, planId, members } = this.#renderMembers(groupId);
    const devices = members.map(({ row, ref, config, hash }): PlanDevice => {
      const validation = validateConfigDocument(config);
      const base = this.#diffBase(ref, row);
      return {
        ...row,
        nextVersion: this.#nextVersion(ref),
        hash,
        unchanged: row.desired?.hash === hash,
        issues: validation.ok ? [] : validation.issues,
        changes: diffConfig(base.config, config),
        diffBase: { version: base.version, kind: base.kind },
      };
    });
    return { group: group.id, revision: group.revision, planId, devices };
  }

  /**
   * Pushes the group: every member whose rendered document differs from its latest desired
   * one gets the next version, stored first and then published retained. Refused if the
   * group, its members or overrides changed since the preview named by `planId`.
   */
  push(groupId: string, planId: string, by: string): Promise<PushResult> {
    const run = this.#pushing.then(() => this.#push(groupId, planId, by));
    this.#pushing = run.catch(() => undefined);
    return run;
  }

  async #push(groupId: string, planId: string, by: string): Promise<PushResult> {
    const current = this.#renderMembers(groupId);
    if (current.planId !== planId) throw new PlanChangedError('the group, its members or their overrides changed since the preview: preview again');
    const issuedAt = this.#now();
    const entries = current.members
      .filter((m) => m.row.desired?.hash !== m.hash)
      .map((m) => ({ ref: m.ref, version: this.#nextVersion(m.ref), hash: m.hash, config: m.config, issuedAt, by, via: 'mqtt' as const, group: groupId }));
    this.#store.addDesired(entries);
    await Promise.all(entries.map((e) => this.#publish(e.ref, { version: e.version, issuedAt, by, hash: e.hash, config: e.config })));
    this.#log.info('configuration pushed', { group: groupId, devices: entries.length, by });
    return {
      group: groupId,
      pushed: entries.map((e) => ({ ...e.ref, version: e.version, hash: e.hash })),
      unchanged: current.members.length - entries.length,
    };
  }

  /**
   * The offline bundle of a device's rendered document, signed, as the next version. The
   * fleet refuses to export what its checks would refuse: nobody would see the device's answer.
   */
  async exportBundle(ref: DeviceRef, by: string): Promise<{ fileName: string; text: string; version: number }> {
    if (!this.#signer) throw new Error('this fleet has no bundle signing key');
    if (!this.#registry.get(ref)) throw new UnknownDeviceError(`no device ${ref.site}/${ref.device}`);
    const rendered = this.render(ref);
    if (!rendered) throw new ConfigRefusedError(`${ref.site}/${ref.device} belongs to no group, so it has no configuration to export`, []);
    if (rendered.issues.length) throw new ConfigRefusedError(`the configuration of ${ref.site}/${ref.device} is invalid`, rendered.issues);
    const version = this.#nextVersion(ref);
    const issuedAt = this.#now();
    const text = this.#signer.sign({ kind: 'config', site: ref.site, device: ref.device, version, issuedAt, by, hash: rendered.hash, config: rendered.config });
    this.#store.addDesired([{ ref, version, hash: rendered.hash, config: rendered.config, issuedAt, by, via: 'bundle', group: rendered.group }]);
    return { fileName: `${ref.site}.${ref.device}.v${version}.ccbundle`, text, version };
  }

  /** A device's report (retained `config/reported`). */
  onReported(ref: DeviceRef, reported: ReportedConfig, at: number): void {
    if (!this.#registry.get(ref)) return;
    this.#store.setReported(ref, reported, at).catch((err: Error) => this.#log.error('storing a reported configuration failed', { error: err.message }));
  }

  /**
   * Publishes every device's latest desired version again, retained: an embedded broker
   * keeps retained messages only in memory, so after its restart they must be given back.
   * Devices ignore a version they already have.
   */
  async republish(): Promise<number> {
    const sends: Promise<void>[] = [];
    for (const e of this.#store.latestForMqtt()) {
      sends.push(this.#publish(e.ref, { version: e.version, issuedAt: e.issuedAt, by: e.by, hash: e.hash, config: e.config }));
    }
    await Promise.all(sends);
    return sends.length;
  }

  #nextVersion(ref: DeviceRef): number {
    const reported = this.#store.reported(ref)?.reported;
    return Math.max(this.#store.latestDesired(ref)?.version ?? 0, reported?.highestSeen ?? 0, reported?.applied.version ?? 0) + 1;
  }

  #diffBase(ref: DeviceRef, row: DeviceConfigRow): { version: number; kind: 'running' | 'desired' | 'empty'; config: unknown } {
    const applied = row.reported?.applied;
    if (applied && (applied.source === 'fleet' || applied.source === 'bundle') && !row.reported?.drift) {
      const known = this.#store.desired(ref, applied.version);
      if (known && known.hash === applied.hash) return { version: applied.version, kind: 'running', config: known.config };
    }
    if (row.desired) {
      const known = this.#store.desired(ref, row.desired.version);
      if (known) return { version: known.version, kind: 'desired', config: known.config };
    }
    return { version: 0, kind: 'empty', config: {} };
  }
}
