// The metrics row and the broker ACL: both the embedded broker's rule and the generated
// mosquitto ACL follow from the topic table, so a device may publish its own metrics and
// nobody else's.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mayPublish, maySubscribe, type Principal } from '../fleet/broker/broker-acl.ts';
import { mosquittoAcl } from '../fleet/broker/mosquitto-config.ts';
import { filterFor, topicFor } from '../protocol/topics.ts';

const me: Principal = { kind: 'device', ref: { site: 'sh', device: 'a1' } };

describe('metrics topic and the broker ACL', () => {
  test('a device may publish metrics under its own prefix only', () => {
    assert.equal(mayPublish(me, topicFor('metrics', { site: 'sh', device: 'a1' })), true);
    assert.equal(mayPublish(me, topicFor('metrics', { site: 'sh', device: 'b2' })), false);
    assert.equal(mayPublish(me, topicFor('metrics', { site: 'bj', device: 'a1' })), false);
    assert.equal(mayPublish(me, 'cc/v1/sh/a1/metrics/extra'), false);
  });

  test('a device may not subscribe to the metrics of every device; the fleet service may', () => {
    assert.equal(maySubscribe(me, filterFor('metrics')), false);
    assert.equal(maySubscribe(me, filterFor('metrics', { site: 'sh' })), false);
    assert.equal(maySubscribe({ kind: 'service', name: 'fleet' }, filterFor('metrics')), true);
  });

  test('the generated mosquitto ACL lets each device write its own metrics topic', () => {
    const acl = mosquittoAcl({ devices: [{ site: 'sh', device: 'a1' }, { site: 'bj', device: 'b2' }], serviceUsers: ['fleet'] });
    const blocks = acl.split('\n\n');
    const a1 = blocks.find((b) => b.includes('user sh.a1'))!;
    const b2 = blocks.find((b) => b.includes('user bj.b2'))!;
    assert.match(a1, /^topic write cc\/v1\/sh\/a1\/metrics$/m);
    assert.doesNotMatch(a1, /bj\/b2\/metrics/);
    assert.match(b2, /^topic write cc\/v1\/bj\/b2\/metrics$/m);
  });
});
