import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mayPublish, maySubscribe, type Principal } from './broker-acl.ts';
import { topicFor } from '../../protocol/topics.ts';

const me: Principal = { kind: 'device', ref: { site: 'sh', device: 'a1' } };
const other = { site: 'sh', device: 'b2' };
const service: Principal = { kind: 'service', name: 'fleet' };

describe('broker ACL', () => {
  test('a device may publish its own state, telemetry, events and replies', () => {
    for (const t of [
      topicFor('state', me.kind === 'device' ? me.ref : other),
      topicFor('telemetry', { site: 'sh', device: 'a1' }),
      topicFor('event', { site: 'sh', device: 'a1' }),
      topicFor('commandReply', { site: 'sh', device: 'a1', caller: 'fleet' }),
    ]) assert.equal(mayPublish(me, t), true, t);
  });

  test('a device may not publish under another device prefix', () => {
    for (const t of [topicFor('state', other), topicFor('event', other), topicFor('telemetry', { site: 'bj', device: 'a1' })]) {
      assert.equal(mayPublish(me, t), false, t);
    }
  });

  test('a device may not publish fleet-to-device topics, even its own commands', () => {
    assert.equal(mayPublish(me, topicFor('commandRequest', { site: 'sh', device: 'a1' })), false);
  });

  test('a device may not publish topics outside the contract, even under its prefix', () => {
    for (const t of ['cc/v1/sh/a1/anything', 'cc/v1/sh/a1', '$SYS/x', 'cc/v1/sh/a1/state/x']) assert.equal(mayPublish(me, t), false, t);
  });

  test('a device may subscribe only under its own prefix', () => {
    assert.equal(maySubscribe(me, 'cc/v1/sh/a1/#'), true);
    assert.equal(maySubscribe(me, 'cc/v1/sh/a1/cmd/req'), true);
    assert.equal(maySubscribe(me, 'cc/v1/sh/a1/+/req'), true);
    for (const f of ['#', 'cc/v1/#', 'cc/v1/sh/#', 'cc/v1/+/a1/#', 'cc/v1/sh/+/cmd/req', 'cc/v1/sh/b2/#', 'cc/v1/sh/a1x/#', 'cc/v1/sh/a1//x', 'cc/v1/sh/a1/#/x']) {
      assert.equal(maySubscribe(me, f), false, f);
    }
  });

  test('a device may report its own configuration and terminal output, never another device\'s', () => {
    assert.equal(mayPublish(me, topicFor('configReported', { site: 'sh', device: 'a1' })), true);
    assert.equal(mayPublish(me, topicFor('terminalOutput', { site: 'sh', device: 'a1', caller: 'fleet-1' })), true);
    assert.equal(mayPublish(me, topicFor('configReported', other)), false);
    assert.equal(mayPublish(me, topicFor('terminalOutput', { ...other, caller: 'fleet-1' })), false);
  });

  test('a device may not write desired configuration or terminal input, not even its own', () => {
    for (const ref of [{ site: 'sh', device: 'a1' }, other]) {
      assert.equal(mayPublish(me, topicFor('configDesired', ref)), false);
      assert.equal(mayPublish(me, topicFor('terminalInput', ref)), false);
    }
  });

  test('a device may read its own desired configuration but not another device\'s', () => {
    assert.equal(maySubscribe(me, topicFor('configDesired', { site: 'sh', device: 'a1' })), true);
    for (const f of [topicFor('configDesired', other), 'cc/v1/+/+/config/desired', 'cc/v1/sh/+/config/#', topicFor('terminalInput', other)]) assert.equal(maySubscribe(me, f), false, f);
  });

  test('the fleet service may publish and subscribe anywhere', () => {
    assert.equal(mayPublish(service, topicFor('commandRequest', other)), true);
    assert.equal(maySubscribe(service, 'cc/v1/#'), true);
  });
});
