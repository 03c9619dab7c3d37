// Voicemail with real peers on loopback: a SIPp customer reaches an IVR voicemail node (DID
// 4002) or a queue that overflows to voicemail (DID 4004, nobody logged in), hears the greeting
// and the beep (echoed back by SIPp), speaks a 1 kHz tone, then hangs up, presses #, or is cut
// at the box's longest message. The message row exists with a plausible duration, its WAV holds
// the tone, and the CDR ends with 'voicemail'.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWav } from '../appliance/media/wav.ts';
import { scenarios, startCallCenter, testConfig, tonePcap, type CallCenter } from './fixtures/calls/call-harness.ts';
import { freeUdpPort, run, type RunResult } from './fixtures/sip/harness.ts';
import { waitFor } from './support/wait.ts';

let cc: CallCenter;

function voicemailConfig() {
  const config = testConfig();
  config.sip.dids.push({ did: '4002', route: { kind: 'ivr', flow: 'vm' } }, { did: '4004', route: { kind: 'queue', queue: 'after-hours' } } as never);
  config.ivr.flows.push({
    id: 'vm', name: 'Voicemail', entry: 'leave', timeZone: 'Asia/Shanghai',
    nodes: [{ id: 'leave', type: 'voicemail', box: 'general', greeting: [{ file: 'menu.wav' }] } as never],
  });
  (config.acd.queues as unknown[]).push({
    id: 'after-hours', name: 'After hours', skills: [{ skill: 'support' }], offerTimeoutSeconds: 3, wrapUpSeconds: 0,
    announcements: { onEnqueue: false, everySeconds: 0 }, overflow: [{ when: { noAgentsLoggedIn: true }, to: { voicemail: 'sales' } }],
  });
  return { ...config, voicemail: { maxSeconds: 20, boxes: [{ id: 'general' }, { id: 'sales', maxSeconds: 5, greeting: 'Sales voicemail.', language: 'en-US' }] } };
}

before(async () => {
  cc = await startCallCenter(voicemailConfig() as unknown as ReturnType<typeof testConfig>);
});
after(async () => {
  await cc?.close();
});

interface VoicemailCaller {
  dialled: string;
  greetingMs: number;
  messageMs: number;
  digits?: string;
  ending: 'hang-up' | 'wait-for-bye';
}

/** A customer (SIPp, echoing what it hears) who leaves a 2 s 1 kHz tone as the message. */
async function voicemailCaller(o: VoicemailCaller): Promise<RunResult> {
  const port = await freeUdpPort();
  const mediaPort = (await freeUdpPort()) & ~1;
  const name = (d: string) => (d === '#' ? 'pound' : d === '*' ? 'star' : d);
  // no pause after the last digit: the appliance's BYE may come at once (SIPp aborts on a BYE during a pause)
  const digits = [...(o.digits ?? '')].map((d) => `  <nop><action><exec play_pcap_audio="/usr/share/sip-tester/dtmf_2833_${name(d)}.pcap"/></action></nop>`).join('\n  <pause milliseconds="400"/>\n');
  const ending = readFileSync(join(scenarios, o.ending === 'hang-up' ? 'voicemail-hang-up.part.xml' : 'voicemail-wait-bye.part.xml'), 'utf8');
  const text = readFileSync(join(scenarios, 'voicemail-caller.xml'), 'utf8')
    .replaceAll('GREETING_MS', String(o.greetingMs)).replaceAll('MESSAGE_MS', String(o.messageMs)).replaceAll('MESSAGE_PCAP', tonePcap(cc, 1000, 2))
    .replaceAll('DIGITS', digits).replace(/^ENDING$/m, ending);
  const sf = join(cc.dir, `voicemail-caller-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(sf, text);
  const total = o.greetingMs + o.messageMs + 8000;
  return run('sipp', [`127.0.0.1:${cc.sipPort}`, '-i', '127.0.0.1', '-p', String(port), '-mi', '127.0.0.1', '-mp', String(mediaPort), '-nostdin', '-m', '1', '-s', o.dialled,
    '-rtp_echo', '-sf', sf, '-timeout', `${Math.ceil(total / 1000)}s`, '-timeout_error'], total + 4000, scenarios);
}

/** RMS of channel 0 (the caller) of 16-bit PCM with `channels` channels. */
function callerRms(data: Uint8Array, channels: number): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let sum = 0;
  let n = 0;
  for (let i = 0; i + 1 < data.byteLength; i += 2 * channels) {
    const v = view.getInt16(i, true);
    sum += v * v;
    n++;
  }
  return Math.sqrt(sum / Math.max(1, n));
}

/** Follows the next call into voicemail: packets the appliance got back (the echo) by the end of the greeting. */
async function watchGreeting(): Promise<() => number | undefined> {
  const known = new Set(cc.m.control.calls.keys());
  let echoed: number | undefined;
  void waitFor('a call in voicemail', () => [...cc.m.control.calls.values()].find((c) => !known.has(c.id) && c.record.phase === 'voicemail' && c.session), { timeoutMs: 8000 })
    .then((call) => {
      const session = call.session!;
      session.on('prompt-ended', (legId, id) => {
        if (legId === call.id && id === `voicemail-greeting-${call.id}`) echoed = session.receiveStats(call.id).received;
      });
    }).catch(() => undefined);
  return () => echoed;
}

async function messageOf(callId: string) {
  const message = await waitFor('the voicemail message', () => cc.telephony.voicemail.list().find((m) => m.callId === callId), { timeoutMs: 8000 });
  const wav = parseWav(readFileSync(join(cc.dir, 'recordings', message.path)));
  return { message, wav, seconds: wav.data.byteLength / (2 * wav.channels) / wav.sampleRate, rms: callerRms(wav.data, wav.channels) };
}

describe('voicemail', () => {
  test('an IVR voicemail node plays the flow greeting and a beep, records the caller until they hang up, and stores the message', async () => {
    const echoed = await watchGreeting();
    const before = cc.telephony.cdr.recent(100).length;
    const r = await voicemailCaller({ dialled: '4002', greetingMs: 2000, messageMs: 2500, ending: 'hang-up' });
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
    const cdr = await waitFor('the CDR', () => cc.telephony.cdr.recent(100).length > before && cc.telephony.cdr.recent(1)[0]);
    assert.equal(cdr.endReason, 'voicemail');
    assert.deepEqual(cdr.segments.map((s) => [s.kind, s.outcome]), [['ivr', undefined], ['voicemail', 'voicemail:general']]);
    assert.ok(cdr.segments.every((s) => s.end !== undefined && s.end >= s.start));
    assert.ok((echoed() ?? 0) >= 20, `the caller heard the greeting (${String(echoed())} packets echoed back by its end)`);

    const { message, seconds, rms } = await messageOf(cdr.callId);
    assert.equal(message.box, 'general');
    assert.equal(message.caller, '13912345678');
    assert.equal(message.did, '4002');
    assert.equal(message.heardAt, undefined);
    assert.ok(message.durationMs >= 2000 && message.durationMs <= 6000, `message of ${message.durationMs} ms`);
    assert.ok(Math.abs(seconds * 1000 - message.durationMs) < 500, `the WAV holds ${seconds.toFixed(2)} s`);
    assert.ok(rms > 300, `the caller's tone is in the message (rms ${rms.toFixed(0)})`);
    assert.equal(cdr.recordingId, message.recordingId, 'the CDR references the message recording');
    assert.deepEqual(cc.telephony.voicemail.pending(), [], 'nothing is left pending');
  });

  test('pressing # ends the message: the appliance stores it and hangs up', async () => {
    const before = cc.telephony.cdr.recent(100).length;
    const started = Date.now();
    const r = await voicemailCaller({ dialled: '4002', greetingMs: 2000, messageMs: 2200, digits: '#', ending: 'wait-for-bye' });
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
    assert.ok(Date.now() - started < 12_000, 'hung up well before the 20 s limit');
    const cdr = await waitFor('the CDR', () => cc.telephony.cdr.recent(100).length > before && cc.telephony.cdr.recent(1)[0]);
    assert.equal(cdr.endReason, 'voicemail');
    const { message, rms } = await messageOf(cdr.callId);
    assert.ok(message.durationMs >= 1500 && message.durationMs <= 5000, `message of ${message.durationMs} ms`);
    assert.ok(rms > 300, `rms ${rms.toFixed(0)}`);
  });

  test('an ACD overflow to voicemail takes a queued caller to the box, which cuts the message at its longest length', async () => {
    const before = cc.telephony.cdr.recent(100).length;
    const started = Date.now();
    // the box greeting is spoken (TTS); the caller stays silent after its tone and waits for the BYE
    const r = await voicemailCaller({ dialled: '4004', greetingMs: 2500, messageMs: 2000, ending: 'wait-for-bye' });
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
    const cdr = await waitFor('the CDR', () => cc.telephony.cdr.recent(100).length > before && cc.telephony.cdr.recent(1)[0]);
    assert.equal(cdr.endReason, 'voicemail');
    assert.equal(cdr.queueId, 'after-hours');
    assert.deepEqual(cdr.segments.map((s) => [s.kind, s.outcome]), [['ivr', undefined], ['queue', 'voicemail:sales'], ['voicemail', 'voicemail:sales']]);
    const { message, seconds } = await messageOf(cdr.callId);
    assert.equal(message.box, 'sales');
    assert.ok(message.durationMs >= 4500 && message.durationMs <= 5600, `cut at the 5 s limit: ${message.durationMs} ms`);
    assert.ok(seconds >= 4.4);
    assert.ok(Date.now() - started < 18_000);
  });
});
