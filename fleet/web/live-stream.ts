import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Observable } from 'rxjs';
import type { DeviceView } from '../registry/device-registry.ts';

export interface LiveStreamOptions<T extends { site: string; device: string } = DeviceView> {
  list: () => T[];
  changes$: Observable<T>;
  /** The event name of each change; `device` by default (the wallboard's stream uses `metrics`). */
  event?: string;
  /** False once the viewer's session has ended: the stream closes. */
  stillAuthorised: () => boolean;
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs: number;
  /** Changes are gathered this long and only the latest per device is sent. */
  coalesceMs: number;
}

/**
 * Server-Sent Events: a `snapshot` of every device, then a `device` event per change
 * (`removed: true` when a device is deleted), and `: heartbeat` comments in between.
 * Changes wait in a map keyed by device, so a slow browser gets the latest state of each
 * device rather than an ever-growing queue.
 */
export function liveStream<T extends { site: string; device: string } = DeviceView>(c: Context, options: LiveStreamOptions<T>): Response {
  return streamSSE(c, async (stream) => {
    const pending = new Map<string, T>();
    let wake: (() => void) | undefined;
    const poke = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    // Subscribed before the snapshot is taken, so no change falls in between.
    const subscription = options.changes$.subscribe({
      next: (view) => {
        pending.set(`${view.site}.${view.device}`, view);
        poke();
      },
      complete: () => {
        stream.abort();
        poke();
      },
    });
    stream.onAbort(poke);
    try {
      await stream.writeSSE({ event: 'snapshot', data: JSON.stringify(options.list()), retry: 3000 });
      while (!stream.aborted && !stream.closed) {
        if (pending.size === 0) {
          const timedOut = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(true), options.heartbeatMs);
            wake = () => {
              clearTimeout(timer);
              resolve(false);
            };
          });
          if (stream.aborted) break;
          if (timedOut && options.stillAuthorised()) {
            await stream.write(': heartbeat\n\n');
            continue;
          }
        }
        if (!options.stillAuthorised()) {
          await stream.writeSSE({ event: 'logout', data: '{}' });
          break;
        }
        if (options.coalesceMs > 0) await new Promise((r) => setTimeout(r, options.coalesceMs));
        const batch = [...pending.values()];
        pending.clear();
        for (const view of batch) await stream.writeSSE({ event: options.event ?? 'device', data: JSON.stringify(view) });
      }
    } finally {
      subscription.unsubscribe();
    }
  });
}
