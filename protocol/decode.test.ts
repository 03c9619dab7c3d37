import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode, MAX_PAYLOAD_BYTES } from './decode.ts';
import { topicFor, topicNames, type TopicName } from './topics.ts';

const ref = { site: 'bj-01', device: 'cc-a' };
const now = 1_790_000_000_000;
const tele = (hardware: unknown) => ({ ts: now, bootId: 'b1', version: '1', uptimeS: 1, cpu: { cores: 2, usage: 0, load1: 0 }, memory: { totalBytes: 1, availableBytes: 1, processRssBytes: 1 }, disk: { path: '/', totalBytes: 1, freeBytes: 1 }, hardware });
const figures = (over: Record<string, unknown> = {}) => ({
  waiting: 2, longestWaitS: 41, agents: { loggedIn: 5, ready: 1, notReady: 1, ringing: 1, busy: 1, wrapUp: 1 },
  today: { offered: 20, answered: 17, abandoned: 2, shortAbandons: 1, overflowed: 0 },
  serviceLevel: { pct: 82.4, thresholdS: 20 }, asaS: 12.5, ahtS: 184, abandonPct: 10.5, ...over,
});
const metrics = (over: Record<string, unknown> = {}) => ({ ts: now, seq: 7, bootId: 'b1', queues: [{ id: 'sales', name: '销售', ...figures() }], totals: figures(), ...over });

/** One valid and several invalid payloads per row: every topic's schema is exercised. */
const samples: Record<TopicName, { good: unknown[]; bad: [unknown, RegExp][] }> = {
  state: {
    good: [
      { status: 'online', ts: now, bootId: 'b1', version: '0.1.0' },
      { status: 'offline', ts: now, bootId: 'b1', version: '0.1.0', reason: 'lost', profile: 'air-gapped' },
    ],
    bad: [
      [{ status: 'maybe', ts: now, bootId: 'b1', version: '1' }, /status/],
      [{ status: 'online', ts: -1, bootId: 'b1', version: '1' }, /ts/],
      [{ status: 'online', ts: now, version: '1' }, /bootId/],
      [{ status: 'offline', ts: now, bootId: 'b', version: '1', reason: 'bored' }, /reason/],
      [[], /root/],
    ],
  },
  telemetry: {
    good: [
      {
        ts: now, bootId: 'b1', version: '0.1.0', uptimeS: 12.5,
        cpu: { cores: 2, usage: 0.25, load1: 0.4 },
        memory: { totalBytes: 8e9, availableBytes: 4e9, processRssBytes: 9e7 },
        disk: { path: '/var/lib/cc', totalBytes: 1e11, freeBytes: 5e10 },
        trunks: [{ id: 'pstn-1', up: true, since: now }],
      },
      {
        ts: now, bootId: 'b1', version: '0.1.0', uptimeS: 1,
        cpu: { cores: 2, usage: 0, load1: 0 },
        memory: { totalBytes: 8e9, availableBytes: 4e9, processRssBytes: 9e7 },
        disk: { path: '/var/lib/cc', totalBytes: 1e11, freeBytes: 5e10 },
        hardware: {
          board: 'cc-e1x2',
          spans: [
            { id: 1, type: 'E1', state: 'up', alarms: [], counters: { inUse: 3, bearer: 30 }, syncSource: true },
            { id: 2, type: 'E1', state: 'down', alarms: ['los', 'lof'], counters: { inUse: 0, bearer: 30, bpv: 12, crc4: 3 }, label: 'PSTN R2' },
          ],
          ports: [
            { id: 1, kind: 'fxs', hook: 'off-hook', alarms: [] },
            { id: 5, kind: 'fxo', hook: 'ringing', alarms: [] },
            { id: 6, kind: 'fxo', hook: 'unknown', alarms: ['no-battery'] },
          ],
        },
      },
    ],
    bad: [
      [{ ts: now, bootId: 'b1', version: '1', uptimeS: 1, cpu: { cores: 2, usage: 1.5, load1: 0 }, memory: { totalBytes: 1, availableBytes: 1, processRssBytes: 1 }, disk: { path: '/', totalBytes: 1, freeBytes: 1 } }, /cpu\.usage/],
      [{ ts: now, bootId: 'b1', version: '1', uptimeS: 1 }, /cpu/],
      [{ ts: 'yesterday' }, /ts/],
      [tele({ board: 'b', spans: [{ id: 1, type: 'E1', state: 'flapping', alarms: [], counters: { inUse: 0, bearer: 30 } }], ports: [] }), /hardware\.spans\.0\.state/],
      [tele({ board: 'b', spans: [{ id: 1, type: 'E1', state: 'down', alarms: ['red'], counters: { inUse: 0, bearer: 30 } }], ports: [] }), /hardware\.spans\.0\.alarms/],
      [tele({ board: 'b', spans: [{ id: 0, type: 'E1', state: 'up', alarms: [], counters: { inUse: 0, bearer: 30 } }], ports: [] }), /hardware\.spans\.0\.id/],
      [tele({ board: 'b', spans: [], ports: [{ id: 1, kind: 'fxx', hook: 'on-hook', alarms: [] }] }), /hardware\.ports\.0\.kind/],
      [tele({ board: 'b', spans: [], ports: [{ id: 1, kind: 'fxs', hook: 'sideways', alarms: [] }] }), /hardware\.ports\.0\.hook/],
      [tele({ spans: [], ports: [] }), /hardware\.board/],
    ],
  },
  event: {
    good: [
      { epoch: 'e1', seq: 1, ts: now, type: 'cdr', data: { callId: 'x' } },
      { epoch: 'e1', seq: 2, ts: now, type: 'alarm.span.los', severity: 'critical' },
    ],
    bad: [
      [{ epoch: 'e1', seq: 0, ts: now, type: 'cdr' }, /seq/],
      [{ epoch: 'e1', seq: 1.5, ts: now, type: 'cdr' }, /seq/],
      [{ epoch: 'e1', seq: 1, ts: now, type: 'Not A Type' }, /type/],
      [{ epoch: '', seq: 1, ts: now, type: 'cdr' }, /epoch/],
      [{ epoch: 'e1', seq: 1, ts: now, type: 'cdr', severity: 'meh' }, /severity/],
    ],
  },
  commandRequest: {
    good: [{ id: 'c1', name: 'diag.collect', replyTo: topicFor('commandReply', { ...ref, caller: 'fleet-1' }), expiresAt: now + 30_000 }],
    bad: [
      [{ id: 'c1', name: 'diag', expiresAt: now }, /replyTo/],
      [{ id: '', name: 'diag', replyTo: 'x', expiresAt: now }, /id/],
      [{ id: 'c1', name: 'rm -rf', replyTo: 'x', expiresAt: now }, /name/],
    ],
  },
  commandReply: {
    good: [
      { id: 'c1', ok: true, ts: now, result: { files: 3 } },
      { id: 'c1', ok: false, ts: now, error: { code: 'expired', message: 'arrived 4 s after expiry' } },
    ],
    bad: [
      [{ id: 'c1', ok: false, ts: now, error: { code: 'oops', message: '' } }, /error\.code/],
      [{ id: 'c1', ok: 'yes', ts: now }, /ok/],
    ],
  },
  configDesired: {
    good: [{ version: 3, issuedAt: now, by: 'admin', hash: 'a'.repeat(64), config: { schema: 1, features: { wallboard: true } } }],
    bad: [
      [{ version: 0, issuedAt: now, hash: 'a'.repeat(64), config: {} }, /version/],
      [{ version: 1, issuedAt: now, hash: 'nothex', config: {} }, /hash/],
      [{ version: 1, issuedAt: now, hash: 'a'.repeat(64), config: [] }, /config/],
    ],
  },
  configReported: {
    good: [
      { ts: now, applied: { version: 0, hash: 'b'.repeat(64), source: 'initial', at: now }, drift: false, highestSeen: 0 },
      {
        ts: now, schema: 1, applied: { version: 4, hash: 'b'.repeat(64), source: 'local', at: now, by: 'branch-admin' }, drift: true, highestSeen: 5,
        refused: { version: 5, hash: 'c'.repeat(64), at: now, issues: [{ path: 'sip.trunks.0.host', message: 'an IPv4 or IPv6 address' }] }, previousVersion: 3,
      },
    ],
    bad: [
      [{ ts: now, applied: { version: 1, hash: 'b'.repeat(64), source: 'usb', at: now }, drift: false, highestSeen: 1 }, /applied\.source/],
      [{ ts: now, drift: false, highestSeen: 0 }, /applied/],
    ],
  },
  terminalInput: {
    good: [
      { kind: 'open', session: 'sess-0001', by: 'admin', caller: 'fleet-1', cols: 80, rows: 24, expiresAt: now },
      { kind: 'input', session: 'sess-0001', seq: 0, data: 'ls -l\r' },
      { kind: 'resize', session: 'sess-0001', cols: 120, rows: 40 },
      { kind: 'close', session: 'sess-0001' },
    ],
    bad: [
      [{ kind: 'open', session: 'x', by: 'admin', caller: 'f', cols: 80, rows: 24, expiresAt: now }, /session/],
      [{ kind: 'input', session: 'sess-0001', seq: -1, data: '' }, /seq/],
      [{ kind: 'resize', session: 'sess-0001', cols: 5000, rows: 40 }, /cols/],
      [{ kind: 'exec', session: 'sess-0001' }, /kind/],
    ],
  },
  metrics: {
    good: [
      metrics(),
      metrics({ queues: [], totals: figures({ serviceLevel: { pct: null, thresholdS: 20 }, asaS: null, ahtS: null, abandonPct: null }) }),
    ],
    bad: [
      [metrics({ seq: -1 }), /seq/],
      [metrics({ totals: figures({ serviceLevel: { pct: 120, thresholdS: 20 } }) }), /totals\.serviceLevel\.pct/],
      [metrics({ queues: [{ id: '', name: 'x', ...figures() }] }), /queues\.0\.id/],
      [metrics({ queues: [{ id: 'q', name: 'x', ...figures({ waiting: 1.5 }) }] }), /queues\.0\.waiting/],
      [metrics({ totals: figures({ agents: { loggedIn: 1, ready: 1 } }) }), /totals\.agents\.notReady/],
      [metrics({ totals: figures({ asaS: -3 }) }), /totals\.asaS/],
      [metrics({ bootId: undefined }), /bootId/],
    ],
  },
  terminalOutput: {
    good: [
      { kind: 'opened', session: 'sess-0001', shell: '/bin/bash', idleTimeoutS: 600, maxDurationS: 3600 },
      { kind: 'refused', session: 'sess-0001', code: 'policy', message: 'remote terminal disabled by local policy' },
      { kind: 'output', session: 'sess-0001', seq: 3, data: '\u001b[1mhello\u001b[0m' },
      { kind: 'exit', session: 'sess-0001', reason: 'idle' },
    ],
    bad: [
      [{ kind: 'refused', session: 'sess-0001', code: 'nope', message: '' }, /code/],
      [{ kind: 'exit', session: 'sess-0001', reason: 'bored' }, /reason/],
    ],
  },
  updateDesired: {
    good: [
      { kind: 'install', campaign: 'fw-1-2-0', version: '1.2.0', url: 'http://fleet.example:8081/bundles/fw-1-2-0/bj-01/cc-a', token: 't'.repeat(43), sha256: 'a'.repeat(64), size: 123456, drainFirst: true, issuedAt: now, by: 'ops', window: { start: '02:00', end: '05:00', utcOffsetMinutes: 480, days: [0, 6] } },
      { kind: 'none', campaign: 'fw-1-2-0', issuedAt: now, reason: 'campaign aborted' },
    ],
    bad: [
      [{ kind: 'install', campaign: 'fw', version: '1.2.0', url: 'ftp://x/y', token: 't'.repeat(43), sha256: 'a'.repeat(64), size: 1, drainFirst: false, issuedAt: now }, /url/],
      [{ kind: 'install', campaign: 'fw', version: 'latest', url: 'http://x/y', token: 't'.repeat(43), sha256: 'a'.repeat(64), size: 1, drainFirst: false, issuedAt: now }, /version/],
      [{ kind: 'install', campaign: 'fw', version: '1.0.0', url: 'http://x/y', token: 't'.repeat(43), sha256: 'a'.repeat(64), size: 0, drainFirst: false, issuedAt: now }, /size/],
      [{ kind: 'install', campaign: 'fw', version: '1.0.0', url: 'http://x/y', token: 't'.repeat(43), sha256: 'a'.repeat(64), size: 1, drainFirst: false, issuedAt: now, window: { start: '2:00', end: '05:00', utcOffsetMinutes: 480 } }, /window\.start/],
      [{ kind: 'reboot', issuedAt: now }, /kind/],
    ],
  },
  updateStatus: {
    good: [
      { ts: now, state: 'idle', installedVersion: '1.1.0' },
      { ts: now, state: 'downloading', campaign: 'fw-1-2-0', version: '1.2.0', installedVersion: '1.1.0', progress: { received: 1000, total: 123456 } },
      { ts: now, state: 'draining', campaign: 'fw-1-2-0', version: '1.2.0', installedVersion: '1.1.0', activeCalls: 3 },
      { ts: now, state: 'rolled-back', campaign: 'fw-1-2-0', version: '1.2.0', installedVersion: '1.1.0', code: 'health-check', reason: 'sip listening: no answer' },
    ],
    bad: [
      [{ ts: now, state: 'done', installedVersion: '1.1.0' }, /state/],
      [{ ts: now, state: 'idle' }, /installedVersion/],
      [{ ts: now, state: 'downloading', installedVersion: '1.1.0', progress: { received: -1 } }, /progress\.received/],
    ],
  },
};

describe('decode', () => {
  for (const name of topicNames) {
    const topic = topicFor(name, { ...ref, caller: 'fleet-1' } as never);

    test(`accepts every valid ${name} payload and returns it typed with its parameters`, () => {
      for (const payload of samples[name].good) {
        const r = decode(topic, Buffer.from(JSON.stringify(payload)));
        assert.equal(r.ok, true, r.ok ? '' : r.message);
        if (r.ok) {
          assert.equal(r.name, name);
          assert.equal((r.params as { site: string }).site, ref.site);
          assert.equal((r.params as { device: string }).device, ref.device);
        }
      }
    });

    test(`refuses each invalid ${name} payload naming the offending field`, () => {
      for (const [payload, field] of samples[name].bad) {
        const r = decode(topic, JSON.stringify(payload));
        assert.equal(r.ok, false, JSON.stringify(payload));
        if (!r.ok) {
          assert.equal(r.code, 'invalid-payload');
          assert.match(r.message, field);
          assert.ok(r.message.startsWith(`${name}: `), r.message);
        }
      }
    });
  }

  test('an event without severity or data gets the defaults', () => {
    const r = decode(topicFor('event', ref), JSON.stringify({ epoch: 'e', seq: 1, ts: now, type: 'cdr' }));
    assert.ok(r.ok && r.name === 'event');
    if (r.ok && r.name === 'event') {
      assert.equal(r.payload.severity, 'info');
      assert.deepEqual(r.payload.data, {});
    }
  });

  test('refuses a topic outside the contract as unknown-topic', () => {
    const r = decode('cc/v1/bj-01/cc-a/whatever', '{}');
    assert.deepEqual(r.ok ? null : r.code, 'unknown-topic');
  });

  test('refuses a payload that is not JSON', () => {
    const r = decode(topicFor('telemetry', ref), '{"ts": 1,');
    assert.equal(r.ok ? null : r.code, 'not-json');
  });

  test('refuses bytes that are not UTF-8', () => {
    const r = decode(topicFor('telemetry', ref), new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    assert.equal(r.ok ? null : r.code, 'not-utf8');
  });

  test('refuses an oversized payload before parsing it', () => {
    const r = decode(topicFor('event', ref), Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20));
    assert.equal(r.ok ? null : r.code, 'too-large');
  });

  test('a desired configuration may be larger than other rows, up to its own limit', () => {
    const big = (n: number) => JSON.stringify({ version: 1, issuedAt: now, hash: 'a'.repeat(64), config: { schema: 1, note: 'x'.repeat(n) } });
    assert.equal(decode(topicFor('configDesired', ref), big(MAX_PAYLOAD_BYTES)).ok, true);
    assert.equal(decode(topicFor('event', ref), big(MAX_PAYLOAD_BYTES)).ok, false);
    const r = decode(topicFor('configDesired', ref), big(2 * 1024 * 1024));
    assert.equal(r.ok ? null : r.code, 'too-large');
  });

  test('an empty payload is refused, not treated as an empty object', () => {
    const r = decode(topicFor('state', ref), new Uint8Array());
    assert.equal(r.ok ? null : r.code, 'not-json');
  });

  test('never throws on random bytes under any topic', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 2000; i++) {
      const bytes = new Uint8Array(Math.floor(rand() * 64)).map(() => Math.floor(rand() * 256));
      const name = topicNames[i % topicNames.length]!;
      const r = decode(topicFor(name, { ...ref, caller: 'x' } as never), bytes);
      assert.equal(r.ok, false);
    }
  });

  test('encode refuses to serialise a payload the other side would refuse', () => {
    assert.throws(() => encode('event', { epoch: 'e', seq: 0, ts: now, type: 'cdr' }));
    const bytes = encode('event', { epoch: 'e', seq: 3, ts: now, type: 'cdr' });
    const r = decode(topicFor('event', ref), bytes);
    assert.ok(r.ok);
  });
});
