// The I/O half of a lookup node: fetch with a timeout (AbortController), a size limit on the
// response, and the pure mapping of lookup-mapping.ts. It never throws: every outcome is a
// value the runner turns into LookupResult or LookupFailed.
import type { LookupRequest } from './ivr-commands.ts';
import { mapLookupResponse } from './lookup-mapping.ts';

/** CRM answers about one caller are small; anything bigger is refused, not buffered. */
export const MAX_LOOKUP_RESPONSE_BYTES = 256 * 1024;

export type LookupOutcome =
  | { ok: true; variables: Record<string, string> }
  | { ok: false; reason: 'timeout' | 'http-status' | 'network' | 'invalid-response'; detail: string }
  /** Aborted through `signal` (the flow stopped waiting): nobody is told. */
  | { ok: false; reason: 'cancelled'; detail: string };

export interface HttpLookupOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

class LookupTimeout extends Error {
  override readonly name = 'LookupTimeout';
}

async function readLimited(response: Response, limit: number): Promise<string | undefined> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function performLookup(request: LookupRequest, options: HttpLookupOptions = {}): Promise<LookupOutcome> {
  const fetchImpl = options.fetch ?? fetch;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new LookupTimeout(`no answer within ${request.timeoutMs} ms`)), request.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout.signal, options.signal]) : timeout.signal;
  try {
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    if (request.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    const response = await fetchImpl(request.url, {
      method: request.method,
      headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      signal,
      // A redirect could lead a lookup off the configured host.
      redirect: 'error',
    });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      return { ok: false, reason: 'http-status', detail: `HTTP ${response.status} from ${describeUrl(request.url)}` };
    }
    const text = await readLimited(response, MAX_LOOKUP_RESPONSE_BYTES);
    if (text === undefined) return { ok: false, reason: 'invalid-response', detail: `response larger than ${MAX_LOOKUP_RESPONSE_BYTES} bytes` };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { ok: false, reason: 'invalid-response', detail: 'the response is not JSON' };
    }
    const mapped = mapLookupResponse(body, request.map, request.required);
    return mapped.ok ? mapped : { ok: false, reason: 'invalid-response', detail: mapped.detail };
  } catch (error) {
    if (timeout.signal.aborted) return { ok: false, reason: 'timeout', detail: `no answer within ${request.timeoutMs} ms from ${describeUrl(request.url)}` };
    if (options.signal?.aborted) return { ok: false, reason: 'cancelled', detail: 'cancelled' };
    return { ok: false, reason: 'network', detail: describeError(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Origin and path only: a query string may hold the caller's number (kept out of logs). */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(bad url)';
  }
}

function describeError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const text = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return text.slice(0, 200);
}
