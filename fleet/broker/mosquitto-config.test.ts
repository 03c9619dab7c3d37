import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2Sync } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { mosquittoAcl, mosquittoConf, mosquittoPasswordLine, type MosquittoConfOptions } from './mosquitto-config.ts';
import { freePort } from '../../test/support/net.ts';
import { waitFor } from '../../test/support/wait.ts';
import { topicNames, topics } from '../../protocol/topics.ts';

describe('mosquitto configuration', () => {
  const acl = mosquittoAcl({ devices: [{ site: 'sh', device: 'a1' }, { site: 'bj', device: 'b2' }], serviceUsers: ['fleet-1'] });
  const blockOf = (user: string) => acl.split('\n\n').find((b) => b.startsWith(`user ${user}\n`) || b.includes(`\nuser ${user}\n`))!.split('\n').filter((l) => l.startsWith('topic'));

  test('a device block writes exactly the device-to-fleet rows under its own prefix and reads only that prefix', () => {
    const lines = blockOf('sh.a1');
    const writes = lines.filter((l) => l.startsWith('topic write ')).map((l) => l.slice('topic write '.length)).sort();
    const expected = topicNames.filter((n) => topics[n].direction === 'device-to-fleet').length;
    assert.equal(writes.length, expected);
    assert.ok(writes.every((t) => t.startsWith('cc/v1/sh/a1/')), writes.join());
    assert.ok(writes.includes('cc/v1/sh/a1/config/reported'));
    assert.ok(writes.includes('cc/v1/sh/a1/term/out/+'));
    assert.ok(!writes.some((t) => t.includes('config/desired') || t.includes('term/in')), 'no fleet-to-device row is writable');
    assert.deepEqual(lines.filter((l) => l.startsWith('topic read')), ['topic read cc/v1/sh/a1/#']);
    assert.ok(!lines.some((l) => l.includes('readwrite')));
  });

  test('the service user reads and writes the whole tree', () => {
    assert.deepEqual(blockOf('fleet-1'), ['topic readwrite cc/v1/#']);
  });

  test("password lines use mosquitto 2's PBKDF2-SHA512 format and verify", () => {
    const line = mosquittoPasswordLine('sh.a1', 'device-secret-0123456789');
    const [user, hash] = line.split(':') as [string, string];
    const [, kind, iterations, salt, key] = hash.split('$');
    assert.equal(user, 'sh.a1');
    assert.equal(kind, '7');
    assert.equal(pbkdf2Sync('device-secret-0123456789', Buffer.from(salt!, 'base64'), Number(iterations), 64, 'sha512').toString('base64'), key);
  });

  test('the generated configuration bounds queues by a high message count and by bytes, and refuses an unbounded queue', () => {
    const conf = mosquittoConf({ port: 1883, passwordFile: '/p', aclFile: '/a' });
    assert.match(conf, /^max_queued_messages 200000$/m);
    assert.match(conf, /^max_queued_bytes 268435456$/m);
    assert.match(conf, /^max_inflight_messages 100$/m);
    assert.match(mosquittoConf({ port: 1883, passwordFile: '/p', aclFile: '/a', queue: { maxQueuedMessages: 5000 } }), /^max_queued_messages 5000$/m);
    assert.throws(() => mosquittoConf({ port: 1883, passwordFile: '/p', aclFile: '/a', queue: { maxQueuedMessages: 0 } }), /positive integer/);
  });

  /** Queues 1500 QoS 1 messages for a persistent subscriber that is away, then counts what it gets on return. */
  async function queuedDelivered(queue: MosquittoConfOptions['queue']): Promise<number> {
    const dir = mkdtempSync(join(tmpdir(), 'cc-mosq-queue-'));
    const port = await freePort();
    const users = [{ username: 'fleet-1', password: 'fleet-password-0123456789' }, { username: 'pub', password: 'pub-password-0123456789' }];
    writeFileSync(join(dir, 'passwd'), users.map((u) => mosquittoPasswordLine(u.username, u.password)).join('\n') + '\n', { mode: 0o600 });
    writeFileSync(join(dir, 'acl'), mosquittoAcl({ devices: [], serviceUsers: users.map((u) => u.username) }));
    writeFileSync(join(dir, 'mosquitto.conf'), mosquittoConf({ port, passwordFile: join(dir, 'passwd'), aclFile: join(dir, 'acl'), user: userInfo().username, ...(queue ? { queue } : {}) }));
    const broker = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    const url = `mqtt://127.0.0.1:${port}`;
    const connect = (u: (typeof users)[number], clean: boolean) => mqtt.connectAsync(url, { ...u, clientId: u.username, clean, reconnectPeriod: 0, protocolVersion: 4 });
    try {
      const sub = await waitFor('mosquitto up', () => connect(users[0]!, false).catch(() => undefined));
      await sub.subscribeAsync('cc/v1/#', { qos: 1 });
      await sub.endAsync();
      const pub = await connect(users[1]!, true);
      await Promise.all(Array.from({ length: 1500 }, (_, i) => pub.publishAsync(`cc/v1/s/d${i % 7}/evt`, `m${i}`, { qos: 1 })));
      await pub.endAsync();
      // Listening before the CONNACK: the queue starts flowing with it.
      const back = mqtt.connect(url, { ...users[0]!, clientId: users[0]!.username, clean: false, reconnectPeriod: 0, protocolVersion: 4 });
      let received = 0;
      back.on('message', () => received++);
      let last = -1;
      let still = 0;
      // Done when all came, or when the count has not moved for a second.
      await waitFor('queued messages delivered', () => received === 1500 || (received === last ? ++still >= 4 : ((last = received), (still = 0), false)), { intervalMs: 250, timeoutMs: 10_000 });
      await back.endAsync();
      return received;
    } finally {
      broker.kill('SIGTERM');
    }
  }

  test("a busy or briefly absent subscriber gets every QoS 1 message of a burst over mosquitto's default queue of 1000", async () => {
    assert.equal(await queuedDelivered(undefined), 1500);
    // The same burst with mosquitto's default limit loses a third of it: what this setting fixes.
    assert.equal(await queuedDelivered({ maxQueuedMessages: 1000 }), 1000);
  });
});
