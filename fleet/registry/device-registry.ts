import type { Low } from 'lowdb';
import { Subject, type Observable } from 'rxjs';
import { z } from 'zod';
import { Id, brokerUsername, parseBrokerUsername, type DeviceRef } from '../../protocol/ids.ts';
import type { DeviceState, Telemetry } from '../../protocol/schemas.ts';
import { describeIssues } from '../../protocol/decode.ts';
import {
  DEVICE_SECRET_SCRYPT,
  hashPassword,
  randomToken,
  safeEqual,
  sha256,
  verifyPassword,
  type ScryptParams,
} from '../auth/password-hash.ts';
import {
  applyStateMessage,
  applyTelemetryMessage,
  initialLiveState,
  type ApplyResult,
  type LiveState,
} from './live-state.ts';

/** What an admin creates: one appliance. The secret is kept only as an scrypt hash. */
export const DeviceRecord = z.object({
  site: Id,
  device: Id,
  name: z.string().min(1).max(128),
  createdAt: z.number().int().nonnegative(),
  secretHash: z.string().min(1),
});
export type DeviceRecord = z.infer<typeof DeviceRecord>;

/** The lowdb document: the inventory, and the live state as of the last batch flush. */
export const RegistryDoc = z.object({
  devices: z.array(DeviceRecord),
  live: z.record(z.string(), z.custom<LiveState>((v) => typeof v === 'object' && v !== null)).default({}),
});
export type RegistryDoc = z.infer<typeof RegistryDoc>;

export const emptyRegistryDoc = (): RegistryDoc => ({ devices: [], live: {} });

/** Inventory plus live state, as shown to people: never the hash, nor the bookkeeping of boots. */
export type DeviceView = Omit<DeviceRecord, 'secretHash'> &
  Omit<LiveState, 'pastBootIds' | 'stateTs'> & {
    /** Set only on the change emitted when the device is removed. */
    removed?: true;
  };

export const NewDevice = z.object({
  site: Id,
  device: Id,
  name: z.string().trim().min(1).max(128),
  /** A known secret (the demo config provisions one); otherwise a random one is made. */
  secret: z.string().min(16).max(256).optional(),
});
export type NewDevice = z.input<typeof NewDevice>;

export interface CreatedDevice {
  device: DeviceView;
  /** Shown once: only its hash is stored. */
  secret: string;
}

export interface RegistryStats {
  devices: number;
  online: number;
  unknownDeviceMessages: number;
  staleMessages: number;
  liveFlushes: number;
  inventoryWrites: number;
  writeErrors: number;
  credentialCacheHits: number;
  credentialCacheMisses: number;
}

export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface DeviceRegistryOptions {
  db: Low<RegistryDoc>;
  now?: () => number;
  /** Live state is written at most this often (and on close). */
  flushIntervalMs?: number;
  scheduler?: Scheduler;
  secretHashParams?: ScryptParams;
  credentialCacheSize?: number;
  credentialCacheTtlMs?: number;
  /** Background flush failures; the state stays dirty and is retried at the next flush. */
  onError?: (err: unknown) => void;
}

export class DeviceExistsError extends Error {
  override name = 'DeviceExistsError';
}
export class DeviceNotFoundError extends Error {
  override name = 'DeviceNotFoundError';
}
export class InvalidDeviceError extends Error {
  override name = 'InvalidDeviceError';
}
export class RegistryDocError extends Error {
  override name = 'RegistryDocError';
}

const nodeScheduler: Scheduler = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface CacheEntry {
  digest: string;
  at: number;
}

export class DeviceRegistry {
  readonly #db: Low<RegistryDoc>;
  readonly #now: () => number;
  readonly #flushIntervalMs: number;
  readonly #scheduler: Scheduler;
  readonly #hashParams: ScryptParams;
  readonly #cacheSize: number;
  readonly #cacheTtlMs: number;
  readonly #onError: (err: unknown) => void;
  readonly #records = new Map<string, DeviceRecord>();
  readonly #live = new Map<string, LiveState>();
  /** username → sha256(password) of recently verified credentials, oldest first. */
  readonly #credentialCache = new Map<string, CacheEntry>();
  readonly #changes = new Subject<DeviceView>();
  readonly #revoked = new Subject<DeviceRef>();
  #dirty = false;
  #timer: unknown;
  #writes: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #stats = {
    unknownDeviceMessages: 0,
    staleMessages: 0,
    liveFlushes: 0,
    inventoryWrites: 0,
    writeErrors: 0,
    credentialCacheHits: 0,
    credentialCacheMisses: 0,
  };

  /** Every change of a device (inventory or live), for the live console page. */
  readonly changes$: Observable<DeviceView> = this.#changes.asObservable();
  /** A device whose secret was rotated or which was removed: the broker should drop its connection. */
  readonly revoked$: Observable<DeviceRef> = this.#revoked.asObservable();

  private constructor(options: DeviceRegistryOptions) {
    this.#db = options.db;
    this.#now = options.now ?? Date.now;
    this.#flushIntervalMs = options.flushIntervalMs ?? 2000;
    this.#scheduler = options.scheduler ?? nodeScheduler;
    this.#hashParams = options.secretHashParams ?? DEVICE_SECRET_SCRYPT;
    this.#cacheSize = options.credentialCacheSize ?? 10_000;
    this.#cacheTtlMs = options.credentialCacheTtlMs ?? 15 * 60_000;
    this.#onError = options.onError ?? ((err) => console.error('device registry:', err));
  }

  /** Reads the document (validating it) and returns a registry over it. */
  static async open(options: DeviceRegistryOptions): Promise<DeviceRegistry> {
    const registry = new DeviceRegistry(options);
    await options.db.read();
    const parsed = RegistryDoc.safeParse(options.db.data ?? emptyRegistryDoc());
    if (!parsed.success) throw new RegistryDocError(`registry document is invalid: ${describeIssues(parsed.error)}`);
    options.db.data = parsed.data;
    for (const record of parsed.data.devices) {
      const key = brokerUsername(record);
      registry.#records.set(key, record);
      registry.#live.set(key, parsed.data.live[key] ?? initialLiveState());
    }
    return registry;
  }

  list(): DeviceView[] {
    return [...this.#records.values()]
      .map((r) => this.#view(r))
      .sort((a, b) => a.site.localeCompare(b.site) || a.device.localeCompare(b.device));
  }

  get(ref: DeviceRef): DeviceView | undefined {
    const record = this.#records.get(keyOf(ref));
    return record && this.#view(record);
  }

  async createDevice(input: NewDevice): Promise<CreatedDevice> {
    const parsed = NewDevice.safeParse(input);
    if (!parsed.success) throw new InvalidDeviceError(describeIssues(parsed.error));
    const { site, device, name } = parsed.data;
    const key = brokerUsername({ site, device });
    if (this.#records.has(key)) throw new DeviceExistsError(`device ${key} already exists`);
    const secret = parsed.data.secret ?? randomToken();
    const secretHash = await hashPassword(secret, this.#hashParams);
    // Checked again: another create may have finished while hashing.
    if (this.#records.has(key)) throw new DeviceExistsError(`device ${key} already exists`);
    const record: DeviceRecord = { site, device, name, createdAt: this.#now(), secretHash };
    this.#records.set(key, record);
    this.#live.set(key, initialLiveState());
    try {
      await this.#writeInventory();
    } catch (err) {
      this.#records.delete(key);
      this.#live.delete(key);
      throw err;
    }
    const view = this.#view(record);
    this.#changes.next(view);
    return { device: view, secret };
  }

  /** Removes a device; false if it did not exist. */
  async removeDevice(ref: DeviceRef): Promise<boolean> {
    const key = keyOf(ref);
    const record = this.#records.get(key);
    if (!record) return false;
    const live = this.#live.get(key);
    this.#records.delete(key);
    this.#live.delete(key);
    this.#credentialCache.delete(key);
    try {
      await this.#writeInventory();
    } catch (err) {
      this.#records.set(key, record);
      if (live) this.#live.set(key, live);
      throw err;
    }
    this.#changes.next({ ...this.#view(record, live), removed: true });
    this.#revoked.next({ site: record.site, device: record.device });
    return true;
  }

  /** Replaces the secret (a given one, or a random one) and returns it; the old one stops working at once. */
  async rotateSecret(ref: DeviceRef, secret?: string): Promise<string> {
    const key = keyOf(ref);
    if (!this.#records.has(key)) throw new DeviceNotFoundError(`device ${key} does not exist`);
    if (secret !== undefined && (secret.length < 16 || secret.length > 256)) {
      throw new InvalidDeviceError('secret must be 16-256 characters');
    }
    const next = secret ?? randomToken();
    const secretHash = await hashPassword(next, this.#hashParams);
    const record = this.#records.get(key);
    if (!record) throw new DeviceNotFoundError(`device ${key} does not exist`);
    const updated = { ...record, secretHash };
    this.#records.set(key, updated);
    this.#credentialCache.delete(key);
    try {
      await this.#writeInventory();
    } catch (err) {
      if (this.#records.get(key) === updated) this.#records.set(key, record);
      throw err;
    }
    this.#revoked.next({ site: record.site, device: record.device });
    return next;
  }

  /**
   * For the broker's authenticate hook: the device the credentials belong to, or undefined.
   * A recent success is remembered as sha256(password), so a reconnect storm costs hashes,
   * not thousands of scrypt runs.
   */
  async verifyDeviceCredentials(username: string, password: string): Promise<DeviceRef | undefined> {
    const ref = parseBrokerUsername(username);
    if (!ref || password.length === 0 || password.length > 1024) return undefined;
    const key = brokerUsername(ref);
    const record = this.#records.get(key);
    if (!record) return undefined;
    const digest = sha256(password).toString('base64');
    const cached = this.#credentialCache.get(key);
    if (cached && this.#now() - cached.at < this.#cacheTtlMs && safeEqual(cached.digest, digest)) {
      this.#stats.credentialCacheHits++;
      return ref;
    }
    this.#stats.credentialCacheMisses++;
    const ok = await verifyPassword(password, record.secretHash);
    // The secret may have been rotated or the device removed while scrypt ran.
    if (!ok || this.#records.get(key)?.secretHash !== record.secretHash) return undefined;
    this.#remember(key, digest);
    return ref;
  }

  applyState(ref: DeviceRef, state: DeviceState, receivedAt: number): ApplyResult | 'unknown-device' {
    return this.#apply(ref, (live) => applyStateMessage(live, state, receivedAt));
  }

  applyTelemetry(ref: DeviceRef, telemetry: Telemetry, receivedAt: number): ApplyResult | 'unknown-device' {
    return this.#apply(ref, (live) => applyTelemetryMessage(live, telemetry, receivedAt));
  }

  stats(): RegistryStats {
    let online = 0;
    for (const live of this.#live.values()) if (live.status === 'online') online++;
    return { devices: this.#records.size, online, ...this.#stats };
  }

  /** Writes pending live state now (also what the batch timer does). */
  async flush(): Promise<void> {
    this.#cancelTimer();
    if (!this.#dirty) return this.#writes;
    this.#dirty = false;
    this.#stats.liveFlushes++;
    try {
      await this.#write();
    } catch (err) {
      this.#dirty = true;
      throw err;
    }
  }

  /** Flushes and stops; further messages are ignored. */
  async close(): Promise<void> {
    if (this.#closed) return this.#writes;
    this.#closed = true;
    await this.flush();
    this.#changes.complete();
    this.#revoked.complete();
  }

  #apply(
    ref: DeviceRef,
    step: (live: LiveState) => { result: ApplyResult; live: LiveState },
  ): ApplyResult | 'unknown-device' {
    const key = keyOf(ref);
    const record = this.#records.get(key);
    if (!record || this.#closed) {
      this.#stats.unknownDeviceMessages++;
      return 'unknown-device';
    }
    const { result, live } = step(this.#live.get(key) ?? initialLiveState());
    if (result === 'stale') {
      this.#stats.staleMessages++;
      return result;
    }
    this.#live.set(key, live);
    this.#markDirty();
    this.#changes.next(this.#view(record, live));
    return result;
  }

  #remember(key: string, digest: string): void {
    this.#credentialCache.delete(key);
    this.#credentialCache.set(key, { digest, at: this.#now() });
    while (this.#credentialCache.size > this.#cacheSize) {
      const oldest = this.#credentialCache.keys().next().value;
      if (oldest === undefined) break;
      this.#credentialCache.delete(oldest);
    }
  }

  #markDirty(): void {
    this.#dirty = true;
    if (this.#timer !== undefined) return;
    this.#timer = this.#scheduler.setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch((err: unknown) => {
        this.#stats.writeErrors++;
        this.#onError(err);
      });
    }, this.#flushIntervalMs);
  }

  #cancelTimer(): void {
    if (this.#timer === undefined) return;
    this.#scheduler.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #writeInventory(): Promise<void> {
    // The document holds live state too, so this write also flushes it.
    this.#cancelTimer();
    this.#dirty = false;
    this.#stats.inventoryWrites++;
    try {
      await this.#write();
    } catch (err) {
      this.#stats.writeErrors++;
      this.#dirty = true;
      throw err;
    }
  }

  /** Snapshots the maps into the document and writes it; writes run one after another. */
  #write(): Promise<void> {
    const run = async () => {
      const live: Record<string, LiveState> = {};
      for (const [key, state] of this.#live) live[key] = state;
      this.#db.data = { devices: [...this.#records.values()], live };
      await this.#db.write();
    };
    const next = this.#writes.then(run, run);
    this.#writes = next.catch(() => undefined);
    return next;
  }

  #view(record: DeviceRecord, live: LiveState = this.#live.get(keyOf(record)) ?? initialLiveState()): DeviceView {
    const { secretHash: _hash, ...inventory } = record;
    const { pastBootIds: _past, stateTs: _ts, ...state } = live;
    return { ...inventory, ...state };
  }
}

const keyOf = (ref: DeviceRef) => brokerUsername(ref);
