import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

// hardware/ stays free of appliance/ imports, hence its own copy of the store's durable write.
let counter = 0;

/** temp file → write → fsync → rename → fsync the directory: readers see the old file or the new one. */
export async function writeFileDurably(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  counter += 1;
  // a name per write: two writes of one file at once must not share (and tear) a temp file
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${counter}.tmp`);
  const fh = await open(temp, 'w', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(temp).catch(() => {});
    throw err;
  }
  await fh.close();
  await rename(temp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
