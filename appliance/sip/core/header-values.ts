// Parsers for the structured header values the stack relies on (RFC 3261 §20, grammar §25.1):
// Via, name-addr (From/To/Contact/Route...), CSeq and generic parameters. Each returns
// undefined on malformed input so the caller can answer 400 instead of throwing.
import { isValidHost } from './sip-uri.ts';

export type Params = Record<string, string | null>;

export interface Via {
  protocol: string;
  transport: string;
  host: string;
  port?: number;
  params: Params;
}

export interface NameAddr {
  displayName?: string;
  uri: string;
  params: Params;
}

export interface CSeq {
  seq: number;
  method: string;
}

export const tokenRe = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const ws = /[ \t]/;

/** Splits a header value on a separator outside quoted strings and angle brackets. */
export function splitOutside(value: string, sep: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '<') angle = true;
    else if (ch === '>') angle = false;
    else if (ch === sep && !angle) {
      out.push(value.slice(start, i));
      start = i + 1;
    }
  }
  out.push(value.slice(start));
  return out;
}

/** Parses `;name=value;flag` (leading `;` already split off); LWS around `=` is allowed (§25.1 EQUAL). */
export function parseParams(parts: string[]): Params | undefined {
  const params: Params = {};
  for (const raw of parts) {
    const p = raw.trim();
    if (!p) return undefined; // `;;` is an empty generic-param (RFC 4475 §3.1.2.1)
    const eq = p.indexOf('=');
    const name = (eq >= 0 ? p.slice(0, eq) : p).trim().toLowerCase();
    if (!tokenRe.test(name)) return undefined;
    if (eq < 0) {
      params[name] = null;
      continue;
    }
    const value = p.slice(eq + 1).trim();
    if (value.startsWith('"')) {
      if (value.length < 2 || !value.endsWith('"')) return undefined;
    } else if (value !== '' && !/^[A-Za-z0-9\-.!%*_+`'~:[\]]+$/.test(value)) return undefined;
    params[name] = value;
  }
  return params;
}

export function formatParams(params: Params): string {
  let s = '';
  for (const [k, v] of Object.entries(params)) s += v === null ? `;${k}` : `;${k}=${v}`;
  return s;
}

export function parseVia(value: string): Via | undefined {
  const parts = splitOutside(value, ';');
  const head = (parts[0] ?? '').trim();
  // sent-protocol allows LWS around each SLASH (§25.1 SLASH = SWS "/" SWS)
  const m = /^([A-Za-z0-9\-.!%*_+`'~]+)\s*\/\s*([A-Za-z0-9\-.!%*_+`'~]+)\s*\/\s*([A-Za-z0-9\-.!%*_+`'~]+)\s+(\S+)$/.exec(head);
  if (!m) return undefined;
  const [, name, version, transport, hostport] = m as unknown as [string, string, string, string, string];
  let host = hostport;
  let port: number | undefined;
  const pm = /^(.*):(\d{1,5})$/.exec(hostport);
  if (pm && !(hostport.startsWith('[') && !hostport.includes(']:'))) {
    host = pm[1] ?? '';
    port = Number(pm[2]);
    if (port > 65535) return undefined;
  }
  if (!isValidHost(host)) return undefined;
  const params = parseParams(parts.slice(1));
  if (!params) return undefined;
  if ('branch' in params && !params.branch) return undefined;
  const via: Via = { protocol: `${name}/${version}`.toUpperCase(), transport: transport.toUpperCase(), host, params };
  if (port !== undefined) via.port = port;
  return via;
}

export function formatVia(via: Via): string {
  return `${via.protocol}/${via.transport} ${via.host}${via.port !== undefined ? `:${via.port}` : ''}${formatParams(via.params)}`;
}

/** Parses name-addr or addr-spec followed by header parameters (From, To, Contact, Route...). */
export function parseNameAddr(value: string): NameAddr | undefined {
  let s = value.trim();
  let displayName: string | undefined;
  let uri: string;
  let rest: string;
  if (s.startsWith('"')) {
    let i = 1;
    for (; i < s.length; i++) {
      if (s[i] === '\\') i++;
      else if (s[i] === '"') break;
    }
    if (i >= s.length) return undefined; // unterminated quoted string (RFC 4475 §3.1.2.6)
    displayName = s.slice(1, i).replace(/\\(.)/g, '$1');
    s = s.slice(i + 1).trimStart();
    if (!s.startsWith('<')) return undefined;
  }
  const lt = s.indexOf('<');
  if (lt >= 0) {
    if (displayName === undefined) {
      const dn = s.slice(0, lt).trim();
      // an unquoted display name is tokens separated by LWS (§25.1), e.g. no commas (§3.1.2.15)
      if (dn && !dn.split(/[ \t]+/).every((t) => tokenRe.test(t))) return undefined;
      if (dn) displayName = dn;
    }
    const gt = s.indexOf('>', lt);
    if (gt < 0) return undefined;
    uri = s.slice(lt + 1, gt);
    if (!uri || ws.test(uri) || uri.includes('<')) return undefined; // no LWS inside <> (§3.1.2.14)
    rest = s.slice(gt + 1);
  } else {
    // addr-spec: the URI ends at the first `;`, and may carry neither headers nor commas (§20.10)
    const semi = s.indexOf(';');
    uri = (semi >= 0 ? s.slice(0, semi) : s).trim();
    rest = semi >= 0 ? s.slice(semi) : '';
    if (!uri || /[\s?,<>"]/.test(uri)) return undefined;
  }
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri)) return undefined;
  rest = rest.trim();
  let params: Params = {};
  if (rest) {
    if (!rest.startsWith(';')) return undefined;
    const p = parseParams(splitOutside(rest.slice(1), ';'));
    if (!p) return undefined;
    params = p;
  }
  const na: NameAddr = { uri, params };
  if (displayName !== undefined) na.displayName = displayName;
  return na;
}

export function formatNameAddr(na: NameAddr): string {
  const dn = na.displayName !== undefined && na.displayName !== ''
    ? `"${na.displayName.replace(/["\\]/g, '\\$&')}" `
    : '';
  return `${dn}<${na.uri}>${formatParams(na.params)}`;
}

export function parseCSeq(value: string): CSeq | undefined {
  const m = /^(\d{1,10})[ \t]+([A-Za-z0-9\-.!%*_+`'~]+)$/.exec(value.trim());
  if (!m) return undefined;
  const seq = Number(m[1]);
  if (seq >= 2 ** 31) return undefined; // §8.1.1.5: the sequence number is below 2**31
  return { seq, method: m[2] as string };
}

export function tagOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = parseNameAddr(value)?.params.tag;
  return t === null ? undefined : t;
}
