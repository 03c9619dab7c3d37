import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Id } from '../../protocol/ids.ts';
import { silentLogger, type Logger } from '../../appliance/log/logger.ts';
import { answerRange } from './http-range.ts';

export interface BundleServerOptions {
  port: number;
  host?: string;
  /** The bundle a device may fetch with its token, or undefined (unknown, withdrawn, wrong token). */
  resolve: (campaign: string, ref: { site: string; device: string }, token: string) => { path: string; size: number; sha256: string } | undefined;
  log?: Logger;
}

const PATH = /^\/bundles\/([^/]+)\/([^/]+)\/([^/]+)$/;

/**
 * Serves rollout bundles to devices, apart from the console: devices are not console users,
 * so they get neither its sessions nor its routes, only `GET /bundles/{campaign}/{site}/{device}`
 * with their per-device token as a bearer token (RFC 6750 §2.1). Range requests let an
 * interrupted download resume (RFC 9110 §14); the entity tag is the bundle's SHA-256, so
 * If-Range can tell a resumed download that the bundle is still the same one.
 */
export class BundleServer {
  readonly counters = { requests: 0, refused: 0, bytes: 0 };
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(options: BundleServerOptions): Promise<BundleServer> {
    const log = options.log ?? silentLogger;
    let self: BundleServer | undefined;
    const server = createServer((req, res) => {
      try {
        handle(req, res, options, self!);
      } catch (err) {
        log.error('bundle request failed', { error: (err as Error).message });
        if (!res.headersSent) send(res, 500, 'internal error');
        else res.destroy();
      }
    });
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve) => server.listen(options.port, host, resolve));
    const { port } = server.address() as AddressInfo;
    self = new BundleServer(server, `http://${host.includes(':') ? `[${host}]` : host}:${port}`);
    return self;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function send(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(`${message}\n`);
}

function handle(req: IncomingMessage, res: ServerResponse, options: BundleServerOptions, self: BundleServer): void {
  self.counters.requests++;
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET and HEAD', { allow: 'GET, HEAD' });
  const m = PATH.exec((req.url ?? '').split('?')[0]!);
  const [campaign, site, device] = m ? [m[1]!, m[2]!, m[3]!] : [];
  if (!campaign || !site || !device || ![campaign, site, device].every((v) => Id.safeParse(v).success)) return send(res, 404, 'not found');
  const auth = /^Bearer ([A-Za-z0-9_-]{16,256})$/.exec(req.headers.authorization ?? '');
  const file = auth ? options.resolve(campaign, { site, device }, auth[1]!) : undefined;
  if (!file) {
    self.counters.refused++;
    // One answer for an unknown campaign, device or token: nothing to learn by probing.
    return send(res, 403, 'no bundle for this device and token', { 'www-authenticate': 'Bearer realm="bundles"' });
  }
  const etag = `"${file.sha256}"`;
  const range = answerRange(file.size, header(req, 'range'), header(req, 'if-range'), etag);
  const common = { etag, 'accept-ranges': 'bytes', 'cache-control': 'no-store' };
  if (range.status === 416) return send(res, 416, 'range not satisfiable', { ...common, 'content-range': range.contentRange });
  res.writeHead(range.status, {
    ...common,
    'content-type': 'application/octet-stream',
    'content-length': String(range.end - range.start),
    ...(range.status === 206 ? { 'content-range': range.contentRange } : {}),
  });
  if (req.method === 'HEAD' || range.end === range.start) return void res.end();
  const stream = createReadStream(file.path, { start: range.start, end: range.end - 1, highWaterMark: 256 * 1024 });
  stream.on('data', (chunk) => (self.counters.bytes += chunk.length));
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
