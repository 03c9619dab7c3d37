import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ALAW_TO_LINEAR, G711_SILENCE, ULAW_TO_LINEAR, encodeG711 } from './g711.ts';
import { conferenceMatrix, matrixFor, mixG711, mixPcm, supervisorMatrix } from './mixer.ts';

const parties = { caller: 'c', agent: 'a', supervisors: ['s'] };
const sorted = (m: ReadonlyMap<string, readonly string[]>) => Object.fromEntries([...m].map(([k, v]) => [k, [...v].sort()]));

describe('hearing matrices', () => {
  test('listen: the supervisor hears caller and agent, nobody hears the supervisor', () => {
    assert.deepEqual(sorted(supervisorMatrix('listen', parties)), { c: ['a'], a: ['c'], s: ['a', 'c'] });
  });

  test('whisper: the agent hears the supervisor, the caller does not', () => {
    assert.deepEqual(sorted(supervisorMatrix('whisper', parties)), { c: ['a'], a: ['c', 's'], s: ['a', 'c'] });
  });

  test('barge: all hear all', () => {
    assert.deepEqual(sorted(supervisorMatrix('barge', parties)), { c: ['a', 's'], a: ['c', 's'], s: ['a', 'c'] });
  });

  test('three-way: everyone hears everyone else, never themselves', () => {
    assert.deepEqual(sorted(matrixFor('three-way', parties)), { c: ['a', 's'], a: ['c', 's'], s: ['a', 'c'] });
    assert.deepEqual(sorted(conferenceMatrix(['x', 'y'])), { x: ['y'], y: ['x'] });
  });

  test('two barging supervisors hear each other; two listening supervisors do not', () => {
    const two = { ...parties, supervisors: ['s1', 's2'] };
    assert.deepEqual(sorted(supervisorMatrix('barge', two)), { c: ['a', 's1', 's2'], a: ['c', 's1', 's2'], s1: ['a', 'c', 's2'], s2: ['a', 'c', 's1'] });
    assert.deepEqual(sorted(supervisorMatrix('listen', two)), { c: ['a'], a: ['c'], s1: ['a', 'c'], s2: ['a', 'c'] });
  });
});

describe('mixPcm', () => {
  test('sums the sources of each listener sample by sample', () => {
    const frames = new Map([
      ['c', Int16Array.from([100, -200, 300, 0])],
      ['a', Int16Array.from([10, 20, -30, 0])],
      ['s', Int16Array.from([1, 1, 1, 1])],
    ]);
    const out = mixPcm(frames, supervisorMatrix('whisper', parties), 4);
    assert.deepEqual(Array.from(out.get('a')!), [101, -199, 301, 1]);
    assert.deepEqual(Array.from(out.get('c')!), [10, 20, -30, 0]);
    assert.deepEqual(Array.from(out.get('s')!), [110, -180, 270, 0]);
  });

  test('saturates sums at the 16-bit limits instead of wrapping', () => {
    const frames = new Map([
      ['x', Int16Array.from([30000, -30000, 32767, -32768])],
      ['y', Int16Array.from([30000, -30000, 1, -1])],
      ['z', Int16Array.from([0, 0, 0, 0])],
    ]);
    const out = mixPcm(frames, conferenceMatrix(['x', 'y', 'z']), 4);
    assert.deepEqual(Array.from(out.get('z')!), [32767, -32768, 32767, -32768]);
  });

  test('treats a missing frame as silence and pads short frames', () => {
    const out = mixPcm(new Map([['c', Int16Array.from([5, 5])]]), supervisorMatrix('barge', parties), 4);
    assert.deepEqual(Array.from(out.get('a')!), [5, 5, 0, 0]);
    assert.deepEqual(Array.from(out.get('c')!), [0, 0, 0, 0]);
  });
});

describe('mixG711', () => {
  for (const codec of ['PCMU', 'PCMA'] as const) {
    const table = codec === 'PCMU' ? ULAW_TO_LINEAR : ALAW_TO_LINEAR;
    test(`${codec}: a listener with two sources gets the encoded sum of the decoded frames`, () => {
      const c = encodeG711(codec, [1000, -1000, 8000, 0]);
      const s = encodeG711(codec, [500, 500, 8000, 0]);
      const out = mixG711(codec, new Map([['c', c], ['s', s]]), supervisorMatrix('whisper', parties), 4);
      const agentHears = out.get('a')!;
      const expected = encodeG711(codec, Array.from(c, (b, i) => table[b]! + table[s[i]!]!));
      assert.deepEqual(Array.from(agentHears), Array.from(expected));
      // about 1500, -500, 16000 within G.711's quantisation
      const linear = Array.from(agentHears, (b) => table[b]!);
      assert.ok(Math.abs(linear[0]! - 1500) < 64 && Math.abs(linear[1]! + 500) < 32 && Math.abs(linear[2]! - 16000) < 512, linear.join());
    });

    test(`${codec}: a listener with one source gets its bytes unchanged, absent sources give silence`, () => {
      const a = encodeG711(codec, [1, 2, 3, 4]);
      const out = mixG711(codec, new Map([['a', a]]), supervisorMatrix('listen', parties), 4);
      assert.equal(out.get('c'), a);
      assert.equal(out.get('s'), a);
      assert.deepEqual(Array.from(out.get('a')!), new Array(4).fill(G711_SILENCE[codec]), 'the agent hears the absent caller');
    });

    test(`${codec}: loud sources clip at full scale`, () => {
      const loud = encodeG711(codec, [32000, -32000]);
      const out = mixG711(codec, new Map([['x', loud], ['y', loud]]), conferenceMatrix(['x', 'y', 'z']), 2);
      const linear = Array.from(out.get('z')!, (b) => table[b]!);
      const max = Math.max(...table);
      assert.deepEqual(linear, [max, -max]);
    });
  }
});
