import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, devicePrefix, filterFor, matchTopic, publishOptions, topicFor, topicNames, topics, TopicParamError } from './topics.ts';
import { brokerUsername, parseBrokerUsername } from './ids.ts';

const ref = { site: 'bj-01', device: 'cc-a' };

describe('topic table', () => {
  test('every topic lives under the versioned root and its device prefix', () => {
    for (const name of topicNames) {
      const params = { ...ref, caller: 'fleet-1' };
      const topic = topicFor(name, params as never);
      assert.ok(topic.startsWith(`${devicePrefix(ref.site, ref.device)}/`), `${name}: ${topic}`);
      assert.ok(topic.startsWith(`${ROOT}/`));
    }
  });

  test('every concrete topic matches back to its own row with its parameters', () => {
    for (const name of topicNames) {
      const params = { ...ref, caller: 'fleet-1' };
      const m = matchTopic(topicFor(name, params as never));
      assert.equal(m?.name, name);
      for (const [k, v] of Object.entries(m!.params)) assert.equal(v, (params as Record<string, string>)[k]);
    }
  });

  test('no two rows share a pattern', () => {
    const patterns = topicNames.map((n) => topics[n].pattern);
    assert.equal(new Set(patterns).size, patterns.length);
  });

  test('the state topic is retained and QoS 1 so the last will outlives the device', () => {
    assert.deepEqual(publishOptions('state'), { qos: 1, retain: true });
  });

  test('events and command traffic are QoS 1; telemetry is QoS 0 and may be dropped', () => {
    assert.equal(topics.event.qos, 1);
    assert.equal(topics.commandRequest.qos, 1);
    assert.equal(topics.commandReply.qos, 1);
    assert.equal(topics.telemetry.qos, 0);
    assert.equal(topics.telemetry.retain, false);
  });

  test('desired and reported configuration are retained QoS 1 documents; terminal frames are QoS 1 and never retained', () => {
    assert.deepEqual(publishOptions('configDesired'), { qos: 1, retain: true });
    assert.deepEqual(publishOptions('configReported'), { qos: 1, retain: true });
    assert.equal(topics.configDesired.direction, 'fleet-to-device');
    assert.equal(topics.configReported.direction, 'device-to-fleet');
    for (const name of ['terminalInput', 'terminalOutput'] as const) assert.deepEqual(publishOptions(name), { qos: 1, retain: false });
  });

  test('live metrics go from the device to the fleet at QoS 0 and are never retained', () => {
    assert.deepEqual(publishOptions('metrics'), { qos: 0, retain: false });
    assert.equal(topics.metrics.direction, 'device-to-fleet');
    assert.equal(topicFor('metrics', ref), 'cc/v1/bj-01/cc-a/metrics');
  });

  test('update jobs and update status are retained QoS 1 documents, one in each direction', () => {
    assert.deepEqual(publishOptions('updateDesired'), { qos: 1, retain: true });
    assert.deepEqual(publishOptions('updateStatus'), { qos: 1, retain: true });
    assert.equal(topics.updateDesired.direction, 'fleet-to-device');
    assert.equal(topics.updateStatus.direction, 'device-to-fleet');
  });

  test('a filter puts + in place of every parameter left out', () => {
    assert.equal(filterFor('telemetry'), 'cc/v1/+/+/telemetry');
    assert.equal(filterFor('state', { site: 'bj-01' }), 'cc/v1/bj-01/+/state');
    assert.equal(filterFor('commandReply', { caller: 'fleet-1' }), 'cc/v1/+/+/reply/fleet-1');
  });

  test('refuses ids that would break the topic tree or the ACL', () => {
    for (const bad of ['', 'a/b', '+', '#', 'A', 'a.b', '-x', 'x'.repeat(64)]) {
      assert.throws(() => topicFor('state', { site: bad, device: 'd' }), TopicParamError, bad);
      assert.throws(() => devicePrefix('s', bad), TopicParamError, bad);
    }
  });

  test('does not match topics outside the contract', () => {
    for (const t of ['cc/v2/s/d/state', 'cc/v1/s/d/state/extra', 'cc/v1/s/d', 'other/s/d/state', 'cc/v1/S/d/state', 'cc/v1/s/d/nope', '']) {
      assert.equal(matchTopic(t), undefined, t);
    }
  });
});

describe('broker user names', () => {
  test('a device user name round-trips to its site and device', () => {
    assert.deepEqual(parseBrokerUsername(brokerUsername(ref)), ref);
  });

  test('a user name that is not exactly site.device is refused', () => {
    for (const bad of ['bj-01', 'a.b.c', '.x', 'x.', 'A.b', 'a/b.c']) assert.equal(parseBrokerUsername(bad), undefined, bad);
  });
});
