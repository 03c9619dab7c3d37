import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Low, Memory } from 'lowdb';
import type { DeviceState, Telemetry } from '../../protocol/schemas.ts';
import { hashPassword } from '../auth/password-hash.ts';
import {
  DeviceExistsError,
  DeviceRegistry,
  InvalidDeviceError,
  RegistryDocError,
  emptyRegistryDoc,
  type DeviceView,
  type RegistryDoc,
  type Scheduler,
} from './device-registry.ts';

/** A lowdb adapter that counts whole-document writes and can be told to fail. */
class CountingAdapter<T> extends Memory<T> {
  writes = 0;
  failNext = false;
  override async write(data: T): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    this.writes++;
    // Stored as JSON, like the file adapter, so later mutation of `data` cannot leak in.
    await super.write(JSON.parse(JSON.stringify(data)) as T);
  }
}

/** A scheduler driven by the test: timers run only when `advance` passes their time. */
class ManualScheduler implements Scheduler {
  now = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  async advance(ms: number): Promise<void> {
    this.now += ms;
    for (const [id, t] of [...this.#timers]) {
      if (t.at <= this.now) {
        this.#timers.delete(id);
        t.fn();
      }
    }
    await new Promise((r) => setImmediate(r));
  }
  get pending(): number {
    return this.#timers.size;
  }
}

const CHEAP = { N: 1024, r: 8, p: 1 };
const ref = { site: 'sh01', device: 'box1' };

async function setup(options: { flushIntervalMs?: number; doc?: RegistryDoc } = {}) {
  const adapter = new CountingAdapter<RegistryDoc>();
  if (options.doc) await adapter.write(options.doc);
  adapter.writes = 0;
  const db = new Low<RegistryDoc>(adapter, emptyRegistryDoc());
  const scheduler = new ManualScheduler();
  const registry = await DeviceRegistry.open({
    db,
    scheduler,
    now: () => 1_700_000_000_000 + scheduler.now,
    flushIntervalMs: options.flushIntervalMs ?? 2000,
    secretHashParams: CHEAP,
  });
  return { adapter, db, scheduler, registry };
}

const birth = (over: Partial<DeviceState> = {}): DeviceState => ({ status: 'online', ts: 1000, bootId: 'b1', version: '1.2.0', ...over });
const sample = (ts: number): Telemetry => ({
  ts,
  bootId: 'b1',
  version: '1.2.0',
  uptimeS: ts / 1000,
  cpu: { cores: 2, usage: 0.1, load1: 0.2 },
  memory: { totalBytes: 4e9, availableBytes: 3e9, processRssBytes: 1e8 },
  disk: { path: '/data', totalBytes: 1e10, freeBytes: 5e9 },
});

describe('device inventory', () => {
  test('creates a device with a random 32-byte secret and stores only its scrypt hash', async () => {
    const { registry, adapter } = await setup();
    const created = await registry.createDevice({ ...ref, name: 'Shanghai branch' });
    assert.equal(Buffer.from(created.secret, 'base64url').length, 32);
    assert.equal(created.device.name, 'Shanghai branch');
    assert.equal('secretHash' in created.device, false);
    const stored = (await adapter.read())!;
    assert.equal(stored.devices.length, 1);
    assert.match(stored.devices[0]!.secretHash, /^scrypt\$1024\$8\$1\$/);
    assert.equal(JSON.stringify(stored).includes(created.secret), false);
    assert.deepEqual(registry.get(ref)?.status, 'unknown');
  });

  test('refuses a duplicate device and invalid ids', async () => {
    const { registry } = await setup();
    await registry.createDevice({ ...ref, name: 'a' });
    await assert.rejects(registry.createDevice({ ...ref, name: 'b' }), DeviceExistsError);
    await assert.rejects(registry.createDevice({ site: 'Bad.Site', device: 'x', name: 'c' }), InvalidDeviceError);
    await assert.rejects(registry.createDevice({ site: 's', device: 'x', name: '  ' }), InvalidDeviceError);
  });

  test('lists devices sorted by site and device and reopens them from the document', async () => {
    const { registry, adapter } = await setup();
    await registry.createDevice({ site: 'sz02', device: 'b', name: 'B' });
    await registry.createDevice({ site: 'bj01', device: 'z', name: 'Z' });
    await registry.createDevice({ site: 'sz02', device: 'a', name: 'A' });
    assert.deepEqual(registry.list().map((d) => `${d.site}.${d.device}`), ['bj01.z', 'sz02.a', 'sz02.b']);
    const reopened = await setup({ doc: (await adapter.read())! });
    assert.deepEqual(reopened.registry.list().map((d) => d.name), ['Z', 'A', 'B']);
  });

  test('refuses to open an invalid document', async () => {
    const bad = { devices: [{ site: 'x' }], live: {} } as unknown as RegistryDoc;
    await assert.rejects(setup({ doc: bad }), RegistryDocError);
  });

  test('a failed write leaves the inventory unchanged', async () => {
    const { registry, adapter } = await setup();
    adapter.failNext = true;
    await assert.rejects(registry.createDevice({ ...ref, name: 'a' }), /disk full/);
    assert.equal(registry.get(ref), undefined);
  });
});

describe('device credentials', () => {
  test('accepts the right secret under the broker user name and refuses everything else', async () => {
    const { registry } = await setup();
    const { secret } = await registry.createDevice({ ...ref, name: 'a' });
    assert.deepEqual(await registry.verifyDeviceCredentials('sh01.box1', secret), ref);
    assert.equal(await registry.verifyDeviceCredentials('sh01.box1', `${secret}x`), undefined);
    assert.equal(await registry.verifyDeviceCredentials('sh01.box2', secret), undefined);
    assert.equal(await registry.verifyDeviceCredentials('sh01', secret), undefined);
    assert.equal(await registry.verifyDeviceCredentials('sh01.box1.x', secret), undefined);
    assert.equal(await registry.verifyDeviceCredentials('sh01.box1', ''), undefined);
  });

  test('a device created with a known secret accepts it', async () => {
    const { registry } = await setup();
    await registry.createDevice({ ...ref, name: 'demo', secret: 'demo-secret-0123456789' });
    assert.deepEqual(await registry.verifyDeviceCredentials('sh01.box1', 'demo-secret-0123456789'), ref);
  });

  test('a repeated verification is answered from the cache without scrypt', async () => {
    const { registry } = await setup();
    const { secret } = await registry.createDevice({ ...ref, name: 'a' });
    for (let i = 0; i < 5; i++) assert.deepEqual(await registry.verifyDeviceCredentials('sh01.box1', secret), ref);
    assert.equal(registry.stats().credentialCacheMisses, 1);
    assert.equal(registry.stats().credentialCacheHits, 4);
    // A wrong password is never answered from the cache.
    assert.equal(await registry.verifyDeviceCredentials('sh01.box1', 'wrong-password'), undefined);
  });

  test('rotating the secret drops the cached entry: the old secret stops working at once', async () => {
    const { registry } = await setup();
    const { secret } = await registry.createDevice({ ...ref, name: 'a' });
    const revoked: string[] = [];
    registry.revoked$.subscribe((r) => revoked.push(`${r.site}.${r.device}`));
    assert.ok(await registry.verifyDeviceCredentials('sh01.box1', secret));
    const fresh = await registry.rotateSecret(ref);
    assert.notEqual(fresh, secret);
    assert.equal(await registry.verifyDeviceCredentials('sh01.box1', secret), undefined);
    assert.deepEqual(await registry.verifyDeviceCredentials('sh01.box1', fresh), ref);
    assert.deepEqual(revoked, ['sh01.box1']);
  });

  test('removing the device drops the cached entry', async () => {
    const { registry } = await setup();
    const { secret } = await registry.createDevice({ ...ref, name: 'a' });
    assert.ok(await registry.verifyDeviceCredentials('sh01.box1', secret));
    assert.equal(await registry.removeDevice(ref), true);
    assert.equal(await registry.verifyDeviceCredentials('sh01.box1', secret), undefined);
    assert.equal(await registry.removeDevice(ref), false);
  });

  test('a verification that finishes after a rotation neither succeeds nor caches the old secret', async () => {
    // The stored hash is 64 times costlier than the rotation's, so the rotation lands while
    // the verification is still hashing.
    const secret = 'old-secret-0123456789';
    const doc: RegistryDoc = {
      devices: [{ ...ref, name: 'a', createdAt: 1, secretHash: await hashPassword(secret, { N: 2 ** 16, r: 8, p: 1 }) }],
      live: {},
    };
    const { registry } = await setup({ doc });
    const racing = registry.verifyDeviceCredentials('sh01.box1', secret);
    await registry.rotateSecret(ref);
    assert.equal(await racing, undefined);
    assert.equal(await registry.verifyDeviceCredentials('sh01.box1', secret), undefined);
    assert.equal(registry.stats().credentialCacheHits, 0);
  });
});

describe('live state', () => {
  test('messages for devices not in the inventory are ignored and counted', async () => {
    const { registry } = await setup();
    assert.equal(registry.applyState({ site: 'x', device: 'y' }, birth(), 1), 'unknown-device');
    assert.equal(registry.applyTelemetry({ site: 'x', device: 'y' }, sample(1), 1), 'unknown-device');
    assert.equal(registry.stats().unknownDeviceMessages, 2);
    assert.equal(registry.list().length, 0);
  });

  test('a stale retained will of the previous boot does not flip the device offline', async () => {
    const { registry } = await setup();
    await registry.createDevice({ ...ref, name: 'a' });
    registry.applyState(ref, birth({ bootId: 'old', ts: 1000 }), 10);
    registry.applyState(ref, birth({ bootId: 'new', ts: 9000 }), 20);
    assert.equal(registry.applyState(ref, birth({ bootId: 'old', ts: 1000, status: 'offline', reason: 'lost' }), 30), 'stale');
    assert.equal(registry.get(ref)?.status, 'online');
    assert.equal(registry.get(ref)?.bootId, 'new');
    assert.equal(registry.stats().staleMessages, 1);
  });

  test('emits a view on every change, never with the hash', async () => {
    const { registry } = await setup();
    const seen: DeviceView[] = [];
    registry.changes$.subscribe((v) => seen.push(v));
    await registry.createDevice({ ...ref, name: 'a' });
    registry.applyState(ref, birth(), 100);
    registry.applyTelemetry(ref, sample(2000), 200);
    await registry.removeDevice(ref);
    assert.deepEqual(seen.map((v) => [v.status, v.removed ?? false]), [
      ['unknown', false],
      ['online', false],
      ['online', false],
      ['online', true],
    ]);
    assert.equal(seen[2]!.telemetry?.uptimeS, 2);
    assert.ok(seen.every((v) => !('secretHash' in v) && !('pastBootIds' in v)));
  });

  test('many telemetry messages cause few writes: at most one per flush interval', async () => {
    const { registry, adapter, scheduler } = await setup({ flushIntervalMs: 2000 });
    await registry.createDevice({ ...ref, name: 'a' });
    await registry.createDevice({ site: 'sh01', device: 'box2', name: 'b' });
    const afterCreate = adapter.writes;
    // 10 s of traffic: 2 devices × 10 messages per second.
    for (let ms = 0; ms < 10_000; ms += 100) {
      registry.applyTelemetry(ref, sample(ms + 1), ms);
      registry.applyTelemetry({ site: 'sh01', device: 'box2' }, sample(ms + 1), ms);
      await scheduler.advance(100);
    }
    const liveWrites = adapter.writes - afterCreate;
    assert.ok(liveWrites >= 4 && liveWrites <= 5, `expected 4-5 batched writes for 200 messages, got ${liveWrites}`);
    await registry.close();
    const stored = (await adapter.read())!;
    assert.equal(stored.live['sh01.box1']?.telemetry?.ts, 9901);
    assert.equal(stored.live['sh01.box1']?.status, 'online');
  });

  test('nothing is written while nothing changes, and close flushes what is pending', async () => {
    const { registry, adapter, scheduler } = await setup();
    await registry.createDevice({ ...ref, name: 'a' });
    const before = adapter.writes;
    await scheduler.advance(60_000);
    assert.equal(adapter.writes, before);
    registry.applyState(ref, birth(), 5);
    assert.equal(adapter.writes, before);
    await registry.close();
    assert.equal(adapter.writes, before + 1);
    assert.equal(scheduler.pending, 0);
    assert.equal((await adapter.read())!.live['sh01.box1']?.status, 'online');
  });

  test('live state survives a restart through the flushed document', async () => {
    const first = await setup();
    await first.registry.createDevice({ ...ref, name: 'a' });
    first.registry.applyState(ref, birth({ bootId: 'old', ts: 1 }), 5);
    first.registry.applyState(ref, birth({ bootId: 'new', ts: 2 }), 6);
    await first.registry.close();
    const second = await setup({ doc: (await first.adapter.read())! });
    assert.equal(second.registry.get(ref)?.status, 'online');
    // The boot history came back too: the old will is still recognised as stale.
    assert.equal(second.registry.applyState(ref, birth({ bootId: 'old', ts: 1, status: 'offline', reason: 'lost' }), 7), 'stale');
  });

  test('a failed batch write is retried at the next flush', async () => {
    const errors: unknown[] = [];
    const adapter = new CountingAdapter<RegistryDoc>();
    const scheduler = new ManualScheduler();
    const registry = await DeviceRegistry.open({
      db: new Low<RegistryDoc>(adapter, emptyRegistryDoc()),
      scheduler,
      secretHashParams: CHEAP,
      onError: (e) => errors.push(e),
    });
    await registry.createDevice({ ...ref, name: 'a' });
    registry.applyState(ref, birth(), 5);
    adapter.failNext = true;
    await scheduler.advance(2000);
    assert.equal(errors.length, 1);
    assert.equal(registry.stats().writeErrors, 1);
    await registry.close();
    assert.equal((await adapter.read())!.live['sh01.box1']?.status, 'online');
  });
});
