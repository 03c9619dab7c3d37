import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { DeviceEvent, type DeviceEventInput } from '../../protocol/schemas.ts';
import type { BatchWriter } from '../store/batch-writer.ts';
import type { Migration } from '../store/sqlite-database.ts';

/** Tables of the outbox, applied by `openDatabase` with the other owners' migrations. */
export const outboxMigrations: Migration[] = [
  {
    id: 'fleet-link-outbox-1',
    // AUTOINCREMENT so a sequence number is never reused after its row is deleted: the fleet
    // drops (epoch, seq) pairs it has seen, and a reused seq would be dropped as a duplicate.
    sql: `CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            ts INTEGER NOT NULL,
            type TEXT NOT NULL,
            severity TEXT NOT NULL,
            data TEXT NOT NULL);
          CREATE TABLE outbox_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);`,
  },
];

export interface OutboxOptions {
  db: Database;
  writer: BatchWriter;
  clock?: () => number;
}

export type OutboxEventInput = Omit<DeviceEventInput, 'epoch' | 'seq' | 'ts'> & { ts?: number };

interface Row {
  seq: number;
  ts: number;
  type: string;
  severity: string;
  data: string;
}

/**
 * The store-and-forward queue of events that must reach the fleet. A row is written durably
 * before `enqueue` resolves and deleted only after the broker acknowledged it (PUBACK), so a
 * crash or an absent broker loses nothing; at worst an event is sent twice and the fleet
 * drops the copy by (epoch, seq).
 */
export class Outbox {
  readonly epoch: string;
  private readonly db: Database;
  private readonly writer: BatchWriter;
  private readonly clock: () => number;
  private readonly insert;
  private readonly remove;
  private readonly selectAfter;
  private readonly countAll;
  /** Acknowledged but whose DELETE has not committed yet: never hand these out again. */
  private readonly deleting = new Set<number>();

  constructor(options: OutboxOptions) {
    this.db = options.db;
    this.writer = options.writer;
    this.clock = options.clock ?? Date.now;
    const existing = this.db.prepare(`SELECT v FROM outbox_meta WHERE k = 'epoch'`).get() as { v: string } | undefined;
    if (existing) this.epoch = existing.v;
    else {
      this.epoch = randomUUID();
      this.db.prepare(`INSERT INTO outbox_meta (k, v) VALUES ('epoch', ?)`).run(this.epoch);
    }
    this.insert = this.db.prepare(`INSERT INTO outbox (ts, type, severity, data) VALUES (?, ?, ?, ?)`);
    this.remove = this.db.prepare(`DELETE FROM outbox WHERE seq = ?`);
    this.selectAfter = this.db.prepare(`SELECT seq, ts, type, severity, data FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?`);
    this.countAll = this.db.prepare(`SELECT COUNT(*) AS n FROM outbox`);
  }

  /** Validates and stores an event; resolves once it is durable, with its sequence number. */
  async enqueue(input: OutboxEventInput): Promise<DeviceEvent> {
    const ts = input.ts ?? this.clock();
    // Validate with a placeholder seq so a bad event is refused before it is stored.
    const checked = DeviceEvent.parse({ ...input, ts, epoch: this.epoch, seq: 1 });
    const seq = await this.writer.run(() =>
      Number(this.insert.run(ts, checked.type, checked.severity, JSON.stringify(checked.data)).lastInsertRowid),
    );
    return { ...checked, seq };
  }

  /** Events not yet acknowledged, in order, after the given sequence number. */
  pending(afterSeq: number, limit: number): DeviceEvent[] {
    const out: DeviceEvent[] = [];
    let after = afterSeq;
    while (out.length < limit) {
      const rows = this.selectAfter.all(after, limit - out.length + this.deleting.size) as Row[];
      if (rows.length === 0) break;
      for (const r of rows) {
        after = r.seq;
        if (this.deleting.has(r.seq)) continue;
        if (out.length < limit) out.push(this.toEvent(r));
      }
    }
    return out;
  }

  /** The broker has the event: remove it (batched; a lost delete only means a resend). */
  acknowledge(seq: number): Promise<void> {
    this.deleting.add(seq);
    return this.writer
      .run(() => {
        this.remove.run(seq);
      })
      .finally(() => this.deleting.delete(seq));
  }

  size(): number {
    return (this.countAll.get() as { n: number }).n - this.deleting.size;
  }

  private toEvent(r: Row): DeviceEvent {
    return {
      epoch: this.epoch,
      seq: r.seq,
      ts: r.ts,
      type: r.type,
      severity: r.severity as DeviceEvent['severity'],
      data: JSON.parse(r.data) as Record<string, unknown>,
    };
  }
}
