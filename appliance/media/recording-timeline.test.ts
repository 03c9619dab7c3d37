import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ULAW_TO_LINEAR, encodeG711 } from './g711.ts';
import { RecordingTimeline, interleaveStereo, mixMono, type RecordingChannel } from './recording-timeline.ts';

/** A frame of 160 identical μ-law samples whose decoded value is `level`. */
function frame(level: number): Uint8Array {
  return encodeG711('PCMU', new Array(160).fill(level));
}
const lv = (level: number) => ULAW_TO_LINEAR[encodeG711('PCMU', [level])[0]!]!;

/** Pushes `count` 20 ms frames on a channel, the first arriving at `atMs`, values from `level(i)`. */
function talk(t: RecordingTimeline, channel: RecordingChannel, o: { atMs: number; count: number; ssrc?: number; ts?: number; level: (i: number) => number; skip?: number[] }): void {
  for (let i = 0; i < o.count; i++) {
    if (o.skip?.includes(i)) continue;
    t.push(channel, { ssrc: o.ssrc ?? 1, timestamp: (o.ts ?? 5000) + 160 * i, codec: 'PCMU', payload: frame(o.level(i)), arrivalMs: o.atMs + 20 * i });
  }
}

/** Value of each 20 ms block of a released channel (asserting the block is uniform). */
function blocks(samples: Int16Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 160 <= samples.length; i += 160) {
    const block = samples.subarray(i, i + 160);
    assert.ok(block.every((s) => s === block[0]), `block ${i / 160} is not uniform`);
    out.push(block[0]!);
  }
  return out;
}

describe('RecordingTimeline', () => {
  test('lays both sides on one timeline from their arrival times, caller left and agent right', () => {
    const t = new RecordingTimeline({ startMs: 0, latencyMs: 100 });
    talk(t, 'caller', { atMs: 20, count: 5, level: () => 1000 });
    talk(t, 'agent', { atMs: 60, count: 3, ts: 777, ssrc: 9, level: () => -2000 });
    const chunk = t.finish(120);
    assert.equal(chunk.from, 0);
    assert.deepEqual(blocks(chunk.caller), [lv(1000), lv(1000), lv(1000), lv(1000), lv(1000), 0]);
    assert.deepEqual(blocks(chunk.agent), [0, 0, lv(-2000), lv(-2000), lv(-2000), 0]);
    const stereo = interleaveStereo(chunk.caller, chunk.agent);
    assert.deepEqual(Array.from(stereo.subarray(2 * 320, 2 * 320 + 4)), [lv(1000), lv(-2000), lv(1000), lv(-2000)]);
  });

  test('follows RTP timestamps, not arrival jitter, and fills lost packets with silence', () => {
    const t = new RecordingTimeline({ startMs: 0, latencyMs: 200 });
    const jitter = [0, 15, -5, 30, 0, 10];
    for (let i = 0; i < 6; i++) {
      if (i === 3) continue; // lost
      t.push('caller', { ssrc: 1, timestamp: 160 * i, codec: 'PCMU', payload: frame(100 * (i + 1)), arrivalMs: 20 + 20 * i + jitter[i]! });
    }
    assert.deepEqual(blocks(t.finish(120).caller), [lv(100), lv(200), lv(300), 0, lv(500), lv(600)]);
  });

  test('places reordered packets where they belong', () => {
    const t = new RecordingTimeline({ startMs: 0 });
    const push = (i: number, at: number) => t.push('agent', { ssrc: 1, timestamp: 160 * i, codec: 'PCMU', payload: frame(10 * (i + 1)), arrivalMs: at });
    push(0, 20);
    push(2, 60);
    push(1, 65);
    assert.deepEqual(blocks(t.finish(60).agent), [lv(10), lv(20), lv(30)]);
  });

  test('releases audio only latencyMs behind real time, and counts what comes later than that', () => {
    const t = new RecordingTimeline({ startMs: 0, latencyMs: 100 });
    talk(t, 'caller', { atMs: 20, count: 10, level: () => 500 });
    assert.equal(t.drain(150).caller.length, 400, '50 ms released at 150 ms');
    assert.equal(t.drain(200).caller.length, 400);
    t.push('caller', { ssrc: 1, timestamp: 5000 + 160, codec: 'PCMU', payload: frame(9), arrivalMs: 210 }); // a duplicate of frame 1
    assert.equal(t.stats.late, 1, 'its place was released already');
    assert.equal(t.finish(220).caller.length, 960, 'and the released audio was not rewritten');
    const late = new RecordingTimeline({ startMs: 0, latencyMs: 40 });
    talk(late, 'caller', { atMs: 20, count: 5, level: () => 500, skip: [1] });
    late.drain(140);
    late.push('caller', { ssrc: 1, timestamp: 5000 + 160, codec: 'PCMU', payload: frame(7), arrivalMs: 141 });
    assert.equal(late.stats.late, 1);
  });

  test('re-anchors on a new SSRC (another source took over) without overwriting the past', () => {
    const t = new RecordingTimeline({ startMs: 0 });
    talk(t, 'caller', { atMs: 20, count: 3, level: () => 100 });
    talk(t, 'caller', { atMs: 100, count: 2, ssrc: 2, ts: 999_999, level: () => 300 });
    assert.deepEqual(blocks(t.finish(140).caller), [lv(100), lv(100), lv(100), 0, lv(300), lv(300), 0]);
    assert.equal(t.stats.resyncs, 1);
  });

  test('re-anchors when timestamps jump far from the wall clock', () => {
    const t = new RecordingTimeline({ startMs: 0, resyncMs: 500 });
    talk(t, 'caller', { atMs: 20, count: 2, level: () => 100 });
    talk(t, 'caller', { atMs: 60, count: 2, ts: 5000 + 80_000, level: () => 200 }); // +10 s in RTP time
    assert.deepEqual(blocks(t.finish(100).caller), [lv(100), lv(100), lv(200), lv(200), 0]);
    assert.equal(t.stats.resyncs, 1);
  });

  test('keeps a burst this process handled 1.2 s late (a stall) in place instead of re-anchoring', () => {
    const t = new RecordingTimeline({ startMs: 0, latencyMs: 2000, resyncMs: 1000 });
    talk(t, 'caller', { atMs: 20, count: 2, level: () => 100 });
    // frames 2..61 were sent on time but all reach the recorder at 1.26 s
    for (let i = 2; i < 62; i++) {
      t.push('caller', { ssrc: 1, timestamp: 5000 + 160 * i, codec: 'PCMU', payload: frame(100 + i), arrivalMs: 1260 });
    }
    talk(t, 'caller', { atMs: 20 + 20 * 62, count: 3, ts: 5000 + 160 * 62, level: () => 500 });
    const out = blocks(t.finish(1300).caller);
    assert.deepEqual(out.slice(0, 65), [lv(100), lv(100), ...Array.from({ length: 60 }, (_, k) => lv(102 + k)), lv(500), lv(500), lv(500)]);
    assert.equal(t.stats.resyncs, 0);
  });

  test('re-anchors a source whose timestamps went back 10 s once they have stayed behind for resyncMs', () => {
    const t = new RecordingTimeline({ startMs: 0, latencyMs: 0, resyncMs: 200 });
    talk(t, 'caller', { atMs: 20, count: 5, level: () => 100 });
    assert.deepEqual(blocks(t.drain(100).caller), new Array(5).fill(lv(100)));
    // from 120 ms on the gateway's timestamps are 10 s behind: nothing fits until the re-anchor
    talk(t, 'caller', { atMs: 120, count: 20, ts: 5000 + 160 * 5 - 80_000, level: () => 300 });
    const out = blocks(t.finish(520).caller);
    assert.equal(t.stats.resyncs, 1);
    // 200 ms (10 frames) behind are lost, then the source is placed at its arrival again
    assert.deepEqual(out.slice(0, 10), new Array(10).fill(0));
    assert.deepEqual(out.slice(10, 20), new Array(10).fill(lv(300)));
    assert.ok(t.stats.late >= 10);
  });

  test('wraps around its ring buffer without losing or reordering samples', () => {
    // 400 samples of buffer: every third frame straddles the end of the ring
    const t = new RecordingTimeline({ startMs: 0, latencyMs: 0, bufferMs: 50 });
    const out: number[] = [];
    for (let i = 0; i < 20; i++) {
      t.push('caller', { ssrc: 1, timestamp: 160 * i, codec: 'PCMU', payload: frame(100 * (i + 1)), arrivalMs: 20 * (i + 1) });
      out.push(...blocks(t.drain(20 * (i + 1)).caller));
    }
    assert.deepEqual(out, Array.from({ length: 20 }, (_, i) => lv(100 * (i + 1))));
  });

  test('keeps nothing of what was said while paused, and reports the pause', () => {
    const t = new RecordingTimeline({ startMs: 0, latencyMs: 0 });
    talk(t, 'caller', { atMs: 20, count: 2, level: () => 100 });
    t.pause(40);
    talk(t, 'caller', { atMs: 60, count: 3, ts: 5320, level: () => 4242 });
    talk(t, 'agent', { atMs: 60, count: 3, level: () => 4242 });
    assert.equal(t.isPaused, true);
    t.resume(120);
    talk(t, 'caller', { atMs: 140, count: 2, ts: 5960, level: () => 300 });
    const chunk = t.finish(140);
    assert.deepEqual(blocks(chunk.caller), [lv(100), lv(100), 0, 0, 0, 0, lv(300), lv(300)]);
    assert.ok(chunk.agent.every((s) => s === 0));
    assert.deepEqual(t.pauses, [{ startMs: 40, endMs: 120 }]);
    assert.equal(t.stats.paused, 6);
  });

  test('zeroes the part of a frame that straddles the start of a pause', () => {
    const t = new RecordingTimeline({ startMs: 0, latencyMs: 0 });
    t.pause(30); // 10 ms into the second frame
    talk(t, 'caller', { atMs: 20, count: 2, level: () => 1000 });
    const caller = t.finish(40).caller;
    assert.ok(caller.subarray(0, 240).every((s) => s === lv(1000)));
    assert.ok(caller.subarray(240).every((s) => s === 0));
  });

  test('keeps the whole first frame when it arrives less than a frame after the start', () => {
    const t = new RecordingTimeline({ startMs: 0, latencyMs: 0 });
    talk(t, 'caller', { atMs: 5, count: 2, level: () => 700 });
    const caller = t.finish(60).caller;
    assert.equal(caller.filter((s) => s === lv(700)).length, 320);
  });

  test('a silent call still lasts as long as the call', () => {
    const t = new RecordingTimeline({ startMs: 1000, latencyMs: 100 });
    assert.equal(t.finish(3000).caller.length, 16000);
    assert.equal(t.length, 16000);
  });
});

describe('stereo and mono output', () => {
  test('interleaves caller left and agent right', () => {
    assert.deepEqual(Array.from(interleaveStereo(Int16Array.from([1, 2]), Int16Array.from([-1, -2]))), [1, -1, 2, -2]);
  });

  test('mixes both sides to mono with saturation', () => {
    assert.deepEqual(Array.from(mixMono(Int16Array.from([30000, -30000, 5]), Int16Array.from([30000, -30000, 6]))), [32767, -32768, 11]);
  });
});
