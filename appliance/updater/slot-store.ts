import { createHash } from 'node:crypto';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Slot } from './boot-control.ts';
import type { BundleManifest, ManifestFile } from './bundle-manifest.ts';
import { syncDir } from './write-file-durably.ts';

/** Writes one slot's content. The installer has already marked the slot `writing`. */
export interface SlotWriter {
  /** Streams one payload file into the slot, returning what it wrote and its hash. */
  writeFile(file: ManifestFile, source: Readable, onProgress?: (bytes: number) => void | Promise<void>): Promise<{ sha256: string; bytes: number }>;
  /** Everything written is on disk (fsync) when this resolves. */
  finish(): Promise<void>;
  /** Gives up (the slot stays marked `writing`, so it is never booted). */
  abort(): Promise<void>;
}

export interface SlotStore {
  readonly payload: BundleManifest['payload'];
  beginWrite(slot: Slot): Promise<SlotWriter>;
}

async function streamInto(fh: import('node:fs/promises').FileHandle, source: Readable, position: number, onProgress?: (bytes: number) => void | Promise<void>) {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    let off = 0;
    while (off < chunk.length) {
      const { bytesWritten } = await fh.write(chunk, off, chunk.length - off, position + bytes + off);
      off += bytesWritten;
    }
    hash.update(chunk);
    bytes += chunk.length;
    await onProgress?.(bytes);
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Slots as directories (`<root>/a`, `<root>/b`) holding a file tree: the simulated slots of the
 * tests, and a layout a box with a writable system partition could use.
 */
export class DirectorySlots implements SlotStore {
  readonly payload = 'files' as const;

  constructor(readonly root: string) {}

  dir(slot: Slot): string {
    return join(this.root, slot);
  }

  async beginWrite(slot: Slot): Promise<SlotWriter> {
    const dir = this.dir(slot);
    // The old content goes first: a slot holds one bundle's files, nothing left over.
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const dirs = new Set<string>([dir]);
    return {
      async writeFile(file, source, onProgress) {
        const target = join(dir, file.path);
        await mkdir(dirname(target), { recursive: true });
        dirs.add(dirname(target));
        const fh = await open(target, 'w', file.mode);
        try {
          const result = await streamInto(fh, source, 0, onProgress);
          await fh.sync();
          return result;
        } finally {
          await fh.close();
        }
      },
      async finish() {
        for (const d of dirs) await syncDir(d);
      },
      async abort() {},
    };
  }
}

export interface PartitionSlotsOptions {
  /** The block device of each slot, e.g. /dev/disk/by-partlabel/cc-system-a. */
  devices: Record<Slot, string>;
  /** A partition's size in bytes; stat() says 0 for block devices, so the box reads sysfs. */
  sizeOf?: (device: string) => Promise<number>;
}

/**
 * Slots as partitions: an `image` payload (one filesystem image) is written raw over the
 * inactive slot's partition, the way the image's slots are laid out (images/README.md).
 */
export class PartitionSlots implements SlotStore {
  readonly payload = 'image' as const;

  constructor(private readonly options: PartitionSlotsOptions) {}

  async beginWrite(slot: Slot): Promise<SlotWriter> {
    const device = this.options.devices[slot];
    const capacity = await (this.options.sizeOf ?? (async (d: string) => (await stat(d)).size))(device);
    const fh = await open(device, 'r+');
    let closed = false;
    return {
      async writeFile(file, source, onProgress) {
        if (file.size > capacity) throw new Error(`${file.path} is ${file.size} bytes, slot ${slot} (${device}) holds ${capacity}`);
        try {
          return await streamInto(fh, source, 0, onProgress);
        } catch (err) {
          closed = true;
          await fh.close();
          throw err;
        }
      },
      async finish() {
        if (closed) return;
        await fh.sync();
        await fh.close();
        closed = true;
      },
      async abort() {
        if (closed) return;
        closed = true;
        await fh.close();
      },
    };
  }
}
