import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ULAW_TO_LINEAR, encodeG711 } from './g711.ts';
import { WavFormatError, encodeWavPcm16, parseWav, resample, wavHeader, wavToG711, wavToMono16 } from './wav.ts';

function sine(freq: number, rate: number, ms: number, amplitude = 10000): Int16Array {
  const n = Math.round((rate * ms) / 1000);
  return Int16Array.from({ length: n }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * freq * i) / rate)));
}

/** Amplitude of `freq` in the signal (single-bin DFT), relative to a full-amplitude sine. */
function toneLevel(x: ArrayLike<number>, freq: number, rate: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i]! * Math.cos((2 * Math.PI * freq * i) / rate);
    im += x[i]! * Math.sin((2 * Math.PI * freq * i) / rate);
  }
  return (2 * Math.hypot(re, im)) / x.length;
}

describe('WAV files', () => {
  test('writes a 44-byte PCM header that reads back with the same samples', () => {
    const samples = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
    const file = encodeWavPcm16(samples, 16000, 2);
    assert.equal(file.length, 44 + 12);
    const wav = parseWav(file);
    assert.deepEqual({ ...wav, data: undefined }, { encoding: 'pcm', sampleRate: 16000, channels: 2, bitsPerSample: 16, data: undefined });
    assert.deepEqual(Array.from(new Int16Array(new Uint8Array(wav.data).buffer)), Array.from(samples));
  });

  test('writes G.711 files with the fmt extension and fact chunk, readable as μ-law/A-law', () => {
    const data = Uint8Array.from([1, 2, 3, 4, 5]);
    for (const encoding of ['ulaw', 'alaw'] as const) {
      const file = Buffer.concat([wavHeader({ encoding, sampleRate: 8000, channels: 1 }, data.length), data]);
      assert.equal(file.readUInt32LE(4), file.length - 8 + 1, 'RIFF size counts the pad byte of an odd data chunk');
      const wav = parseWav(file);
      assert.equal(wav.encoding, encoding);
      assert.deepEqual(Array.from(wav.data), [1, 2, 3, 4, 5]);
    }
  });

  test('reads 8-bit unsigned, 24-bit, 32-bit and float samples into 16 bits', () => {
    const mk = (tag: number, bits: number, body: number[]) => {
      const h = wavHeader({ encoding: 'pcm', sampleRate: 8000, channels: 1 }, body.length);
      h.writeUInt16LE(tag, 20);
      h.writeUInt16LE(bits, 34);
      return parseWav(Buffer.concat([h, Buffer.from(body)]));
    };
    assert.deepEqual(Array.from(wavToMono16(mk(1, 8, [128, 255, 0]))), [0, 127 << 8, -32768]);
    assert.deepEqual(Array.from(wavToMono16(mk(1, 24, [0x00, 0x34, 0x12, 0x00, 0x00, 0x80]))), [0x1234, -32768]);
    assert.deepEqual(Array.from(wavToMono16(mk(1, 32, [0, 0, 0x34, 0x12]))), [0x1234]);
    const f = Buffer.alloc(8);
    f.writeFloatLE(0.5, 0);
    f.writeFloatLE(-2, 4);
    assert.deepEqual(Array.from(wavToMono16(mk(3, 32, [...f]))), [16384, -32767]);
  });

  test('reads WAVE_FORMAT_EXTENSIBLE files by their sub-format', () => {
    const fmt = Buffer.alloc(48);
    fmt.write('fmt ', 0, 'ascii');
    fmt.writeUInt32LE(40, 4);
    fmt.writeUInt16LE(0xfffe, 8);
    fmt.writeUInt16LE(1, 10);
    fmt.writeUInt32LE(8000, 12);
    fmt.writeUInt16LE(16, 22);
    fmt.writeUInt16LE(1, 32); // SubFormat GUID starts with the PCM tag
    const data = Buffer.from([4, 0, 0xfc, 0xff]);
    const riff = Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVE', 'ascii'), fmt, Buffer.from('data\x04\0\0\0', 'latin1'), data]);
    assert.deepEqual(Array.from(wavToMono16(parseWav(riff))), [4, -4]);
  });

  test('skips unknown chunks, honours pad bytes and takes a truncated data chunk to the end of the file', () => {
    const pcm = encodeWavPcm16(Int16Array.from([7, 8, 9]), 8000);
    const list = Buffer.concat([Buffer.from('LIST\x03\0\0\0abc\0', 'latin1')]);
    const file = Buffer.concat([pcm.subarray(0, 36), list, pcm.subarray(36)]);
    assert.deepEqual(Array.from(wavToMono16(parseWav(file))), [7, 8, 9]);
    const cut = Buffer.from(pcm.subarray(0, pcm.length - 1)); // last sample half written
    cut.writeUInt32LE(0xffffffff, 40);
    assert.deepEqual(Array.from(wavToMono16(parseWav(cut))), [7, 8]);
  });

  test('refuses what it cannot read with a WavFormatError', () => {
    assert.throws(() => parseWav(Buffer.from('RIFX....WAVE')), WavFormatError);
    assert.throws(() => parseWav(Buffer.from('hello')), WavFormatError);
    const mp3ish = wavHeader({ encoding: 'pcm', sampleRate: 8000, channels: 1 }, 0);
    mp3ish.writeUInt16LE(0x55, 20);
    assert.throws(() => parseWav(mp3ish), /format tag 0x55/);
    assert.throws(() => parseWav(wavHeader({ encoding: 'pcm', sampleRate: 8000, channels: 1 }, 0).subarray(0, 36)), /no data chunk/);
  });

  test('averages channels when mixing down to mono', () => {
    const stereo = encodeWavPcm16(Int16Array.from([100, 300, -50, -150]), 8000, 2);
    assert.deepEqual(Array.from(wavToMono16(parseWav(stereo))), [200, -100]);
  });
});

describe('resampling to 8 kHz', () => {
  for (const rate of [16000, 22050, 44100, 48000]) {
    test(`${rate} Hz: keeps a 1 kHz tone at its level and length`, () => {
      const out = resample(sine(1000, rate, 500), rate, 8000);
      assert.equal(out.length, 4000);
      const level = toneLevel(out.subarray(200, 3800), 1000, 8000);
      assert.ok(Math.abs(level - 10000) < 300, `level ${level}`);
    });
  }

  test('removes a 6 kHz tone that would otherwise alias to 2 kHz', () => {
    const out = resample(sine(6000, 48000, 500), 48000, 8000);
    assert.ok(toneLevel(out.subarray(200, 3800), 2000, 8000) < 200, 'aliased energy at 2 kHz');
    // naive decimation (every 6th sample) would keep it at full strength
    const naive = sine(6000, 48000, 500).filter((_, i) => i % 6 === 0);
    assert.ok(toneLevel(naive.subarray(200, 3800), 2000, 8000) > 5000);
  });

  test('converts a 16 kHz PCM prompt to μ-law frames of the same tone; passes 8 kHz μ-law through', () => {
    const file = parseWav(encodeWavPcm16(sine(440, 16000, 200), 16000));
    const ulaw = wavToG711(file, 'PCMU');
    assert.equal(ulaw.length, 1600);
    const level = toneLevel(Array.from(ulaw.subarray(100, 1500), (b) => ULAW_TO_LINEAR[b]!), 440, 8000);
    assert.ok(Math.abs(level - 10000) < 400, `level ${level}`);
    const native = encodeG711('PCMU', sine(440, 8000, 100));
    const same = wavToG711(parseWav(Buffer.concat([wavHeader({ encoding: 'ulaw', sampleRate: 8000, channels: 1 }, native.length), native])), 'PCMU');
    assert.deepEqual(Array.from(same), Array.from(native));
  });
});
