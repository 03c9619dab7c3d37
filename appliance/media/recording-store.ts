// Recordings on the data partition, each durable before the database knows about it:
// samples are appended to `<id>.<layout>.wav.part`; at the end the WAV header gets its real
// sizes, the file is fsynced, renamed to `.wav`, the directory is fsynced, and only then is
// the metadata row committed (through the shared BatchWriter, so the row's COMMIT is one
// fsync shared with other records). A sidecar `<id>.meta.json`, written and fsynced at the
// start, says what the files belong to; it is removed once the rows are committed. At boot,
// `recoverOrphans` finishes whatever a crash left: `.part` files are given valid headers and
// renamed, files without a row get one (status 'recovered').
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { z } from 'zod';
import type { BatchWriter } from '../store/batch-writer.ts';
import type { Migration, SqliteDatabase } from '../store/sqlite-database.ts';
import { encodeG711 } from './g711.ts';
import { interleaveStereo, mixMono, type PausedRange, type TimelineChunk } from './recording-timeline.ts';
import { wavHeader, type WavFormat } from './wav.ts';

export const RECORDING_MIGRATIONS: readonly Migration[] = [
  {
    id: 'media-recordings-1',
    sql: `CREATE TABLE media_recordings (
            id TEXT NOT NULL,
            layout TEXT NOT NULL CHECK (layout IN ('stereo', 'mono')),
            call_id TEXT NOT NULL,
            path TEXT NOT NULL,
            encoding TEXT NOT NULL,
            sample_rate INTEGER NOT NULL,
            channels INTEGER NOT NULL,
            started_at INTEGER NOT NULL,
            ended_at INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            pauses TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL CHECK (status IN ('complete', 'recovered')),
            PRIMARY KEY (id, layout));
          CREATE INDEX media_recordings_call ON media_recordings (call_id);
          CREATE INDEX media_recordings_started ON media_recordings (started_at);`,
  },
];

export type RecordingLayout = 'stereo' | 'mono';
export type RecordingEncoding = WavFormat['encoding'];

export interface RecordingRow {
  id: string;
  layout: RecordingLayout;
  callId: string;
  /** Relative to the store's directory. */
  path: string;
  encoding: RecordingEncoding;
  sampleRate: number;
  channels: number;
  startedAt: number;
  endedAt: number;
  durationMs: number;
  bytes: number;
  pauses: PausedRange[];
  status: 'complete' | 'recovered';
}

const Sidecar = z.object({
  id: z.string().uuid(),
  callId: z.string(),
  layouts: z.array(z.enum(['stereo', 'mono'])).min(1),
  encoding: z.enum(['pcm', 'ulaw', 'alaw']),
  sampleRate: z.number().int().positive(),
  startedAt: z.number(),
});
type Sidecar = z.infer<typeof Sidecar>;

export interface RecordingStoreOptions {
  /** Directory on the data partition; one subdirectory per day. */
  dir: string;
  db: SqliteDatabase;
  writer: BatchWriter;
  now?: () => number;
}

export interface StartRecordingOptions {
  callId: string;
  layouts?: readonly RecordingLayout[];
  encoding?: RecordingEncoding;
  sampleRate?: number;
}

export class RecordingStore {
  readonly dir: string;
  readonly #db: SqliteDatabase;
  readonly #writer: BatchWriter;
  readonly #now: () => number;

  constructor(options: RecordingStoreOptions) {
    this.dir = options.dir;
    this.#db = options.db;
    this.#writer = options.writer;
    this.#now = options.now ?? Date.now;
  }

  /** Opens the files of a new recording; its sidecar is on disk when this resolves. */
  async start(options: StartRecordingOptions): Promise<ActiveRecording> {
    const startedAt = this.#now();
    const sidecar: Sidecar = {
      id: randomUUID(),
      callId: options.callId,
      layouts: [...new Set<RecordingLayout>(options.layouts ?? ['stereo'])],
      encoding: options.encoding ?? 'pcm',
      sampleRate: options.sampleRate ?? 8000,
      startedAt,
    };
    const day = join(this.dir, new Date(startedAt).toISOString().slice(0, 10));
    await mkdirDurable(this.dir, day);
    await writeDurable(join(day, `${sidecar.id}.meta.json`), JSON.stringify(sidecar));
    const files = await Promise.all(sidecar.layouts.map((layout) => WavAppender.create(join(day, `${sidecar.id}.${layout}.wav.part`), formatOf(sidecar, layout))));
    await fsyncDir(day);
    return new ActiveRecording(this, sidecar, day, files);
  }

  /** Rows of a call's recordings. */
  recordingsOf(callId: string): RecordingRow[] {
    return this.#db.prepare<[string], DbRow>('SELECT * FROM media_recordings WHERE call_id = ? ORDER BY started_at, layout').all(callId).map(fromDb);
  }

  /** Finishes what a crash left behind; returns the rows it inserted. Run once at boot. */
  async recoverOrphans(): Promise<RecordingRow[]> {
    const recovered: RecordingRow[] = [];
    let days: string[];
    try {
      days = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return recovered;
      throw error;
    }
    for (const dayName of days.sort()) {
      const day = join(this.dir, dayName);
      if (!(await stat(day)).isDirectory()) continue;
      for (const name of (await readdir(day)).filter((n) => n.endsWith('.meta.json')).sort()) {
        let sidecar: Sidecar;
        try {
          sidecar = Sidecar.parse(JSON.parse(await readFile(join(day, name), 'utf8')));
        } catch {
          continue; // torn sidecar: its start never completed, so no audio was written either
        }
        const rows: RecordingRow[] = [];
        for (const layout of sidecar.layouts) {
          const final = join(day, `${sidecar.id}.${layout}.wav`);
          const part = `${final}.part`;
          const format = formatOf(sidecar, layout);
          if (await exists(part)) {
            await repairHeader(part, format);
            await rename(part, final);
          }
          if (!(await exists(final))) continue;
          const info = await stat(final);
          rows.push(this.#row(sidecar, layout, final, format, info.size, Math.max(sidecar.startedAt, info.mtimeMs), [], 'recovered'));
        }
        await fsyncDir(day);
        const inserted = await this.#insert(rows);
        recovered.push(...rows.filter((_, i) => inserted[i]));
        await unlink(join(day, name));
      }
    }
    return recovered;
  }

  /** @internal used by ActiveRecording once its files are final. */
  async commit(sidecar: Sidecar, day: string, finished: { layout: RecordingLayout; path: string; bytes: number }[], pauses: PausedRange[]): Promise<RecordingRow[]> {
    const endedAt = this.#now();
    const rows = finished.map((f) => this.#row(sidecar, f.layout, f.path, formatOf(sidecar, f.layout), f.bytes, endedAt, pauses, 'complete'));
    await this.#insert(rows);
    await unlink(join(day, `${sidecar.id}.meta.json`));
    return rows;
  }

  #row(s: Sidecar, layout: RecordingLayout, path: string, format: WavFormat, bytes: number, endedAt: number, pauses: PausedRange[], status: RecordingRow['status']): RecordingRow {
    const bytesPerSecond = format.sampleRate * format.channels * (format.encoding === 'pcm' ? 2 : 1);
    const dataBytes = Math.max(0, bytes - headerLength(format));
    return {
      id: s.id, layout, callId: s.callId, path: relative(this.dir, path), encoding: format.encoding, sampleRate: format.sampleRate,
      channels: format.channels, startedAt: s.startedAt, endedAt, durationMs: Math.round((dataBytes * 1000) / bytesPerSecond), bytes, pauses, status,
    };
  }

  /** Inserts rows (ignoring ones already there); resolves after COMMIT with which were new. */
  #insert(rows: RecordingRow[]): Promise<boolean[]> {
    if (rows.length === 0) return Promise.resolve([]);
    return this.#writer.run((db) => {
      const insert = db.prepare(`INSERT OR IGNORE INTO media_recordings
        (id, layout, call_id, path, encoding, sample_rate, channels, started_at, ended_at, duration_ms, bytes, pauses, status)
        VALUES (@id, @layout, @callId, @path, @encoding, @sampleRate, @channels, @startedAt, @endedAt, @durationMs, @bytes, @pauses, @status)`);
      return rows.map((r) => insert.run({ ...r, pauses: JSON.stringify(r.pauses) }).changes === 1);
    });
  }
}

/** A recording being written. `write` calls are applied in order; `finish` makes it durable. */
export class ActiveRecording {
  #queue: Promise<void> = Promise.resolve();
  #error: unknown;
  #finished = false;

  constructor(
    private readonly store: RecordingStore,
    private readonly sidecar: Sidecar,
    private readonly day: string,
    private readonly files: WavAppender[],
  ) {}

  get id(): string {
    return this.sidecar.id;
  }

  /** Resolves when every chunk written so far has reached the files (not necessarily the disk). */
  written(): Promise<void> {
    return this.#queue;
  }

  /** Appends a released chunk of the timeline to every layout. */
  write(chunk: TimelineChunk): void {
    if (this.#finished) throw new Error(`recording ${this.id} is finished`);
    if (chunk.caller.length === 0) return;
    const buffers = this.sidecar.layouts.map((layout) => encodeChunk(chunk, layout, this.sidecar.encoding));
    this.#queue = this.#queue.then(async () => {
      if (this.#error) return;
      try {
        await Promise.all(this.files.map((f, i) => f.append(buffers[i]!)));
      } catch (error) {
        this.#error = error;
      }
    });
  }

  /** The last chunk, then header, fsync, rename, directory fsync, and the committed rows. */
  async finish(last: TimelineChunk | undefined, pauses: PausedRange[] = []): Promise<RecordingRow[]> {
    if (last) this.write(last);
    this.#finished = true;
    await this.#queue;
    const finished: { layout: RecordingLayout; path: string; bytes: number }[] = [];
    for (const [i, file] of this.files.entries()) {
      const bytes = await file.close(this.#error === undefined);
      if (this.#error) continue;
      const final = file.path.slice(0, -'.part'.length);
      await rename(file.path, final);
      finished.push({ layout: this.sidecar.layouts[i]!, path: final, bytes });
    }
    // a failed write (disk full) leaves the .part files and sidecar for recovery at boot
    if (this.#error) throw this.#error;
    await fsyncDir(this.day);
    return this.store.commit(this.sidecar, this.day, finished, pauses);
  }
}

function encodeChunk(chunk: TimelineChunk, layout: RecordingLayout, encoding: RecordingEncoding): Buffer {
  const samples = layout === 'stereo' ? interleaveStereo(chunk.caller, chunk.agent) : mixMono(chunk.caller, chunk.agent);
  if (encoding === 'pcm') return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  return Buffer.from(encodeG711(encoding === 'ulaw' ? 'PCMU' : 'PCMA', samples));
}

function formatOf(s: Sidecar, layout: RecordingLayout): WavFormat {
  return { encoding: s.encoding, sampleRate: s.sampleRate, channels: layout === 'stereo' ? 2 : 1 };
}

function headerLength(format: WavFormat): number {
  return wavHeader(format, 0).length;
}

/** A WAV file opened for appending; its header is written with the real size on close. */
class WavAppender {
  #bytes = 0;
  private constructor(readonly path: string, private readonly handle: FileHandle, private readonly format: WavFormat) {}

  static async create(path: string, format: WavFormat): Promise<WavAppender> {
    const handle = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o640);
    const header = wavHeader(format, 0);
    await handle.write(header, 0, header.length, 0);
    const file = new WavAppender(path, handle, format);
    file.#bytes = header.length;
    return file;
  }

  async append(data: Buffer): Promise<void> {
    const at = this.#bytes;
    this.#bytes += data.length;
    await this.handle.write(data, 0, data.length, at);
  }

  /** Writes the final header, fsyncs (when `sync`) and closes; returns the file's size. */
  async close(sync: boolean): Promise<number> {
    try {
      if (sync) {
        const header = wavHeader(this.format, this.#bytes - headerLength(this.format));
        await this.handle.write(header, 0, header.length, 0);
        await this.handle.sync();
      }
    } finally {
      await this.handle.close();
    }
    return this.#bytes;
  }
}

/** Rewrites the header of a file cut short from its length, dropping a torn last sample. */
async function repairHeader(path: string, format: WavFormat): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const { size } = await handle.stat();
    const blockAlign = format.channels * (format.encoding === 'pcm' ? 2 : 1);
    const headerBytes = headerLength(format);
    const data = Math.max(0, Math.floor((size - headerBytes) / blockAlign) * blockAlign);
    await handle.truncate(headerBytes + data);
    const header = wavHeader(format, data);
    await handle.write(header, 0, header.length, 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

interface DbRow {
  id: string;
  layout: RecordingLayout;
  call_id: string;
  path: string;
  encoding: RecordingEncoding;
  sample_rate: number;
  channels: number;
  started_at: number;
  ended_at: number;
  duration_ms: number;
  bytes: number;
  pauses: string;
  status: RecordingRow['status'];
}

function fromDb(r: DbRow): RecordingRow {
  return {
    id: r.id, layout: r.layout, callId: r.call_id, path: r.path, encoding: r.encoding, sampleRate: r.sample_rate, channels: r.channels,
    startedAt: r.started_at, endedAt: r.ended_at, durationMs: r.duration_ms, bytes: r.bytes, pauses: JSON.parse(r.pauses) as PausedRange[], status: r.status,
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function mkdirDurable(root: string, dir: string): Promise<void> {
  if (await exists(dir)) return;
  await mkdir(dir, { recursive: true });
  await fsyncDir(root);
}

async function writeDurable(path: string, text: string): Promise<void> {
  const handle = await open(path, 'w', 0o640);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
