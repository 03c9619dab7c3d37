// In-memory twin of FsyncJsonFile for tests and ephemeral state. It stores the serialised
// text, not the object, so it refuses and copies exactly what the file adapter does (a later
// mutation of the written object never leaks into what is read back).
import type { Adapter } from 'lowdb';
import type { z } from 'zod';
import { decodeDocument, encodeDocument, type JsonDocumentOptions } from './json-document.ts';

/** Storage shared by every MemoryJson opened on it, like a file shared by reopened adapters. */
export interface MemoryJsonCell {
  text: string | null;
}

export interface MemoryJsonOptions<T> extends JsonDocumentOptions<T> {
  cell?: MemoryJsonCell;
  /** Name used in error messages, in place of a file path. */
  name?: string;
}

export class MemoryJson<T> implements Adapter<T> {
  readonly cell: MemoryJsonCell;
  readonly name: string;
  readonly #schema: z.ZodType<T> | undefined;

  constructor(options: MemoryJsonOptions<T> = {}) {
    this.cell = options.cell ?? { text: null };
    this.name = options.name ?? '(memory)';
    this.#schema = options.schema;
  }

  async read(): Promise<T | null> {
    const text = this.cell.text;
    return text === null ? null : decodeDocument(this.name, text, this.#schema);
  }

  async write(data: T): Promise<void> {
    this.cell.text = encodeDocument(this.name, data, this.#schema);
  }
}
