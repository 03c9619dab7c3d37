import type { Low } from 'lowdb';
import { z } from 'zod';
import { Id, brokerUsername, type DeviceRef } from '../../protocol/ids.ts';
import { describeIssues } from '../../protocol/decode.ts';
import { ReportedConfig } from '../../protocol/config-twin.ts';
import { closeDatabase, openDatabase, type Migration, type SqliteDatabase } from '../../appliance/store/sqlite-database.ts';
import { BatchWriter } from '../../appliance/store/batch-writer.ts';

/** A JSON object that is a template or an override (validated when rendered, not here). */
const JsonObject = z.record(z.string(), z.unknown());

export const DeviceGroup = z.object({
  id: Id,
  name: z.string().min(1).max(128),
  description: z.string().max(2000).default(''),
  template: JsonObject,
  /** Counts saves of the template, so a plan can tell it was previewed against an older one. */
  revision: z.number().int().nonnegative(),
  updatedAt: z.number().int().nonnegative(),
  updatedBy: z.string().max(128),
});
export type DeviceGroup = z.infer<typeof DeviceGroup>;

export const DeviceOverride = z.object({
  patch: JsonObject,
  revision: z.number().int().nonnegative(),
  updatedAt: z.number().int().nonnegative(),
  updatedBy: z.string().max(128),
});
export type DeviceOverride = z.infer<typeof DeviceOverride>;

/** Groups, memberships and overrides: small, rarely changed, kept in lowdb. */
export const FleetConfigDoc = z.object({
  groups: z.array(DeviceGroup).default([]),
  /** `site.device` → group id; a device belongs to at most one group. */
  members: z.record(z.string(), Id).default({}),
  /** `site.device` → its overrides. */
  overrides: z.record(z.string(), DeviceOverride).default({}),
});
export type FleetConfigDoc = z.infer<typeof FleetConfigDoc>;
export const emptyFleetConfigDoc = (): FleetConfigDoc => ({ groups: [], members: {}, overrides: {} });

export type DesiredVia = 'mqtt' | 'bundle';

export interface DesiredMeta {
  version: number;
  hash: string;
  issuedAt: number;
  by: string;
  via: DesiredVia;
  group: string | undefined;
}

export interface DesiredRecord extends DesiredMeta {
  config: Record<string, unknown>;
}

export const CONFIG_STORE_MIGRATIONS: readonly Migration[] = [
  {
    id: 'fleet-config-1',
    sql: `
      CREATE TABLE config_desired (
        site TEXT NOT NULL,
        device TEXT NOT NULL,
        version INTEGER NOT NULL,
        hash TEXT NOT NULL,
        config TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        by TEXT NOT NULL,
        via TEXT NOT NULL,
        group_id TEXT,
        PRIMARY KEY (site, device, version)
      );
      CREATE TABLE config_reported (
        site TEXT NOT NULL,
        device TEXT NOT NULL,
        payload TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (site, device)
      );
    `,
  },
];

interface DesiredRow {
  site: string;
  device: string;
  version: number;
  hash: string;
  config: string;
  issued_at: number;
  by: string;
  via: DesiredVia;
  group_id: string | null;
}

export class FleetConfigDocError extends Error {
  override name = 'FleetConfigDocError';
}

/** How many past versions of each device's desired configuration are kept (for diffs). */
const KEEP_VERSIONS = 10;

/**
 * The fleet's configuration data: groups/templates/overrides in a lowdb document, and every
 * device's desired versions and last reported state in SQLite, with the latest of each in
 * memory so status pages never touch the disk.
 */
export class ConfigStore {
  readonly #doc: Low<FleetConfigDoc>;
  readonly db: SqliteDatabase;
  readonly #latest = new Map<string, DesiredMeta>();
  readonly #reported = new Map<string, { reported: ReportedConfig; at: number }>();
  readonly #insertDesired;
  readonly #pruneDesired;
  readonly #upsertReported;
  /** Reported states arrive in bursts after a push: stored in group commits. */
  readonly #writer: BatchWriter;

  private constructor(doc: Low<FleetConfigDoc>, db: SqliteDatabase) {
    this.#doc = doc;
    this.db = db;
    this.#writer = new BatchWriter(db);
    this.#insertDesired = db.prepare(
      'INSERT INTO config_desired (site, device, version, hash, config, issued_at, by, via, group_id) VALUES (@site, @device, @version, @hash, @config, @issued_at, @by, @via, @group_id)',
    );
    this.#pruneDesired = db.prepare('DELETE FROM config_desired WHERE site = ? AND device = ? AND version <= ?');
    this.#upsertReported = db.prepare(
      'INSERT INTO config_reported (site, device, payload, received_at) VALUES (?, ?, ?, ?) ON CONFLICT (site, device) DO UPDATE SET payload = excluded.payload, received_at = excluded.received_at',
    );
    const latest = db
      .prepare('SELECT d.site, d.device, d.version, d.hash, d.issued_at, d.by, d.via, d.group_id FROM config_desired d JOIN (SELECT site, device, MAX(version) AS v FROM config_desired GROUP BY site, device) m ON d.site = m.site AND d.device = m.device AND d.version = m.v')
      .all() as Omit<DesiredRow, 'config'>[];
    for (const r of latest) this.#latest.set(brokerUsername(r), metaOf(r));
    for (const r of db.prepare('SELECT site, device, payload, received_at FROM config_reported').all() as { site: string; device: string; payload: string; received_at: number }[]) {
      const parsed = ReportedConfig.safeParse(JSON.parse(r.payload));
      if (parsed.success) this.#reported.set(brokerUsername(r), { reported: parsed.data, at: r.received_at });
    }
  }

  static async open(options: { doc: Low<FleetConfigDoc>; dbPath: string }): Promise<ConfigStore> {
    await options.doc.read();
    const parsed = FleetConfigDoc.safeParse(options.doc.data ?? emptyFleetConfigDoc());
    if (!parsed.success) throw new FleetConfigDocError(`fleet configuration document is invalid: ${describeIssues(parsed.error)}`);
    options.doc.data = parsed.data;
    return new ConfigStore(options.doc, openDatabase(options.dbPath, { migrations: CONFIG_STORE_MIGRATIONS }));
  }

  get doc(): Readonly<FleetConfigDoc> {
    return this.#doc.data;
  }

  /** Applies a change to the lowdb document and writes it; on a failed write nothing changed. */
  async mutate(change: (doc: FleetConfigDoc) => FleetConfigDoc): Promise<void> {
    const before = this.#doc.data;
    this.#doc.data = FleetConfigDoc.parse(change(structuredClone(before)));
    try {
      await this.#doc.write();
    } catch (err) {
      this.#doc.data = before;
      throw err;
    }
  }

  latestDesired(ref: DeviceRef): DesiredMeta | undefined {
    return this.#latest.get(brokerUsername(ref));
  }

  desired(ref: DeviceRef, version: number): DesiredRecord | undefined {
    const row = this.db.prepare('SELECT * FROM config_desired WHERE site = ? AND device = ? AND version = ?').get(ref.site, ref.device, version) as DesiredRow | undefined;
    return row && { ...metaOf(row), config: JSON.parse(row.config) as Record<string, unknown> };
  }

  /** Records new desired versions, all in one transaction. */
  addDesired(entries: Array<{ ref: DeviceRef } & DesiredRecord>): void {
    // Outside the batch writer's transaction: these must be on disk before anything is published.
    this.#writer.flush();
    this.db.transaction(() => {
      for (const e of entries) {
        this.#insertDesired.run({ site: e.ref.site, device: e.ref.device, version: e.version, hash: e.hash, config: JSON.stringify(e.config), issued_at: e.issuedAt, by: e.by, via: e.via, group_id: e.group ?? null });
        this.#pruneDesired.run(e.ref.site, e.ref.device, e.version - KEEP_VERSIONS);
      }
    })();
    for (const { ref, config: _c, ...meta } of entries) this.#latest.set(brokerUsername(ref), meta);
  }

  /** Every device's latest desired version sent over MQTT (to publish again, retained). */
  *latestForMqtt(): Generator<{ ref: DeviceRef } & DesiredRecord> {
    for (const [key, meta] of this.#latest) {
      if (meta.via !== 'mqtt') continue;
      const [site, device] = key.split('.') as [string, string];
      const record = this.desired({ site, device }, meta.version);
      if (record) yield { ref: { site, device }, ...record };
    }
  }

  reported(ref: DeviceRef): { reported: ReportedConfig; at: number } | undefined {
    return this.#reported.get(brokerUsername(ref));
  }

  /**
   * Keeps the latest reported state; stored in the next group commit. Losing the last few to
   * a power cut is harmless: the state is retained at the broker and sent again.
   */
  setReported(ref: DeviceRef, reported: ReportedConfig, at: number): Promise<void> {
    this.#reported.set(brokerUsername(ref), { reported, at });
    const payload = JSON.stringify(reported);
    return this.#writer.run(() => void this.#upsertReported.run(ref.site, ref.device, payload, at));
  }

  async close(): Promise<void> {
    await this.#writer.close();
    closeDatabase(this.db);
  }
}

function metaOf(r: Omit<DesiredRow, 'config'>): DesiredMeta {
  return { version: r.version, hash: r.hash, issuedAt: r.issued_at, by: r.by, via: r.via, group: r.group_id ?? undefined };
}
