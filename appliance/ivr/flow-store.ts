// IVR flows in lowdb (through FsyncJsonFile in production, Memory in tests). Every save is
// validated (flow-validation.ts) and becomes a new version; a refused save changes nothing,
// so the previous version keeps running. The last `keepVersions` versions are kept for rollback.
import type { Low } from 'lowdb';
import { z } from 'zod';
import { FlowSchema, type Flow } from './flow-schema.ts';
import { FlowInvalidError, validateFlow, type CompiledFlow } from './flow-validation.ts';

const StoredFlowSchema = z.object({ version: z.number().int().positive(), savedAt: z.number().int().nonnegative(), flow: FlowSchema });
export const FlowsDocSchema = z.object({
  flows: z.record(z.string(), z.object({ current: z.number().int().positive(), versions: z.array(StoredFlowSchema).min(1) })),
});
export type FlowsDoc = z.infer<typeof FlowsDocSchema>;
export const emptyFlowsDoc = (): FlowsDoc => ({ flows: {} });

export interface StoredFlow {
  id: string;
  version: number;
  savedAt: number;
  flow: Flow;
}

export interface FlowSummary {
  id: string;
  name: string;
  version: number;
  savedAt: number;
  /** Versions kept. */
  versions: number[];
}

export interface FlowStoreOptions {
  db: Low<FlowsDoc>;
  now?: () => number;
  keepVersions?: number;
}

export class FlowVersionConflictError extends Error {
  override readonly name = 'FlowVersionConflictError';
  constructor(
    readonly flowId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`flow ${flowId} is at version ${actual}, not ${expected}: reload it and save again`);
  }
}

export class FlowsDocError extends Error {
  override readonly name = 'FlowsDocError';
}

export class FlowStore {
  readonly #db: Low<FlowsDoc>;
  readonly #now: () => number;
  readonly #keep: number;
  readonly #compiled = new Map<string, { version: number; compiled: CompiledFlow }>();
  /** Saves run one after another, so a failed write can be undone without losing another. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(options: FlowStoreOptions) {
    this.#db = options.db;
    this.#now = options.now ?? Date.now;
    this.#keep = Math.max(1, options.keepVersions ?? 20);
  }

  static async open(options: FlowStoreOptions): Promise<FlowStore> {
    await options.db.read();
    const parsed = FlowsDocSchema.safeParse(options.db.data ?? emptyFlowsDoc());
    if (!parsed.success) throw new FlowsDocError(`flows document is invalid: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
    options.db.data = parsed.data;
    return new FlowStore(options);
  }

  list(): FlowSummary[] {
    return Object.entries(this.#db.data.flows)
      .map(([id, entry]) => {
        const current = entry.versions.find((v) => v.version === entry.current)!;
        return { id, name: current.flow.name, version: entry.current, savedAt: current.savedAt, versions: entry.versions.map((v) => v.version) };
      })
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The current version, or the given one while it is kept. */
  get(id: string, version?: number): StoredFlow | undefined {
    const entry = Object.hasOwn(this.#db.data.flows, id) ? this.#db.data.flows[id] : undefined;
    const stored = entry?.versions.find((v) => v.version === (version ?? entry.current));
    return stored ? { id, version: stored.version, savedAt: stored.savedAt, flow: structuredClone(stored.flow) } : undefined;
  }

  /** The current version, validated and indexed for sessions (cached per version). */
  compiled(id: string): CompiledFlow | undefined {
    const stored = this.get(id);
    if (!stored) return undefined;
    const cached = this.#compiled.get(id);
    if (cached?.version === stored.version) return cached.compiled;
    const result = validateFlow(stored.flow);
    // A stored flow was valid when saved; refuse it loudly rather than run it if a rule changed since.
    if (!result.ok) throw new FlowInvalidError(id, result.issues);
    this.#compiled.set(id, { version: stored.version, compiled: result.compiled });
    return result.compiled;
  }

  /**
   * Validates and stores `raw` as the next version of its flow. Throws FlowInvalidError (with
   * every issue) or FlowVersionConflictError when `expectedVersion` is not the current one.
   */
  save(raw: unknown, options: { expectedVersion?: number } = {}): Promise<StoredFlow> {
    const run = this.#queue.then(() => this.#save(raw, options));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #save(raw: unknown, options: { expectedVersion?: number }): Promise<StoredFlow> {
    const result = validateFlow(raw);
    if (!result.ok) {
      const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : '(no id)';
      throw new FlowInvalidError(id, result.issues);
    }
    const flow = result.compiled.flow;
    const flows = this.#db.data.flows;
    const previous = Object.hasOwn(flows, flow.id) ? flows[flow.id] : undefined;
    const current = previous?.current ?? 0;
    if (options.expectedVersion !== undefined && options.expectedVersion !== current) throw new FlowVersionConflictError(flow.id, options.expectedVersion, current);
    const stored = { version: current + 1, savedAt: this.#now(), flow };
    flows[flow.id] = { current: stored.version, versions: [...(previous?.versions ?? []), stored].slice(-this.#keep) };
    try {
      await this.#db.write();
    } catch (error) {
      if (previous) flows[flow.id] = previous;
      else delete flows[flow.id];
      throw error;
    }
    this.#compiled.set(flow.id, { version: stored.version, compiled: result.compiled });
    return { id: flow.id, ...structuredClone(stored) };
  }

  /** Makes a kept version current again, as a new version (history only grows). */
  async rollback(id: string, version: number): Promise<StoredFlow> {
    const stored = this.get(id, version);
    if (!stored) throw new RangeError(`flow ${id} has no version ${version}`);
    return this.save(stored.flow);
  }
}
