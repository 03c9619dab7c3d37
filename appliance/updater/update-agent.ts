import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Decoded } from '../../protocol/decode.ts';
import { FINAL_UPDATE_STATES, UpdateState, windowState, type UpdateInstall, type UpdateStatus } from '../../protocol/update-job.ts';
import type { FleetLink } from '../fleet-link/fleet-link.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import { DownloadError, downloadWithRetry, type DownloadOptions } from './bundle-download.ts';
import type { Updater } from './updater.ts';
import { compareVersions } from './version.ts';
import { writeFileDurably } from './write-file-durably.ts';

/**
 * The appliance's side of a rollout: it takes its update job from the fleet (retained, so it
 * is read again after every connect and every reboot), waits for the maintenance window,
 * drains calls, downloads the bundle (resuming after a broken link), installs it into the
 * inactive slot, reboots into it, and after the reboot reports whether the new slot
 * committed or the box went back. Its job survives the reboot in a small file on the data
 * partition, which is how the restarted agent knows what it was doing.
 */
export interface UpdateDrain {
  /** Calls up now, reported while draining. */
  activeCalls(): number;
  /** Stop offering new calls; resolve when none is left (or reject when the signal aborts). */
  drain(signal: AbortSignal): Promise<void>;
  /** Offer calls again: the job was withdrawn or failed before the reboot. */
  undrain(): void;
}

/** The default until the call layer wires its own: nothing to drain. */
export const NO_CALLS: UpdateDrain = { activeCalls: () => 0, drain: async () => {}, undrain: () => {} };

export interface UpdateAgentOptions {
  link: Pick<FleetLink, 'on' | 'off' | 'publish'>;
  updater: Pick<Updater, 'installFile' | 'status'>;
  /** The version running now. */
  currentVersion: string;
  /** On the data partition: the job file and the download. */
  workDir: string;
  /** Restarts the box into the armed slot (the real one via systemd). */
  reboot: () => Promise<void>;
  drain?: UpdateDrain;
  download?: { attempts?: number; retryPauseMs?: number; fetch?: DownloadOptions['fetch'] };
  /** Least time between two progress reports (default 5 s: thousands of boxes download at once). */
  progressEveryMs?: number;
  /** While the new slot's health check has not decided yet, how often to look again. */
  outcomePollMs?: number;
  now?: () => number;
  /** Waits (for the maintenance window); rejects when the signal aborts. Tests pass a virtual one. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  log?: Logger;
}

const JobFile = z.object({
  campaign: z.string(),
  version: z.string(),
  state: UpdateState,
  code: z.string().optional(),
  reason: z.string().optional(),
});
type JobFile = z.infer<typeof JobFile>;

class CancelledError extends Error {
  override name = 'CancelledError';
}

export class UpdateAgent {
  private job: JobFile | undefined;
  private last: UpdateStatus;
  private run: { campaign: string; abort: AbortController; installing: boolean } | undefined;
  private stopped = false;
  private outcomeTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly drain: UpdateDrain;
  private readonly onMessage = (m: Decoded) => {
    if (m.name === 'updateDesired') void this.onDesired(m.payload);
  };
  private readonly onConnected = () => this.publish();

  constructor(private readonly options: UpdateAgentOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? silentLogger;
    this.drain = options.drain ?? NO_CALLS;
    this.last = { ts: this.now(), state: 'idle', installedVersion: options.currentVersion };
  }

  private get jobPath(): string {
    return join(this.options.workDir, 'update-job.json');
  }

  /** The last status reported. */
  get status(): UpdateStatus {
    return this.last;
  }

  async start(): Promise<void> {
    this.job = await this.readJob();
    if (this.job?.state === 'rebooting') await this.settleAfterReboot();
    // A job cut short by a restart (waiting, draining, downloading) resumes when the fleet's
    // retained job arrives again; until then there is only the final word of a finished one.
    else if (this.job && FINAL_UPDATE_STATES.has(this.job.state)) this.report(this.job.state, { campaign: this.job.campaign, version: this.job.version, ...(this.job.code ? { code: this.job.code } : {}), ...(this.job.reason ? { reason: this.job.reason } : {}) });
    this.options.link.on('message', this.onMessage);
    this.options.link.on('connected', this.onConnected);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.outcomeTimer);
    this.options.link.off('message', this.onMessage);
    this.options.link.off('connected', this.onConnected);
    if (this.run && !this.run.installing) this.run.abort.abort();
  }

  private async readJob(): Promise<JobFile | undefined> {
    try {
      const parsed = JobFile.safeParse(JSON.parse(await readFile(this.jobPath, 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  private async saveJob(job: JobFile): Promise<void> {
    this.job = job;
    await writeFileDurably(this.jobPath, JSON.stringify(job));
  }

  /** After the reboot into the new slot: committed, still on trial, or back on the old one. */
  private async settleAfterReboot(): Promise<void> {
    const job = this.job!;
    const status = await this.options.updater.status();
    if (status.env.try === status.booted) {
      // The health check has not committed this slot yet: look again shortly.
      this.report('rebooting', { campaign: job.campaign, version: job.version });
      this.outcomeTimer = setTimeout(() => void this.settleAfterReboot(), this.options.outcomePollMs ?? 5000);
      return;
    }
    if (status.env.try !== undefined && status.env.tries > 0) {
      // Armed but not booted yet (the process restarted before the box did): reboot again.
      this.report('rebooting', { campaign: job.campaign, version: job.version });
      await this.options.reboot();
      return;
    }
    if (compareVersions(this.options.currentVersion, job.version) === 0) {
      await this.finish(job, 'committed');
    } else {
      const failed = status.slots[status.booted === 'a' ? 'b' : 'a'];
      await this.finish(job, 'rolled-back', 'health-check', failed.note ?? `the new system did not prove healthy; running ${this.options.currentVersion} again`);
    }
  }

  private async finish(job: Pick<JobFile, 'campaign' | 'version'>, state: 'committed' | 'rolled-back' | 'failed', code?: string, reason?: string): Promise<void> {
    await this.saveJob({ campaign: job.campaign, version: job.version, state, ...(code ? { code } : {}), ...(reason ? { reason: reason.slice(0, 500) } : {}) });
    this.report(state, { campaign: job.campaign, version: job.version, ...(code ? { code } : {}), ...(reason ? { reason: reason.slice(0, 500) } : {}) });
  }

  private report(state: UpdateStatus['state'], extra: Partial<UpdateStatus> = {}): void {
    this.last = { ts: this.now(), state, installedVersion: this.options.currentVersion, ...extra };
    this.publish();
  }

  private publish(): void {
    if (!this.stopped) this.options.link.publish('updateStatus', this.last);
  }

  private async onDesired(desired: Extract<Decoded, { name: 'updateDesired' }>['payload']): Promise<void> {
    if (desired.kind === 'none') {
      const run = this.run;
      if (run && !run.installing && (!desired.campaign || desired.campaign === run.campaign)) {
        run.abort.abort();
        this.log.info('update job withdrawn', { campaign: run.campaign, reason: desired.reason });
      } else if (!run && this.job && this.job.state !== 'rebooting' && !FINAL_UPDATE_STATES.has(this.job.state) && (!desired.campaign || desired.campaign === this.job.campaign)) {
        // Withdrawn while this box was down in the middle of it: forget it.
        this.job = undefined;
        await rm(this.jobPath, { force: true });
      }
      return;
    }
    const job = this.job;
    if (job?.campaign === desired.campaign && job.version === desired.version && (job.state === 'rebooting' || FINAL_UPDATE_STATES.has(job.state) || this.run)) {
      // Delivered again (reconnect, reboot): say where we are, start nothing twice.
      if (job.state !== 'rebooting' && !this.run) this.report(job.state, { campaign: job.campaign, version: job.version, ...(job.code ? { code: job.code } : {}), ...(job.reason ? { reason: job.reason } : {}) });
      return;
    }
    if (this.run) {
      if (this.run.campaign === desired.campaign || this.run.installing) return;
      this.run.abort.abort();
    }
    if (compareVersions(desired.version, this.options.currentVersion) === 0) return this.finish(desired, 'committed');
    if (compareVersions(desired.version, this.options.currentVersion) < 0) {
      return this.finish(desired, 'failed', 'downgrade', `version ${desired.version} is older than the installed ${this.options.currentVersion}; downgrades are refused`);
    }
    await this.execute(desired);
  }

  private async execute(job: UpdateInstall): Promise<void> {
    const run = { campaign: job.campaign, abort: new AbortController(), installing: false };
    this.run = run;
    const signal = run.abort.signal;
    const about = { campaign: job.campaign, version: job.version };
    let drained = false;
    try {
      await this.saveJob({ ...about, state: 'idle' });
      await this.waitForWindow(job, signal);
      if (job.drainFirst) {
        drained = true;
        await this.drainCalls(job, signal);
      }
      const dest = join(this.options.workDir, 'update.ccb');
      let lastProgress = 0;
      this.report('downloading', { ...about, progress: { received: 0, total: job.size } });
      await downloadWithRetry(
        {
          url: job.url,
          dest,
          sha256: job.sha256,
          size: job.size,
          headers: { authorization: `Bearer ${job.token}` },
          signal,
          onProgress: (received, total) => {
            if (this.now() - lastProgress < (this.options.progressEveryMs ?? 5000)) return;
            lastProgress = this.now();
            this.report('downloading', { ...about, progress: { received, ...(total ? { total } : {}) } });
          },
          ...(this.options.download?.fetch ? { fetch: this.options.download.fetch } : {}),
        },
        { attempts: this.options.download?.attempts ?? 5, pauseMs: this.options.download?.retryPauseMs ?? 2000 },
      );
      if (signal.aborted) throw new CancelledError('withdrawn');
      run.installing = true;
      this.report('installing', about);
      const result = await this.options.updater.installFile(dest, job.url).finally(() => rm(dest, { force: true }));
      if (!result.ok) {
        if (drained) this.drain.undrain();
        return await this.finish(job, 'failed', result.code, result.reason);
      }
      await this.saveJob({ ...about, state: 'rebooting' });
      this.report('rebooting', about);
      this.log.info('update installed; rebooting into it', { ...about, slot: result.slot });
      await this.options.reboot();
    } catch (err) {
      if (drained) this.drain.undrain();
      if (signal.aborted || err instanceof CancelledError) {
        await rm(this.jobPath, { force: true });
        this.job = undefined;
        this.report('idle', {});
        return;
      }
      const code = err instanceof DownloadError ? `download-${err.code}` : 'failed';
      this.log.warn('update failed', { ...about, error: (err as Error).message });
      await this.finish(job, 'failed', code, (err as Error).message);
    } finally {
      if (this.run === run) this.run = undefined;
    }
  }

  private async waitForWindow(job: UpdateInstall, signal: AbortSignal): Promise<void> {
    if (!job.window) return;
    for (;;) {
      const w = windowState(job.window, this.now());
      if (w.open) return;
      this.report('waiting-window', { campaign: job.campaign, version: job.version, windowOpensAt: w.opensAt });
      // Timers drift and clocks get set: look again at least hourly.
      await (this.options.sleep ?? sleep)(Math.min(w.opensAt - this.now(), 3_600_000), signal);
      if (signal.aborted) throw new CancelledError('withdrawn while waiting for the window');
    }
  }

  private async drainCalls(job: UpdateInstall, signal: AbortSignal): Promise<void> {
    const about = { campaign: job.campaign, version: job.version };
    this.report('draining', { ...about, activeCalls: this.drain.activeCalls() });
    const every = Math.max(200, this.options.progressEveryMs ?? 5000);
    const timer = setInterval(() => this.report('draining', { ...about, activeCalls: this.drain.activeCalls() }), every);
    try {
      const withdrawn = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new CancelledError('withdrawn while draining')), { once: true }));
      withdrawn.catch(() => undefined);
      await Promise.race([this.drain.drain(signal), withdrawn]);
    } finally {
      clearInterval(timer);
    }
    if (signal.aborted) throw new CancelledError('withdrawn while draining');
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CancelledError('withdrawn'));
    const timer = setTimeout(done, Math.max(0, Math.min(ms, 2_147_483_647)));
    function done() {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(new CancelledError('withdrawn'));
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
