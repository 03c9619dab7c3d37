// kill -9 a process in the middle of FsyncJsonFile writes, many times, and check that the
// file is always one whole document the child wrote, never empty, partial or zero-filled,
// and never older than the last write the child saw acknowledged.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FsyncJsonFile } from '../appliance/store/fsync-json-file.ts';
import { crashDocument, type CrashDocument } from './fixtures/store-json-documents.ts';

const KILLS = 20;
const writer = new URL('./fixtures/store-json-writer.ts', import.meta.url).pathname;

interface Round {
  acked: number[];
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Starts the writer, kills it `delayMs` after its first acknowledged write. */
function runAndKill(file: string, delayMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killScheduled = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!killScheduled && stdout.includes('\n')) {
        killScheduled = true;
        void sleep(delayMs).then(() => child.kill('SIGKILL'));
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      const acked = stdout
        .split('\n')
        .filter((line) => line !== '')
        .map(Number);
      resolve({ acked, signal, stderr });
    });
  });
}

test('a JSON store file killed mid-write 20 times is always a whole acknowledged-or-newer document', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'store-crash-'));
  try {
    const file = join(dir, 'state.json');
    let previousSeq = 0;
    let roundsWithLeftoverTemp = 0;
    for (let round = 1; round <= KILLS; round += 1) {
      const delayMs = 5 + Math.floor(Math.random() * 76);
      const { acked, signal, stderr } = await runAndKill(file, delayMs);
      assert.equal(stderr, '', `writer failed in round ${round}`);
      assert.equal(signal, 'SIGKILL', `writer was not killed in round ${round}`);
      assert.ok(acked.length > 0, `round ${round}: no acknowledged write`);

      const text = await readFile(file, 'utf8');
      assert.ok(text.length > 0, `round ${round}: file is empty`);
      assert.ok(!text.includes('\0'), `round ${round}: file holds zero bytes`);
      const doc = JSON.parse(text) as CrashDocument;
      assert.deepEqual(doc, crashDocument(doc.seq), `round ${round}: not a document the writer produced`);
      const lastAcked = Math.max(...acked);
      assert.ok(doc.seq >= lastAcked, `round ${round}: seq ${doc.seq} is older than acknowledged ${lastAcked}`);
      assert.ok(doc.seq > previousSeq, `round ${round}: seq went back from ${previousSeq} to ${doc.seq}`);
      previousSeq = doc.seq;
      if ((await readdir(dir)).length > 1) roundsWithLeftoverTemp += 1;
      t.diagnostic(`round ${round}: killed after ${delayMs} ms, ${acked.length} acks, file at seq ${doc.seq}`);
    }
    t.diagnostic(`${roundsWithLeftoverTemp} of ${KILLS} kills left a temp file behind`);

    await FsyncJsonFile.open(file);
    assert.deepEqual(await readdir(dir), ['state.json'], 'opening the store removes leftover temp files');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
