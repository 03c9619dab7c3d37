// The SIP message model (RFC 3261 §7) and header accessors. Messages are plain data so that
// pure code can build, inspect and compare them; the parser and serializer are the only
// places that deal with bytes.
import { cachedHeaderMatcher, canonicalHeaderName } from './header-names.ts';

export interface SipHeader {
  /** Canonical spelling for known headers (e.g. `Call-ID`), as received for unknown ones. */
  name: string;
  value: string;
}

export interface SipRequest {
  type: 'request';
  method: string;
  uri: string;
  headers: SipHeader[];
  body: string;
}

export interface SipResponse {
  type: 'response';
  status: number;
  reason: string;
  headers: SipHeader[];
  body: string;
}

export type SipMessage = SipRequest | SipResponse;

export function getHeader(msg: { headers: SipHeader[] }, name: string): string | undefined {
  const match = cachedHeaderMatcher(name);
  for (const h of msg.headers) if (match(h.name)) return h.value;
  return undefined;
}

export function getHeaders(msg: { headers: SipHeader[] }, name: string): string[] {
  const match = cachedHeaderMatcher(name);
  const out: string[] = [];
  for (const h of msg.headers) if (match(h.name)) out.push(h.value);
  return out;
}

export function removeHeaders(msg: { headers: SipHeader[] }, name: string): void {
  const match = cachedHeaderMatcher(name);
  msg.headers = msg.headers.filter((h) => !match(h.name));
}

/** Replaces every value of the header with one value, keeping the position of the first. */
export function setHeader(msg: { headers: SipHeader[] }, name: string, value: string): void {
  const match = cachedHeaderMatcher(name);
  const at = msg.headers.findIndex((h) => match(h.name));
  removeHeaders(msg, name);
  const header = { name: canonicalHeaderName(name), value };
  if (at < 0) msg.headers.push(header);
  else msg.headers.splice(at, 0, header);
}

export function addHeader(msg: { headers: SipHeader[] }, name: string, value: string, top = false): void {
  const header = { name: canonicalHeaderName(name), value };
  if (top) {
    const match = cachedHeaderMatcher(name);
    const at = msg.headers.findIndex((h) => match(h.name));
    msg.headers.splice(at < 0 ? 0 : at, 0, header);
  } else msg.headers.push(header);
}

export function cloneMessage<T extends SipMessage>(msg: T): T {
  return { ...msg, headers: msg.headers.map((h) => ({ ...h })) };
}

export function request(method: string, uri: string, headers: [string, string][], body = ''): SipRequest {
  return { type: 'request', method, uri, headers: headers.map(([n, v]) => ({ name: canonicalHeaderName(n), value: v })), body };
}
