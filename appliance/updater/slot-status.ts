import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Slot } from './boot-control.ts';
import { writeFileDurably } from './write-file-durably.ts';

/**
 * What each slot holds, kept on the data partition (like RAUC's status file): a slot is
 * bootable only once marked `complete`, which happens after all of its bytes are on disk.
 * Marking it `writing` before the first byte is what makes a crash mid-install harmless.
 */
export const SlotRecord = z.object({
  state: z.enum(['empty', 'writing', 'complete', 'failed']),
  version: z.string().max(64).optional(),
  /** SHA-256 of the signed manifest that filled it. */
  manifestSha256: z.string().max(64).optional(),
  updatedAt: z.number().int().nonnegative(),
  /** Why it failed (health check, rollback), for the admin page and the fleet. */
  note: z.string().max(500).optional(),
});
export type SlotRecord = z.infer<typeof SlotRecord>;

export const SlotStatusDoc = z.object({ a: SlotRecord, b: SlotRecord });
export type SlotStatusDoc = z.infer<typeof SlotStatusDoc>;

export class SlotStatusFile {
  constructor(readonly path: string) {}

  async read(): Promise<SlotStatusDoc> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return { a: { state: 'empty', updatedAt: 0 }, b: { state: 'empty', updatedAt: 0 } };
    }
    return SlotStatusDoc.parse(JSON.parse(text));
  }

  async update(slot: Slot, record: SlotRecord): Promise<SlotStatusDoc> {
    const doc = await this.read();
    doc[slot] = SlotRecord.parse(record);
    await writeFileDurably(this.path, `${JSON.stringify(doc, null, 2)}\n`);
    return doc;
  }
}
