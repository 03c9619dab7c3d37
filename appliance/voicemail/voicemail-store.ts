// Voicemail messages in the appliance database, one row per message. The audio is a
// recording of the media recording store (its WAV is written, fsynced and renamed, and its
// own row committed, before `put` is called), so a row here always names a complete file.
// Writes go through the shared BatchWriter: durable (synchronous=FULL COMMIT) when `put` or
// `setHeard` resolves. A message being recorded has a `voicemail_pending` row (written before
// the recording starts, removed with the message's insert): at boot `reconcile` turns those a
// crash left into messages from the recordings the recording store recovered.
import { z } from 'zod';
import type { BatchWriter } from '../store/batch-writer.ts';
import type { Migration, SqliteDatabase } from '../store/sqlite-database.ts';

export const VOICEMAIL_MIGRATIONS: readonly Migration[] = [
  {
    id: 'voicemail-1',
    sql: `CREATE TABLE voicemail_messages (
            id TEXT PRIMARY KEY,
            box TEXT NOT NULL,
            call_id TEXT NOT NULL,
            caller TEXT NOT NULL,
            did TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            recording_id TEXT NOT NULL,
            path TEXT NOT NULL,
            heard_at INTEGER);
          CREATE INDEX voicemail_box ON voicemail_messages (box, received_at);
          CREATE INDEX voicemail_received ON voicemail_messages (received_at);`,
  },
  {
    id: 'voicemail-2',
    sql: `CREATE TABLE voicemail_pending (
            call_id TEXT PRIMARY KEY,
            box TEXT NOT NULL,
            caller TEXT NOT NULL,
            did TEXT NOT NULL,
            started_at INTEGER NOT NULL);`,
  },
];

/** A message being recorded (what a crash must not lose). */
export interface PendingVoicemail {
  callId: string;
  box: string;
  caller: string;
  did: string;
  startedAt: number;
}

/** What reconciliation needs of a recording (a RecordingRow of appliance/media/recording-store.ts). */
export interface RecordingRef {
  id: string;
  layout: string;
  path: string;
  startedAt: number;
  durationMs: number;
}

export const VoicemailMessageSchema = z.object({
  id: z.string().min(1).max(100),
  box: z.string().min(1).max(64),
  callId: z.string().min(1).max(200),
  caller: z.string().max(64),
  did: z.string().max(64),
  receivedAt: z.number().int().nonnegative(),
  durationMs: z.number().int().nonnegative(),
  recordingId: z.string().min(1).max(100),
  /** The WAV file, relative to the recordings directory. */
  path: z.string().min(1).max(500).refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), 'must be a relative path inside the recordings directory'),
  heardAt: z.number().int().nonnegative().optional(),
});
export type VoicemailMessage = z.infer<typeof VoicemailMessageSchema>;
export type VoicemailMessageInput = Omit<VoicemailMessage, 'heardAt'>;

export interface VoicemailListOptions {
  box?: string;
  unheardOnly?: boolean;
  limit?: number;
  /** Only messages received before this time (paging, newest first). */
  before?: number;
}

export interface VoicemailStoreOptions {
  db: SqliteDatabase;
  writer: BatchWriter;
  now?: () => number;
}

interface Row {
  id: string;
  box: string;
  call_id: string;
  caller: string;
  did: string;
  received_at: number;
  duration_ms: number;
  recording_id: string;
  path: string;
  heard_at: number | null;
}

export class VoicemailStore {
  readonly #writer: BatchWriter;
  readonly #now: () => number;
  readonly #insert;
  readonly #get;
  readonly #list;
  readonly #heard;
  readonly #counts;
  readonly #begin;
  readonly #done;
  readonly #pending;

  constructor(options: VoicemailStoreOptions) {
    const db = options.db;
    this.#writer = options.writer;
    this.#now = options.now ?? Date.now;
    this.#insert = db.prepare(`INSERT INTO voicemail_messages (id, box, call_id, caller, did, received_at, duration_ms, recording_id, path, heard_at)
      VALUES (@id, @box, @callId, @caller, @did, @receivedAt, @durationMs, @recordingId, @path, NULL)`);
    this.#get = db.prepare(`SELECT * FROM voicemail_messages WHERE id = ?`);
    this.#list = db.prepare(`SELECT * FROM voicemail_messages
      WHERE (@box IS NULL OR box = @box) AND (@unheard = 0 OR heard_at IS NULL) AND received_at < @before
      ORDER BY received_at DESC, id DESC LIMIT @limit`);
    this.#heard = db.prepare(`UPDATE voicemail_messages SET heard_at = @heardAt WHERE id = @id`);
    this.#begin = db.prepare(`INSERT OR REPLACE INTO voicemail_pending (call_id, box, caller, did, started_at) VALUES (@callId, @box, @caller, @did, @startedAt)`);
    this.#done = db.prepare(`DELETE FROM voicemail_pending WHERE call_id = ?`);
    this.#pending = db.prepare(`SELECT call_id AS callId, box, caller, did, started_at AS startedAt FROM voicemail_pending ORDER BY started_at`);
    this.#counts = db.prepare(`SELECT box, COUNT(*) AS total, SUM(heard_at IS NULL) AS unheard FROM voicemail_messages GROUP BY box ORDER BY box`);
  }

  /** Notes a message about to be recorded; resolves once durable (before the recording starts). */
  async begin(pending: PendingVoicemail): Promise<void> {
    await this.#writer.run(() => this.#begin.run({ ...pending }));
  }

  /** Forgets a pending message that was never recorded. */
  async abandon(callId: string): Promise<void> {
    await this.#writer.run(() => this.#done.run(callId));
  }

  /** Stores a new message (and clears its pending row); resolves once durable. */
  async put(input: VoicemailMessageInput): Promise<VoicemailMessage> {
    const m = VoicemailMessageSchema.parse(input);
    await this.#writer.run(() => {
      this.#insert.run({ ...m });
      this.#done.run(m.callId);
    });
    return m;
  }

  pending(): PendingVoicemail[] {
    return this.#pending.all() as PendingVoicemail[];
  }

  /**
   * At boot, after the recording store recovered its orphans: each pending message whose call
   * has a recording becomes a message (mono preferred); one without a recording is dropped.
   */
  async reconcile(recordingsOf: (callId: string) => readonly RecordingRef[]): Promise<VoicemailMessage[]> {
    const recovered: VoicemailMessage[] = [];
    for (const p of this.pending()) {
      const rows = recordingsOf(p.callId);
      const row = rows.find((r) => r.layout === 'mono') ?? rows[0];
      if (!row || this.get(row.id)) {
        await this.abandon(p.callId);
        continue;
      }
      recovered.push(await this.put({
        id: row.id, box: p.box, callId: p.callId, caller: p.caller, did: p.did, receivedAt: row.startedAt, durationMs: row.durationMs, recordingId: row.id, path: row.path,
      }));
    }
    return recovered;
  }

  get(id: string): VoicemailMessage | undefined {
    const row = this.#get.get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Messages newest first, of one box or all. */
  list(options: VoicemailListOptions = {}): VoicemailMessage[] {
    const limit = Math.max(1, Math.min(1000, Math.floor(options.limit ?? 50)));
    const rows = this.#list.all({ box: options.box ?? null, unheard: options.unheardOnly ? 1 : 0, before: options.before ?? Number.MAX_SAFE_INTEGER, limit }) as Row[];
    return rows.map(fromRow);
  }

  /** Marks a message heard (now) or unheard again; false when there is no such message. */
  async setHeard(id: string, heard: boolean): Promise<boolean> {
    if (!this.get(id)) return false;
    await this.#writer.run(() => this.#heard.run({ id, heardAt: heard ? this.#now() : null }));
    return true;
  }

  /** Per box: how many messages, how many not heard yet. */
  boxes(): { box: string; total: number; unheard: number }[] {
    return (this.#counts.all() as { box: string; total: number; unheard: number | null }[]).map((r) => ({ box: r.box, total: r.total, unheard: r.unheard ?? 0 }));
  }
}

function fromRow(r: Row): VoicemailMessage {
  return {
    id: r.id, box: r.box, callId: r.call_id, caller: r.caller, did: r.did, receivedAt: r.received_at, durationMs: r.duration_ms,
    recordingId: r.recording_id, path: r.path, ...(r.heard_at !== null ? { heardAt: r.heard_at } : {}),
  };
}
