import assert from 'node:assert/strict';
// Default import: the CommonJS objects, whose methods mock.method can replace (the ESM
// namespace is frozen); syncBuiltinESMExports then updates the named imports the code uses.
import fs from 'node:fs';
import { mkdtemp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, mock, test } from 'node:test';
import { FsyncJsonFile, FsyncJsonFileSync, isTempFileOf } from './fsync-json-file.ts';
import { describeJsonAdapterContract, type JsonAdapterHarness } from './json-adapter.contract.ts';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'store-json-'));
}

function fileHarness(kind: 'async' | 'sync'): JsonAdapterHarness {
  return {
    async create(seed) {
      const dir = await tempDir();
      const file = join(dir, 'doc.json');
      if (seed !== null) await writeFile(file, seed);
      return {
        open(options) {
          if (kind === 'async') return new FsyncJsonFile(file, options);
          const sync = new FsyncJsonFileSync(file, options);
          return { read: async () => sync.read(), write: async (data) => sync.write(data) };
        },
        async storedText() {
          return readFile(file, 'utf8').catch(() => null);
        },
        dispose: () => rm(dir, { recursive: true, force: true }),
      };
    },
  };
}

describeJsonAdapterContract('FsyncJsonFile', fileHarness('async'));
describeJsonAdapterContract('FsyncJsonFileSync', fileHarness('sync'));

describe('FsyncJsonFile on disk', () => {
  test('removes temp files a crashed writer left for its file, and nothing else', async () => {
    const dir = await tempDir();
    try {
      const file = join(dir, 'config.json');
      const leftovers = ['.config.json.4242.7.tmp', '.config.json.1.1.tmp'];
      const unrelated = ['.config.json.bak.tmp', '.users.json.4242.7.tmp', 'config.json.4242.7.tmp', 'notes.txt'];
      for (const name of [...leftovers, ...unrelated]) await writeFile(join(dir, name), 'x');
      await FsyncJsonFile.open(file);
      assert.deepEqual((await readdir(dir)).sort(), [...unrelated].sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the sync adapter also removes leftover temp files when constructed', async () => {
    const dir = await tempDir();
    try {
      await writeFile(join(dir, '.config.json.99.3.tmp'), '{"half":');
      new FsyncJsonFileSync(join(dir, 'config.json'));
      assert.deepEqual(await readdir(dir), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('recognises only its own temp file names', () => {
    assert.equal(isTempFileOf('/d/a.json', '.a.json.12.3.tmp'), true);
    assert.equal(isTempFileOf('/d/a.json', '.a.json.12.tmp'), false);
    assert.equal(isTempFileOf('/d/a.json', '.ab.json.12.3.tmp'), false);
    assert.equal(isTempFileOf('/d/a.json', 'a.json'), false);
  });

  test('leaves only the target file after many writes, readable by the owner only', async () => {
    const dir = await tempDir();
    try {
      const file = join(dir, 'users.json');
      const adapter = await FsyncJsonFile.open<{ n: number }>(file);
      await Promise.all(Array.from({ length: 20 }, (_, n) => adapter.write({ n })));
      assert.deepEqual(await readdir(dir), ['users.json']);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('rejects a write into a missing directory without creating it, then recovers once it exists', async () => {
    const dir = await tempDir();
    try {
      const file = join(dir, 'not-mounted', 'config.json');
      const adapter = new FsyncJsonFile<{ v: number }>(file);
      assert.equal(await adapter.read(), null);
      await assert.rejects(adapter.write({ v: 1 }), { code: 'ENOENT' });
      await mkdir(dirname(file));
      await adapter.write({ v: 2 });
      assert.deepEqual(await adapter.read(), { v: 2 });
      assert.deepEqual(await readdir(dirname(file)), ['config.json']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('fsyncs the temp file before renaming it and fsyncs the directory after', async () => {
    const dir = await tempDir();
    const file = join(dir, 'flows.json');
    const log: string[] = [];
    const name = (path: string): string => (path === dir ? 'dir' : basename(path) === 'flows.json' ? 'target' : 'temp');
    const fsPromises = fs.promises;
    const realOpen = fsPromises.open;
    mock.method(fsPromises, 'open', async (...args: Parameters<typeof fsPromises.open>) => {
      const handle = await realOpen(...args);
      const label = name(String(args[0]));
      const realSync = handle.sync.bind(handle);
      handle.sync = async () => {
        log.push(`fsync ${label}`);
        return realSync();
      };
      return handle;
    });
    const realRename = fsPromises.rename;
    mock.method(fsPromises, 'rename', async (from: string, to: string) => {
      log.push(`rename ${name(from)} -> ${name(to)}`);
      return realRename(from, to);
    });
    syncBuiltinESMExports();
    try {
      await new FsyncJsonFile(file).write({ ok: true });
      assert.deepEqual(log, ['fsync temp', 'rename temp -> target', 'fsync dir']);
    } finally {
      mock.restoreAll();
      syncBuiltinESMExports();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the sync adapter fsyncs the temp file before renaming it and fsyncs the directory after', async () => {
    const dir = await tempDir();
    const file = join(dir, 'flows.json');
    const log: string[] = [];
    const names = new Map<number, string>();
    const name = (path: string): string => (path === dir ? 'dir' : basename(path) === 'flows.json' ? 'target' : 'temp');
    const realOpenSync = fs.openSync;
    mock.method(fs, 'openSync', (...args: Parameters<typeof fs.openSync>) => {
      const fd = realOpenSync(...args);
      names.set(fd, name(String(args[0])));
      return fd;
    });
    const realFsyncSync = fs.fsyncSync;
    mock.method(fs, 'fsyncSync', (fd: number) => {
      log.push(`fsync ${names.get(fd)}`);
      realFsyncSync(fd);
    });
    const realRenameSync = fs.renameSync;
    mock.method(fs, 'renameSync', (from: string, to: string) => {
      log.push(`rename ${name(from)} -> ${name(to)}`);
      realRenameSync(from, to);
    });
    syncBuiltinESMExports();
    try {
      new FsyncJsonFileSync(file).write({ ok: true });
      assert.deepEqual(log, ['fsync temp', 'rename temp -> target', 'fsync dir']);
    } finally {
      mock.restoreAll();
      syncBuiltinESMExports();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
