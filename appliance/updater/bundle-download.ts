import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileDurably } from './write-file-durably.ts';

/**
 * Downloads a bundle from the fleet so that a broken link costs only what was not yet
 * received: the bytes so far stay in `<dest>.part`, and the next attempt asks for the rest
 * with an HTTP range request (RFC 9110 §14.2), guarded by If-Range (§13.1.5) so a bundle that
 * changed on the server is fetched again from zero instead of spliced.
 */
export interface DownloadOptions {
  url: string;
  dest: string;
  /** SHA-256 of the whole bundle, as the update command announces it. */
  sha256?: string;
  size?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  onProgress?: (received: number, total: number | undefined) => void;
  fetch?: typeof fetch;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  /** Bytes this call did not have to fetch because an earlier attempt had them. */
  resumedFrom: number;
}

export type DownloadErrorCode = 'interrupted' | 'http' | 'mismatch' | 'too-large';

export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
    readonly received = 0,
  ) {
    super(message);
  }
}

const PartMeta = z.object({ url: z.string(), etag: z.string().optional(), lastModified: z.string().optional(), total: z.number().int().nonnegative().optional() });
type PartMeta = z.infer<typeof PartMeta>;

async function readMeta(path: string): Promise<PartMeta | undefined> {
  try {
    const parsed = PartMeta.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `bytes 100-199/1000` → { start: 100, total: 1000 } (RFC 9110 §14.4). */
function parseContentRange(value: string | null): { start: number; total: number | undefined } | undefined {
  const m = value ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim()) : null;
  if (!m) return undefined;
  return { start: Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

export async function downloadBundle(options: DownloadOptions): Promise<DownloadResult> {
  const doFetch = options.fetch ?? fetch;
  const part = `${options.dest}.part`;
  const metaPath = `${options.dest}.part.json`;
  let meta = await readMeta(metaPath);
  let have = await sizeOf(part);
  if (!meta || meta.url !== options.url) {
    // Nothing usable from an earlier attempt (or it was for another bundle).
    have = 0;
    meta = undefined;
  }
  const resumedFrom = have;
  const headers: Record<string, string> = { ...options.headers };
  if (have > 0) {
    headers.range = `bytes=${have}-`;
    const validator = meta?.etag ?? meta?.lastModified;
    if (validator) headers['if-range'] = validator;
  }
  let res: Response;
  try {
    res = await doFetch(options.url, { headers, ...(options.signal ? { signal: options.signal } : {}) });
  } catch (err) {
    throw new DownloadError('interrupted', `cannot reach ${options.url}: ${(err as Error).message}`, have);
  }

  let offset: number;
  let total: number | undefined;
  if (res.status === 206) {
    const range = parseContentRange(res.headers.get('content-range'));
    if (!range || range.start !== have) {
      await res.body?.cancel();
      throw new DownloadError('http', `the server answered range ${res.headers.get('content-range') ?? '(none)'} to bytes=${have}-`, have);
    }
    offset = have;
    total = range.total;
  } else if (res.status === 416 && have > 0) {
    // Asked past the end: either the part is already whole, or the file on the server shrank.
    await res.body?.cancel();
    const range = /^bytes \*\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
    if (range && Number(range[1]) === have) return finish(options, part, metaPath, have, resumedFrom);
    await rm(part, { force: true });
    await rm(metaPath, { force: true });
    return downloadBundle(options);
  } else if (res.status === 200) {
    // A full body: the server has no range support, or If-Range said the bundle changed.
    offset = 0;
    const length = res.headers.get('content-length');
    total = length === null ? undefined : Number(length);
  } else {
    await res.body?.cancel();
    throw new DownloadError('http', `${options.url} answered ${res.status} ${res.statusText}`, have);
  }
  if (options.size !== undefined && total !== undefined && total !== options.size) {
    await res.body?.cancel();
    throw new DownloadError('mismatch', `the server offers ${total} bytes, the update announced ${options.size}`, have);
  }

  const newMeta: PartMeta = {
    url: options.url,
    ...(res.headers.get('etag') ? { etag: res.headers.get('etag')! } : {}),
    ...(res.headers.get('last-modified') ? { lastModified: res.headers.get('last-modified')! } : {}),
    ...(total !== undefined ? { total } : {}),
  };
  await writeFileDurably(metaPath, JSON.stringify(newMeta));
  const fh = await open(part, offset === 0 ? 'w' : 'r+');
  let received = offset;
  try {
    if (offset === 0) await fh.truncate(0);
    if (!res.body) throw new DownloadError('http', `${options.url} sent no body`, received);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (options.size !== undefined && received + chunk.length > options.size) throw new DownloadError('too-large', `the server sent more than the announced ${options.size} bytes`, received);
      await fh.write(chunk, 0, chunk.length, received);
      received += chunk.length;
      options.onProgress?.(received, total);
    }
  } catch (err) {
    await fh.sync().catch(() => {});
    await fh.close();
    if (err instanceof DownloadError) throw err;
    throw new DownloadError('interrupted', `download of ${options.url} broke off at ${received} bytes: ${(err as Error).message}`, received);
  }
  await fh.sync();
  await fh.close();
  if (total !== undefined && received !== total) throw new DownloadError('interrupted', `download of ${options.url} ended at ${received} of ${total} bytes`, received);
  return finish(options, part, metaPath, received, resumedFrom);
}

async function finish(options: DownloadOptions, part: string, metaPath: string, bytes: number, resumedFrom: number): Promise<DownloadResult> {
  if (options.size !== undefined && bytes !== options.size) throw new DownloadError('mismatch', `received ${bytes} bytes, the update announced ${options.size}`, bytes);
  if (options.sha256 !== undefined) {
    const got = await sha256File(part);
    if (got !== options.sha256) {
      // A spliced or corrupted part is useless: start over next time.
      await rm(part, { force: true });
      await rm(metaPath, { force: true });
      throw new DownloadError('mismatch', `the downloaded bundle's SHA-256 is ${got}, the update announced ${options.sha256}`, bytes);
    }
  }
  await rename(part, options.dest);
  await rm(metaPath, { force: true });
  return { path: options.dest, bytes, resumedFrom };
}

/** Retries interrupted downloads (each resuming where the last stopped), with a growing pause. */
export async function downloadWithRetry(
  options: DownloadOptions,
  retry: { attempts: number; pauseMs: number; sleep?: (ms: number) => Promise<void> },
): Promise<DownloadResult & { attempts: number }> {
  const sleep = retry.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return { ...(await downloadBundle(options)), attempts: attempt };
    } catch (err) {
      const retriable = err instanceof DownloadError && (err.code === 'interrupted' || (err.code === 'mismatch' && attempt === 1));
      if (!retriable || attempt >= retry.attempts || options.signal?.aborted) throw err;
      await sleep(retry.pauseMs * attempt);
    }
  }
}
