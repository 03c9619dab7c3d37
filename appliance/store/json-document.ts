// Encoding and decoding of one stored JSON document, shared by the file and memory adapters
// so both refuse exactly the same inputs. Pure: no I/O here.
import type { z } from 'zod';
import { StoreCorruptError, StoreInvalidDocumentError } from './store-errors.ts';

/** Options every JSON document adapter accepts. */
export interface JsonDocumentOptions<T> {
  /** Validates what is read (and what is written); a mismatch on read is StoreCorruptError. */
  schema?: z.ZodType<T> | undefined;
}

/** Serialises `data` as the text to store, after checking it against the schema. */
export function encodeDocument<T>(name: string, data: T, schema?: z.ZodType<T>): string {
  if (schema) {
    const checked = schema.safeParse(data);
    if (!checked.success) {
      throw new StoreInvalidDocumentError(name, `does not match its schema: ${summariseIssues(checked.error)}`);
    }
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(data, null, 2);
  } catch (cause) {
    throw new StoreInvalidDocumentError(name, `cannot be serialised as JSON (${String(cause)})`, { cause });
  }
  if (text === undefined) throw new StoreInvalidDocumentError(name, `${typeof data} is not a JSON document`);
  // Trailing newline: the file is also read by people with `cat` and diffed by tools.
  return `${text}\n`;
}

/** Parses stored text; anything that is not a whole valid document is StoreCorruptError. */
export function decodeDocument<T>(name: string, text: string, schema?: z.ZodType<T>): T {
  if (text.trim() === '') throw new StoreCorruptError(name, 'empty', 'the file exists but holds no document');
  // A file whose blocks were allocated but never written after a power cut reads back as NULs.
  if (/^\0+$/.test(text)) throw new StoreCorruptError(name, 'zero-filled', `all ${text.length} bytes are zero`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new StoreCorruptError(name, 'syntax', (cause as Error).message, { cause });
  }
  if (!schema) return parsed as T;
  const checked = schema.safeParse(parsed);
  if (!checked.success) {
    throw new StoreCorruptError(name, 'schema', summariseIssues(checked.error), { cause: checked.error });
  }
  return checked.data;
}

function summariseIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
