import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Low, Memory } from 'lowdb';
import { configHash, type ConfigDocument } from '../../protocol/config-document.ts';
import { sampleTemplate } from '../../fleet/config/sample-template.ts';
import { FsyncJsonFile } from '../store/fsync-json-file.ts';
import { ConfigTwin, type ConfigConsumer } from './config-twin.ts';
import { initialTwinState, TwinState, type ConfigOffer } from './twin-core.ts';

const T0 = 1_800_000_000_000;

function offer(version: number, features: Record<string, boolean>): ConfigOffer {
  const config = { ...(sampleTemplate() as Record<string, unknown>), features };
  return { version, hash: configHash(config), config, source: 'fleet' };
}

/** A stand-in for a call-handling module: calls keep the routing table they started with. */
class FakeRouter implements ConfigConsumer {
  readonly name = 'router';
  table: { flags: Record<string, boolean> } = { flags: {} };
  commits = 0;
  prepare(next: ConfigDocument) {
    const table = { flags: { ...next.features } };
    return { commit: () => ((this.table = table), this.commits++) };
  }
  startCall() {
    const table = this.table;
    return { flag: (name: string) => table.flags[name] };
  }
}

const memoryTwin = () => ConfigTwin.open({ db: new Low<TwinState>(new Memory(), initialTwinState(T0)), now: () => T0 });

describe('config twin', () => {
  test('a call in progress keeps the configuration it started with across a switch', async () => {
    const twin = await memoryTwin();
    const router = new FakeRouter();
    twin.register(router);
    await twin.offer(offer(1, { recording: true }));
    const call = router.startCall();
    const result = await twin.offer(offer(2, { recording: false }));
    assert.equal(result.outcome, 'applied');
    assert.equal(call.flag('recording'), true, 'the call in progress still sees version 1');
    assert.equal(router.startCall().flag('recording'), false, 'a new call sees version 2');
  });

  test('when one module cannot take a version, no module switches and the version is reported refused', async () => {
    const twin = await memoryTwin();
    const router = new FakeRouter();
    const aborted: string[] = [];
    twin.register(router);
    twin.register({ name: 'media', prepare: (next) => (next.features?.explode ? Promise.reject(new Error('port 5060 in use')) : { commit() {} }) });
    twin.register({ name: 'never', prepare: () => ({ commit() {}, abort: () => aborted.push('never') }) });
    await twin.offer(offer(1, { a: true }));
    const commitsBefore = router.commits;
    const reports: unknown[] = [];
    twin.on('report', (r) => reports.push(r));
    const result = await twin.offer(offer(2, { a: false, explode: true }));
    assert.equal(result.outcome, 'refused');
    assert.match(result.ok ? '' : result.issues[0]!.message, /port 5060 in use/);
    assert.equal(router.commits, commitsBefore);
    assert.equal(router.table.flags.a, true);
    assert.equal(twin.running.version, 1);
    assert.equal(twin.config.features?.a, true);
    assert.deepEqual(aborted, []);
    assert.equal(twin.reported().refused?.version, 2);
    assert.equal(reports.length, 1);
    // Not the version's fault: a later delivery of the same version is tried again.
    assert.equal(twin.reported().highestSeen, 1);
  });

  test('a failed write aborts every prepared module and keeps the running version', async () => {
    const db = new Low<TwinState>(new Memory(), initialTwinState(T0));
    const twin = await ConfigTwin.open({ db, now: () => T0 });
    const aborted: string[] = [];
    twin.register({ name: 'sip', prepare: () => ({ commit() {}, abort: () => aborted.push('sip') }) });
    db.write = () => Promise.reject(new Error('disk full'));
    const result = await twin.offer(offer(1, { a: true }));
    assert.equal(result.outcome, 'refused');
    assert.match(result.ok ? '' : result.issues[0]!.message, /disk full/);
    assert.deepEqual(aborted, ['sip']);
    assert.equal(twin.running.version, 0);
  });

  test('the running and the kept configuration survive a restart', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cc-twin-')), 'config-twin.json');
    const open = () => ConfigTwin.open({ db: new Low<TwinState>(new FsyncJsonFile(file, { schema: TwinState }), initialTwinState(T0)), now: () => T0 });
    const twin = await open();
    await twin.offer(offer(1, { a: true }));
    await twin.offer(offer(2, { a: false }));
    const again = await open();
    assert.equal(again.running.version, 2);
    assert.equal(again.config.features?.a, false);
    assert.equal(again.state.previous?.version, 1);
    assert.equal((await again.rollback('ops')).outcome, 'applied');
    assert.equal(again.config.features?.a, true);
  });

  test('operations run one at a time, in order', async () => {
    const twin = await memoryTwin();
    const results = await Promise.all([twin.offer(offer(2, { x: true })), twin.offer(offer(1, { y: true })), twin.offer(offer(3, { z: true }))]);
    assert.deepEqual(results.map((r) => r.outcome), ['applied', 'ignored', 'applied']);
    assert.equal(twin.running.version, 3);
  });

  test('a stored configuration that no longer validates falls back to the kept one', async () => {
    const good = offer(1, { a: true });
    const state: TwinState = {
      ...initialTwinState(T0),
      current: { version: 2, hash: 'x', source: 'fleet', at: T0, config: { schema: 1, sip: { trunks: 'nope' } } },
      previous: { version: 1, hash: good.hash, source: 'fleet', at: T0, config: good.config },
      highestSeen: 2,
    };
    const twin = await ConfigTwin.open({ db: new Low<TwinState>(new Memory(), state), now: () => T0 });
    assert.equal(twin.running.version, 1);
    assert.equal(twin.config.features?.a, true);
  });
});
