import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { BytesSource, SilenceSource, ToneSource } from './frame-sources.ts';
import { PromptPlayer } from './prompt-player.ts';
import type { RtpPacket } from './rtp-packet.ts';
import { parseTelephoneEvent } from './telephone-event.ts';
import { TONE_PLANS } from './tones.ts';

interface Sent extends RtpPacket {
  atMs: number;
}

/** A player on a virtual clock ticking every 5 ms; returns what it sent and what it said. */
function harness(leadInMs = 20) {
  let now = 0;
  const sent: Sent[] = [];
  const events: string[] = [];
  const player = new PromptPlayer({
    ssrc: 42, payloadType: 0, telephoneEventPayloadType: 101, leadInMs, initialSequence: 65530, initialTimestamp: 1000,
    send: (p) => sent.push({ ...p, atMs: now }),
  });
  player.on('started', (id) => events.push(`started ${id}`));
  player.on('ended', (id, reason) => events.push(`ended ${id} ${reason}`));
  player.on('active', (a) => events.push(a ? 'active' : 'idle'));
  const run = (untilMs: number) => {
    for (; now <= untilMs; now += 5) player.tick(now);
    now = untilMs + 5 - ((untilMs + 5) % 5);
  };
  return { player, sent, events, run, now: () => now };
}

const prompt = (frames: number, fill = 1) => new BytesSource(new Uint8Array(160 * frames).fill(fill), 'PCMU');

describe('PromptPlayer', () => {
  test('sends a 1 s prompt as 50 packets, 20 ms apart, with continuous sequence numbers and timestamps', () => {
    const h = harness();
    h.player.play('p1', prompt(50), 0);
    h.run(2000);
    assert.equal(h.sent.length, 50);
    h.sent.forEach((p, i) => {
      assert.equal(p.sequenceNumber, (65530 + i) & 0xffff);
      assert.equal(p.timestamp, 1000 + 160 * i);
      assert.equal(p.marker, i === 0);
      assert.equal(p.atMs, 20 + 20 * i, `packet ${i} sent at ${p.atMs}`);
      assert.equal(p.payload.length, 160);
    });
    assert.deepEqual(h.events, ['active', 'started p1', 'ended p1 done', 'idle']);
  });

  test('plays queued prompts back to back as one talkspurt', () => {
    const h = harness();
    h.player.play('a', prompt(3, 1), 0);
    h.player.play('b', prompt(2, 2), 0);
    h.run(500);
    assert.deepEqual(h.sent.map((p) => p.payload[0]), [1, 1, 1, 2, 2]);
    assert.deepEqual(h.sent.map((p) => p.marker), [true, false, false, false, false]);
    assert.deepEqual(h.events, ['active', 'started a', 'ended a done', 'started b', 'ended b done', 'idle']);
  });

  test('after an idle gap the timestamp has advanced by the gap and the first packet is marked', () => {
    const h = harness();
    h.player.play('a', prompt(2), 0);
    h.run(1000);
    h.player.play('b', prompt(1), h.now());
    h.run(2000);
    const [, last, next] = h.sent;
    assert.equal(next!.sequenceNumber, (last!.sequenceNumber + 1) & 0xffff);
    assert.equal(next!.marker, true);
    assert.equal(next!.timestamp - last!.timestamp, (next!.atMs - last!.atMs) * 8);
  });

  test('stopping a playback ends it with "stopped" and lets the next one play', () => {
    const h = harness();
    h.player.play('long', prompt(100), 0);
    h.player.play('next', prompt(1, 9), 0);
    h.run(100);
    h.player.stop('long');
    h.run(300);
    assert.equal(h.sent.filter((p) => p.payload[0] === 9).length, 1);
    assert.deepEqual(h.events, ['active', 'started long', 'ended long stopped', 'started next', 'ended next done', 'idle']);
  });

  test('a key press interrupts only prompts that allow barge-in', () => {
    const h = harness();
    h.player.play('menu', prompt(100), 0, { bargeIn: true });
    h.player.play('legal', prompt(5, 7), 0, { bargeIn: false });
    h.run(200);
    h.player.bargeIn();
    h.run(600);
    assert.ok(h.events.includes('ended menu barge-in'));
    assert.ok(h.events.includes('ended legal done'));
    assert.equal(h.sent.filter((p) => p.payload[0] === 7).length, 5);
  });

  test('music on hold plays while nothing is queued, prompts take over and it resumes after', () => {
    const h = harness();
    h.player.setBackground(new ToneSource(TONE_PLANS.cn.busy, 'PCMU'), 0);
    h.run(200);
    h.player.play('announce', prompt(2, 3), h.now());
    h.run(400);
    h.player.setBackground(undefined, h.now());
    h.run(600);
    const seqs = h.sent.map((p) => p.sequenceNumber);
    seqs.slice(1).forEach((s, i) => assert.equal(s, (seqs[i]! + 1) & 0xffff));
    assert.equal(h.sent.filter((p) => p.payload[0] === 3).length, 2);
    assert.equal(h.sent.filter((p) => p.marker).length, 1, 'one talkspurt from hold through the announcement');
    assert.equal(h.events.at(-1), 'idle');
    const lastAt = h.sent.at(-1)!.atMs;
    assert.ok(lastAt <= 420, `nothing after the background was removed (last at ${lastAt})`);
  });

  test('sends DTMF as telephone-events: one timestamp per digit, marker first, end packet three times', () => {
    const h = harness();
    h.player.play('before', prompt(2), 0);
    h.player.sendDigits('d', '12', 0, { durationMs: 100, gapMs: 40 });
    h.player.play('after', prompt(1, 5), 0);
    h.run(2000);
    const events = h.sent.filter((p) => p.payloadType === 101);
    assert.equal(events.length, 16);
    const byTs = new Map<number, Sent[]>();
    for (const e of events) byTs.set(e.timestamp, [...(byTs.get(e.timestamp) ?? []), e]);
    assert.equal(byTs.size, 2);
    for (const [ts, packets] of byTs) {
      const parsed = packets.map((p) => parseTelephoneEvent(p.payload)!);
      assert.deepEqual(parsed.map((p) => p.end), [false, false, false, false, false, true, true, true]);
      assert.equal(packets[0]!.marker, true);
      assert.ok(packets.slice(1).every((p) => !p.marker));
      assert.ok(ts > h.sent[1]!.timestamp);
    }
    const seqs = h.sent.map((p) => p.sequenceNumber);
    seqs.slice(1).forEach((s, i) => assert.equal(s, (seqs[i]! + 1) & 0xffff), 'audio and events share one sequence');
    const after = h.sent.at(-1)!;
    assert.equal(after.payload[0], 5);
    assert.equal(after.timestamp - h.sent[1]!.timestamp, 160 * (1 + 8 + 2 + 8 + 2), 'the media clock ran through the digits');
  });

  test('drops frames rather than bursting when the timer stalls, keeping the clock in step', () => {
    const h = harness();
    h.player.play('p', new SilenceSource('PCMU', 2000), 0);
    h.run(100);
    const before = h.sent.length;
    h.player.tick(600); // a 500 ms stall
    assert.equal(h.sent.length - before, 5, 'at most a short burst');
    const last = h.sent.at(-1)!;
    assert.equal(last.timestamp - h.sent[0]!.timestamp, (600 - 20) * 8, 'timestamp reflects real time');
  });
});
