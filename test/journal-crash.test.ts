// An acknowledged journal record survives kill -9: a child appends and prints each seq once
// its append resolved; after the kill, every printed seq must be in the reopened database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../appliance/store/journal.ts';

const root = new URL('..', import.meta.url).pathname;

test('every append acknowledged before a kill -9 is in the journal after reopening', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'cc-journal-crash-')), 'journal.sqlite');
  let total = 0;
  for (let round = 0; round < 5; round++) {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/fixtures/store-journal-appender.ts'), path], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const acknowledged: number[] = [];
    let buffered = '';
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const l of lines) acknowledged.push(Number(l));
    });
    // Kill once it has been acknowledging for a while, at a moment chosen by chance.
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (acknowledged.length > 200) {
          clearInterval(check);
          setTimeout(resolve, Math.random() * 50);
        }
      }, 5);
    });
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    const journal = Journal.open(path);
    const stored = new Set<number>();
    for (let after = 0, page; (page = journal.query({ stream: 'crash', afterSeq: after, limit: 10_000 })).length > 0; after = page.at(-1)!.seq) {
      for (const e of page) stored.add(e.seq);
    }
    const missing = acknowledged.filter((s) => !stored.has(s));
    assert.deepEqual(missing, [], `round ${round}: acknowledged but lost`);
    assert.ok(stored.size >= total + acknowledged.length);
    total = stored.size;
    await journal.close();
  }
});
