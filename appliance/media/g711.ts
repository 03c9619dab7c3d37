// G.711 companding (ITU-T G.711 §A/§B, the reference algorithm of Sun's g711.c): μ-law (PCMU)
// and A-law (PCMA) on 16-bit linear samples. Decoding is one table lookup; encoding is a
// lookup in a table indexed by the top 14 (μ-law) or 13 (A-law) bits, because G.711 ignores
// the bits below those anyway. Pure.

export type G711Codec = 'PCMU' | 'PCMA';

/** The code of silence (linear 0) in each law; what a muted or absent stream is filled with. */
export const G711_SILENCE: Readonly<Record<G711Codec, number>> = { PCMU: 0xff, PCMA: 0xd5 };

const BIAS = 0x84;
const CLIP = 8159;
const SEG_UEND = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff] as const;
const SEG_AEND = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff] as const;

function segment(value: number, ends: readonly number[]): number {
  for (let i = 0; i < ends.length; i++) if (value <= ends[i]!) return i;
  return ends.length;
}

/** μ-law code of a 16-bit sample (G.711 §B). */
export function ulawEncodeSample(sample: number): number {
  let v = sample >> 2; // 14-bit magnitude
  let mask = 0xff;
  if (v < 0) {
    v = -v;
    mask = 0x7f;
  }
  if (v > CLIP) v = CLIP;
  v += BIAS >> 2;
  const seg = segment(v, SEG_UEND);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((v >> (seg + 1)) & 0x0f)) ^ mask;
}

/** 16-bit sample of a μ-law code. */
export function ulawDecodeSample(code: number): number {
  const u = ~code & 0xff;
  let t = ((u & 0x0f) << 3) + BIAS;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? BIAS - t : t - BIAS;
}

/** A-law code of a 16-bit sample (G.711 §A). */
export function alawEncodeSample(sample: number): number {
  let v = sample >> 3; // 13-bit magnitude
  let mask: number;
  if (v >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    v = -v - 1;
  }
  const seg = segment(v, SEG_AEND);
  if (seg >= 8) return 0x7f ^ mask;
  const quant = seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f;
  return ((seg << 4) | quant) ^ mask;
}

/** 16-bit sample of an A-law code. */
export function alawDecodeSample(code: number): number {
  const a = (code ^ 0x55) & 0xff;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

function decodeTable(decode: (code: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) table[code] = decode(code);
  return table;
}

/** Decoding tables: linear value of each of the 256 codes. */
export const ULAW_TO_LINEAR: Readonly<Int16Array> = decodeTable(ulawDecodeSample);
export const ALAW_TO_LINEAR: Readonly<Int16Array> = decodeTable(alawDecodeSample);

// Encoding tables indexed by the sample's top bits (two's complement, offset to be unsigned).
const ULAW_ENCODE = new Uint8Array(1 << 14);
for (let i = 0; i < ULAW_ENCODE.length; i++) ULAW_ENCODE[i] = ulawEncodeSample((i - (1 << 13)) << 2);
const ALAW_ENCODE = new Uint8Array(1 << 13);
for (let i = 0; i < ALAW_ENCODE.length; i++) ALAW_ENCODE[i] = alawEncodeSample((i - (1 << 12)) << 3);

/** Decodes G.711 bytes into 16-bit samples (into `out` when given, which must be long enough). */
export function decodeG711(codec: G711Codec, bytes: Uint8Array, out = new Int16Array(bytes.length)): Int16Array {
  const table = codec === 'PCMU' ? ULAW_TO_LINEAR : ALAW_TO_LINEAR;
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]!]!;
  return out;
}

/** Encodes 16-bit samples (values outside the 16-bit range are clipped first). */
export function encodeG711(codec: G711Codec, samples: ArrayLike<number>, out = new Uint8Array(samples.length)): Uint8Array {
  if (codec === 'PCMU') {
    for (let i = 0; i < samples.length; i++) out[i] = ULAW_ENCODE[(clip16(samples[i]!) >> 2) + (1 << 13)]!;
  } else {
    for (let i = 0; i < samples.length; i++) out[i] = ALAW_ENCODE[(clip16(samples[i]!) >> 3) + (1 << 12)]!;
  }
  return out;
}

/** Saturates to the 16-bit range (what a mixer's sum needs before encoding). */
export function clip16(value: number): number {
  return value > 32767 ? 32767 : value < -32768 ? -32768 : value | 0;
}

/** RTP static payload types of RFC 3551 §6. */
export const G711_PAYLOAD_TYPE: Readonly<Record<G711Codec, number>> = { PCMU: 0, PCMA: 8 };
