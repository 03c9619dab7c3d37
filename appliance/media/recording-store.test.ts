import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriter } from '../store/batch-writer.ts';
import { closeDatabase, openDatabase, type SqliteDatabase } from '../store/sqlite-database.ts';
import { ULAW_TO_LINEAR } from './g711.ts';
import { RECORDING_MIGRATIONS, RecordingStore } from './recording-store.ts';
import type { TimelineChunk } from './recording-timeline.ts';
import { parseWav, wavToMono16 } from './wav.ts';

let dir: string;
let db: SqliteDatabase;
let writer: BatchWriter;
let store: RecordingStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rec-store-'));
  db = openDatabase(join(dir, 'store.db'), { migrations: RECORDING_MIGRATIONS });
  writer = new BatchWriter(db, { maxDelayMs: 1 });
  store = new RecordingStore({ dir: join(dir, 'recordings'), db, writer, now: () => Date.UTC(2024, 4, 1, 12) });
});
afterEach(async () => {
  await writer.close();
  closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

function chunk(from: number, caller: number[], agent: number[]): TimelineChunk {
  return { from, caller: Int16Array.from(caller), agent: Int16Array.from(agent) };
}

function samplesOf(path: string): { channels: number; data: Int16Array; encoding: string } {
  const wav = parseWav(readFileSync(join(store.dir, path)));
  const data = wav.encoding === 'pcm' ? new Int16Array(new Uint8Array(wav.data).buffer) : Int16Array.from(wav.data, (b) => ULAW_TO_LINEAR[b]!);
  return { channels: wav.channels, data, encoding: wav.encoding };
}

const filesIn = (sub: string) => readdirSync(join(store.dir, sub)).sort();

describe('RecordingStore', () => {
  test('writes caller left and agent right in the stereo file and their sum in the mono file', async () => {
    const rec = await store.start({ callId: 'call-1', layouts: ['stereo', 'mono'] });
    rec.write(chunk(0, [1, 2, 3], [10, 20, 30]));
    const rows = await rec.finish(chunk(3, [30000], [30000]));
    assert.deepEqual(rows.map((r) => [r.layout, r.channels, r.status]), [['stereo', 2, 'complete'], ['mono', 1, 'complete']]);
    const stereo = samplesOf(rows[0]!.path);
    assert.deepEqual(Array.from(stereo.data), [1, 10, 2, 20, 3, 30, 30000, 30000]);
    assert.deepEqual(Array.from(samplesOf(rows[1]!.path).data), [11, 22, 33, 32767]);
    assert.deepEqual(store.recordingsOf('call-1').map((r) => r.path).sort(), rows.map((r) => r.path).sort());
    assert.ok(rows[0]!.path.startsWith('2024-05-01/'), rows[0]!.path);
    assert.deepEqual(filesIn('2024-05-01'), [`${rec.id}.mono.wav`, `${rec.id}.stereo.wav`], 'no .part files or sidecar remain');
  });

  test('records duration from the audio written and keeps the pauses in the row', async () => {
    const rec = await store.start({ callId: 'call-2' });
    rec.write({ from: 0, caller: new Int16Array(16000), agent: new Int16Array(16000) });
    const [row] = await rec.finish(undefined, [{ startMs: 500, endMs: 1200 }]);
    assert.equal(row!.durationMs, 2000);
    assert.equal(row!.bytes, 44 + 16000 * 4);
    assert.deepEqual(store.recordingsOf('call-2')[0]!.pauses, [{ startMs: 500, endMs: 1200 }]);
  });

  test('stores μ-law when configured, halving the size without changing G.711-sourced samples', async () => {
    const rec = await store.start({ callId: 'call-3', layouts: ['stereo'], encoding: 'ulaw' });
    const levels = [ULAW_TO_LINEAR[0x10]!, ULAW_TO_LINEAR[0x90]!, 0];
    const [row] = await rec.finish(chunk(0, levels, [...levels].reverse()));
    const file = samplesOf(row!.path);
    assert.equal(file.encoding, 'ulaw');
    assert.deepEqual(Array.from(file.data), [levels[0], 0, levels[1], levels[1], 0, levels[0]]);
  });

  test('the file is final on disk before its metadata row is inserted', async () => {
    const seen: string[][] = [];
    const spying = new RecordingStore({
      dir: store.dir, db,
      writer: { run: (fn: (d: SqliteDatabase) => unknown) => { seen.push(readdirSync(join(store.dir, readdirSync(store.dir)[0]!))); return writer.run(fn); } } as unknown as BatchWriter,
    });
    const rec = await spying.start({ callId: 'call-4', layouts: ['stereo'] });
    await rec.finish(chunk(0, [1], [2]));
    assert.equal(seen.length, 1);
    assert.ok(seen[0]!.includes(`${rec.id}.stereo.wav`), seen[0]!.join());
    assert.ok(!seen[0]!.some((n) => n.endsWith('.part')));
  });

  test('recovers a recording cut short by a crash: valid header, the audio written so far, a recovered row', async () => {
    const rec = await store.start({ callId: 'crashed', layouts: ['stereo', 'mono'] });
    rec.write(chunk(0, [5, 6, 7, 8], [-5, -6, -7, -8]));
    await rec.written(); // the append reached the file; then the power is cut
    const day = join(store.dir, '2024-05-01');
    const stereoPart = join(day, `${rec.id}.stereo.wav.part`);
    writeFileSync(stereoPart, Buffer.concat([readFileSync(stereoPart), Buffer.from([1, 2, 3])])); // a torn last frame
    const after = new RecordingStore({ dir: store.dir, db, writer });
    const rows = await after.recoverOrphans();
    assert.deepEqual(rows.map((r) => [r.callId, r.layout, r.status]), [['crashed', 'stereo', 'recovered'], ['crashed', 'mono', 'recovered']]);
    assert.deepEqual(Array.from(samplesOf(rows[0]!.path).data), [5, -5, 6, -6, 7, -7, 8, -8]);
    assert.deepEqual(Array.from(wavToMono16(parseWav(readFileSync(join(store.dir, rows[1]!.path))))), [0, 0, 0, 0]);
    assert.deepEqual(filesIn('2024-05-01'), [`${rec.id}.mono.wav`, `${rec.id}.stereo.wav`]);
    assert.equal(after.recordingsOf('crashed').length, 2);
    assert.deepEqual(await after.recoverOrphans(), [], 'a second boot finds nothing to do');
  });

  test('inserts the row of a file renamed just before a crash, and only once', async () => {
    const failing = new RecordingStore({ dir: store.dir, db, writer: { run: () => Promise.reject(new Error('power cut')) } as unknown as BatchWriter });
    const rec = await failing.start({ callId: 'renamed', layouts: ['mono'] });
    await assert.rejects(rec.finish(chunk(0, [1, 2], [3, 4])), /power cut/);
    assert.equal(store.recordingsOf('renamed').length, 0);
    const rows = await store.recoverOrphans();
    assert.deepEqual(rows.map((r) => [r.layout, r.status, r.durationMs]), [['mono', 'recovered', 0]]);
    assert.deepEqual(Array.from(samplesOf(rows[0]!.path).data), [4, 6]);
    assert.deepEqual(await store.recoverOrphans(), []);
  });

  test('skips a sidecar torn before its recording started, and an empty store directory', async () => {
    assert.deepEqual(await store.recoverOrphans(), []);
    const rec = await store.start({ callId: 'x' });
    await rec.finish(undefined);
    writeFileSync(join(store.dir, '2024-05-01', 'torn.meta.json'), '{"id":');
    assert.deepEqual(await store.recoverOrphans(), []);
    assert.equal(existsSync(join(store.dir, '2024-05-01', 'torn.meta.json')), true, 'left for a human to look at');
  });
});
