// What the prompt player plays: sources of 20 ms G.711 frames (a decoded prompt, a looped
// music-on-hold file, a tone, silence, several in a row). Pure: a source is pulled once per
// frame and says when it is finished.
import { G711_SILENCE, encodeG711, type G711Codec } from './g711.ts';
import { ToneGenerator, type ToneSpec } from './tones.ts';

export const FRAME_SAMPLES = 160; // 20 ms at 8 kHz

export interface FrameSource {
  /** The next frame, or undefined when the source has nothing more to play. */
  next(): Uint8Array | undefined;
}

/** Plays G.711 bytes once (or looped), the last frame padded with silence. */
export class BytesSource implements FrameSource {
  #at = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly codec: G711Codec,
    private readonly loop = false,
  ) {}

  next(): Uint8Array | undefined {
    if (this.#at >= this.bytes.length) {
      if (!this.loop || this.bytes.length === 0) return undefined;
      this.#at = 0;
    }
    const end = this.#at + FRAME_SAMPLES;
    if (end <= this.bytes.length) {
      const frame = this.bytes.subarray(this.#at, end);
      this.#at = end;
      return frame;
    }
    const frame = new Uint8Array(FRAME_SAMPLES).fill(G711_SILENCE[this.codec]);
    const tail = this.bytes.subarray(this.#at);
    frame.set(tail);
    // a looped source continues from the start of the file in the same frame
    if (this.loop) frame.set(this.bytes.subarray(0, FRAME_SAMPLES - tail.length), tail.length);
    this.#at = this.loop ? FRAME_SAMPLES - tail.length : this.bytes.length;
    return frame;
  }
}

/** A call progress tone, endless or for `durationMs`. */
export class ToneSource implements FrameSource {
  readonly #generator: ToneGenerator;
  #left: number;
  constructor(spec: ToneSpec, private readonly codec: G711Codec, durationMs = Infinity) {
    this.#generator = new ToneGenerator(spec);
    this.#left = Math.ceil(durationMs / 20);
  }

  next(): Uint8Array | undefined {
    if (this.#left <= 0) return undefined;
    this.#left -= 1;
    return encodeG711(this.codec, this.#generator.next(FRAME_SAMPLES));
  }
}

/** Silence for a while (pauses between prompts). */
export class SilenceSource implements FrameSource {
  #left: number;
  readonly #frame: Uint8Array;
  constructor(codec: G711Codec, durationMs: number) {
    this.#left = Math.ceil(durationMs / 20);
    this.#frame = new Uint8Array(FRAME_SAMPLES).fill(G711_SILENCE[codec]);
  }

  next(): Uint8Array | undefined {
    if (this.#left <= 0) return undefined;
    this.#left -= 1;
    return this.#frame;
  }
}

/** Several sources one after the other, without a gap between them. */
export class SequenceSource implements FrameSource {
  #index = 0;
  constructor(private readonly sources: readonly FrameSource[]) {}

  next(): Uint8Array | undefined {
    while (this.#index < this.sources.length) {
      const frame = this.sources[this.#index]!.next();
      if (frame) return frame;
      this.#index += 1;
    }
    return undefined;
  }
}
