// Text to speech with espeak-ng (Debian), entirely local so air-gapped sites have speech.
// Each (voice, speed, text) is synthesised once into a WAV file in the cache directory,
// written to a temporary name, fsynced and renamed: a crash never leaves a half file under
// a cache key. Concurrent requests for the same text share one espeak-ng run.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface EspeakTtsOptions {
  cacheDir: string;
  /** espeak-ng voice by language tag (e.g. 'zh-CN' -> 'cmn'). */
  voices: Readonly<Record<string, string>>;
  defaultLanguage: string;
  /** Words per minute. */
  speed?: number;
  binary?: string;
  timeoutMs?: number;
}

/** espeak-ng failed, timed out or is not installed. */
export class TtsError extends Error {
  override readonly name = 'TtsError';
}

const MAX_TEXT = 2000;

export class EspeakTts {
  readonly #options: EspeakTtsOptions;
  readonly #running = new Map<string, Promise<string>>();
  #synthesised = 0;

  constructor(options: EspeakTtsOptions) {
    this.#options = options;
  }

  /** espeak-ng runs so far (cache misses). */
  get synthesised(): number {
    return this.#synthesised;
  }

  voiceFor(language?: string): string {
    const voices = this.#options.voices;
    const tag = language ?? this.#options.defaultLanguage;
    return voices[tag] ?? voices[tag.split('-')[0]!] ?? voices[this.#options.defaultLanguage] ?? 'en';
  }

  /** Path of a WAV file speaking `text` (from the cache when it was spoken before). */
  async speak(text: string, language?: string): Promise<string> {
    const clean = text.replace(/\s+/g, ' ').trim();
    if (!clean) throw new TtsError('nothing to say: the text is empty');
    if (clean.length > MAX_TEXT) throw new TtsError(`text of ${clean.length} characters is longer than ${MAX_TEXT}`);
    const voice = this.voiceFor(language);
    const speed = this.#options.speed ?? 160;
    const key = createHash('sha256').update(JSON.stringify([voice, speed, clean])).digest('hex').slice(0, 32);
    const path = join(this.#options.cacheDir, `${key}.wav`);
    const running = this.#running.get(key);
    if (running) return running;
    const job = this.#ensure(path, voice, speed, clean).finally(() => this.#running.delete(key));
    this.#running.set(key, job);
    return job;
  }

  async #ensure(path: string, voice: string, speed: number, text: string): Promise<string> {
    try {
      if ((await stat(path)).size > 44) return path;
    } catch {
      // not cached yet
    }
    await mkdir(this.#options.cacheDir, { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    try {
      await this.#run(['-v', voice, '-s', String(speed), '-w', temp, '--stdin'], text);
      const handle = await open(temp, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
      this.#synthesised += 1;
      return path;
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  }

  #run(args: string[], input: string): Promise<void> {
    const binary = this.#options.binary ?? 'espeak-ng';
    return new Promise((resolve, reject) => {
      const child = spawn(binary, args, { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new TtsError(`${binary} took longer than ${this.#options.timeoutMs ?? 10_000} ms`));
      }, this.#options.timeoutMs ?? 10_000);
      child.stderr.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-2000);
      });
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new TtsError(`cannot run ${binary}: ${error.message}`));
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new TtsError(`${binary} exited with ${code}: ${stderr.trim()}`));
      });
      child.stdin.on('error', () => undefined); // reported through 'close'
      child.stdin.end(input);
    });
  }
}
