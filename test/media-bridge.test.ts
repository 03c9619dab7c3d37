// The media plane with real mediasoup workers and gateways simulated by UDP sockets on
// loopback: bridging, prompts, DTMF both ways, mixing, recording, hold, worker death.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ULAW_TO_LINEAR, encodeG711 } from '../appliance/media/g711.ts';
import type { MediaSession } from '../appliance/media/media-session.ts';
import type { SipMedia } from '../appliance/media/session-leg.ts';
import { parseTelephoneEvent, planTelephoneEvent } from '../appliance/media/telephone-event.ts';
import { encodeWavPcm16, parseWav } from '../appliance/media/wav.ts';
import { waitFor } from './support/wait.ts';
import { RtpPeer, numberedFrames, sleep, startEngine, type TestEngine } from './fixtures/media/media-harness.ts';

let t: TestEngine;
const peers: RtpPeer[] = [];
let sessionSeq = 0;

before(async () => {
  t = await startEngine();
  mkdirSync(join(t.dir, 'prompts'), { recursive: true });
  const tone = Int16Array.from({ length: 8000 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 400 * i) / 8000)));
  writeFileSync(join(t.dir, 'prompts', 'one-second.wav'), encodeWavPcm16(tone, 8000));
});
after(async () => {
  for (const p of peers) p.close();
  await t.close();
});

const sipMedia = (peer: RtpPeer, extra: Partial<SipMedia> = {}): SipMedia => ({
  remoteIp: '127.0.0.1', remotePort: peer.port, codec: 'PCMU', payloadType: 0, telephoneEvent: 101, direction: 'sendrecv', ...extra,
});

/** A session with SIP legs, each facing its own simulated gateway. */
async function call(legs: string[], media: Partial<SipMedia> = {}) {
  const session = await t.engine.createSession(`call-${++sessionSeq}`);
  const addr: Record<string, { ip: string; port: number }> = {};
  const peer: Record<string, RtpPeer> = {};
  for (const id of legs) {
    const p = await RtpPeer.open();
    peers.push(p);
    peer[id] = p;
    addr[id] = await session.addSipLeg(id);
    await session.updateSipLeg(id, sipMedia(p, media));
  }
  return { session, addr, peer };
}

function assertContinuous(packets: { sequenceNumber: number; timestamp: number }[], what: string): void {
  packets.slice(1).forEach((p, i) => {
    assert.equal(p.sequenceNumber, (packets[i]!.sequenceNumber + 1) & 0xffff, `${what}: sequence gap after packet ${i}`);
  });
}

describe('media plane on loopback', () => {
  test('bridges two SIP legs both ways: every frame arrives unchanged, in order, on one SSRC', async () => {
    const { session, addr, peer } = await call(['a', 'b']);
    await session.bridge('a', 'b');
    const fromA = numberedFrames(50, 1);
    const fromB = numberedFrames(50, 2);
    await Promise.all([peer.a!.stream(addr.a!, fromA), peer.b!.stream(addr.b!, fromB)]);
    await waitFor('both sides got 50 frames', () => peer.a!.received.length >= 50 && peer.b!.received.length >= 50);
    assert.deepEqual(peer.b!.received.map((p) => Array.from(p.payload)), fromA.map((f) => Array.from(f)));
    assert.deepEqual(peer.a!.received.map((p) => Array.from(p.payload)), fromB.map((f) => Array.from(f)));
    assert.equal(new Set(peer.b!.received.map((p) => p.ssrc)).size, 1);
    assertContinuous(peer.b!.received, 'a to b');
    assert.ok(peer.b!.received.every((p) => p.payloadType === 0));
    await session.close();
  });

  test('detects RFC 4733 digits from the gateway, also on payload type 96, and ignores the retransmitted end packets', async () => {
    for (const te of [101, 96]) {
      const { session, addr, peer } = await call(['caller'], { telephoneEvent: te });
      const digits: string[] = [];
      session.on('digit', (_leg, digit, source) => digits.push(`${digit}/${source}`));
      peer.caller!.send(addr.caller!, new Uint8Array(160).fill(0xff), { marker: true }); // audio first
      for (const digit of ['1', '#', '1']) {
        const ts = peer.caller!.timestamp;
        for (const p of planTelephoneEvent(digit, { durationMs: 80 })) {
          peer.caller!.send(addr.caller!, p.payload, { pt: te, marker: p.marker, ts, advance: false });
          await sleep(5);
        }
        peer.caller!.send(addr.caller!, new Uint8Array(160).fill(0xff), { ts: ts + 800 });
      }
      await waitFor(`three digits with te=${te}`, () => digits.length >= 3 && digits);
      await sleep(100);
      assert.deepEqual(digits, ['1/rfc4733', '#/rfc4733', '1/rfc4733']);
      session.infoDigit('caller', '7');
      assert.equal(digits.at(-1), '7/sip-info');
      await session.close();
    }
  });

  test('plays a one-second prompt: 50 packets 20 ms apart, continuous sequence numbers and timestamps, marker first', async () => {
    const { session, peer } = await call(['caller']);
    const ended: string[] = [];
    session.on('prompt-ended', (_leg, id, reason) => ended.push(`${id} ${reason}`));
    await session.play('caller', 'welcome', [{ file: 'one-second.wav' }]);
    await waitFor('prompt ended', () => ended.length > 0, { timeoutMs: 5000 });
    await sleep(100);
    const got = peer.caller!.received;
    assert.deepEqual(ended, ['welcome done']);
    assert.equal(got.length, 50);
    assertContinuous(got, 'prompt');
    got.slice(1).forEach((p, i) => assert.equal(p.timestamp - got[i]!.timestamp, 160));
    assert.equal(got[0]!.marker, true);
    assert.ok(got.slice(1).every((p) => !p.marker));
    const span = got.at(-1)!.atMs - got[0]!.atMs;
    assert.ok(span > 49 * 20 - 60 && span < 49 * 20 + 60, `50 packets over ${span.toFixed(0)} ms`);
    const peak = Math.max(...got.slice(5, 45).flatMap((p) => Array.from(p.payload, (b) => ULAW_TO_LINEAR[b]!)));
    assert.ok(peak > 5000 && peak < 7000, `prompt level ${peak}`);
    await session.close();
  });

  test('sends DTMF to the gateway as telephone-events on its negotiated payload type', async () => {
    const { session, peer } = await call(['caller']);
    await session.sendDigits('caller', '42');
    await waitFor('telephone-events', () => peer.caller!.received.filter((p) => p.payloadType === 101).length >= 16, { timeoutMs: 5000 });
    const events = peer.caller!.received.filter((p) => p.payloadType === 101).map((p) => ({ ...parseTelephoneEvent(p.payload)!, ts: p.timestamp }));
    assert.deepEqual([...new Set(events.map((e) => `${e.ts}:${e.event}`))].map((s) => Number(s.split(':')[1])), [4, 2]);
    assert.equal(events.filter((e) => e.end).length, 6);
    await session.close();
  });

  test('whisper: the agent hears caller and supervisor mixed, the caller hears only the agent, untouched', async () => {
    const { session, addr, peer } = await call(['caller', 'agent', 'sup']);
    await session.setMixMode('whisper', { caller: 'caller', agent: 'agent', supervisors: ['sup'] });
    const level = (v: number) => Array.from({ length: 25 }, () => encodeG711('PCMU', new Array(160).fill(v)));
    const agentFrames = numberedFrames(25, 5);
    await Promise.all([
      peer.caller!.stream(addr.caller!, level(1000)),
      peer.sup!.stream(addr.sup!, level(2000)),
      peer.agent!.stream(addr.agent!, agentFrames),
    ]);
    await sleep(200);
    const agentHears = peer.agent!.received.map((p) => ULAW_TO_LINEAR[p.payload[80]!]!);
    assert.ok(agentHears.filter((v) => Math.abs(v - 3000) < 150).length >= 15, `agent heard ${agentHears.join(',')}`);
    assert.deepEqual(peer.caller!.received.map((p) => Array.from(p.payload)), agentFrames.map((f) => Array.from(f)), 'caller hears the agent byte for byte');
    const supHears = peer.sup!.received.map((p) => ULAW_TO_LINEAR[p.payload[80]!]!);
    assert.ok(supHears.length >= 15, 'the supervisor hears the call');
    assertContinuous(peer.agent!.received, 'mix to agent');
    await session.close();
  });

  test('stops sending to a peer that put the call on hold (our direction recvonly), and resumes after', async () => {
    const { session, addr, peer } = await call(['a', 'b']);
    await session.bridge('a', 'b');
    await session.updateSipLeg('b', sipMedia(peer.b!, { direction: 'recvonly' }));
    await peer.a!.stream(addr.a!, numberedFrames(10));
    await sleep(100);
    assert.equal(peer.b!.received.length, 0);
    await session.updateSipLeg('b', sipMedia(peer.b!));
    await peer.a!.stream(addr.a!, numberedFrames(10));
    await waitFor('audio after resume', () => peer.b!.received.length >= 10);
    await session.close();
  });

  test('records caller left and agent right: the WAV holds exactly the samples each side sent', async () => {
    const { session, addr, peer } = await call(['caller', 'agent']);
    await session.bridge('caller', 'agent');
    await session.startRecording({ caller: 'caller', agent: 'agent' });
    // noise, so no stretch of it looks like another (a periodic tone would match shifted copies)
    let seed = 12345;
    const noise = (n: number) => Array.from({ length: n }, () => Uint8Array.from({ length: 160 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff));
    const callerFrames = noise(50);
    const agentFrames = noise(50);
    await Promise.all([peer.caller!.stream(addr.caller!, callerFrames), peer.agent!.stream(addr.agent!, agentFrames)]);
    await sleep(100);
    const rows = await session.stopRecording();
    assert.equal(rows.length, 1);
    const wav = parseWav(readFileSync(join(t.dir, 'recordings', rows[0]!.path)));
    assert.equal(wav.channels, 2);
    const pcm = new Int16Array(new Uint8Array(wav.data).buffer);
    const left = pcm.filter((_, i) => i % 2 === 0);
    const right = pcm.filter((_, i) => i % 2 === 1);
    for (const [name, channel, frames] of [['caller/left', left, callerFrames], ['agent/right', right, agentFrames]] as const) {
      const sent = Int16Array.from(frames.flatMap((f) => Array.from(f, (b) => ULAW_TO_LINEAR[b]!)));
      const start = channel.findIndex((_, i) => sent.subarray(0, 400).every((s, k) => channel[i + k] === s));
      assert.ok(start >= 0, `${name}: the first 50 ms sent are in the channel`);
      assert.deepEqual(Array.from(channel.subarray(start, start + sent.length)), Array.from(sent), `${name}: every sample as sent`);
    }
    assert.equal(t.engine.env.recordings!.recordingsOf(session.id).length, 1);
    await session.close();
  });

  test('a dying worker ends its calls cleanly (recording committed) and is replaced for new calls', async () => {
    const { session, addr, peer } = await call(['caller', 'agent']);
    await session.bridge('caller', 'agent');
    await session.startRecording({ caller: 'caller' });
    await peer.caller!.stream(addr.caller!, numberedFrames(10));
    const closed = new Promise<string>((resolve) => session.once('closed', resolve));
    const finished = new Promise<number>((resolve) => session.once('recording-finished', (rows) => resolve(rows.length)));
    const pid = t.engine.pool.pids[session.workerIndex]!;
    process.kill(pid, 'SIGKILL');
    assert.equal(await closed, 'worker-died');
    assert.equal(await finished, 1);
    assert.equal(t.engine.env.recordings!.recordingsOf(session.id)[0]!.status, 'complete');
    await waitFor('worker restarted', () => t.engine.pool.pids.every((p) => p !== undefined && p !== pid));
    const next = await call(['x', 'y']);
    await next.session.bridge('x', 'y');
    await next.peer.x!.stream(next.addr.x!, numberedFrames(5));
    await waitFor('audio through the new worker', () => next.peer.y!.received.length >= 5);
    await next.session.close();
  });
});
