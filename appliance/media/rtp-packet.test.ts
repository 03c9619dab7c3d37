import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseRtp, serializeRtp, seqDelta, timestampDelta } from './rtp-packet.ts';

describe('RTP packets', () => {
  test('round-trips the fixed header and the payload', () => {
    const bytes = serializeRtp({ payloadType: 8, marker: true, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, payload: Uint8Array.of(1, 2, 3) });
    assert.deepEqual(Array.from(bytes.subarray(0, 2)), [0x80, 0x88]);
    const r = parseRtp(bytes);
    assert.ok(r.ok);
    assert.equal(r.packet.payloadType, 8);
    assert.equal(r.packet.marker, true);
    assert.equal(r.packet.sequenceNumber, 65535);
    assert.equal(r.packet.timestamp, 0xfffffff0);
    assert.equal(r.packet.ssrc, 0xdeadbeef);
    assert.deepEqual(Array.from(r.packet.payload), [1, 2, 3]);
  });

  test('skips CSRCs, a header extension and padding to find the payload', () => {
    const header = [0xb1, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]; // V=2 P=1 X=1 CC=1
    const csrc = [0, 0, 0, 9];
    const extension = [0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0];
    const payload = [7, 7, 7];
    const padding = [0, 0, 3];
    const r = parseRtp(Uint8Array.from([...header, ...csrc, ...extension, ...payload, ...padding]));
    assert.ok(r.ok);
    assert.deepEqual(r.packet.csrcs, [9]);
    assert.deepEqual(Array.from(r.packet.payload), payload);
  });

  test('refuses short packets, other versions, RTCP on a muxed port and bad padding', () => {
    assert.equal(parseRtp(new Uint8Array(5)).ok, false);
    assert.equal(parseRtp(Uint8Array.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])).ok, false);
    assert.equal(parseRtp(Uint8Array.from([0x80, 200, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0])).ok, false); // SR
    assert.equal(parseRtp(Uint8Array.from([0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 50])).ok, false);
    assert.equal(parseRtp(Uint8Array.from([0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 9])).ok, false);
  });

  test('computes sequence and timestamp distances across wrap-around', () => {
    assert.equal(seqDelta(65535, 0), 1);
    assert.equal(seqDelta(0, 65535), -1);
    assert.equal(seqDelta(100, 300), 200);
    assert.equal(timestampDelta(0xffffff60, 0), 160);
    assert.equal(timestampDelta(0, 0xffffff60), -160);
  });
});
