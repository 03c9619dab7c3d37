import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { RtpReceiveStats } from './rtp-receive-stats.ts';

describe('RtpReceiveStats (RFC 3550 Appendix A)', () => {
  test('a perfect 20 ms stream: nothing lost, no jitter, gaps of one', () => {
    const s = new RtpReceiveStats();
    for (let i = 0; i < 100; i++) s.packet(1, i, 160 * i, 20 * i);
    assert.deepEqual(s.report(), { received: 100, expected: 100, lost: 0, duplicates: 0, jitterMs: 0, maxSeqGap: 1 });
  });

  test('counts lost packets across the 16-bit sequence wrap', () => {
    const s = new RtpReceiveStats();
    for (let i = 0; i < 100; i++) {
      if (i === 50 || i === 51) continue;
      s.packet(1, (65500 + i) & 0xffff, 160 * i, 20 * i);
    }
    const r = s.report();
    assert.equal(r.expected, 100);
    assert.equal(r.lost, 2);
    assert.equal(r.maxSeqGap, 3);
  });

  test('neither a reordered nor a duplicated packet counts as lost', () => {
    const s = new RtpReceiveStats();
    for (const i of [0, 1, 3, 2, 4, 4, 5]) s.packet(1, 65534 + i, 160 * i, 20 * i);
    assert.deepEqual({ ...s.report(), jitterMs: 0 }, { received: 6, expected: 6, lost: 0, duplicates: 1, jitterMs: 0, maxSeqGap: 2 });
  });

  test('estimates jitter as the running mean deviation of transit times', () => {
    const s = new RtpReceiveStats();
    for (let i = 0; i < 2000; i++) s.packet(1, i, 160 * i, 20 * i + (i % 2 ? 4 : 0)); // ±4 ms alternating
    assert.ok(Math.abs(s.report().jitterMs - 4) < 0.2, `${s.report().jitterMs}`);
  });

  test('starts afresh when the SSRC changes', () => {
    const s = new RtpReceiveStats();
    for (let i = 0; i < 10; i++) s.packet(1, i, 160 * i, 20 * i);
    for (let i = 0; i < 5; i++) s.packet(2, 9000 + i, 160 * i, 300 + 20 * i);
    assert.equal(s.report().received, 5);
    assert.equal(s.report().expected, 5);
  });
});
