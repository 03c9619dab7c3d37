import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Low, Memory } from 'lowdb';
import { FsyncJsonFile } from '../store/fsync-json-file.ts';
import { FlowStore, FlowVersionConflictError, FlowsDocError, FlowsDocSchema, emptyFlowsDoc, type FlowsDoc } from './flow-store.ts';
import { FlowInvalidError } from './flow-validation.ts';
import { flowOf, tts } from './ivr-test-flows.ts';

const flowV = (text: string) => flowOf([{ id: 'hi', type: 'play', prompt: tts(text), next: 'bye' }, { id: 'bye', type: 'hangup' }], { id: 'main', name: `Main ${text}` });
const memoryStore = (now = () => 1000, keepVersions?: number) =>
  FlowStore.open({ db: new Low<FlowsDoc>(new Memory<FlowsDoc>(), emptyFlowsDoc()), now, ...(keepVersions ? { keepVersions } : {}) });

describe('FlowStore', () => {
  test('saves a valid flow as version 1, then each save as the next version', async () => {
    const store = await memoryStore();
    assert.equal((await store.save(flowV('one'))).version, 1);
    assert.equal((await store.save(flowV('two'))).version, 2);
    assert.deepEqual(store.list(), [{ id: 'main', name: 'Main two', version: 2, savedAt: 1000, versions: [1, 2] }]);
    assert.equal(store.get('main', 1)?.flow.name, 'Main one');
    assert.equal(store.get('main')?.flow.name, 'Main two');
  });

  test('refuses an invalid flow with every issue and keeps the previous version', async () => {
    const store = await memoryStore();
    await store.save(flowV('one'));
    const broken = { ...flowV('two'), nodes: [{ id: 'hi', type: 'play', prompt: tts('${nope}'), next: 'gone' }] };
    await assert.rejects(store.save(broken), (error: unknown) => error instanceof FlowInvalidError && error.flowId === 'main' && error.issues.some((i) => i.code === 'dangling-branch' && i.nodeId === 'hi'));
    assert.equal(store.get('main')?.version, 1);
    assert.equal(store.compiled('main')?.flow.name, 'Main one');
  });

  test('refuses a save based on an old version', async () => {
    const store = await memoryStore();
    await store.save(flowV('one'));
    await store.save(flowV('two'), { expectedVersion: 1 });
    await assert.rejects(store.save(flowV('three'), { expectedVersion: 1 }), FlowVersionConflictError);
    assert.equal(store.get('main')?.flow.name, 'Main two');
  });

  test('keeps only the last versions, and rolls back by saving a kept one again', async () => {
    const store = await memoryStore(() => 5, 2);
    for (const t of ['a', 'b', 'c']) await store.save(flowV(t));
    assert.deepEqual(store.list()[0]?.versions, [2, 3]);
    assert.equal(store.get('main', 1), undefined);
    const back = await store.rollback('main', 2);
    assert.equal(back.version, 4);
    assert.equal(store.get('main')?.flow.name, 'Main b');
    await assert.rejects(store.rollback('main', 1), RangeError);
  });

  test('hands out compiled flows, rebuilt when a new version is saved', async () => {
    const store = await memoryStore();
    await store.save(flowV('one'));
    const first = store.compiled('main');
    assert.equal(store.compiled('main'), first, 'cached per version');
    await store.save(flowV('two'));
    assert.notEqual(store.compiled('main'), first);
    assert.equal(store.compiled('nope'), undefined);
  });

  test('a copy handed out cannot change the stored flow', async () => {
    const store = await memoryStore();
    await store.save(flowV('one'));
    store.get('main')!.flow.name = 'changed';
    assert.equal(store.get('main')?.flow.name, 'Main one');
  });

  test('a failed write leaves the store as it was', async () => {
    let fail = false;
    const adapter = new Memory<FlowsDoc>();
    const failing = { read: () => adapter.read(), write: (d: FlowsDoc) => (fail ? Promise.reject(new Error('disk full')) : adapter.write(d)) };
    const store = await FlowStore.open({ db: new Low<FlowsDoc>(failing, emptyFlowsDoc()) });
    await store.save(flowV('one'));
    fail = true;
    await assert.rejects(store.save(flowV('two')), /disk full/);
    await assert.rejects(store.save({ ...flowV('x'), id: 'other' }), /disk full/);
    assert.deepEqual(store.list().map((f) => [f.id, f.version]), [['main', 1]]);
  });

  test('persists durably through FsyncJsonFile and reads back after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ivr-flows-'));
    try {
      const file = join(dir, 'flows.json');
      const open = async () => FlowStore.open({ db: new Low<FlowsDoc>(await FsyncJsonFile.open<FlowsDoc>(file, { schema: FlowsDocSchema }), emptyFlowsDoc()) });
      const store = await open();
      await store.save(flowV('one'));
      await store.save(flowV('two'));
      await assert.rejects(store.save({ ...flowV('three'), entry: 'nowhere' }), FlowInvalidError);
      const again = await open();
      assert.equal(again.get('main')?.version, 2);
      assert.equal(again.compiled('main')?.nodes.size, 2);
      assert.equal(JSON.parse(await readFile(file, 'utf8')).flows.main.current, 2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('refuses to open a flows document that is not one', async () => {
    const db = new Low<FlowsDoc>(new Memory<FlowsDoc>(), emptyFlowsDoc());
    await db.adapter.write({ flows: { main: { current: 1, versions: [] } } } as unknown as FlowsDoc);
    await assert.rejects(FlowStore.open({ db }), FlowsDocError);
  });

  test('a corrupt file on disk is refused on open, never replaced by an empty store', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ivr-flows-'));
    try {
      const file = join(dir, 'flows.json');
      await writeFile(file, '{"flows": {"main": 1}}');
      await assert.rejects(async () => FlowStore.open({ db: new Low<FlowsDoc>(await FsyncJsonFile.open<FlowsDoc>(file, { schema: FlowsDocSchema }), emptyFlowsDoc()) }), /corrupt/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
