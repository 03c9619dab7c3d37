import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Updater } from './updater.ts';

export interface UpdaterRoutesOptions {
  /** Where uploads land on the data partition. */
  workDir: string;
  /** Largest bundle accepted. */
  maxBytes?: number;
  /** Mount points a USB import may name (e.g. /media/usb); anything else is refused. */
  usbRoots?: string[];
}

class UploadTooLargeError extends Error {
  override name = 'UploadTooLargeError';
}

const UsbImport = z.object({ path: z.string().min(1).max(4096) });

/**
 * The admin page's update endpoints, for sites without a fleet: upload a bundle, import from
 * a USB stick, read the slot status. Mounted by the web module behind admin authentication.
 */
export function updaterRoutes(updater: Updater, options: UpdaterRoutesOptions): Hono {
  const app = new Hono();
  const maxBytes = options.maxBytes ?? 2 * 1024 ** 3;

  app.get('/status', async (c) => c.json(await updater.status()));

  app.post('/bundle', async (c) => {
    const length = Number(c.req.header('content-length') ?? NaN);
    if (Number.isFinite(length) && length > maxBytes) return c.json({ ok: false, code: 'too-large', reason: `a bundle may be at most ${maxBytes} bytes` }, 413);
    if (!c.req.raw.body) return c.json({ ok: false, code: 'no-body', reason: 'send the bundle as the request body' }, 400);
    await mkdir(options.workDir, { recursive: true });
    const path = join(options.workDir, 'upload.ccb');
    let received = 0;
    try {
      await pipeline(
        Readable.fromWeb(c.req.raw.body as import('node:stream/web').ReadableStream<Uint8Array>),
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            received += chunk.length;
            if (received > maxBytes) throw new UploadTooLargeError(`a bundle may be at most ${maxBytes} bytes`);
            yield chunk;
          }
        },
        createWriteStream(path),
      );
      const result = await updater.installFile(path, 'admin upload');
      return c.json(result, result.ok ? 200 : 422);
    } catch (err) {
      if (err instanceof UploadTooLargeError) return c.json({ ok: false, code: 'too-large', reason: err.message }, 413);
      return c.json({ ok: false, code: 'upload-failed', reason: (err as Error).message }, 400);
    } finally {
      await rm(path, { force: true });
    }
  });

  app.post('/usb-import', async (c) => {
    const body = UsbImport.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) return c.json({ ok: false, code: 'bad-request', reason: 'expected {"path": "<mount point>"}' }, 400);
    const roots = options.usbRoots ?? ['/media', '/mnt/usb'];
    if (!roots.some((r) => body.data.path === r || body.data.path.startsWith(`${r}/`)) || body.data.path.includes('..')) {
      return c.json({ ok: false, code: 'forbidden', reason: `USB imports are read from ${roots.join(' or ')}` }, 403);
    }
    const { scan, result } = await updater.importFromUsb(body.data.path);
    const refused = scan.refused.map((r) => ({ path: r.path, code: r.refusal.code, reason: r.refusal.reason }));
    if (!result) return c.json({ ok: false, code: 'no-bundle', reason: 'no acceptable bundle on the stick', refused }, 404);
    return c.json({ ...result, refused }, result.ok ? 200 : 422);
  });

  return app;
}
