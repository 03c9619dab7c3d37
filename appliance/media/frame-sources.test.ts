import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { G711_SILENCE, ULAW_TO_LINEAR } from './g711.ts';
import { BytesSource, FRAME_SAMPLES, SequenceSource, SilenceSource, ToneSource, type FrameSource } from './frame-sources.ts';
import { TONE_PLANS, ToneGenerator } from './tones.ts';

function drain(source: FrameSource, max = 10_000): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let f = source.next(); f && frames.length < max; f = source.next()) frames.push(f);
  return frames;
}

function level(x: ArrayLike<number>, freq: number, rate = 8000): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i]! * Math.cos((2 * Math.PI * freq * i) / rate);
    im += x[i]! * Math.sin((2 * Math.PI * freq * i) / rate);
  }
  return (2 * Math.hypot(re, im)) / x.length;
}

describe('frame sources', () => {
  test('a prompt of 500 bytes plays as four 160-byte frames, the last padded with silence', () => {
    const bytes = Uint8Array.from({ length: 500 }, (_, i) => i % 200);
    const frames = drain(new BytesSource(bytes, 'PCMU'));
    assert.deepEqual(frames.map((f) => f.length), [160, 160, 160, 160]);
    assert.deepEqual(Array.from(frames[3]!.subarray(0, 20)), Array.from(bytes.subarray(480)));
    assert.ok(frames[3]!.subarray(20).every((b) => b === G711_SILENCE.PCMU));
  });

  test('music on hold loops seamlessly, continuing from the start in the frame where it ended', () => {
    const bytes = Uint8Array.from({ length: 250 }, (_, i) => i);
    const src = new BytesSource(bytes, 'PCMA', true);
    const played = drain(src, 6).flatMap((f) => Array.from(f));
    assert.equal(played.length, 960);
    assert.deepEqual(played, Array.from({ length: 960 }, (_, i) => i % 250));
  });

  test('an empty looped file ends instead of spinning', () => {
    assert.equal(new BytesSource(new Uint8Array(0), 'PCMU', true).next(), undefined);
  });

  test('silence lasts the requested time rounded up to whole frames', () => {
    assert.equal(drain(new SilenceSource('PCMA', 1010)).length, 51);
  });

  test('a sequence plays its parts back to back and then ends', () => {
    const frames = drain(new SequenceSource([new SilenceSource('PCMU', 40), new BytesSource(new Uint8Array(160).fill(1), 'PCMU'), new SilenceSource('PCMU', 20)]));
    assert.deepEqual(frames.map((f) => f[0]), [0xff, 0xff, 1, 0xff]);
  });
});

describe('tones', () => {
  test('Chinese ringback is 450 Hz, one second on and four off', () => {
    const frames = drain(new ToneSource(TONE_PLANS.cn.ringback, 'PCMU', 5000));
    assert.equal(frames.length, 250);
    const linear = frames.map((f) => Array.from(f, (b) => ULAW_TO_LINEAR[b]!));
    const energy = linear.map((f) => Math.max(...f.map(Math.abs)));
    assert.ok(energy.slice(0, 50).every((e) => e > 2000), 'on for the first second');
    assert.ok(energy.slice(50).every((e) => e === 0), 'off for the next four');
    assert.ok(level(linear.slice(0, 50).flat(), 450) > 3500);
  });

  test('US busy is 480+620 Hz at half a second on, half off, with continuous phase', () => {
    const g = new ToneGenerator(TONE_PLANS.us.busy);
    const samples = [...Array(50)].flatMap(() => Array.from(g.next(FRAME_SAMPLES)));
    const on = samples.slice(0, 4000);
    assert.ok(level(on, 480) > 3900 && level(on, 620) > 3900, 'both components');
    assert.ok(level(on, 440) < 300, 'no energy elsewhere');
    assert.ok(samples.slice(4000, 8000).every((s) => s === 0));
    // a click between frames would show as a jump much larger than the sine's own slope
    const maxStep = Math.max(...on.slice(1).map((s, i) => Math.abs(s - on[i]!)));
    assert.ok(maxStep < 2 * 4000 * 2 * Math.PI * 620 / 8000 + 2, `step ${maxStep}`);
  });

  test('a continuous dial tone never pauses', () => {
    const frames = drain(new ToneSource(TONE_PLANS.eu.dial, 'PCMA', 2000));
    assert.equal(frames.length, 100);
    assert.ok(frames.every((f) => f.some((b) => b !== G711_SILENCE.PCMA)));
  });
});
