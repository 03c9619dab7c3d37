// Call detail records in the appliance database: one row per call (indexed columns for the
// queries: by id, by phone number, recent) with its legs and segments as JSON. A record is
// written when the call ends and rewritten when the agent's wrap-up completes (disposition,
// note); every write goes through the shared BatchWriter, so it is durable (synchronous=FULL
// COMMIT) before the returned promise resolves.
import { z } from 'zod';
import type { BatchWriter } from '../store/batch-writer.ts';
import type { Migration, SqliteDatabase } from '../store/sqlite-database.ts';

export const CDR_MIGRATIONS: readonly Migration[] = [
  {
    id: 'cdr-1',
    sql: `CREATE TABLE cdr (
            call_id TEXT PRIMARY KEY,
            direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
            customer TEXT NOT NULL,
            did TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            ended_at INTEGER,
            end_reason TEXT,
            queue_id TEXT,
            agent_id TEXT,
            disposition TEXT,
            note TEXT,
            recording_id TEXT,
            data TEXT NOT NULL);
          CREATE INDEX cdr_customer ON cdr (customer, started_at);
          CREATE INDEX cdr_started ON cdr (started_at);
          CREATE INDEX cdr_agent ON cdr (agent_id, started_at);`,
  },
];

const SegmentSchema = z.object({
  kind: z.enum(['ivr', 'queue', 'ring', 'talk', 'hold', 'wrap-up', 'dial', 'voicemail']),
  start: z.number(),
  end: z.number().optional(),
  queueId: z.string().optional(),
  agentId: z.string().optional(),
  contactId: z.string().optional(),
  outcome: z.string().optional(),
});

const LegSchema = z.object({
  legId: z.string(),
  role: z.enum(['caller', 'agent', 'external', 'callee']),
  party: z.string(),
  start: z.number(),
  answeredAt: z.number().optional(),
  end: z.number().optional(),
});

const ChoiceSchema = z.object({ nodeId: z.string(), nodeName: z.string().optional(), kind: z.string(), digits: z.string(), label: z.string().optional(), at: z.number() });

export const CdrSchema = z.object({
  callId: z.string().min(1).max(200),
  direction: z.enum(['inbound', 'outbound']),
  /** The customer's number. */
  customer: z.string().max(64),
  did: z.string().max(64),
  startedAt: z.number(),
  endedAt: z.number().optional(),
  endReason: z.string().optional(),
  queueId: z.string().optional(),
  /** The last agent who talked to the customer. */
  agentId: z.string().optional(),
  contacts: z.array(z.string()).default([]),
  legs: z.array(LegSchema),
  segments: z.array(SegmentSchema),
  choices: z.array(ChoiceSchema).default([]),
  disposition: z.string().max(64).optional(),
  note: z.string().max(2000).optional(),
  recordingId: z.string().optional(),
  /** Recording files relative to the recordings directory, by layout. */
  recordingPaths: z.record(z.string(), z.string()).default({}),
});
export type Cdr = z.infer<typeof CdrSchema>;
export type CdrInput = z.input<typeof CdrSchema>;

export interface CdrStoreOptions {
  db: SqliteDatabase;
  writer: BatchWriter;
}

interface Row {
  data: string;
}

export class CdrStore {
  readonly #writer: BatchWriter;
  readonly #upsert;
  readonly #byId;
  readonly #byCustomer;
  readonly #recent;
  readonly #all;

  constructor(options: CdrStoreOptions) {
    const db = options.db;
    this.#writer = options.writer;
    this.#upsert = db.prepare(`INSERT INTO cdr (call_id, direction, customer, did, started_at, ended_at, end_reason, queue_id, agent_id, disposition, note, recording_id, data)
      VALUES (@callId, @direction, @customer, @did, @startedAt, @endedAt, @endReason, @queueId, @agentId, @disposition, @note, @recordingId, @data)
      ON CONFLICT (call_id) DO UPDATE SET ended_at = excluded.ended_at, end_reason = excluded.end_reason, queue_id = excluded.queue_id,
        agent_id = excluded.agent_id, disposition = excluded.disposition, note = excluded.note, recording_id = excluded.recording_id, data = excluded.data`);
    this.#byId = db.prepare(`SELECT data FROM cdr WHERE call_id = ?`);
    this.#byCustomer = db.prepare(`SELECT data FROM cdr WHERE customer = ? ORDER BY started_at DESC LIMIT ?`);
    this.#recent = db.prepare(`SELECT data FROM cdr WHERE started_at < ? ORDER BY started_at DESC LIMIT ?`);
    this.#all = db.prepare(`SELECT data FROM cdr WHERE started_at >= ? AND started_at < ? ORDER BY started_at`);
  }

  /** Validates and stores (or replaces) a call's record; resolves once it is durable. */
  async put(input: CdrInput): Promise<Cdr> {
    const cdr = CdrSchema.parse(input);
    await this.#writer.run(() => this.#upsert.run({
      callId: cdr.callId, direction: cdr.direction, customer: cdr.customer, did: cdr.did, startedAt: cdr.startedAt,
      endedAt: cdr.endedAt ?? null, endReason: cdr.endReason ?? null, queueId: cdr.queueId ?? null, agentId: cdr.agentId ?? null,
      disposition: cdr.disposition ?? null, note: cdr.note ?? null, recordingId: cdr.recordingId ?? null, data: JSON.stringify(cdr),
    }));
    return cdr;
  }

  /** Sets the disposition of a stored call (wrap-up completed); false when there is no such call. */
  async setDisposition(callId: string, disposition: string, note?: string): Promise<boolean> {
    const cdr = this.get(callId);
    if (!cdr) return false;
    await this.put({ ...cdr, disposition, ...(note !== undefined ? { note } : {}) });
    return true;
  }

  get(callId: string): Cdr | undefined {
    const row = this.#byId.get(callId) as Row | undefined;
    return row ? parse(row) : undefined;
  }

  /** The calls of a phone number, newest first. */
  byPhone(number: string, limit = 20): Cdr[] {
    return (this.#byCustomer.all(number, clamp(limit)) as Row[]).map(parse);
  }

  /** The newest calls (started before `before`, for paging). */
  recent(limit = 50, before = Number.MAX_SAFE_INTEGER): Cdr[] {
    return (this.#recent.all(before, clamp(limit)) as Row[]).map(parse);
  }

  /** CSV of the calls started in [from, to): one line per call, RFC 4180 quoting. */
  exportCsv(from: number, to: number): string {
    const header = ['call_id', 'direction', 'customer', 'did', 'started_at', 'ended_at', 'end_reason', 'queue_id', 'agent_id', 'wait_ms', 'talk_ms', 'hold_ms', 'wrap_up_ms', 'disposition', 'note', 'recording_id'];
    const lines = [header.join(',')];
    for (const c of (this.#all.all(from, to) as Row[]).map(parse)) {
      const sum = (kind: string) => c.segments.filter((s) => s.kind === kind && s.end !== undefined).reduce((a, s) => a + (s.end! - s.start), 0);
      const cells = [c.callId, c.direction, c.customer, c.did, new Date(c.startedAt).toISOString(), c.endedAt ? new Date(c.endedAt).toISOString() : '',
        c.endReason ?? '', c.queueId ?? '', c.agentId ?? '', sum('queue'), sum('talk'), sum('hold'), sum('wrap-up'), c.disposition ?? '', c.note ?? '', c.recordingId ?? ''];
      lines.push(cells.map((v) => csvCell(String(v))).join(','));
    }
    return `${lines.join('\r\n')}\r\n`;
  }
}

function parse(row: Row): Cdr {
  return CdrSchema.parse(JSON.parse(row.data));
}

function clamp(limit: number): number {
  return Math.max(1, Math.min(1000, Math.floor(limit)));
}

function csvCell(v: string): string {
  // a leading = + - @ would be read as a formula by spreadsheets (CSV injection)
  const safe = /^[=+\-@]/.test(v) && !/^-?\d/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
