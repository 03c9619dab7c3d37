// The append-only journal of high-volume records that must be queried later: CDRs, agent
// state history, contact outcomes. Appends go through the batch writer, so `append`
// resolves only once its record is committed (and fsynced), while thousands of appends a
// second share a handful of commits.
import { z } from 'zod';
import { BatchWriter, type BatchWriterOptions } from './batch-writer.ts';
import { applyMigrations, closeDatabase, openDatabase, type Migration, type SqliteDatabase } from './sqlite-database.ts';

export const JOURNAL_MIGRATIONS: readonly Migration[] = [
  {
    id: 'journal-1',
    sql: `CREATE TABLE journal (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            stream TEXT NOT NULL,
            ts INTEGER NOT NULL,
            data TEXT NOT NULL);
          CREATE INDEX journal_stream_seq ON journal (stream, seq);
          CREATE INDEX journal_ts ON journal (ts);`,
  },
];

export interface JournalEntry<T = unknown> {
  seq: number;
  stream: string;
  ts: number;
  data: T;
}

export const JournalQuery = z.object({
  stream: z.string().min(1).max(128).optional(),
  afterSeq: z.number().int().nonnegative().optional(),
  since: z.number().int().nonnegative().optional(),
  until: z.number().int().nonnegative().optional(),
  limit: z.number().int().positive().max(10_000).default(1000),
});
export type JournalQuery = z.input<typeof JournalQuery>;

const Stream = z.string().regex(/^[a-z][a-z0-9_.-]{0,127}$/, 'stream names are lower-case dotted words');

export class JournalRecordError extends Error {
  override readonly name = 'JournalRecordError';
}

export interface JournalOptions extends BatchWriterOptions {
  clock?: () => number;
}

interface Row {
  seq: number;
  stream: string;
  ts: number;
  data: string;
}

export class Journal {
  readonly #db: SqliteDatabase;
  readonly #writer: BatchWriter;
  readonly #ownsDb: boolean;
  readonly #clock: () => number;
  readonly #insert;
  readonly #count;
  readonly #countStream;
  #closed = false;

  /**
   * Over a database and batch writer shared with other owners (the composition root's).
   * Applies JOURNAL_MIGRATIONS itself if the opener did not list them.
   */
  constructor(db: SqliteDatabase, writer: BatchWriter, options: { clock?: () => number; ownsDb?: boolean } = {}) {
    applyMigrations(db, JOURNAL_MIGRATIONS);
    this.#db = db;
    this.#writer = writer;
    this.#ownsDb = options.ownsDb ?? false;
    this.#clock = options.clock ?? Date.now;
    this.#insert = db.prepare<[string, number, string]>('INSERT INTO journal (stream, ts, data) VALUES (?, ?, ?)');
    this.#count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM journal');
    this.#countStream = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM journal WHERE stream = ?');
  }

  /** Opens (creating) a journal in its own database file, or `:memory:`. */
  static open(path: string, options: JournalOptions = {}): Journal {
    const db = openDatabase(path, { migrations: JOURNAL_MIGRATIONS });
    const { clock, ...writerOptions } = options;
    return new Journal(db, new BatchWriter(db, writerOptions), { ownsDb: true, ...(clock ? { clock } : {}) });
  }

  /**
   * Appends one record; resolves when it is durable. Refuses a bad stream name or data that
   * JSON cannot represent faithfully, before anything is queued.
   */
  append<T>(stream: string, data: T, ts: number = this.#clock()): Promise<JournalEntry<T>> {
    if (this.#closed) return Promise.reject(new JournalRecordError('the journal is closed'));
    const name = Stream.safeParse(stream);
    if (!name.success) return Promise.reject(new JournalRecordError(`stream ${JSON.stringify(stream)}: ${name.error.issues[0]?.message}`));
    if (!Number.isSafeInteger(ts) || ts < 0) return Promise.reject(new JournalRecordError(`ts ${ts} is not an epoch in milliseconds`));
    let text: string | undefined;
    try {
      text = JSON.stringify(data);
    } catch (err) {
      return Promise.reject(new JournalRecordError(`data of ${stream} cannot be stored as JSON: ${(err as Error).message}`));
    }
    if (text === undefined) return Promise.reject(new JournalRecordError(`data of ${stream} is not JSON (undefined or a function)`));
    const json = text;
    return this.#writer.run(() => {
      const seq = Number(this.#insert.run(stream, ts, json).lastInsertRowid);
      return { seq, stream, ts, data };
    });
  }

  /** Records in seq order matching the query (at most `limit`). */
  query(query: JournalQuery = {}): JournalEntry[] {
    const q = JournalQuery.parse(query);
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.stream !== undefined) (where.push('stream = ?'), args.push(q.stream));
    if (q.afterSeq !== undefined) (where.push('seq > ?'), args.push(q.afterSeq));
    if (q.since !== undefined) (where.push('ts >= ?'), args.push(q.since));
    if (q.until !== undefined) (where.push('ts < ?'), args.push(q.until));
    const sql = `SELECT seq, stream, ts, data FROM journal ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT ?`;
    const rows = this.#db.prepare(sql).all(...args, q.limit) as Row[];
    return rows.map((r) => ({ seq: r.seq, stream: r.stream, ts: r.ts, data: JSON.parse(r.data) as unknown }));
  }

  /** Transactions committed so far by this journal's writer. */
  get commits(): number {
    return this.#writer.stats.batches;
  }

  count(stream?: string): number {
    return (stream === undefined ? this.#count.get() : this.#countStream.get(stream))?.n ?? 0;
  }

  /**
   * Commits what is queued and refuses further appends. Closes the writer and database only
   * if the journal opened them: a shared writer keeps serving the other owners.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsDb) {
      await this.#writer.close();
      closeDatabase(this.#db);
    } else {
      this.#writer.flush();
    }
  }
}
