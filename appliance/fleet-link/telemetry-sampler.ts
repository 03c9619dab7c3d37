import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { statfsSync } from 'node:fs';
import type { Telemetry } from '../../protocol/schemas.ts';

export interface TelemetrySamplerOptions {
  bootId: string;
  version: string;
  /** The data partition, whose free space matters (recordings, store). */
  diskPath: string;
  startedAt: number;
  clock?: () => number;
  /** Extra sections (trunks, spans…) other modules report. */
  extra?: () => Partial<Pick<Telemetry, 'trunks'>>;
}

interface CpuTimes {
  idle: number;
  total: number;
}

function cpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const c of cpus()) {
    idle += c.times.idle;
    total += c.times.user + c.times.nice + c.times.sys + c.times.idle + c.times.irq;
  }
  return { idle, total };
}

/** Reads the machine's health; CPU usage is the busy share since the previous sample. */
export class TelemetrySampler {
  private last = cpuTimes();
  private readonly clock: () => number;

  constructor(private readonly options: TelemetrySamplerOptions) {
    this.clock = options.clock ?? Date.now;
  }

  sample(): Telemetry {
    const now = this.clock();
    const times = cpuTimes();
    const dTotal = times.total - this.last.total;
    const usage = dTotal > 0 ? Math.min(1, Math.max(0, 1 - (times.idle - this.last.idle) / dTotal)) : 0;
    this.last = times;
    let disk = { path: this.options.diskPath, totalBytes: 0, freeBytes: 0 };
    try {
      const s = statfsSync(this.options.diskPath);
      disk = { path: this.options.diskPath, totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
    } catch {
      // A missing data path reports zero space rather than no telemetry at all.
    }
    return {
      ts: now,
      bootId: this.options.bootId,
      version: this.options.version,
      uptimeS: Math.max(0, (now - this.options.startedAt) / 1000),
      cpu: { cores: Math.max(1, cpus().length), usage, load1: loadavg()[0] ?? 0 },
      memory: { totalBytes: totalmem(), availableBytes: freemem(), processRssBytes: process.memoryUsage.rss() },
      disk,
      ...this.options.extra?.(),
    };
  }
}
