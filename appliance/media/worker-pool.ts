// mediasoup workers, one per core. Routers go to the worker carrying the fewest; a worker
// that dies is replaced after a delay (doubling while restarts fail), and its death is
// reported so the calls it carried can be ended cleanly by their owners (each router emits
// 'workerclose').
import { EventEmitter } from 'node:events';
import * as mediasoup from 'mediasoup';
import type { Router, RtpCodecCapability, Worker, WorkerSettings } from 'mediasoup/node/lib/types.js';

export interface WorkerPoolOptions {
  size: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  restartDelayMs?: number;
  logLevel?: WorkerSettings['logLevel'];
  /** Injected by tests to make worker creation fail. */
  createWorker?: (settings: WorkerSettings) => Promise<Worker>;
}

export type WorkerPoolEvents = {
  'worker-died': [index: number, error: Error];
  'worker-restarted': [index: number, pid: number];
  'worker-restart-failed': [index: number, error: Error];
};

/** No worker is alive to take a router (all died and none restarted yet). */
export class NoWorkerError extends Error {
  override readonly name = 'NoWorkerError';
  constructor() {
    super('no mediasoup worker is running');
  }
}

interface Slot {
  index: number;
  worker: Worker | undefined;
  routers: number;
  restarts: number;
  timer?: NodeJS.Timeout;
}

const MAX_RESTART_DELAY_MS = 30_000;

export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #options: WorkerPoolOptions;
  readonly #slots: Slot[] = [];
  #closed = false;

  private constructor(options: WorkerPoolOptions) {
    super();
    this.#options = options;
  }

  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    for (let index = 0; index < options.size; index++) pool.#slots.push({ index, worker: undefined, routers: 0, restarts: 0 });
    try {
      await Promise.all(pool.#slots.map((slot) => pool.#spawn(slot)));
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  /** Pids of live workers, by slot (undefined while a slot restarts). */
  get pids(): (number | undefined)[] {
    return this.#slots.map((s) => s.worker?.pid);
  }

  /** Routers per slot. */
  get load(): number[] {
    return this.#slots.map((s) => s.routers);
  }

  /** A router on the least loaded live worker. */
  async createRouter(mediaCodecs: RtpCodecCapability[], appData: Record<string, unknown> = {}): Promise<{ router: Router; workerIndex: number }> {
    const slot = this.#slots.filter((s) => s.worker && !s.worker.died).sort((a, b) => a.routers - b.routers)[0];
    if (!slot?.worker) throw new NoWorkerError();
    slot.routers += 1; // counted before the await so concurrent calls spread out
    let router: Router;
    try {
      router = await slot.worker.createRouter({ mediaCodecs, appData });
    } catch (error) {
      slot.routers -= 1;
      throw error;
    }
    const worker = slot.worker;
    router.observer.once('close', () => {
      if (slot.worker === worker) slot.routers -= 1;
    });
    return { router, workerIndex: slot.index };
  }

  /** Resource usage of each live worker process (getrusage), for telemetry and benchmarks. */
  async usage(): Promise<({ pid: number; userMs: number; systemMs: number; maxRssKb: number } | undefined)[]> {
    return Promise.all(
      this.#slots.map(async (s) => {
        if (!s.worker || s.worker.died) return undefined;
        const u = await s.worker.getResourceUsage();
        return { pid: s.worker.pid, userMs: u.ru_utime, systemMs: u.ru_stime, maxRssKb: u.ru_maxrss };
      }),
    );
  }

  close(): void {
    this.#closed = true;
    for (const slot of this.#slots) {
      if (slot.timer) clearTimeout(slot.timer);
      slot.worker?.close();
      slot.worker = undefined;
    }
  }

  async #spawn(slot: Slot): Promise<void> {
    const create = this.#options.createWorker ?? mediasoup.createWorker;
    const worker = await create({
      logLevel: this.#options.logLevel ?? 'error',
      rtcMinPort: this.#options.rtcMinPort,
      rtcMaxPort: this.#options.rtcMaxPort,
      appData: { slot: slot.index },
    });
    if (this.#closed) {
      worker.close();
      return;
    }
    slot.worker = worker;
    slot.routers = 0;
    worker.once('died', (error) => this.#onDied(slot, worker, error));
  }

  #onDied(slot: Slot, worker: Worker, error: Error): void {
    if (slot.worker !== worker || this.#closed) return;
    slot.worker = undefined;
    slot.routers = 0;
    this.emit('worker-died', slot.index, error);
    this.#scheduleRestart(slot);
  }

  #scheduleRestart(slot: Slot): void {
    const base = this.#options.restartDelayMs ?? 1_000;
    const delay = Math.min(MAX_RESTART_DELAY_MS, base * 2 ** slot.restarts);
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      this.#spawn(slot).then(
        () => {
          slot.restarts = 0;
          if (slot.worker) this.emit('worker-restarted', slot.index, slot.worker.pid);
        },
        (error: Error) => {
          slot.restarts += 1;
          this.emit('worker-restart-failed', slot.index, error);
          if (!this.#closed) this.#scheduleRestart(slot);
        },
      );
    }, delay);
  }
}
