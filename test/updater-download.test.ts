// Resumable bundle download against a real node:http server on loopback that honours Range
// and If-Range (RFC 9110 §14.2, §13.1.5) and can cut a transfer off halfway.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { downloadBundle, DownloadError } from '../appliance/updater/bundle-download.ts';
import { probe } from '../appliance/updater/health-check.ts';
import { SimulatedMachine } from '../appliance/updater/sim-boot-control.ts';
import { DirectorySlots } from '../appliance/updater/slot-store.ts';
import { Updater } from '../appliance/updater/updater.ts';
import { bundle, keyPair, systemTree, trusted, type KeyPair } from './fixtures/updater/bundles.ts';

interface Served {
  body: Buffer;
  etag: string;
}

/** A fleet download endpoint: `cutAt` drops the connection after that many body bytes, once. */
class BundleServer {
  server: Server;
  url = '';
  served: Served;
  requests: { range: string | undefined; ifRange: string | undefined; status: number }[] = [];
  cutAt: number | undefined;
  ranges = true;

  constructor(body: Buffer) {
    this.served = BundleServer.entity(body);
    this.server = createServer((req, res) => {
      const { body: data, etag } = this.served;
      const range = req.headers.range;
      const ifRange = req.headers['if-range'] as string | undefined;
      let start = 0;
      let status = 200;
      const m = range && this.ranges ? /^bytes=(\d+)-$/.exec(range) : null;
      if (m && (ifRange === undefined || ifRange === etag)) {
        start = Number(m[1]);
        if (start >= data.length) {
          this.requests.push({ range, ifRange, status: 416 });
          res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
          return;
        }
        status = 206;
      }
      this.requests.push({ range, ifRange, status });
      const headers: Record<string, string | number> = { etag, 'content-length': data.length - start, 'accept-ranges': this.ranges ? 'bytes' : 'none' };
      if (status === 206) headers['content-range'] = `bytes ${start}-${data.length - 1}/${data.length}`;
      res.writeHead(status, headers);
      const slice = data.subarray(start);
      if (this.cutAt !== undefined && this.cutAt < slice.length) {
        const cut = this.cutAt;
        this.cutAt = undefined;
        res.write(slice.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      }
      res.end(slice);
    });
  }

  static entity(body: Buffer): Served {
    return { body, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"` };
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/bundles/cc.ccb`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let work: string;
let key: KeyPair;
let v110: Buffer;
let v120: Buffer;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'cc-download-'));
  key = keyPair();
  v110 = await readFile(await bundle(work, { version: '1.1.0', key }));
  v120 = await readFile(await bundle(work, { version: '1.2.0', key }));
});
after(() => rm(work, { recursive: true, force: true }));

describe('resumable download', () => {
  test('a transfer cut off halfway resumes with a range request from the byte it stopped at', async () => {
    const server = new BundleServer(v110);
    await server.start();
    try {
      const dest = join(work, 'resume.ccb');
      const half = Math.floor(v110.length / 2);
      server.cutAt = half;
      const first = await downloadBundle({ url: server.url, dest, sha256: sha256(v110), size: v110.length }).then(
        () => assert.fail('the first attempt should break off'),
        (err: unknown) => err as DownloadError,
      );
      assert.ok(first instanceof DownloadError);
      assert.equal(first.code, 'interrupted');
      // fetch drops body chunks still queued in its stream when the connection errors, so on a
      // busy machine a little less than the server wrote may have been read: what was read is kept
      const kept = first.received;
      assert.ok(kept > 0 && kept <= half, `kept ${kept} of the ${half} bytes sent before the cut`);
      assert.equal((await stat(`${dest}.part`)).size, kept, 'every byte read is on disk');

      const second = await downloadBundle({ url: server.url, dest, sha256: sha256(v110), size: v110.length });
      assert.deepEqual(second, { path: dest, bytes: v110.length, resumedFrom: kept });
      assert.deepEqual(server.requests.map((r) => [r.range, r.ifRange, r.status]), [
        [undefined, undefined, 200],
        [`bytes=${kept}-`, server.served.etag, 206],
      ]);
      assert.equal(sha256(await readFile(dest)), sha256(v110));
      await assert.rejects(stat(`${dest}.part`), /ENOENT/);
    } finally {
      await server.stop();
    }
  });

  test('a server without range support sends it all again, and the result is still whole', async () => {
    const server = new BundleServer(v110);
    server.ranges = false;
    await server.start();
    try {
      const dest = join(work, 'norange.ccb');
      server.cutAt = 100_000;
      await assert.rejects(downloadBundle({ url: server.url, dest, sha256: sha256(v110) }), /broke off at 100000 bytes/);
      const r = await downloadBundle({ url: server.url, dest, sha256: sha256(v110) });
      assert.equal(r.bytes, v110.length);
      assert.equal(server.requests[1]?.status, 200);
      assert.equal(sha256(await readFile(dest)), sha256(v110));
    } finally {
      await server.stop();
    }
  });

  test('a bundle replaced on the server between attempts is fetched from zero, never spliced', async () => {
    const server = new BundleServer(v110);
    await server.start();
    try {
      const dest = join(work, 'changed.ccb');
      server.cutAt = 200_000;
      await assert.rejects(downloadBundle({ url: server.url, dest }), DownloadError);
      server.served = BundleServer.entity(v120);
      const r = await downloadBundle({ url: server.url, dest, sha256: sha256(v120) });
      assert.equal(server.requests[1]?.status, 200, 'If-Range with the old ETag gets the whole new entity');
      assert.equal(r.bytes, v120.length);
      assert.equal(sha256(await readFile(dest)), sha256(v120));
    } finally {
      await server.stop();
    }
  });

  test('a download whose hash is not the announced one is refused and its part discarded', async () => {
    const server = new BundleServer(v110);
    await server.start();
    try {
      const dest = join(work, 'wrong.ccb');
      const err = await downloadBundle({ url: server.url, dest, sha256: sha256(v120) }).catch((e: unknown) => e as DownloadError);
      assert.ok(err instanceof DownloadError);
      assert.equal(err.code, 'mismatch');
      assert.match(err.message, /SHA-256 is [0-9a-f]{64}, the update announced/);
      await assert.rejects(stat(`${dest}.part`), /ENOENT/);
      await assert.rejects(stat(dest), /ENOENT/);
    } finally {
      await server.stop();
    }
  });
});

test('the updater installs from the fleet through a download that breaks off once', async () => {
  const server = new BundleServer(v110);
  await server.start();
  try {
    const root = join(work, 'box');
    const machine = await SimulatedMachine.provision(root, '1.0.0');
    const slots = new DirectorySlots(join(root, 'slots'));
    await systemTree(slots.dir('a'), '1.0.0');
    const updater = new Updater({ boot: machine, slots, status: machine.status, trustedKeys: trusted(key), board: 'cc-x86-generic', currentVersion: '1.0.0', workDir: join(root, 'work'), probes: [probe('ok', () => {})] });
    server.cutAt = Math.floor(v110.length / 3);
    const result = await updater.installFromUrl({ url: server.url, sha256: sha256(v110), size: v110.length, retryPauseMs: 10 });
    assert.deepEqual(result, { ok: true, slot: 'b', version: '1.1.0', rebootRequired: true });
    assert.deepEqual(server.requests.map((r) => r.status), [200, 206]);
    assert.equal((await machine.powerOn()).slot, 'b');
    assert.equal((await updater.afterBoot()).kind, 'committed');
  } finally {
    await server.stop();
  }
});
