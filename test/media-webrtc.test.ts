// A call between a SIP leg (a gateway on a UDP socket) and an agent's browser (headless
// Chromium, a plain RTCPeerConnection with SDP written from the WebRtcTransport): G.711
// audio flows both ways through mediasoup without transcoding, and DTMF from the browser
// reaches the gateway as telephone-events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ULAW_TO_LINEAR, encodeG711 } from '../appliance/media/g711.ts';
import { parseTelephoneEvent } from '../appliance/media/telephone-event.ts';
import { RtpPeer, startEngine, type TestEngine } from './fixtures/media/media-harness.ts';
import { offerSdp, readAnswer } from './fixtures/media/webrtc-sdp.ts';
import { waitFor } from './support/wait.ts';

const CHROMIUM = '/usr/bin/chromium';
let t: TestEngine;
let browser: Browser;
let page: Page;
const peers: RtpPeer[] = [];

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  t = await startEngine();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
  });
  page = await browser.newPage();
  await page.goto('about:blank');
});
after(async () => {
  await browser?.close();
  for (const p of peers) p.close();
  await t?.close();
});

/** Level of `freq` in decoded μ-law payloads (single-bin DFT), 16-bit scale. */
function toneLevel(payloads: Uint8Array[], freq: number): number {
  const x = payloads.flatMap((p) => Array.from(p, (b) => ULAW_TO_LINEAR[b]!));
  let re = 0;
  let im = 0;
  x.forEach((v, i) => {
    re += v * Math.cos((2 * Math.PI * freq * i) / 8000);
    im += v * Math.sin((2 * Math.PI * freq * i) / 8000);
  });
  return (2 * Math.hypot(re, im)) / x.length;
}

test('a SIP caller and a browser agent hear each other through mediasoup, in G.711, and the agent\'s DTMF reaches the gateway', async () => {
  const session = await t.engine.createSession('webrtc-call');
  const gateway = await RtpPeer.open();
  peers.push(gateway);
  const sip = await session.addSipLeg('caller');
  await session.updateSipLeg('caller', { remoteIp: '127.0.0.1', remotePort: gateway.port, codec: 'PCMU', payloadType: 0, telephoneEvent: 101, direction: 'sendrecv' });
  const agent = await session.addWebRtcLeg('agent');
  const consumers: Parameters<typeof offerSdp>[0]['consumer'][] = [];
  session.on('webrtc-consumer', (_leg, c) => consumers.push(c));
  await session.bridge('caller', 'agent');
  await session.setWebRtcCapabilities('agent', {
    codecs: [
      { kind: 'audio', mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, preferredPayloadType: 0 },
      { kind: 'audio', mimeType: 'audio/telephone-event', clockRate: 8000, channels: 1, preferredPayloadType: 101 },
    ],
    headerExtensions: [],
  });
  const consumer = await waitFor('a consumer toward the browser', () => consumers[0]);
  assert.equal(consumer.rtpParameters.codecs[0]!.mimeType, 'audio/PCMU', 'G.711 toward the browser: nothing to transcode');

  // the browser: a 1 kHz oscillator as its microphone, the caller's audio measured by getStats
  const offer = offerSdp({ ...agent, consumer });
  const answer = await page.evaluate(async (sdp) => {
    const pc = new RTCPeerConnection();
    (window as unknown as { pc: RTCPeerConnection }).pc = pc;
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    osc.frequency.value = 1000;
    const dest = ctx.createMediaStreamDestination();
    osc.connect(dest);
    osc.start();
    pc.ontrack = (e) => {
      const audio = new Audio();
      audio.srcObject = new MediaStream([e.track]);
      void audio.play();
    };
    await pc.setRemoteDescription({ type: 'offer', sdp });
    const transceiver = pc.getTransceivers()[0]!;
    await transceiver.sender.replaceTrack(dest.stream.getAudioTracks()[0]!);
    transceiver.direction = 'sendrecv';
    const a = await pc.createAnswer();
    await pc.setLocalDescription(a);
    return pc.localDescription!.sdp;
  }, offer);
  const { dtlsParameters, rtpParameters } = readAnswer(answer, 0, 'audio/PCMU');
  await session.connectWebRtcLeg('agent', dtlsParameters);
  await session.produceWebRtc('agent', rtpParameters);

  // media before DTLS completes is dropped by design: start the call once the browser is in
  await waitFor('the browser connected (ICE and DTLS)', () => page.evaluate(() => (window as unknown as { pc: RTCPeerConnection }).pc.connectionState === 'connected'), { timeoutMs: 5000 });

  // caller -> browser: a 400 Hz tone for two seconds
  const tone = Array.from({ length: 100 }, (_, k) => encodeG711('PCMU', Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 400 * (160 * k + i)) / 8000)))));
  await gateway.stream(sip, tone);
  const inbound = await waitFor('the browser received the caller', async () => {
    const s = await page.evaluate(async () => {
      const stats = await (window as unknown as { pc: RTCPeerConnection }).pc.getStats();
      // the DOM lib here has no maplike RTCStatsReport.get: index the reports by id first
      const byId = new Map<string, { id: string; type: string; kind?: string; packetsReceived?: number; totalAudioEnergy?: number; codecId?: string; mimeType?: string }>();
      stats.forEach((v) => byId.set(v.id, v));
      const inbound = [...byId.values()].find((v) => v.type === 'inbound-rtp' && v.kind === 'audio');
      if (!inbound) return undefined;
      return { packets: inbound.packetsReceived ?? 0, energy: inbound.totalAudioEnergy ?? 0, codec: (inbound.codecId && byId.get(inbound.codecId)?.mimeType) ?? 'unknown' };
    });
    return s && s.packets >= tone.length && s;
  }, { timeoutMs: 5000 });
  assert.equal(inbound.codec, 'audio/PCMU');
  assert.equal(inbound.packets, tone.length, 'every packet the caller sent reached the browser');
  // a 400 Hz tone at -12 dBFS for 2 s gives about 0.1; silence gives 0
  assert.ok(inbound.energy > 0.02, `the browser decoded audible audio (total energy ${inbound.energy})`);

  // browser -> caller: the oscillator's 1 kHz arrives as μ-law at the gateway
  const fromBrowser = await waitFor('the gateway received the agent', () => {
    const audio = gateway.received.filter((p) => p.payloadType === 0);
    return audio.length >= 50 && audio;
  }, { timeoutMs: 5000 });
  const level = toneLevel(fromBrowser.slice(-25).map((p) => p.payload), 1000);
  assert.ok(level > 1000, `1 kHz from the browser at level ${level.toFixed(0)}`);
  assert.ok(toneLevel(fromBrowser.slice(-25).map((p) => p.payload), 400) < level / 10, 'and not the caller echoed back');

  // the agent dials a digit in the browser: RFC 4733 passes mediasoup to the gateway
  await page.evaluate(() => {
    const sender = (window as unknown as { pc: RTCPeerConnection }).pc.getSenders()[0]!;
    sender.dtmf!.insertDTMF('5', 100, 70);
  });
  const events = await waitFor('telephone-events at the gateway', () => {
    const e = gateway.received.filter((p) => p.payloadType === 101).map((p) => parseTelephoneEvent(p.payload)!);
    return e.some((x) => x.end) && e;
  }, { timeoutMs: 3000 });
  assert.ok(events.every((e) => e.event === 5));
  await session.close();
});
