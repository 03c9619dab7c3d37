// A lowdb adapter that survives power cuts. lowdb's JSONFile writes a temp file and renames
// it without fsync; on ext4 a power cut can then leave the target empty or zero-filled. Here
// every write is: temp file in the same directory -> write -> fsync -> rename over the target
// -> fsync the directory (so the rename itself is on disk). Readers therefore only ever see
// the previous whole document or the new whole document.
//
// One writer per file is assumed (one appliance process owns its data partition): opening
// an adapter deletes temp files a crashed writer left behind.
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Adapter, SyncAdapter } from 'lowdb';
import type { z } from 'zod';
import { decodeDocument, encodeDocument, type JsonDocumentOptions } from './json-document.ts';

export interface FsyncJsonFileOptions<T> extends JsonDocumentOptions<T> {
  /** Permission bits of the file (before umask); configuration may hold secrets. */
  mode?: number;
}

const DEFAULT_MODE = 0o600;
let tempCounter = 0;

/** `.config.json.<pid>.<n>.tmp` beside `config.json`: hidden, and recognisable on cleanup. */
function tempNameFor(file: string): string {
  tempCounter += 1;
  return join(dirname(file), `.${basename(file)}.${process.pid}.${tempCounter}.tmp`);
}

/** True for temp files this module creates for `file`, and nothing else. */
export function isTempFileOf(file: string, name: string): boolean {
  const prefix = `.${basename(file)}.`;
  if (!name.startsWith(prefix) || !name.endsWith('.tmp')) return false;
  return /^\d+\.\d+$/.test(name.slice(prefix.length, -'.tmp'.length));
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

async function removeLeftoverTemps(file: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dirname(file));
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  for (const name of names) {
    if (isTempFileOf(file, name)) await unlink(join(dirname(file), name)).catch(ignoreNotFound);
  }
}

function ignoreNotFound(error: unknown): void {
  if (!isNotFound(error)) throw error;
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeDurably(file: string, text: string, mode: number): Promise<void> {
  const temp = tempNameFor(file);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    await handle.close();
    await rename(temp, file);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(file));
}

interface PendingWrite {
  text: string;
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

/** Durable lowdb adapter for one JSON document. */
export class FsyncJsonFile<T> implements Adapter<T> {
  readonly file: string;
  readonly #schema: z.ZodType<T> | undefined;
  readonly #mode: number;
  #opened: Promise<void> | undefined;
  #pending: PendingWrite | undefined;
  #writing = false;

  constructor(file: string, options: FsyncJsonFileOptions<T> = {}) {
    this.file = resolve(file);
    this.#schema = options.schema;
    this.#mode = options.mode ?? DEFAULT_MODE;
  }

  /** Constructs the adapter and removes leftover temp files before returning it. */
  static async open<T>(file: string, options: FsyncJsonFileOptions<T> = {}): Promise<FsyncJsonFile<T>> {
    const adapter = new FsyncJsonFile<T>(file, options);
    await adapter.#ensureOpen();
    return adapter;
  }

  /** The stored document, or null when the file does not exist. Throws StoreCorruptError. */
  async read(): Promise<T | null> {
    await this.#ensureOpen();
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    return decodeDocument(this.file, text, this.#schema);
  }

  /**
   * Resolves once `data` (or a newer document) is on disk. The document is serialised at
   * call time. Writes never overlap: while one runs, later calls coalesce into the latest.
   */
  write(data: T): Promise<void> {
    let text: string;
    try {
      text = encodeDocument(this.file, data, this.#schema);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolvePromise, rejectPromise) => {
      const waiter = { resolve: resolvePromise, reject: rejectPromise };
      if (this.#pending) {
        this.#pending.text = text;
        this.#pending.waiters.push(waiter);
      } else {
        this.#pending = { text, waiters: [waiter] };
      }
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    try {
      while (this.#pending) {
        const job = this.#pending;
        this.#pending = undefined;
        try {
          await this.#ensureOpen();
          await writeDurably(this.file, job.text, this.#mode);
          for (const waiter of job.waiters) waiter.resolve();
        } catch (error) {
          for (const waiter of job.waiters) waiter.reject(error);
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  #ensureOpen(): Promise<void> {
    this.#opened ??= removeLeftoverTemps(this.file).catch((error: unknown) => {
      this.#opened = undefined; // let a later call retry, e.g. once the directory is mounted
      throw error;
    });
    return this.#opened;
  }
}

/** Synchronous twin of FsyncJsonFile for LowSync (boot-time configuration reads). */
export class FsyncJsonFileSync<T> implements SyncAdapter<T> {
  readonly file: string;
  readonly #schema: z.ZodType<T> | undefined;
  readonly #mode: number;

  constructor(file: string, options: FsyncJsonFileOptions<T> = {}) {
    this.file = resolve(file);
    this.#schema = options.schema;
    this.#mode = options.mode ?? DEFAULT_MODE;
    let names: string[] = [];
    try {
      names = readdirSync(dirname(this.file));
    } catch (error) {
      ignoreNotFound(error);
    }
    for (const name of names) {
      if (!isTempFileOf(this.file, name)) continue;
      try {
        unlinkSync(join(dirname(this.file), name));
      } catch (error) {
        ignoreNotFound(error);
      }
    }
  }

  read(): T | null {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    return decodeDocument(this.file, text, this.#schema);
  }

  write(data: T): void {
    const text = encodeDocument(this.file, data, this.#schema);
    const temp = tempNameFor(this.file);
    const fd = openSync(temp, 'wx', this.#mode);
    let closed = false;
    try {
      writeFileSync(fd, text, 'utf8');
      fsyncSync(fd);
      closed = true; // before closeSync: a second close could hit a reused descriptor
      closeSync(fd);
      renameSync(temp, this.file);
    } catch (error) {
      if (!closed) {
        try {
          closeSync(fd);
        } catch {
          // keep the original error
        }
      }
      try {
        unlinkSync(temp);
      } catch {
        // never created or already renamed
      }
      throw error;
    }
    const dirFd = openSync(dirname(this.file), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}
