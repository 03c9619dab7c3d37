import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ALAW_TO_LINEAR, G711_SILENCE, ULAW_TO_LINEAR, encodeG711 } from './g711.ts';
import { MixBridge, type MixListener } from './mix-bridge.ts';
import { supervisorMatrix } from './mixer.ts';
import type { RtpPacket } from './rtp-packet.ts';

const frame = (codec: 'PCMU' | 'PCMA', level: number, n = 160) => encodeG711(codec, new Array(n).fill(level));
const parties = { caller: 'c', agent: 'a', supervisors: ['s'] };

function setup(listeners: Record<string, MixListener>) {
  const sent: { listener: string; packet: RtpPacket }[] = [];
  const bridge = new MixBridge({ send: (listener, packet) => sent.push({ listener, packet }) });
  bridge.configure(supervisorMatrix('whisper', parties), new Map(Object.entries(listeners)), 0);
  return { bridge, sent, to: (l: string) => sent.filter((s) => s.listener === l).map((s) => s.packet) };
}

describe('MixBridge', () => {
  test('whisper: the agent hears caller plus supervisor summed, in its own stream', () => {
    const { bridge, to } = setup({ a: { codec: 'PCMU', payloadType: 0, ssrc: 7 } });
    for (let t = 0; t < 5; t++) {
      bridge.push('c', 'PCMU', frame('PCMU', 1000), t * 20);
      bridge.push('s', 'PCMU', frame('PCMU', 2000), t * 20);
      bridge.tick(20 + t * 20);
    }
    const out = to('a');
    assert.equal(out.length, 5);
    const level = ULAW_TO_LINEAR[out[0]!.payload[0]!]!;
    assert.ok(Math.abs(level - 3000) < 100, `mixed level ${level}`);
    assert.deepEqual(out.map((p) => p.ssrc), [7, 7, 7, 7, 7]);
    out.slice(1).forEach((p, i) => assert.equal(p.sequenceNumber, (out[i]!.sequenceNumber + 1) & 0xffff));
    out.slice(1).forEach((p, i) => assert.equal(p.timestamp - out[i]!.timestamp, 160));
  });

  test('passes a lone same-law source through byte for byte', () => {
    const { bridge, to } = setup({ c: { codec: 'PCMU', payloadType: 0, ssrc: 1 } });
    const agent = frame('PCMU', 1234);
    bridge.push('a', 'PCMU', agent, 0);
    bridge.push('s', 'PCMU', frame('PCMU', 9999), 0); // the caller must not hear the whisper
    bridge.tick(20);
    assert.deepEqual(Array.from(to('c')[0]!.payload), Array.from(agent));
  });

  test('transcodes for a listener in the other law (A-law caller, μ-law agent)', () => {
    const { bridge, to } = setup({ c: { codec: 'PCMA', payloadType: 8, ssrc: 1 } });
    bridge.push('a', 'PCMU', frame('PCMU', 5000), 0);
    bridge.tick(20);
    const p = to('c')[0]!;
    assert.equal(p.payloadType, 8);
    assert.ok(Math.abs(ALAW_TO_LINEAR[p.payload[0]!]! - 5000) < 200);
  });

  test('sends silence when its sources are late, and re-cuts 30 ms packets into 20 ms frames', () => {
    const { bridge, to } = setup({ a: { codec: 'PCMU', payloadType: 0, ssrc: 1 } });
    bridge.tick(20);
    assert.ok(to('a')[0]!.payload.every((b) => b === G711_SILENCE.PCMU));
    bridge.push('c', 'PCMU', frame('PCMU', 800, 240), 20);
    bridge.push('c', 'PCMU', frame('PCMU', 800, 240), 50);
    bridge.tick(40);
    bridge.tick(60);
    bridge.tick(80);
    bridge.tick(100);
    const levels = to('a').map((p) => ULAW_TO_LINEAR[p.payload[0]!]!);
    assert.deepEqual(levels.map((l) => Math.abs(l - 800) < 50), [false, true, true, true, false]);
  });

  test('bounds the delay a source can build up by dropping its oldest frames', () => {
    const { bridge } = setup({ a: { codec: 'PCMU', payloadType: 0, ssrc: 1 } });
    for (let i = 0; i < 20; i++) bridge.push('c', 'PCMU', frame('PCMU', i * 100), 0);
    assert.equal(bridge.overflow, 14);
  });

  test('stops when no listener is left', () => {
    const { bridge, sent } = setup({ a: { codec: 'PCMU', payloadType: 0, ssrc: 1 } });
    bridge.configure(new Map(), new Map(), 0);
    bridge.tick(1000);
    assert.equal(sent.length, 0);
    assert.equal(bridge.active, false);
  });
});
