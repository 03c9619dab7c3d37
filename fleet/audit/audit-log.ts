import { createHash } from 'node:crypto';
import { z } from 'zod';
import { closeDatabase, openDatabase, type Migration, type SqliteDatabase } from '../../appliance/store/sqlite-database.ts';

export const AuditOutcome = z.enum(['ok', 'refused', 'failed']);
export type AuditOutcome = z.infer<typeof AuditOutcome>;

/** One thing someone did (or tried to do) through the console, or a session that happened. */
export interface AuditInput {
  actor: string;
  role?: string;
  /** Dotted name: `config.push`, `terminal.open`, `device.create`, `user.login`, … */
  action: string;
  /** What it was done to: `site/device`, `group:branches`, `user:alice`. */
  target?: string;
  outcome: AuditOutcome;
  ip?: string;
  details?: Record<string, unknown>;
}

export interface AuditEntry extends Required<Omit<AuditInput, 'role' | 'target' | 'ip' | 'details'>> {
  id: number;
  at: number;
  role?: string;
  target?: string;
  ip?: string;
  details: Record<string, unknown>;
  hash: string;
}

export const AuditQuery = z.object({
  actor: z.string().max(128).optional(),
  /** An action, or a prefix ending in `.` (`terminal.`). */
  action: z.string().max(64).optional(),
  /** A target, or a prefix ending in `/` (`sh01/`). */
  target: z.string().max(200).optional(),
  outcome: AuditOutcome.optional(),
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
  /** Free text matched in the target and details. */
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  beforeId: z.coerce.number().int().positive().optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AUDIT_MIGRATIONS: readonly Migration[] = [
  {
    id: 'fleet-audit-1',
    // Triggers make the table append-only for every writer, this code included; each row
    // also carries sha256(previous hash + row), so a row edited with another tool breaks
    // the chain that `verify()` walks.
    sql: `
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        role TEXT,
        action TEXT NOT NULL,
        target TEXT,
        outcome TEXT NOT NULL,
        ip TEXT,
        details TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_actor ON audit_log (actor, id);
      CREATE INDEX audit_action ON audit_log (action, id);
      CREATE INDEX audit_target ON audit_log (target, id);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    `,
  },
];

interface Row {
  id: number;
  at: number;
  actor: string;
  role: string | null;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  ip: string | null;
  details: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);

function rowHash(prev: string, r: Omit<Row, 'id' | 'hash'>): string {
  return createHash('sha256').update(prev).update(JSON.stringify([r.at, r.actor, r.role, r.action, r.target, r.outcome, r.ip, r.details])).digest('hex');
}

/** The console's audit log: append-only SQLite, searchable, with a hash chain over its rows. */
export class AuditLog {
  readonly db: SqliteDatabase;
  readonly #now: () => number;
  readonly #owned: boolean;
  #lastHash: string;
  readonly #insert;

  private constructor(db: SqliteDatabase, now: () => number, owned: boolean) {
    this.db = db;
    this.#now = now;
    this.#owned = owned;
    this.#lastHash = (db.prepare('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as { hash: string } | undefined)?.hash ?? GENESIS;
    this.#insert = db.prepare('INSERT INTO audit_log (at, actor, role, action, target, outcome, ip, details, hash) VALUES (@at, @actor, @role, @action, @target, @outcome, @ip, @details, @hash)');
  }

  static open(path: string, options: { now?: () => number } = {}): AuditLog {
    return new AuditLog(openDatabase(path, { migrations: AUDIT_MIGRATIONS }), options.now ?? Date.now, true);
  }

  append(input: AuditInput): AuditEntry {
    const r = {
      at: this.#now(),
      actor: input.actor.slice(0, 128),
      role: input.role ?? null,
      action: input.action.slice(0, 64),
      target: input.target?.slice(0, 200) ?? null,
      outcome: input.outcome,
      ip: input.ip?.slice(0, 64) ?? null,
      details: JSON.stringify(input.details ?? {}).slice(0, 16_000),
    };
    const hash = rowHash(this.#lastHash, r);
    const info = this.#insert.run({ ...r, hash });
    this.#lastHash = hash;
    return toEntry({ ...r, id: Number(info.lastInsertRowid), hash });
  }

  /** Newest first. */
  search(query: AuditQuery = {}): AuditEntry[] {
    const where: string[] = [];
    const args: Record<string, unknown> = {};
    if (query.actor) (where.push('actor = @actor'), (args.actor = query.actor));
    if (query.action) {
      if (query.action.endsWith('.')) (where.push("action LIKE @action ESCAPE '\\'"), (args.action = `${escapeLike(query.action)}%`));
      else (where.push('action = @action'), (args.action = query.action));
    }
    if (query.target) {
      if (query.target.endsWith('/')) (where.push("target LIKE @target ESCAPE '\\'"), (args.target = `${escapeLike(query.target)}%`));
      else (where.push('target = @target'), (args.target = query.target));
    }
    if (query.outcome) (where.push('outcome = @outcome'), (args.outcome = query.outcome));
    if (query.from !== undefined) (where.push('at >= @from'), (args.from = query.from));
    if (query.to !== undefined) (where.push('at < @to'), (args.to = query.to));
    if (query.q) (where.push("(target LIKE @q ESCAPE '\\' OR details LIKE @q ESCAPE '\\' OR action LIKE @q ESCAPE '\\')"), (args.q = `%${escapeLike(query.q)}%`));
    if (query.beforeId) (where.push('id < @beforeId'), (args.beforeId = query.beforeId));
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${query.limit ?? 100}`;
    return (this.db.prepare(sql).all(args) as Row[]).map(toEntry);
  }

  /** Walks the hash chain; returns the first row that does not match, if any. */
  verify(): { ok: true; rows: number } | { ok: false; id: number } {
    let prev = GENESIS;
    let rows = 0;
    for (const r of this.db.prepare('SELECT * FROM audit_log ORDER BY id').iterate() as Iterable<Row>) {
      if (rowHash(prev, r) !== r.hash) return { ok: false, id: r.id };
      prev = r.hash;
      rows++;
    }
    return { ok: true, rows };
  }

  close(): void {
    if (this.#owned) closeDatabase(this.db);
  }
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (m) => `\\${m}`);
}

function toEntry(r: Row): AuditEntry {
  return {
    id: r.id,
    at: r.at,
    actor: r.actor,
    ...(r.role ? { role: r.role } : {}),
    action: r.action,
    ...(r.target ? { target: r.target } : {}),
    outcome: r.outcome,
    ...(r.ip ? { ip: r.ip } : {}),
    details: JSON.parse(r.details) as Record<string, unknown>,
    hash: r.hash,
  };
}
