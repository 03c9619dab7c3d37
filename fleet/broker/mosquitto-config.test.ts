import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2Sync } from 'node:crypto';
import { mosquittoAcl, mosquittoPasswordLine } from './mosquitto-config.ts';
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
});
