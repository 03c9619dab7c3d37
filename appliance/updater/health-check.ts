import { connect } from 'node:net';

/**
 * The checks a freshly booted slot must pass before it commits itself: the store opens, SIP
 * listens, the media worker is up, the fleet link is connected (or the device is standalone).
 * Services take a while to come up after boot, so each probe is retried until a deadline.
 */
export interface HealthProbe {
  name: string;
  /** Resolves when healthy; rejects (or returns a string) with why not. */
  check(): Promise<void | string>;
}

export interface HealthReport {
  ok: boolean;
  results: { name: string; ok: boolean; detail?: string; attempts: number }[];
}

export interface HealthCheckOptions {
  /** How long all probes together may take to pass. */
  deadlineMs?: number;
  retryEveryMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export async function runHealthCheck(probes: HealthProbe[], options: HealthCheckOptions = {}): Promise<HealthReport> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + (options.deadlineMs ?? 120_000);
  const results: HealthReport['results'] = [];
  for (const probe of probes) {
    let attempts = 0;
    let detail: string | undefined;
    for (;;) {
      attempts += 1;
      try {
        const out = await probe.check();
        detail = typeof out === 'string' ? out : undefined;
      } catch (err) {
        detail = (err as Error).message || String(err);
      }
      if (detail === undefined) break;
      if (now() >= deadline) break;
      await sleep(options.retryEveryMs ?? 1000);
    }
    results.push({ name: probe.name, ok: detail === undefined, ...(detail !== undefined ? { detail } : {}), attempts });
  }
  return { ok: results.every((r) => r.ok), results };
}

/** A TCP listener answers on host:port (SIP over TCP, the admin web server…). */
export function tcpListeningProbe(name: string, port: number, host = '127.0.0.1', timeoutMs = 2000): HealthProbe {
  return {
    name,
    check: () =>
      new Promise<void>((resolve, reject) => {
        const socket = connect({ port, host });
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Error(`no answer on ${host}:${port} within ${timeoutMs} ms`));
        }, timeoutMs);
        socket.once('connect', () => {
          clearTimeout(timer);
          socket.end();
          resolve();
        });
        socket.once('error', (err) => {
          clearTimeout(timer);
          reject(new Error(`${host}:${port}: ${err.message}`));
        });
      }),
  };
}

/** An HTTP endpoint answers 2xx (the appliance's own health endpoint, once it has one). */
export function httpOkProbe(name: string, url: string, timeoutMs = 2000): HealthProbe {
  return {
    name,
    async check() {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) return `${url} answered ${res.status}`;
    },
  };
}

/** Wraps any function as a probe: `store opens`, `media worker up`, `fleet link or standalone`. */
export function probe(name: string, check: () => Promise<void | string> | void | string): HealthProbe {
  return { name, check: async () => check() };
}
