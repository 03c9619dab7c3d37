import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALAW_TO_LINEAR, G711_SILENCE, ULAW_TO_LINEAR } from './g711.ts';
import type { FrameSource } from './frame-sources.ts';
import { PromptError, PromptLibrary } from './prompt-library.ts';
import { EspeakTts, TtsError } from './tts.ts';
import { encodeWavPcm16 } from './wav.ts';

let dir: string;
const voices = { 'zh-CN': 'cmn', en: 'en-us' };

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'prompts-'));
  const tone = Int16Array.from({ length: 16000 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 500 * i) / 16000)));
  writeFileSync(join(dir, 'welcome.wav'), encodeWavPcm16(tone, 16000)); // 1 s at 16 kHz
  writeFileSync(join(dir, 'broken.wav'), 'not a wav');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function frames(source: FrameSource, max = 100_000): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let f = source.next(); f && out.length < max; f = source.next()) out.push(f);
  return out;
}

describe('EspeakTts', () => {
  test('speaks Chinese text into a cached WAV file and reuses it for the same text', async () => {
    const tts = new EspeakTts({ cacheDir: join(dir, 'tts-1'), voices, defaultLanguage: 'zh-CN' });
    const [a, b] = await Promise.all([tts.speak('您好，欢迎致电'), tts.speak('您好，欢迎致电')]);
    assert.equal(a, b);
    assert.equal(tts.synthesised, 1, 'concurrent requests share one espeak-ng run');
    assert.equal(await tts.speak('  您好，欢迎致电 '), a, 'whitespace does not change the key');
    assert.equal(tts.synthesised, 1);
    assert.notEqual(await tts.speak('Hello', 'en'), a);
    assert.deepEqual(readdirSync(join(dir, 'tts-1')).filter((n) => n.endsWith('.tmp')), []);
  });

  test('chooses voices by language tag, falling back to the base language and the default', () => {
    const tts = new EspeakTts({ cacheDir: dir, voices, defaultLanguage: 'zh-CN' });
    assert.equal(tts.voiceFor('en-AU'), 'en-us');
    assert.equal(tts.voiceFor('fr'), 'cmn');
    assert.equal(tts.voiceFor(), 'cmn');
  });

  test('reports a missing binary and empty text as TtsError', async () => {
    const tts = new EspeakTts({ cacheDir: join(dir, 'tts-2'), voices, defaultLanguage: 'en', binary: '/nonexistent/espeak-ng' });
    await assert.rejects(tts.speak('hello'), TtsError);
    await assert.rejects(tts.speak('   '), TtsError);
  });
});

describe('PromptLibrary', () => {
  const library = () => new PromptLibrary({ promptDir: dir, tts: new EspeakTts({ cacheDir: join(dir, 'tts-3'), voices, defaultLanguage: 'zh-CN' }), tonePlan: 'cn' });

  test('plays a 16 kHz file as 50 A-law frames of the same tone', async () => {
    const all = frames(await library().load([{ file: 'welcome.wav' }], 'PCMA'));
    assert.equal(all.length, 50);
    const peak = Math.max(...all.slice(5, 45).flatMap((f) => Array.from(f, (b) => Math.abs(ALAW_TO_LINEAR[b]!))));
    assert.ok(peak > 7000 && peak < 9000, `peak ${peak}`);
  });

  test('plays text through TTS: about as long as espeak-ng speaks, and not silent', async () => {
    const all = frames(await library().load([{ tts: '请输入您的会员号码' }], 'PCMU'));
    assert.ok(all.length > 50 && all.length < 300, `${all.length} frames`);
    assert.ok(all.some((f) => f.some((b) => Math.abs(ULAW_TO_LINEAR[b]!) > 2000)));
  });

  test('plays several items back to back: file, pause, tone', async () => {
    const all = frames(await library().load([{ file: 'welcome.wav' }, { silenceMs: 200 }, { tone: 'busy', durationMs: 700 }], 'PCMU'));
    assert.equal(all.length, 50 + 10 + 35);
    assert.ok(all.slice(50, 60).every((f) => f.every((b) => b === G711_SILENCE.PCMU)));
  });

  test('refuses paths outside the prompt directory, missing files and files that are not WAV', async () => {
    const lib = library();
    await assert.rejects(lib.load([{ file: '../etc/passwd' }], 'PCMU'), PromptError);
    await assert.rejects(lib.load([{ file: '/etc/passwd' }], 'PCMU'), PromptError);
    await assert.rejects(lib.load([{ file: 'a/../../x.wav' }], 'PCMU'), PromptError);
    await assert.rejects(lib.load([{ file: 'missing.wav' }], 'PCMU'), /does not exist/);
    await assert.rejects(lib.load([{ file: 'broken.wav' }], 'PCMU'), /not a RIFF WAVE/);
  });

  test('music on hold loops the configured file, or plays the hold tone without one', async () => {
    const tts = new EspeakTts({ cacheDir: join(dir, 'tts-4'), voices, defaultLanguage: 'en' });
    const moh = await new PromptLibrary({ promptDir: dir, tts, tonePlan: 'cn', musicOnHold: 'welcome.wav' }).musicOnHold('PCMU');
    assert.equal(frames(moh, 120).length, 120, 'longer than the 50-frame file');
    const tone = await new PromptLibrary({ promptDir: dir, tts, tonePlan: 'cn' }).musicOnHold('PCMU');
    assert.equal(frames(tone, 300).length, 300);
  });
});
