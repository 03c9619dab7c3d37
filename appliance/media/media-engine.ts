// The media plane of one appliance: workers, the shared environment (ports, prompts, TTS,
// recordings, the frame ticker) and the calls' media sessions, one router each. A worker
// that dies takes its sessions with it: each is closed (recording finished and committed)
// and reported, and the worker is restarted for new calls.
import { EventEmitter } from 'node:events';
import type { BatchWriter } from '../store/batch-writer.ts';
import type { SqliteDatabase } from '../store/sqlite-database.ts';
import { FrameTicker, monotonicMs } from './frame-ticker.ts';
import { MediaConfig, type MediaConfigInput } from './media-config.ts';
import type { MediaEnvironment } from './media-environment.ts';
import { MediaSession, type SessionEndReason } from './media-session.ts';
import { PortAllocator } from './port-allocator.ts';
import { PromptLibrary } from './prompt-library.ts';
import { RecordingStore, type RecordingRow } from './recording-store.ts';
import { routerCodecs } from './rtp-parameters.ts';
import { EspeakTts } from './tts.ts';
import { WorkerPool } from './worker-pool.ts';

export interface MediaEngineOptions {
  config: MediaConfigInput;
  /** The appliance database (migrated with RECORDING_MIGRATIONS) and its batch writer. */
  db?: SqliteDatabase;
  writer?: BatchWriter;
  logLevel?: 'debug' | 'warn' | 'error' | 'none';
}

export type MediaEngineEvents = {
  'session-closed': [sessionId: string, reason: SessionEndReason];
  'worker-died': [workerIndex: number, sessionIds: string[], error: Error];
  'worker-restarted': [workerIndex: number];
  warning: [error: Error];
};

/** The engine carries `maxSessions` calls already: the call should be refused (e.g. 503). */
export class MediaCapacityError extends Error {
  override readonly name = 'MediaCapacityError';
  constructor(readonly maxSessions: number) {
    super(`the media plane is at its capacity of ${maxSessions} calls`);
  }
}

export class MediaEngine extends EventEmitter<MediaEngineEvents> {
  readonly config: MediaConfig;
  readonly env: MediaEnvironment;
  readonly #pool: WorkerPool;
  readonly #sessions = new Map<string, MediaSession>();
  /** Sessions whose router is being created (counted against maxSessions). */
  #creating = 0;
  /** Recordings a crash left unfinished, completed at start. */
  readonly recovered: RecordingRow[];

  private constructor(config: MediaConfig, env: MediaEnvironment, pool: WorkerPool, recovered: RecordingRow[]) {
    super();
    this.config = config;
    this.env = env;
    this.#pool = pool;
    this.recovered = recovered;
    pool.on('worker-died', (index, error) => {
      const ids = [...this.#sessions.values()].filter((s) => s.workerIndex === index).map((s) => s.id);
      this.emit('worker-died', index, ids, error);
    });
    pool.on('worker-restarted', (index) => this.emit('worker-restarted', index));
    pool.on('worker-restart-failed', (_index, error) => this.emit('warning', error));
  }

  static async start(options: MediaEngineOptions): Promise<MediaEngine> {
    const config = MediaConfig.parse(options.config);
    if (config.listenIp === '0.0.0.0' && !config.announcedIp) throw new Error('media: announcedIp is required when listenIp is 0.0.0.0');
    const recordings = options.db && options.writer ? new RecordingStore({ dir: config.recording.dir, db: options.db, writer: options.writer }) : undefined;
    const recovered = config.recording.enabled && recordings ? await recordings.recoverOrphans() : [];
    const tts = new EspeakTts({ cacheDir: config.ttsCacheDir, voices: config.ttsVoices, defaultLanguage: config.defaultLanguage });
    const library = new PromptLibrary({ promptDir: config.promptDir, tts, tonePlan: config.tonePlan, ...(config.musicOnHold ? { musicOnHold: config.musicOnHold } : {}) });
    let engine: MediaEngine | undefined;
    const ticker = new FrameTicker(5, (error) => engine?.emit('warning', error as Error));
    const env: MediaEnvironment = {
      config, ports: new PortAllocator(config.sipPorts.min, config.sipPorts.max), library, ticker, now: monotonicMs,
      ...(config.recording.enabled && recordings ? { recordings } : {}),
    };
    const pool = await WorkerPool.start({
      size: config.workers, rtcMinPort: config.webrtcPorts.min, rtcMaxPort: config.webrtcPorts.max,
      restartDelayMs: config.workerRestartDelayMs, logLevel: options.logLevel ?? 'error',
    });
    engine = new MediaEngine(config, env, pool, recovered);
    return engine;
  }

  get pool(): WorkerPool {
    return this.#pool;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** Whether a new call would be refused (check before answering one: 503 rather than no audio). */
  get atCapacity(): boolean {
    const max = this.config.maxSessions;
    return max !== undefined && this.#sessions.size + this.#creating >= max;
  }

  session(id: string): MediaSession | undefined {
    return this.#sessions.get(id);
  }

  /** A call's media on a new router (on the least loaded worker). */
  async createSession(id: string): Promise<MediaSession> {
    if (this.#sessions.has(id)) throw new Error(`media session ${id} exists`);
    if (this.atCapacity) throw new MediaCapacityError(this.config.maxSessions!);
    this.#creating += 1;
    try {
      return await this.#createSession(id);
    } finally {
      this.#creating -= 1;
    }
  }

  async #createSession(id: string): Promise<MediaSession> {
    const { router, workerIndex } = await this.#pool.createRouter(routerCodecs(this.config.telephoneEventPayloadType), { session: id });
    const session = new MediaSession({ id, router, workerIndex, env: this.env });
    this.#sessions.set(id, session);
    session.once('closed', (reason) => {
      this.#sessions.delete(id);
      this.emit('session-closed', id, reason);
    });
    session.on('warning', (error) => this.emit('warning', error));
    return session;
  }

  /** Closes every session (recordings committed), then the workers. */
  async close(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((s) => s.close()));
    this.#pool.close();
  }
}
