// The local wallboard's feed (air-gapped sites have no fleet wallboard): the metrics snapshot
// as Server-Sent Events once per interval. A getter rather than a stream, so the source can
// be the metrics module's snapshot or the ACD's own view, whichever the appliance has.
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';

/** The current metrics snapshot (plain JSON data). */
export type WallboardSource = () => unknown;

export interface WallboardStreamOptions {
  source: WallboardSource;
  intervalMs: number;
  /** False once the viewer's session has ended: the stream says so and closes. */
  stillAuthorised: () => boolean;
}

export function wallboardStream(c: Context, options: WallboardStreamOptions): Response {
  return streamSSE(c, async (stream) => {
    let wake: (() => void) | undefined;
    stream.onAbort(() => wake?.());
    while (!stream.aborted && !stream.closed) {
      if (!options.stillAuthorised()) {
        await stream.writeSSE({ event: 'logout', data: '{}' });
        break;
      }
      let data: string;
      try {
        data = JSON.stringify(options.source());
      } catch (err) {
        data = JSON.stringify({ error: (err as Error).message });
      }
      await stream.writeSSE({ event: 'snapshot', data, retry: 3000 });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  });
}
