// Customer records keyed by phone number (name, level/VIP, notes, tags), in the appliance
// database. The screen pop reads them; the call control gives VIP callers a higher queue
// priority and passes `customerLevel` / `customerName` to the IVR as channel variables.
import { z } from 'zod';
import type { BatchWriter } from '../store/batch-writer.ts';
import type { Migration, SqliteDatabase } from '../store/sqlite-database.ts';

export const CUSTOMER_MIGRATIONS: readonly Migration[] = [
  {
    id: 'customers-1',
    sql: `CREATE TABLE customers (
            phone TEXT PRIMARY KEY,
            name TEXT,
            level TEXT,
            vip INTEGER NOT NULL DEFAULT 0,
            notes TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            updated_at INTEGER NOT NULL);
          CREATE INDEX customers_name ON customers (name);`,
  },
];

/** Phone numbers are stored as dialled digits with an optional leading +. */
export const PhoneSchema = z.string().regex(/^\+?[0-9]{3,20}$/, 'a phone number: 3-20 digits, optionally with a leading +');

export const CustomerSchema = z.strictObject({
  phone: PhoneSchema,
  name: z.string().max(128).optional(),
  level: z.string().max(32).optional(),
  vip: z.boolean().default(false),
  notes: z.string().max(4000).optional(),
  tags: z.array(z.string().min(1).max(32)).max(32).default([]),
});
export type Customer = z.infer<typeof CustomerSchema>;
export type CustomerInput = z.input<typeof CustomerSchema>;

export interface CustomerStoreOptions {
  db: SqliteDatabase;
  writer: BatchWriter;
  now?: () => number;
}

interface Row {
  phone: string;
  name: string | null;
  level: string | null;
  vip: number;
  notes: string | null;
  tags: string;
}

/** Priority points a VIP caller gets in the ACD queue (on top of the IVR's own priority). */
export const VIP_PRIORITY = 10;

export class CustomerStore {
  readonly #writer: BatchWriter;
  readonly #now: () => number;
  readonly #upsert;
  readonly #get;
  readonly #remove;
  readonly #list;

  constructor(options: CustomerStoreOptions) {
    this.#writer = options.writer;
    this.#now = options.now ?? Date.now;
    const db = options.db;
    this.#upsert = db.prepare(`INSERT INTO customers (phone, name, level, vip, notes, tags, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (phone) DO UPDATE SET name = excluded.name, level = excluded.level, vip = excluded.vip, notes = excluded.notes,
        tags = excluded.tags, updated_at = excluded.updated_at`);
    this.#get = db.prepare(`SELECT phone, name, level, vip, notes, tags FROM customers WHERE phone = ?`);
    this.#remove = db.prepare(`DELETE FROM customers WHERE phone = ?`);
    this.#list = db.prepare(`SELECT phone, name, level, vip, notes, tags FROM customers ORDER BY phone LIMIT ? OFFSET ?`);
  }

  /** Validates and stores a record (replacing one with the same number); durable on resolve. */
  async put(input: CustomerInput): Promise<Customer> {
    const c = CustomerSchema.parse(input);
    await this.#writer.run(() => this.#upsert.run(c.phone, c.name ?? null, c.level ?? null, c.vip ? 1 : 0, c.notes ?? null, JSON.stringify(c.tags), this.#now()));
    return c;
  }

  /**
   * The record of a caller's number. Numbers arrive in several forms (+8613…, 8613…, 013…), so
   * an exact match is tried first, then the same digits without a leading + or country code 86.
   */
  byPhone(number: string): Customer | undefined {
    for (const candidate of variants(number)) {
      const row = this.#get.get(candidate) as Row | undefined;
      if (row) return fromRow(row);
    }
    return undefined;
  }

  async remove(phone: string): Promise<boolean> {
    const r = await this.#writer.run(() => this.#remove.run(phone));
    return r.changes > 0;
  }

  list(limit = 100, offset = 0): Customer[] {
    return (this.#list.all(Math.max(1, Math.min(1000, limit)), Math.max(0, offset)) as Row[]).map(fromRow);
  }
}

function variants(number: string): string[] {
  const n = number.trim();
  const out = [n];
  const bare = n.replace(/^\+/, '');
  if (bare !== n) out.push(bare);
  if (bare.startsWith('86') && bare.length > 11) out.push(bare.slice(2));
  if (!n.startsWith('+') && !n.startsWith('86') && n.length === 11) out.push(`+86${n}`, `86${n}`);
  return [...new Set(out)];
}

function fromRow(row: Row): Customer {
  return {
    phone: row.phone, vip: row.vip === 1, tags: JSON.parse(row.tags) as string[],
    ...(row.name !== null ? { name: row.name } : {}), ...(row.level !== null ? { level: row.level } : {}), ...(row.notes !== null ? { notes: row.notes } : {}),
  };
}
