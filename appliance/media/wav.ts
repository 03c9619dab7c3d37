// WAV (RIFF WAVE) reading and writing for prompts and recordings: integer PCM (8-32 bit),
// 32-bit float, A-law and μ-law, plain or WAVE_FORMAT_EXTENSIBLE; conversion to 8 kHz mono
// G.711 frames with a windowed-sinc resampler. Pure.
import { decodeG711, encodeG711, type G711Codec } from './g711.ts';

export type WavEncoding = 'pcm' | 'float' | 'alaw' | 'ulaw';

export interface WavInfo {
  encoding: WavEncoding;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** The sample bytes (a view into the input). */
  data: Uint8Array;
}

/** Input that is not a WAV file this module can read. */
export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
}

const FORMAT_TAGS: Readonly<Record<number, WavEncoding>> = { 1: 'pcm', 3: 'float', 6: 'alaw', 7: 'ulaw' };
const EXTENSIBLE = 0xfffe;

/**
 * Reads the fmt and data chunks. A data chunk whose size runs past the end of the file (a
 * recording cut short, or a streaming writer's 0xFFFFFFFF) is taken to the end of the file.
 */
export function parseWav(bytes: Uint8Array): WavInfo {
  const ascii = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || ascii(0) !== 'RIFF' || ascii(8) !== 'WAVE') throw new WavFormatError('not a RIFF WAVE file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: Omit<WavInfo, 'data'> | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = ascii(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw new WavFormatError('fmt chunk too short');
      let tag = view.getUint16(body, true);
      if (tag === EXTENSIBLE) {
        if (size < 40) throw new WavFormatError('extensible fmt chunk too short');
        tag = view.getUint16(body + 24, true); // first two bytes of the SubFormat GUID
      }
      const encoding = FORMAT_TAGS[tag];
      if (!encoding) throw new WavFormatError(`unsupported WAV format tag 0x${tag.toString(16)}`);
      fmt = {
        encoding,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
      if (fmt.channels < 1 || fmt.sampleRate < 1) throw new WavFormatError('no channels or no sample rate');
      const bits = fmt.bitsPerSample;
      const ok = encoding === 'pcm' ? [8, 16, 24, 32].includes(bits) : encoding === 'float' ? bits === 32 : bits === 8;
      if (!ok) throw new WavFormatError(`${bits}-bit ${encoding} is not supported`);
    } else if (id === 'data') {
      if (!fmt) throw new WavFormatError('data chunk before fmt chunk');
      const end = Math.min(bytes.length, body + size);
      const frame = (fmt.bitsPerSample / 8) * fmt.channels;
      return { ...fmt, data: bytes.subarray(body, body + Math.floor((end - body) / frame) * frame) };
    }
    offset = body + size + (size & 1); // chunks are padded to an even length
  }
  throw new WavFormatError(fmt ? 'no data chunk' : 'no fmt chunk');
}

/** Samples of every channel averaged into one 16-bit channel. */
export function wavToMono16(wav: WavInfo): Int16Array {
  const { channels, data } = wav;
  const bytesPerSample = wav.bitsPerSample / 8;
  const frames = data.length / (bytesPerSample * channels);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read = sampleReader(wav, view);
  const out = new Int16Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += read((f * channels + c) * bytesPerSample);
    out[f] = Math.max(-32768, Math.min(32767, Math.round(sum / channels)));
  }
  return out;
}

function sampleReader(wav: WavInfo, view: DataView): (at: number) => number {
  switch (wav.encoding) {
    case 'ulaw':
    case 'alaw': {
      const codec: G711Codec = wav.encoding === 'ulaw' ? 'PCMU' : 'PCMA';
      const table = decodeG711(codec, Uint8Array.from({ length: 256 }, (_, i) => i));
      return (at) => table[view.getUint8(at)]!;
    }
    case 'float':
      return (at) => Math.max(-1, Math.min(1, view.getFloat32(at, true))) * 32767;
    case 'pcm':
      switch (wav.bitsPerSample) {
        case 8:
          return (at) => (view.getUint8(at) - 128) << 8; // 8-bit WAV is unsigned
        case 16:
          return (at) => view.getInt16(at, true);
        case 24:
          return (at) => ((view.getUint8(at + 2) << 24) | (view.getUint8(at + 1) << 16) | (view.getUint8(at) << 8)) >> 16;
        default:
          return (at) => view.getInt32(at, true) >> 16;
      }
  }
}

/**
 * Resamples with a Blackman-windowed sinc whose cutoff sits below the lower Nyquist
 * frequency, so downsampling (44.1/48/16 kHz to 8 kHz) does not alias.
 */
export function resample(input: Int16Array, fromRate: number, toRate: number, halfTaps = 16): Int16Array {
  if (fromRate === toRate) return input.slice();
  const ratio = fromRate / toRate;
  const outLength = Math.floor((input.length * toRate) / fromRate);
  const out = new Int16Array(outLength);
  const cutoff = Math.min(1, toRate / fromRate) * 0.92; // of the input's Nyquist frequency
  const half = Math.ceil(halfTaps / Math.min(1, cutoff));
  for (let n = 0; n < outLength; n++) {
    const t = n * ratio;
    const centre = Math.floor(t);
    let sum = 0;
    let weight = 0;
    for (let k = centre - half + 1; k <= centre + half; k++) {
      if (k < 0 || k >= input.length) continue;
      const x = t - k;
      const w = 0.42 + 0.5 * Math.cos((Math.PI * x) / half) + 0.08 * Math.cos((2 * Math.PI * x) / half);
      const s = x === 0 ? cutoff : Math.sin(Math.PI * cutoff * x) / (Math.PI * x);
      sum += input[k]! * s * w;
      weight += s * w;
    }
    out[n] = Math.max(-32768, Math.min(32767, Math.round(weight === 0 ? 0 : sum / weight)));
  }
  return out;
}

/** A prompt as 8 kHz G.711 bytes: passed through when already so, else decoded and resampled. */
export function wavToG711(wav: WavInfo, codec: G711Codec): Uint8Array {
  const native = codec === 'PCMU' ? 'ulaw' : 'alaw';
  if (wav.encoding === native && wav.sampleRate === 8000 && wav.channels === 1) return new Uint8Array(wav.data); // a copy (Buffer.slice would be a view)
  const mono = wavToMono16(wav);
  return encodeG711(codec, wav.sampleRate === 8000 ? mono : resample(mono, wav.sampleRate, 8000));
}

export interface WavFormat {
  encoding: 'pcm' | 'alaw' | 'ulaw';
  sampleRate: number;
  channels: number;
}

/**
 * The header for `dataBytes` of sample data. PCM gets the canonical 44-byte header; G.711
 * gets the 18-byte fmt chunk and the fact chunk non-PCM formats require (58 bytes).
 */
export function wavHeader(format: WavFormat, dataBytes: number): Buffer {
  const pcm = format.encoding === 'pcm';
  const bits = pcm ? 16 : 8;
  const blockAlign = (bits / 8) * format.channels;
  const size = pcm ? 44 : 58;
  const h = Buffer.alloc(size);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(size - 8 + dataBytes + (dataBytes & 1), 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(pcm ? 16 : 18, 16);
  h.writeUInt16LE(pcm ? 1 : format.encoding === 'alaw' ? 6 : 7, 20);
  h.writeUInt16LE(format.channels, 22);
  h.writeUInt32LE(format.sampleRate, 24);
  h.writeUInt32LE(format.sampleRate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(bits, 34);
  let at = 36;
  if (!pcm) {
    h.writeUInt16LE(0, 36); // cbSize
    h.write('fact', 38, 'ascii');
    h.writeUInt32LE(4, 42);
    h.writeUInt32LE(Math.floor(dataBytes / blockAlign), 46);
    at = 50;
  }
  h.write('data', at, 'ascii');
  h.writeUInt32LE(dataBytes, at + 4);
  return h;
}

/** A whole WAV file of 16-bit samples (interleaved when several channels). */
export function encodeWavPcm16(samples: Int16Array, sampleRate: number, channels = 1): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  return Buffer.concat([wavHeader({ encoding: 'pcm', sampleRate, channels }, data.length), data]);
}
