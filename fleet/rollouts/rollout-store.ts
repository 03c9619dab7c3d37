import { randomBytes } from 'node:crypto';
import type { Low } from 'lowdb';
import { z } from 'zod';
import { Id } from '../../protocol/ids.ts';
import { describeIssues } from '../../protocol/decode.ts';
import { BundleVersion, MaintenanceWindow, UpdateState } from '../../protocol/update-job.ts';
import type { CampaignState } from './rollout-core.ts';

const EpochMs = z.number().int().nonnegative();
const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const History = z.array(z.object({ at: EpochMs, what: z.string(), by: z.string().optional() }));

export const BundleRecord = z.object({
  sha256: Sha256Hex,
  size: z.number().int().positive(),
  version: BundleVersion,
  board: z.string(),
  keyId: z.string(),
  description: z.string().optional(),
  uploadedAt: EpochMs,
  uploadedBy: z.string(),
});
export type BundleRecord = z.infer<typeof BundleRecord>;

const DeviceRolloutSchema = z.object({
  site: Id,
  device: Id,
  phase: z.number().int().nonnegative(),
  state: z.union([z.enum(['pending', 'released', 'cancelled']), UpdateState]),
  updatedAt: EpochMs,
  installedVersion: z.string().optional(),
  progress: z.object({ received: z.number().int().nonnegative(), total: z.number().int().positive().optional() }).optional(),
  activeCalls: z.number().int().nonnegative().optional(),
  code: z.string().optional(),
  reason: z.string().optional(),
  history: History,
});

export const CampaignSchema = z.object({
  id: Id,
  name: z.string(),
  createdAt: EpochMs,
  createdBy: z.string(),
  bundle: BundleRecord.pick({ sha256: true, size: true, version: true, board: true, keyId: true, description: true }),
  groups: z.array(Id),
  settings: z.object({
    phases: z.array(z.number()),
    successThreshold: z.number(),
    failureThreshold: z.number(),
    window: MaintenanceWindow.optional(),
    drainFirst: z.boolean(),
  }),
  status: z.enum(['running', 'paused', 'halted', 'aborted', 'completed']),
  phase: z.number().int(),
  reason: z.string().optional(),
  buckets: z.array(z.record(z.string(), DeviceRolloutSchema)),
  tally: z.array(z.object({ total: z.number().int(), released: z.number().int(), committed: z.number().int(), failed: z.number().int(), cancelled: z.number().int(), inProgress: z.number().int() })),
  history: History,
  updatedAt: EpochMs,
});

/** Campaigns and the bundles they ship: small, rarely rewritten as a whole, kept in lowdb. */
export const RolloutDoc = z.object({
  campaigns: z.array(CampaignSchema).default([]),
  bundles: z.array(BundleRecord).default([]),
  /** Key of the per-device download tokens (HMAC); made on first start. */
  tokenKey: z.string().min(32).optional(),
});
export type RolloutDoc = z.infer<typeof RolloutDoc>;
export const emptyRolloutDoc = (): RolloutDoc => ({ campaigns: [], bundles: [] });

export class RolloutDocError extends Error {
  override name = 'RolloutDocError';
}

/**
 * The campaigns' lowdb document. Device progress changes often, so writes are coalesced:
 * `touch()` schedules one write a short while later, `flush()` writes now (campaign-level
 * changes: create, pause, abort) and is awaited before answering the operator.
 */
export class RolloutStore {
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly db: Low<RolloutDoc>,
    private readonly coalesceMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  static async open(options: { db: Low<RolloutDoc>; coalesceMs?: number; onError?: (err: unknown) => void }): Promise<RolloutStore> {
    await options.db.read();
    const parsed = RolloutDoc.safeParse(options.db.data ?? emptyRolloutDoc());
    if (!parsed.success) throw new RolloutDocError(`rollout document is invalid: ${describeIssues(parsed.error)}`);
    options.db.data = parsed.data;
    const store = new RolloutStore(options.db, options.coalesceMs ?? 1000, options.onError ?? (() => undefined));
    if (!parsed.data.tokenKey) {
      parsed.data.tokenKey = randomBytes(32).toString('base64url');
      await store.flush();
    }
    return store;
  }

  get doc(): RolloutDoc {
    return this.db.data;
  }

  get tokenKey(): string {
    return this.db.data.tokenKey!;
  }

  campaigns(): CampaignState[] {
    return this.db.data.campaigns as CampaignState[];
  }

  setCampaign(state: CampaignState): void {
    const list = this.db.data.campaigns;
    const i = list.findIndex((c) => c.id === state.id);
    if (i >= 0) list[i] = state;
    else list.push(state);
  }

  addBundle(record: BundleRecord): void {
    if (!this.db.data.bundles.some((b) => b.sha256 === record.sha256)) this.db.data.bundles.push(record);
  }

  touch(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch(this.onError);
    }, this.coalesceMs);
  }

  /** Writes the document now (after any write in progress). */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#writing = this.#writing.catch(() => undefined).then(() => this.db.write());
    return this.#writing;
  }

  async close(): Promise<void> {
    if (this.#timer) await this.flush();
    await this.#writing.catch(() => undefined);
  }
}
