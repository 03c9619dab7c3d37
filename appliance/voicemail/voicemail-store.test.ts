import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriter } from '../store/batch-writer.ts';
import { closeDatabase, openDatabase } from '../store/sqlite-database.ts';
import { boxesOfAgent, resolveBox, VoicemailSectionSchema } from './voicemail-config.ts';
import { VOICEMAIL_MIGRATIONS, VoicemailStore, type VoicemailMessageInput } from './voicemail-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'voicemail-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function open(name: string, now = () => 5_000_000) {
  const db = openDatabase(join(dir, name), { migrations: VOICEMAIL_MIGRATIONS });
  const writer = new BatchWriter(db, { maxDelayMs: 1 });
  return { db, writer, store: new VoicemailStore({ db, writer, now }) };
}

const message = (id: string, box: string, receivedAt: number): VoicemailMessageInput => ({
  id, box, callId: `call-${id}`, caller: '13900000001', did: '4001', receivedAt, durationMs: 4200, recordingId: `rec-${id}`, path: `2026-11-23/rec-${id}.stereo.wav`,
});

describe('voicemail store', () => {
  test('keeps messages durably and lists them per box, newest first, after a reopen', async () => {
    let s = open('a.db');
    await s.store.put(message('m1', 'general', 1000));
    await s.store.put(message('m2', 'sales', 2000));
    await s.store.put(message('m3', 'general', 3000));
    await s.writer.close();
    closeDatabase(s.db);
    s = open('a.db');
    assert.deepEqual(s.store.list().map((m) => m.id), ['m3', 'm2', 'm1']);
    assert.deepEqual(s.store.list({ box: 'general' }).map((m) => m.id), ['m3', 'm1']);
    assert.deepEqual(s.store.list({ box: 'general', before: 3000 }).map((m) => m.id), ['m1']);
    assert.deepEqual(s.store.list({ limit: 1 }).map((m) => m.id), ['m3']);
    assert.deepEqual(s.store.get('m2'), message('m2', 'sales', 2000));
    assert.equal(s.store.get('nope'), undefined);
    await s.writer.close();
    closeDatabase(s.db);
  });

  test('marks a message heard and unheard again, and counts unheard messages per box', async () => {
    const s = open('b.db', () => 7777);
    await s.store.put(message('m1', 'general', 1000));
    await s.store.put(message('m2', 'general', 2000));
    await s.store.put(message('m3', 'sales', 3000));
    assert.equal(await s.store.setHeard('m1', true), true);
    assert.equal(s.store.get('m1')!.heardAt, 7777);
    assert.deepEqual(s.store.list({ unheardOnly: true }).map((m) => m.id), ['m3', 'm2']);
    assert.deepEqual(s.store.boxes(), [{ box: 'general', total: 2, unheard: 1 }, { box: 'sales', total: 1, unheard: 1 }]);
    assert.equal(await s.store.setHeard('m1', false), true);
    assert.equal(s.store.get('m1')!.heardAt, undefined);
    assert.equal(await s.store.setHeard('nope', true), false);
    await s.writer.close();
    closeDatabase(s.db);
  });

  test('refuses a message whose file would lie outside the recordings directory, and a duplicate id', async () => {
    const s = open('c.db');
    await assert.rejects(s.store.put({ ...message('m1', 'general', 1), path: '../etc/passwd' }), /recordings directory/);
    await assert.rejects(s.store.put({ ...message('m1', 'general', 1), path: '/etc/passwd' }), /recordings directory/);
    await s.store.put(message('m1', 'general', 1));
    await assert.rejects(s.store.put(message('m1', 'general', 2)), /UNIQUE/);
    assert.equal(s.store.list().length, 1);
    await s.writer.close();
    closeDatabase(s.db);
  });
});

describe('voicemail crash recovery', () => {
  test('a message a crash left pending becomes a message from its recovered recording; one without a recording is dropped', async () => {
    let s = open('d.db');
    await s.store.begin({ callId: 'c1', box: 'general', caller: '139', did: '4001', startedAt: 1000 });
    await s.store.begin({ callId: 'c2', box: 'sales', caller: '138', did: '4001', startedAt: 2000 });
    await s.store.begin({ callId: 'c3', box: 'sales', caller: '137', did: '4001', startedAt: 3000 });
    await s.store.put({ ...message('m3', 'sales', 3000), callId: 'c3' }); // c3 finished normally: no longer pending
    assert.deepEqual(s.store.pending().map((p) => p.callId), ['c1', 'c2']);
    await s.writer.close();
    closeDatabase(s.db);
    s = open('d.db');
    const recordings: Record<string, { id: string; layout: string; path: string; startedAt: number; durationMs: number }[]> = {
      c1: [{ id: 'r1', layout: 'stereo', path: 'd/r1.stereo.wav', startedAt: 1100, durationMs: 8000 }, { id: 'r1', layout: 'mono', path: 'd/r1.mono.wav', startedAt: 1100, durationMs: 8000 }],
    };
    const recovered = await s.store.reconcile((callId) => recordings[callId] ?? []);
    assert.deepEqual(recovered.map((m) => [m.callId, m.box, m.path, m.durationMs]), [['c1', 'general', 'd/r1.mono.wav', 8000]]);
    assert.deepEqual(s.store.pending(), []);
    assert.deepEqual(s.store.list().map((m) => m.id).sort(), ['m3', 'r1']);
    assert.deepEqual(await s.store.reconcile(() => []), [], 'nothing left to do the second time');
    await s.writer.close();
    closeDatabase(s.db);
  });
});

describe('voicemail boxes', () => {
  test('without a box list any valid box id takes messages, with the section-wide or default limit', () => {
    assert.deepEqual(resolveBox(undefined, 'general'), { ok: true, box: { id: 'general' }, maxSeconds: 120 });
    assert.deepEqual(resolveBox(VoicemailSectionSchema.parse({ maxSeconds: 30 }), 'x'), { ok: true, box: { id: 'x' }, maxSeconds: 30 });
    assert.equal(resolveBox(undefined, '../x').ok, false);
  });

  test('with a box list only listed boxes take messages, each with its own limit and greeting', () => {
    const section = VoicemailSectionSchema.parse({ boxes: [{ id: 'sales', greeting: '销售部留言', maxSeconds: 60 }, { id: 'general' }] });
    assert.deepEqual(resolveBox(section, 'sales'), { ok: true, box: { id: 'sales', greeting: '销售部留言', maxSeconds: 60 }, maxSeconds: 60 });
    assert.deepEqual(resolveBox(section, 'general'), { ok: true, box: { id: 'general' }, maxSeconds: 120 });
    assert.deepEqual(resolveBox(section, 'other'), { ok: false, reason: 'no voicemail box other is configured' });
  });

  test('an agent is given the boxes that name them, and none without a box list', () => {
    const section = VoicemailSectionSchema.parse({ boxes: [{ id: 'sales', agents: ['1001', '1002'] }, { id: 'general', agents: ['1002'] }, { id: 'vip' }] });
    assert.deepEqual(boxesOfAgent(section, '1002'), ['sales', 'general']);
    assert.deepEqual(boxesOfAgent(section, '1001'), ['sales']);
    assert.deepEqual(boxesOfAgent(section, '1003'), []);
    assert.deepEqual(boxesOfAgent(undefined, '1001'), []);
  });
});
