// Group commit for SQLite. With synchronous=FULL every COMMIT costs an fsync (milliseconds
// on eMMC/SD), so one transaction per record caps an appliance at a few hundred records/s.
// The batch writer queues work for up to `maxDelayMs` (or `maxBatch` items), runs it all in
// ONE transaction, and settles each caller's promise only after COMMIT has returned: an
// acknowledged write is on disk. Each item runs inside its own SAVEPOINT, so one failing
// item rolls back only its own changes and rejects only its own promise.
//
// better-sqlite3 is synchronous: the commit's fsync blocks the event loop for its duration,
// once per batch rather than once per record.
import type { SqliteDatabase } from './sqlite-database.ts';

export interface BatchWriterOptions {
  /** How long the first queued item waits for company before the batch commits. */
  maxDelayMs?: number;
  /** A batch commits as soon as this many items are queued; larger queues are split. */
  maxBatch?: number;
}

export interface BatchWriterStats {
  /** Transactions committed. */
  batches: number;
  /** Items whose function completed and whose transaction committed. */
  committed: number;
  /** Items rejected: their own function threw, or their whole batch failed. */
  failed: number;
}

/** `run` after `close`. */
export class BatchWriterClosedError extends Error {
  override readonly name = 'BatchWriterClosedError';
  constructor() {
    super('the batch writer is closed');
  }
}

/** A queued function misbehaved in a way that is a programming error, not a data error. */
export class BatchWriterUsageError extends Error {
  override readonly name = 'BatchWriterUsageError';
}

interface QueuedItem {
  fn: (db: SqliteDatabase) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const SAVEPOINT = 'batch_writer_item';

export class BatchWriter {
  readonly #db: SqliteDatabase;
  readonly #maxDelayMs: number;
  readonly #maxBatch: number;
  #queue: QueuedItem[] = [];
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #flushing = false;
  #closed = false;
  readonly #stats: BatchWriterStats = { batches: 0, committed: 0, failed: 0 };

  constructor(db: SqliteDatabase, options: BatchWriterOptions = {}) {
    this.#db = db;
    this.#maxDelayMs = Math.max(0, options.maxDelayMs ?? 2);
    this.#maxBatch = Math.max(1, Math.floor(options.maxBatch ?? 1_000));
  }

  get stats(): Readonly<BatchWriterStats> {
    return { ...this.#stats };
  }

  /** Items queued and not yet committed. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Queues `fn` for the next batch. It runs synchronously inside the batch's transaction
   * (so it must not be async) and its result resolves the promise once COMMIT returned.
   */
  run<T>(fn: (db: SqliteDatabase) => T): Promise<T> {
    if (this.#closed) return Promise.reject(new BatchWriterClosedError());
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  /** Commits everything queued now, in batches of at most `maxBatch`. */
  flush(): void {
    if (this.#flushing) return; // called from inside a queued fn: the next batch picks it up
    while (this.#queue.length > 0) this.#commitBatch();
    this.#cancelTimers();
  }

  /** Commits what is queued and refuses further work. Does not close the database. */
  async close(): Promise<void> {
    this.#closed = true;
    this.flush();
  }

  #schedule(): void {
    if (this.#flushing) return; // #commitBatch reschedules when it finishes
    if (this.#queue.length >= this.#maxBatch) {
      // Full batch: commit on the next turn of the event loop, not inside the caller's stack.
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#immediate ??= setImmediate(() => {
        this.#immediate = undefined;
        this.#commitBatch();
        this.#schedule();
      });
    } else if (this.#queue.length > 0 && !this.#timer && !this.#immediate) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#commitBatch();
        this.#schedule();
      }, this.#maxDelayMs);
    }
  }

  #cancelTimers(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
  }

  #commitBatch(): void {
    const batch = this.#queue.splice(0, this.#maxBatch);
    if (batch.length === 0) return;
    const db = this.#db;
    const outcomes: Outcome[] = [];
    this.#flushing = true;
    try {
      db.exec('BEGIN IMMEDIATE');
      for (const item of batch) outcomes.push(runInSavepoint(db, item.fn));
      db.exec('COMMIT');
    } catch (error) {
      // BEGIN or COMMIT failed (SQLITE_BUSY, disk full, I/O error), or an item broke the
      // transaction itself: nothing of this batch is durable, so every item fails.
      if (db.open && db.inTransaction) {
        try {
          db.exec('ROLLBACK');
        } catch {
          // the original error says more
        }
      }
      this.#flushing = false;
      this.#stats.failed += batch.length;
      for (const item of batch) item.reject(error);
      this.#schedule();
      return;
    }
    this.#flushing = false;
    this.#stats.batches += 1;
    batch.forEach((item, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) {
        this.#stats.committed += 1;
        item.resolve(outcome.value);
      } else {
        this.#stats.failed += 1;
        item.reject(outcome?.error);
      }
    });
    this.#schedule();
  }
}

/** Runs one item; rolls back only its own changes if it throws. Throws if the batch is broken. */
function runInSavepoint(db: SqliteDatabase, fn: (db: SqliteDatabase) => unknown): Outcome {
  db.exec(`SAVEPOINT ${SAVEPOINT}`);
  let outcome: Outcome;
  try {
    const value = fn(db);
    if (isThenable(value)) {
      throw new BatchWriterUsageError('a batch writer function must be synchronous; it returned a promise');
    }
    outcome = { ok: true, value };
  } catch (error) {
    outcome = { ok: false, error };
  }
  if (!db.inTransaction) {
    // SQLite rolls the whole transaction back itself on some errors (SQLITE_FULL, IOERR).
    if (!outcome.ok) throw outcome.error;
    throw new BatchWriterUsageError('a batch writer function ended the transaction it was running in');
  }
  if (outcome.ok) {
    db.exec(`RELEASE ${SAVEPOINT}`);
  } else {
    db.exec(`ROLLBACK TO ${SAVEPOINT}`);
    db.exec(`RELEASE ${SAVEPOINT}`);
  }
  return outcome;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
