// SIPp calls the appliance (SIP stack + B2BUA + media plane on loopback): the digits in
// SIPp's own RFC 4733 pcaps are detected, and a prompt reaches SIPp whole (SIPp echoes the
// RTP it receives, and the appliance measures what comes back).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CallService } from '../appliance/calls/call-service.ts';
import type { CallLeg } from '../appliance/calls/b2bua.ts';
import { encodeG711 } from '../appliance/media/g711.ts';
import { SipMediaPort } from '../appliance/media/sip-media-port.ts';
import { encodeWavPcm16 } from '../appliance/media/wav.ts';
import type { LocationDocument } from '../appliance/sip/registrar.ts';
import { fixtures as sipFixtures, freeUdpPort, killChildren, run, sippStat } from './fixtures/sip/harness.ts';
import { writeRtpPcap } from './fixtures/media/pcap.ts';
import { startEngine, type TestEngine } from './fixtures/media/media-harness.ts';
import { waitFor } from './support/wait.ts';

let t: TestEngine;
let service: CallService;
let port: SipMediaPort;
const calls: CallLeg[] = [];
const digits: string[] = [];
const warnings: string[] = [];
const mediaFixtures = new URL('./fixtures/media/', import.meta.url).pathname;

before(async () => {
  t = await startEngine();
  mkdirSync(join(t.dir, 'prompts'), { recursive: true });
  const tone = Int16Array.from({ length: 8000 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 400 * i) / 8000)));
  writeFileSync(join(t.dir, 'prompts', 'one-second.wav'), encodeWavPcm16(tone, 8000));
  port = new SipMediaPort(t.engine);
  port.on('digit', (_leg, digit, source) => digits.push(`${digit}/${source}`));
  port.on('warning', (e) => warnings.push(e.message));
  const doc: { value: LocationDocument | null } = { value: null };
  service = await CallService.start({
    config: { listen: { host: '127.0.0.1', udpPort: 0 }, realm: 'media.test', dids: [{ did: '4008001000', route: { kind: 'ivr', flow: 'main' } }] },
    locationStore: { read: async () => doc.value, write: async (d) => { doc.value = d; } },
    media: port, sendFilter: (to) => to.host.startsWith('127.'),
  });
  service.b2bua.on('call', (leg) => {
    calls.push(leg);
    service.b2bua.answer(leg);
  });
});
after(async () => {
  killChildren();
  await service.close();
  await t.close();
});

async function sipp(args: string[], timeoutMs = 15_000) {
  const sipPort = await freeUdpPort();
  const mediaPort = (await freeUdpPort()) & ~1;
  return run('sipp', [`127.0.0.1:${service.server.udp!.port}`, '-i', '127.0.0.1', '-p', String(sipPort), '-mi', '127.0.0.1', '-mp', String(mediaPort),
    '-nostdin', '-m', '1', '-s', '4008001000', '-timeout', `${Math.floor(timeoutMs / 1000) - 1}s`, '-timeout_error', ...args], timeoutMs, sipFixtures);
}

describe('SIPp against the appliance media plane', () => {
  test('detects the digits of SIPp\'s dtmf_2833 pcaps (1, 9, #), sent after some A-law audio', async () => {
    // half a second of A-law audio first: a real gateway's RTP starts with audio
    const audio = Array.from({ length: 25 }, (_, i) => ({
      payloadType: 8, marker: i === 0, sequenceNumber: 100 + i, timestamp: 160 * i, ssrc: 0x1234, atMs: 20 * i,
      payload: encodeG711('PCMA', Array.from({ length: 160 }, (_, k) => Math.round(3000 * Math.sin((2 * Math.PI * 440 * (160 * i + k)) / 8000)))),
    }));
    writeRtpPcap(join(t.dir, 'audio.pcap'), audio);
    const scenario = join(t.dir, 'uac-dtmf-pcap.xml');
    writeFileSync(scenario, readFileSync(join(mediaFixtures, 'uac-dtmf-pcap.xml'), 'utf8').replaceAll('AUDIO_PCAP', join(t.dir, 'audio.pcap')));
    digits.length = 0;
    const r = await sipp(['-sf', scenario]);
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
    assert.equal(sippStat(r.stdout, 'Successful call'), 1);
    await waitFor('three digits', () => digits.length >= 3 && digits, { timeoutMs: 2000 }).catch(() => undefined);
    assert.deepEqual(digits, ['1/rfc4733', '9/rfc4733', '#/rfc4733'], `warnings: ${warnings.join('; ')}`);
  });

  test('plays a one-second prompt that SIPp receives whole: 50 packets, none lost, continuous sequence numbers', async () => {
    const before = calls.length;
    const sippRun = sipp(['-sn', 'uac', '-rtp_echo', '-d', '2500']);
    const leg = await waitFor('the call', () => calls[before]);
    const session = await port.sessionOf(leg.id);
    const ended = new Promise<string>((resolve) => session.once('prompt-ended', (_l, _id, reason) => resolve(reason)));
    await session.play(leg.id, 'welcome', [{ file: 'one-second.wav' }]);
    assert.equal(await ended, 'done');
    const stats = await waitFor('the echo of 50 packets', () => {
      const s = session.receiveStats(leg.id);
      return s.received >= 50 && s;
    }, { timeoutMs: 2000 });
    assert.deepEqual({ received: stats.received, lost: stats.lost, maxSeqGap: stats.maxSeqGap, duplicates: stats.duplicates }, { received: 50, lost: 0, maxSeqGap: 1, duplicates: 0 });
    assert.ok(stats.jitterMs < 10, `jitter ${stats.jitterMs} ms`);
    const r = await sippRun;
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
  });
});
