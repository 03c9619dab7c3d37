import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { BundleError, MAX_BUNDLE_BYTES, verifyBundle } from '../../protocol/config-bundle.ts';
import type { DeviceRef } from '../../protocol/ids.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import type { ConfigTwin } from './config-twin.ts';

export type BundleImportResult =
  | { ok: true; outcome: 'applied' | 'ignored'; version: number; message: string }
  | { ok: false; outcome: 'refused'; version?: number; message: string };

export interface BundleImportOptions {
  twin: ConfigTwin;
  ref: DeviceRef;
  trustedKeys: readonly KeyObject[];
}

/**
 * Imports one offline bundle: the signature must come from a trusted key and the bundle must
 * name this device; then it is offered to the twin exactly like a pushed version (same
 * checks, same atomic switch, versions never go backwards).
 */
export async function importBundle(text: string | Buffer, options: BundleImportOptions): Promise<BundleImportResult> {
  let payload;
  try {
    payload = verifyBundle(text, options.trustedKeys);
  } catch (err) {
    if (err instanceof BundleError) return { ok: false, outcome: 'refused', message: err.message };
    throw err;
  }
  const { ref } = options;
  if (payload.site !== ref.site || payload.device !== ref.device) {
    return { ok: false, outcome: 'refused', version: payload.version, message: `the bundle is for ${payload.site}/${payload.device}, not this appliance (${ref.site}/${ref.device})` };
  }
  const result = await options.twin.offer({ version: payload.version, hash: payload.hash, config: payload.config, source: 'bundle', by: payload.by });
  if (result.outcome === 'applied') return { ok: true, outcome: 'applied', version: payload.version, message: `version ${payload.version} applied` };
  if (result.outcome === 'ignored') return { ok: true, outcome: 'ignored', version: payload.version, message: `version ${payload.version} not applied: ${result.reason} (running ${options.twin.running.version})` };
  return { ok: false, outcome: 'refused', version: payload.version, message: result.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ') };
}

export const BUNDLE_SUFFIX = '.ccbundle';

export interface BundleInboxOptions extends BundleImportOptions {
  /** A folder to watch, e.g. where a USB stick is mounted. */
  dir: string;
  intervalMs?: number;
  log?: Logger;
  onResult?: (file: string, result: BundleImportResult) => void;
}

/**
 * Watches a folder for `*.ccbundle` files (polling: USB mounts come and go, and inotify does
 * not follow them) and imports each new or changed one once. The outcome is logged, handed
 * to `onResult`, and written beside the bundle as `<name>.result.json` when the medium is
 * writable, so whoever carried the stick can read what happened.
 */
export class BundleInbox {
  readonly #seen = new Map<string, string>();
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(private readonly options: BundleInboxOptions) {
    this.#log = options.log ?? silentLogger;
  }

  start(): void {
    const tick = () => {
      this.#running = this.scan().finally(() => {
        if (this.#timer !== undefined) this.#timer = setTimeout(tick, this.options.intervalMs ?? 5000);
      });
    };
    this.#timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One pass over the folder; a missing folder (no stick) is normal. */
  async scan(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.options.dir)).filter((n) => n.endsWith(BUNDLE_SUFFIX)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const file = join(this.options.dir, name);
      try {
        const st = await stat(file);
        const mark = `${st.size}:${st.mtimeMs}`;
        if (this.#seen.get(file) === mark) continue;
        this.#seen.set(file, mark);
        const result: BundleImportResult =
          st.size > MAX_BUNDLE_BYTES
            ? { ok: false, outcome: 'refused', message: `bundle is larger than ${MAX_BUNDLE_BYTES} bytes` }
            : await importBundle(await readFile(file), this.options);
        (result.ok ? this.#log.info : this.#log.warn)('offline bundle', { file, ...result });
        this.options.onResult?.(file, result);
        await writeFile(`${file}.result.json`, `${JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2)}\n`).catch(() => undefined);
      } catch (err) {
        this.#log.error('reading an offline bundle failed', { file, error: (err as Error).message });
      }
    }
  }
}
