import type { DeviceRef } from '../../protocol/ids.ts';
import type { DeviceEvent } from '../../protocol/schemas.ts';
import { applyMigrations, closeDatabase, openDatabase, type Migration, type SqliteDatabase } from '../../appliance/store/sqlite-database.ts';

/** An event as stored: the device's fields plus the fleet's row id and receipt time. */
export interface StoredEvent extends DeviceEvent {
  id: number;
  site: string;
  device: string;
  receivedAt: number;
}

export interface EventFilter {
  site?: string;
  device?: string;
  type?: string;
}

export interface EventQuery extends EventFilter {
  /** Default 100, at most 1000. */
  limit?: number;
  /** Only events with a smaller id: the next page of a newest-first listing. */
  beforeId?: number;
}

export type InsertResult = 'inserted' | 'duplicate';

export interface EventStoreStats {
  inserted: number;
  duplicates: number;
}

export const EVENT_STORE_MIGRATIONS: readonly Migration[] = [
  {
    id: 'fleet-events-1',
    // UNIQUE(site, device, epoch, seq): a QoS 1 redelivery (MQTT 3.1.1 §4.3.2) is the same
    // row, so it can never be stored twice.
    sql: `
      CREATE TABLE fleet_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        site TEXT NOT NULL,
        device TEXT NOT NULL,
        epoch TEXT NOT NULL,
        seq INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        type TEXT NOT NULL,
        severity TEXT NOT NULL,
        data TEXT NOT NULL,
        UNIQUE (site, device, epoch, seq)
      );
      CREATE INDEX fleet_events_device ON fleet_events (site, device, id);
      CREATE INDEX fleet_events_type ON fleet_events (type, id);
    `,
  },
];

export const MAX_EVENT_PAGE = 1000;

interface Row {
  id: number;
  site: string;
  device: string;
  epoch: string;
  seq: number;
  ts: number;
  received_at: number;
  type: string;
  severity: DeviceEvent['severity'];
  data: string;
}

/**
 * Device events (CDRs, alarms, audit) in SQLite. Inserting is synchronous and cheap, so it
 * can run inside the caller's batched transaction (the fleet's group commit).
 */
export class EventStore {
  readonly db: SqliteDatabase;
  readonly #insert;
  readonly #stats: EventStoreStats = { inserted: 0, duplicates: 0 };

  /** Over an open database (possibly shared); applies this store's migrations. */
  constructor(db: SqliteDatabase) {
    this.db = db;
    applyMigrations(db, EVENT_STORE_MIGRATIONS);
    this.#insert = db.prepare<[string, string, string, number, number, number, string, string, string]>(
      `INSERT INTO fleet_events (site, device, epoch, seq, ts, received_at, type, severity, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (site, device, epoch, seq) DO NOTHING`,
    );
  }

  /** Opens (creating) its own database file: WAL, synchronous=FULL. */
  static open(path: string): EventStore {
    return new EventStore(openDatabase(path, { migrations: EVENT_STORE_MIGRATIONS }));
  }

  insert(ref: DeviceRef, event: DeviceEvent, receivedAt: number): InsertResult {
    const info = this.#insert.run(
      ref.site,
      ref.device,
      event.epoch,
      event.seq,
      event.ts,
      receivedAt,
      event.type,
      event.severity,
      JSON.stringify(event.data ?? {}),
    );
    if (info.changes === 0) {
      this.#stats.duplicates++;
      return 'duplicate';
    }
    this.#stats.inserted++;
    return 'inserted';
  }

  /** Newest first (by arrival order). */
  list(query: EventQuery = {}): StoredEvent[] {
    const { where, params } = whereOf(query);
    if (query.beforeId !== undefined) {
      where.push('id < ?');
      params.push(query.beforeId);
    }
    const limit = Math.max(1, Math.min(MAX_EVENT_PAGE, Math.floor(query.limit ?? 100)));
    const sql = `SELECT * FROM fleet_events ${clause(where)} ORDER BY id DESC LIMIT ${limit}`;
    return this.db.prepare<unknown[], Row>(sql).all(...params).map(fromRow);
  }

  count(filter: EventFilter = {}): number {
    const { where, params } = whereOf(filter);
    return this.db.prepare<unknown[], number>(`SELECT COUNT(*) FROM fleet_events ${clause(where)}`).pluck().get(...params) ?? 0;
  }

  /** Stored events per severity, for one device or all. */
  countBySeverity(filter: EventFilter = {}): Record<DeviceEvent['severity'], number> {
    const { where, params } = whereOf(filter);
    const rows = this.db
      .prepare<unknown[], { severity: DeviceEvent['severity']; n: number }>(
        `SELECT severity, COUNT(*) AS n FROM fleet_events ${clause(where)} GROUP BY severity`,
      )
      .all(...params);
    const out = { info: 0, warning: 0, critical: 0 };
    for (const r of rows) out[r.severity] = r.n;
    return out;
  }

  /** Inserts and duplicates since this store was opened. */
  stats(): EventStoreStats {
    return { ...this.#stats };
  }

  close(): void {
    closeDatabase(this.db);
  }
}

function whereOf(filter: EventFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  for (const key of ['site', 'device', 'type'] as const) {
    const value = filter[key];
    if (value !== undefined) {
      where.push(`${key} = ?`);
      params.push(value);
    }
  }
  return { where, params };
}

const clause = (where: string[]) => (where.length ? `WHERE ${where.join(' AND ')}` : '');

function fromRow(r: Row): StoredEvent {
  return {
    id: r.id,
    site: r.site,
    device: r.device,
    epoch: r.epoch,
    seq: r.seq,
    ts: r.ts,
    receivedAt: r.received_at,
    type: r.type,
    severity: r.severity,
    data: JSON.parse(r.data) as Record<string, unknown>,
  };
}
