import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FramePacer, RtpStream } from './rtp-packetizer.ts';

const frame = new Uint8Array(160).fill(0xff);

describe('RtpStream', () => {
  test('numbers consecutive frames with continuous sequence numbers and 160-sample timestamps, marking only the first', () => {
    const s = new RtpStream({ ssrc: 1, payloadType: 0, initialSequence: 65534, initialTimestamp: 0xffffff00 });
    const packets = [0, 1, 2, 3].map(() => s.media(frame));
    assert.deepEqual(packets.map((p) => p.sequenceNumber), [65534, 65535, 0, 1]);
    assert.deepEqual(packets.map((p) => p.timestamp), [0xffffff00, 0xffffffa0, 0x40, 0xe0]);
    assert.deepEqual(packets.map((p) => p.marker), [true, false, false, false]);
    assert.equal(s.sent, 4);
  });

  test('after a silent period the clock has moved on, the sequence has not, and the next frame is marked', () => {
    const s = new RtpStream({ ssrc: 1, payloadType: 0, initialSequence: 10, initialTimestamp: 1000 });
    s.media(frame);
    s.silence(800); // 100 ms without packets
    const p = s.media(frame);
    assert.equal(p.sequenceNumber, 11);
    assert.equal(p.timestamp, 1000 + 160 + 800);
    assert.equal(p.marker, true);
  });

  test('event packets take the next sequence numbers but carry the timestamp they are given', () => {
    const s = new RtpStream({ ssrc: 1, payloadType: 0, initialSequence: 0, initialTimestamp: 0 });
    s.media(frame);
    const start = s.timestamp;
    const a = s.other(101, Uint8Array.of(1, 0, 0, 160), start, true);
    const b = s.other(101, Uint8Array.of(1, 0, 1, 64), start, false);
    assert.deepEqual([a.sequenceNumber, b.sequenceNumber], [1, 2]);
    assert.deepEqual([a.timestamp, b.timestamp], [160, 160]);
    assert.equal(a.payloadType, 101);
    s.skip(320);
    assert.equal(s.media(frame).timestamp, 480);
  });
});

describe('FramePacer', () => {
  test('releases one frame per 20 ms of virtual time', () => {
    const p = new FramePacer({ startMs: 1000 });
    assert.deepEqual(p.tick(999), { send: 0, dropped: 0 });
    assert.deepEqual(p.tick(1000), { send: 1, dropped: 0 });
    assert.deepEqual(p.tick(1019), { send: 0, dropped: 0 });
    assert.equal(p.nextDueMs, 1020);
    assert.deepEqual(p.tick(1020), { send: 1, dropped: 0 });
    let sent = 0;
    for (let t = 1021; t < 2000; t++) sent += p.tick(t).send;
    assert.equal(sent + 2, 50); // frames 0..49 are due before 2000 ms
  });

  test('catches up a late timer with a short burst', () => {
    const p = new FramePacer({ startMs: 0 });
    p.tick(0);
    assert.deepEqual(p.tick(65), { send: 3, dropped: 0 });
    assert.equal(p.nextDueMs, 80);
  });

  test('drops frames instead of bursting after a long stall', () => {
    const p = new FramePacer({ startMs: 0, maxBurst: 5 });
    p.tick(0);
    assert.deepEqual(p.tick(400), { send: 5, dropped: 15 });
    assert.equal(p.nextDueMs, 420);
  });

  test('restarts the schedule after a pause', () => {
    const p = new FramePacer({ startMs: 0 });
    p.tick(100);
    p.restart(5000);
    assert.deepEqual(p.tick(4999), { send: 0, dropped: 0 });
    assert.deepEqual(p.tick(5000), { send: 1, dropped: 0 });
  });
});
