// Recording through real mediasoup workers, checked on the samples of the files: a pause
// (a caller reading out a card number) keeps nothing of what was said meanwhile, and the mono
// layout is the saturated sum of both sides.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ULAW_TO_LINEAR, clip16 } from '../appliance/media/g711.ts';
import type { RecordingRow } from '../appliance/media/recording-store.ts';
import { parseWav } from '../appliance/media/wav.ts';
import { RtpPeer, sleep, startEngine, type TestEngine } from './fixtures/media/media-harness.ts';

let t: TestEngine;
const peers: RtpPeer[] = [];
let seed = 987654321;

before(async () => {
  t = await startEngine({ recording: { layouts: ['stereo', 'mono'] } });
});
after(async () => {
  for (const p of peers) p.close();
  await t?.close();
});

/** μ-law noise frames: no stretch of them looks like another. */
const noise = (n: number) => Array.from({ length: n }, () => Uint8Array.from({ length: 160 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff));
const decode = (frame: Uint8Array) => Array.from(frame, (b) => ULAW_TO_LINEAR[b]!);

async function recordedCall(id: string) {
  const session = await t.engine.createSession(id);
  const peer: Record<string, RtpPeer> = {};
  const addr: Record<string, { ip: string; port: number }> = {};
  for (const leg of ['caller', 'agent']) {
    const p = await RtpPeer.open();
    peers.push(p);
    peer[leg] = p;
    addr[leg] = await session.addSipLeg(leg);
    await session.updateSipLeg(leg, { remoteIp: '127.0.0.1', remotePort: p.port, codec: 'PCMU', payloadType: 0, telephoneEvent: 101, direction: 'sendrecv' });
  }
  await session.bridge('caller', 'agent');
  await session.startRecording({ caller: 'caller', agent: 'agent' });
  return { session, peer: peer as { caller: RtpPeer; agent: RtpPeer }, addr: addr as { caller: { ip: string; port: number }; agent: { ip: string; port: number } } };
}

function read(row: RecordingRow): Int16Array {
  const wav = parseWav(readFileSync(join(t.dir, 'recordings', row.path)));
  return new Int16Array(new Uint8Array(wav.data).slice().buffer);
}

/** Where `frame` starts in `samples` (every sample equal), or -1. */
function find(samples: ArrayLike<number>, frame: number[]): number {
  for (let i = 0; i + frame.length <= samples.length; i++) if (frame.every((v, k) => samples[i + k] === v)) return i;
  return -1;
}

describe('recordings on loopback', () => {
  test('a paused stretch keeps nothing the caller said, the audio before and after is there sample for sample, and the row lists the pause', async () => {
    const { session, peer, addr } = await recordedCall('pause-call');
    const frames = noise(75); // 1.5 s: pause at 0.5 s, resume at 1.0 s
    const streaming = peer.caller.stream(addr.caller, frames);
    await sleep(500);
    session.pauseRecording();
    assert.equal(session.recordingPaused, true);
    await sleep(500);
    session.resumeRecording();
    await streaming;
    await sleep(300);
    const rows = await session.stopRecording();
    const stereo = rows.find((r) => r.layout === 'stereo')!;
    assert.equal(stereo.pauses.length, 1);
    const pause = stereo.pauses[0]!;
    assert.ok(pause.endMs !== undefined && pause.endMs - pause.startMs > 400 && pause.endMs - pause.startMs < 600, `pause ${JSON.stringify(pause)}`);

    const pcm = read(stereo);
    const left = pcm.filter((_, i) => i % 2 === 0);
    const start = find(left, decode(frames[0]!));
    assert.ok(start >= 0, 'the first frame is in the left channel');
    const at = (k: number) => Array.from(left.subarray(start + 160 * k, start + 160 * (k + 1)));
    // frames are placed by RTP timestamp: frame k at start + 160 k; allow 100 ms either side of the pause edges for scheduling
    for (let k = 0; k < 20; k++) assert.deepEqual(at(k), decode(frames[k]!), `frame ${k} before the pause`);
    for (let k = 31; k < 45; k++) assert.ok(at(k).every((v) => v === 0), `frame ${k} during the pause is silent`);
    for (let k = 56; k < 75; k++) assert.deepEqual(at(k), decode(frames[k]!), `frame ${k} after the pause`);
    await session.close();
  });

  test('the mono file is the saturated sum of caller and agent, sample for sample, and the stereo file keeps them apart', async () => {
    const { session, peer, addr } = await recordedCall('mono-call');
    const callerFrames = noise(40);
    const agentFrames = noise(40);
    await Promise.all([peer.caller.stream(addr.caller, callerFrames), peer.agent.stream(addr.agent, agentFrames)]);
    await sleep(300);
    const rows = await session.stopRecording();
    assert.deepEqual(rows.map((r) => [r.layout, r.channels]).sort(), [['mono', 1], ['stereo', 2]]);
    const stereo = read(rows.find((r) => r.layout === 'stereo')!);
    const mono = read(rows.find((r) => r.layout === 'mono')!);
    assert.equal(mono.length * 2, stereo.length, 'both layouts cover the same time');
    const left = stereo.filter((_, i) => i % 2 === 0);
    const right = stereo.filter((_, i) => i % 2 === 1);
    const caller = callerFrames.flatMap(decode);
    const agent = agentFrames.flatMap(decode);
    const c0 = find(left, caller.slice(0, 320));
    const a0 = find(right, agent.slice(0, 320));
    assert.ok(c0 >= 0 && a0 >= 0, 'each side starts somewhere in its channel');
    assert.deepEqual(Array.from(left.subarray(c0, c0 + caller.length)), caller, 'caller on the left as sent');
    assert.deepEqual(Array.from(right.subarray(a0, a0 + agent.length)), agent, 'agent on the right as sent');
    const expected = Array.from(mono, (_, i) => clip16(left[i]! + right[i]!));
    assert.deepEqual(Array.from(mono), expected, 'mono = clip(left + right)');
    assert.ok(expected.some((v) => v === 32767 || v === -32768), 'loud noise on both sides reaches the clipping limits');
    await session.close();
  });
});
