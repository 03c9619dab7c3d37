// Opens the appliance's SQLite database the one way every owner needs it: WAL so readers
// never block the writer, synchronous=FULL so a COMMIT that returned survives a power cut
// (in WAL mode NORMAL may lose the last transactions), foreign keys on, and each owner's
// schema migrations applied once. Several modules (journal, fleet-link outbox, ACD adapter)
// share one database file; each passes its own named migrations.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as BetterSqliteDatabase } from 'better-sqlite3';
import { MigrationError } from './store-errors.ts';

export type SqliteDatabase = BetterSqliteDatabase;

/**
 * One schema step. `id` is unique across all owners (prefix it with the owner, e.g.
 * 'journal-1'). Never edit a step once released: add the next one. Steps must stay
 * additive, because an A/B rollback runs the previous release against the newer schema.
 */
export interface Migration {
  id: string;
  sql: string;
}

export interface SqliteDatabaseOptions {
  migrations?: readonly Migration[];
  /** How long a statement waits for another connection's write lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/** Opens (creating if needed) and configures the database, then applies `migrations`. */
export function openDatabase(path: string, options: SqliteDatabaseOptions = {}): SqliteDatabase {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const db = new Database(path, { timeout: busyTimeoutMs });
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (!db.memory && mode !== 'wal') throw new Error(`${path}: SQLite refused WAL mode (journal_mode is ${String(mode)})`);
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    db.pragma('foreign_keys = ON');
    applyMigrations(db, options.migrations ?? []);
    // SQLite syncs the directory when it creates the -wal file but not the database file
    // itself; one directory fsync makes a newly created database's name durable too.
    if (!db.memory) syncDirectory(dirname(resolve(path)));
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Applies the steps of `migrations` not yet recorded in `schema_migrations`, in list order,
 * all in one transaction: either every pending step lands or none does. Returns the ids it
 * applied. Refuses a recorded step whose SQL has changed since it was applied.
 */
export function applyMigrations(db: SqliteDatabase, migrations: readonly Migration[]): string[] {
  const seen = new Set<string>();
  for (const migration of migrations) {
    if (!migration.id) throw new MigrationError('(no id)', 'every migration needs a non-empty id');
    if (seen.has(migration.id)) throw new MigrationError(migration.id, 'appears twice in the list');
    seen.add(migration.id);
  }
  const apply = db.transaction((): string[] => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
               id TEXT PRIMARY KEY,
               checksum TEXT NOT NULL,
               applied_at INTEGER NOT NULL)`);
    const recorded = db.prepare<[string], { checksum: string }>('SELECT checksum FROM schema_migrations WHERE id = ?');
    const record = db.prepare<[string, string, number]>(
      'INSERT INTO schema_migrations (id, checksum, applied_at) VALUES (?, ?, ?)',
    );
    const applied: string[] = [];
    for (const migration of migrations) {
      const checksum = checksumOf(migration.sql);
      const previous = recorded.get(migration.id);
      if (previous) {
        if (previous.checksum !== checksum) {
          throw new MigrationError(migration.id, 'its SQL changed after it was applied; add a new migration instead');
        }
        continue;
      }
      try {
        db.exec(migration.sql);
      } catch (cause) {
        throw new MigrationError(migration.id, `failed: ${(cause as Error).message}`, { cause });
      }
      record.run(migration.id, checksum, Date.now());
      applied.push(migration.id);
    }
    return applied;
  });
  // IMMEDIATE: take the write lock up front, so two processes migrating at once serialise
  // instead of one failing half-way with SQLITE_BUSY.
  return apply.immediate();
}

/** Ids of every migration recorded in the database, in the order they were applied. */
export function appliedMigrations(db: SqliteDatabase): string[] {
  const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get();
  if (!exists) return [];
  return db.prepare<[], string>('SELECT id FROM schema_migrations ORDER BY rowid').pluck().all();
}

/** Closes the database; the last connection to close checkpoints and removes the WAL. */
export function closeDatabase(db: SqliteDatabase): void {
  if (!db.open) return;
  try {
    db.pragma('optimize');
  } finally {
    db.close();
  }
}

/** Whitespace is normalised so re-indenting a released migration is not an "edit". */
function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.trim().replace(/\s+/g, ' ')).digest('hex');
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
