// Turns what a flow asks to play (recorded files, text, tones, pauses, music on hold) into
// frame sources in the call's codec. Files are decoded and resampled once and kept in a
// small LRU cache keyed by path, modification time and codec; text goes through the TTS
// cache on disk.
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import type { G711Codec } from './g711.ts';
import { BytesSource, SequenceSource, SilenceSource, ToneSource, type FrameSource } from './frame-sources.ts';
import { TONE_PLANS, type ToneName, type TonePlanName } from './tones.ts';
import type { EspeakTts } from './tts.ts';
import { parseWav, wavToG711 } from './wav.ts';

export type PlayItem =
  | { file: string }
  | { tts: string; language?: string }
  | { tone: ToneName; durationMs?: number }
  | { silenceMs: number };

/** A prompt that cannot be played: bad path, missing or unreadable file, TTS failure. */
export class PromptError extends Error {
  override readonly name = 'PromptError';
}

export interface PromptLibraryOptions {
  promptDir: string;
  tts: EspeakTts;
  tonePlan: TonePlanName;
  /** Music on hold file relative to promptDir; ringback-free hold tone when absent. */
  musicOnHold?: string;
  maxCacheBytes?: number;
}

export class PromptLibrary {
  readonly #options: PromptLibraryOptions;
  readonly #cache = new Map<string, Uint8Array>();
  #cacheBytes = 0;

  constructor(options: PromptLibraryOptions) {
    this.#options = options;
  }

  /** All items as one source, played back to back. Loads everything before returning. */
  async load(items: readonly PlayItem[], codec: G711Codec): Promise<FrameSource> {
    const sources = await Promise.all(items.map((item) => this.#source(item, codec)));
    return new SequenceSource(sources);
  }

  /** Endless music on hold (the configured file looped, else the plan's call-waiting tone). */
  async musicOnHold(codec: G711Codec): Promise<FrameSource> {
    const moh = this.#options.musicOnHold;
    if (moh) return new BytesSource(await this.#file(moh, codec), codec, true);
    return new ToneSource(TONE_PLANS[this.#options.tonePlan]['call-waiting'], codec);
  }

  /** An endless call progress tone of the configured plan. */
  tone(name: ToneName, codec: G711Codec, durationMs?: number): FrameSource {
    return new ToneSource(TONE_PLANS[this.#options.tonePlan][name], codec, durationMs);
  }

  async #source(item: PlayItem, codec: G711Codec): Promise<FrameSource> {
    if ('file' in item) return new BytesSource(await this.#file(item.file, codec), codec);
    if ('tts' in item) {
      let path: string;
      try {
        path = await this.#options.tts.speak(item.tts, item.language);
      } catch (error) {
        throw new PromptError(`text to speech failed: ${(error as Error).message}`, { cause: error });
      }
      return new BytesSource(await this.#decode(path, codec), codec);
    }
    if ('tone' in item) return this.tone(item.tone, codec, item.durationMs ?? 3000);
    return new SilenceSource(codec, item.silenceMs);
  }

  async #file(relativePath: string, codec: G711Codec): Promise<Uint8Array> {
    const clean = normalize(relativePath);
    if (isAbsolute(relativePath) || clean.startsWith('..') || clean.split(sep).includes('..')) {
      throw new PromptError(`prompt path "${relativePath}" must be relative and stay inside the prompt directory`);
    }
    return this.#decode(join(this.#options.promptDir, clean), codec);
  }

  async #decode(path: string, codec: G711Codec): Promise<Uint8Array> {
    let mtime: number;
    try {
      mtime = (await stat(path)).mtimeMs;
    } catch {
      throw new PromptError(`prompt file ${path} does not exist`);
    }
    const key = `${codec}\0${mtime}\0${path}`;
    const cached = this.#cache.get(key);
    if (cached) {
      this.#cache.delete(key); // most recently used goes last
      this.#cache.set(key, cached);
      return cached;
    }
    let bytes: Uint8Array;
    try {
      bytes = wavToG711(parseWav(await readFile(path)), codec);
    } catch (error) {
      throw new PromptError(`cannot play ${path}: ${(error as Error).message}`, { cause: error });
    }
    this.#cache.set(key, bytes);
    this.#cacheBytes += bytes.length;
    const max = this.#options.maxCacheBytes ?? 64 * 1024 * 1024;
    for (const [k, v] of this.#cache) {
      if (this.#cacheBytes <= max || k === key) break;
      this.#cache.delete(k);
      this.#cacheBytes -= v.length;
    }
    return bytes;
  }
}
