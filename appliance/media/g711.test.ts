import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  ALAW_TO_LINEAR, G711_SILENCE, ULAW_TO_LINEAR, alawEncodeSample, clip16, decodeG711, encodeG711, ulawEncodeSample,
  type G711Codec,
} from './g711.ts';

// Decoding tables produced by sox (an independent implementation), see the file's "source".
const sox = JSON.parse(readFileSync(new URL('../../test/fixtures/media/g711-decode-sox.json', import.meta.url), 'utf8')) as Record<G711Codec, number[]>;
const tables: Record<G711Codec, Readonly<Int16Array>> = { PCMU: ULAW_TO_LINEAR, PCMA: ALAW_TO_LINEAR };

describe('G.711 tables', () => {
  for (const codec of ['PCMU', 'PCMA'] as const) {
    test(`${codec} decodes all 256 codes to the same values as sox`, () => {
      assert.deepEqual(Array.from(tables[codec]), sox[codec]);
    });
  }

  test('μ-law has the standard extremes and two zeros (0xFF and 0x7F)', () => {
    assert.equal(ULAW_TO_LINEAR[0x00], -32124);
    assert.equal(ULAW_TO_LINEAR[0x80], 32124);
    assert.equal(ULAW_TO_LINEAR[0xff], 0);
    assert.equal(ULAW_TO_LINEAR[0x7f], 0);
  });

  test('A-law has the standard extremes and no zero level (smallest is ±8)', () => {
    assert.equal(ALAW_TO_LINEAR[0xaa], 32256);
    assert.equal(ALAW_TO_LINEAR[0x2a], -32256);
    assert.equal(ALAW_TO_LINEAR[0xd5], 8);
    assert.equal(ALAW_TO_LINEAR[0x55], -8);
  });

  test('silence codes decode to the smallest magnitude', () => {
    assert.equal(ULAW_TO_LINEAR[G711_SILENCE.PCMU], 0);
    assert.equal(Math.abs(ALAW_TO_LINEAR[G711_SILENCE.PCMA]!), 8);
    assert.equal(ulawEncodeSample(0), G711_SILENCE.PCMU);
    assert.equal(alawEncodeSample(0), G711_SILENCE.PCMA);
  });
});

describe('G.711 encoder', () => {
  for (const codec of ['PCMU', 'PCMA'] as const) {
    const table = tables[codec];
    const levels = [...new Set(Array.from(table))].sort((a, b) => a - b);
    // Quantisation step of the coarse input the law looks at: 14 bits (μ) or 13 bits (A).
    const lsb = codec === 'PCMU' ? 4 : 8;

    test(`${codec} re-encodes every decoded level to a code with that level`, () => {
      for (let code = 0; code < 256; code++) {
        const level = table[code]!;
        assert.equal(table[encodeG711(codec, [level])[0]!], level, `code ${code} level ${level}`);
      }
    });

    // Half the width of the input interval a level stands for: half the distance to the next
    // level away from zero (the segment's step); the outermost level uses its inner neighbour.
    const halfStep = new Map<number, number>();
    levels.forEach((level, i) => {
      const outward = level >= 0 ? levels[i + 1] : levels[i - 1];
      const inward = level >= 0 ? levels[i - 1] : levels[i + 1];
      halfStep.set(level, Math.abs((outward ?? inward!) - level) / 2);
    });

    test(`${codec} maps every 16-bit sample into the interval of its level (within one input step)`, () => {
      const all = new Int16Array(65536);
      for (let i = 0; i < all.length; i++) all[i] = i - 32768;
      const codes = encodeG711(codec, all);
      const extreme = levels[levels.length - 1]!;
      for (let i = 0; i < all.length; i++) {
        const x = all[i]!;
        const got = table[codes[i]!]!;
        if (Math.abs(x) > extreme) {
          assert.equal(Math.abs(got), extreme, `${x} beyond the last level must clip to it`);
          continue;
        }
        assert.ok(Math.abs(got - x) <= halfStep.get(got)! + lsb, `${x} encoded to ${got}`);
      }
    });

    test(`${codec} encoding is monotonic in the sample value`, () => {
      let previous = -Infinity;
      for (let x = -32768; x <= 32767; x += 7) {
        const level = table[encodeG711(codec, [x])[0]!]!;
        assert.ok(level >= previous, `${x}: ${level} < ${previous}`);
        previous = level;
      }
    });

    test(`${codec} decodes a buffer through the table, reusing the given output array`, () => {
      const bytes = Uint8Array.from([0, 1, 127, 128, 255]);
      const out = new Int16Array(8);
      const result = decodeG711(codec, bytes, out);
      assert.equal(result, out);
      assert.deepEqual(Array.from(out.subarray(0, 5)), Array.from(bytes, (b) => table[b]!));
    });
  }

  test('clips sums outside the 16-bit range before encoding instead of wrapping around', () => {
    assert.equal(clip16(40000), 32767);
    assert.equal(clip16(-40000), -32768);
    assert.equal(clip16(123.7), 123);
    assert.deepEqual(Array.from(encodeG711('PCMU', [70000, -70000])), Array.from(encodeG711('PCMU', [32767, -32768])));
    assert.deepEqual(Array.from(encodeG711('PCMA', [70000, -70000])), Array.from(encodeG711('PCMA', [32767, -32768])));
  });
});
