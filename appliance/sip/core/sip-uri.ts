// SIP and SIPS URIs (RFC 3261 §19.1, grammar in §25.1). Other schemes are kept opaque: a UA
// only needs to recognise them to answer 416 (§8.2.2.1).

export interface SipUri {
  scheme: 'sip' | 'sips';
  user?: string;
  password?: string;
  host: string;
  port?: number;
  /** uri-parameters, names lower-cased; a parameter without value maps to null. */
  params: Record<string, string | null>;
  headers: Record<string, string>;
}

const schemeRe = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const hostnameRe = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;
const ipv4Re = /^\d{1,3}(\.\d{1,3}){3}$/;
const ipv6Re = /^\[[0-9A-Fa-f:.]+\]$/;
// unreserved / escaped / user-unreserved characters of the userinfo (§25.1)
const userRe = /^([A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
const paramRe = /^([A-Za-z0-9\-_.!~*'()[\]/:&+$]|%[0-9A-Fa-f]{2})+$/;

export function uriScheme(uri: string): string | undefined {
  return schemeRe.exec(uri)?.[1]?.toLowerCase();
}

export function isValidHost(host: string): boolean {
  if (ipv6Re.test(host)) return true;
  if (ipv4Re.test(host)) return host.split('.').every((o) => Number(o) <= 255);
  return hostnameRe.test(host);
}

/** Parses a sip: or sips: URI; returns undefined for other schemes or malformed input. */
export function parseSipUri(text: string): SipUri | undefined {
  const scheme = uriScheme(text);
  if (scheme !== 'sip' && scheme !== 'sips') return undefined;
  let rest = text.slice(scheme.length + 1);
  if (/[\s<>"]/.test(rest)) return undefined;
  let user: string | undefined;
  let password: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    if (colon >= 0) password = userinfo.slice(colon + 1);
    if (!user || !userRe.test(user)) return undefined;
  }
  let headersPart: string | undefined;
  const q = rest.indexOf('?');
  if (q >= 0) {
    headersPart = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const parts = rest.split(';');
  const hostport = parts[0] ?? '';
  const params: Record<string, string | null> = {};
  for (const p of parts.slice(1)) {
    if (!p) return undefined;
    const eq = p.indexOf('=');
    const name = (eq >= 0 ? p.slice(0, eq) : p).toLowerCase();
    const value = eq >= 0 ? p.slice(eq + 1) : null;
    if (!paramRe.test(name) || (value !== null && value !== '' && !paramRe.test(value))) return undefined;
    params[name] = value;
  }
  let host = hostport;
  let port: number | undefined;
  const portMatch = /^(.*):(\d{1,5})$/.exec(hostport);
  if (portMatch && !(hostport.startsWith('[') && !hostport.includes(']:'))) {
    host = portMatch[1] ?? '';
    port = Number(portMatch[2]);
    if (port > 65535) return undefined;
  }
  if (!isValidHost(host)) return undefined;
  const headers: Record<string, string> = {};
  if (headersPart !== undefined) {
    for (const h of headersPart.split('&')) {
      const eq = h.indexOf('=');
      if (eq <= 0) return undefined;
      headers[h.slice(0, eq)] = h.slice(eq + 1);
    }
  }
  const uri: SipUri = { scheme, host, params, headers };
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  if (port !== undefined) uri.port = port;
  return uri;
}

export function formatSipUri(uri: SipUri): string {
  let s = `${uri.scheme}:`;
  if (uri.user !== undefined) s += uri.user + (uri.password !== undefined ? `:${uri.password}` : '') + '@';
  s += uri.host;
  if (uri.port !== undefined) s += `:${uri.port}`;
  for (const [k, v] of Object.entries(uri.params)) s += v === null ? `;${k}` : `;${k}=${v}`;
  const hs = Object.entries(uri.headers);
  if (hs.length) s += '?' + hs.map(([k, v]) => `${k}=${v}`).join('&');
  return s;
}

/** Decodes %XX escapes (§19.1.4: escaped and unescaped forms are equivalent). */
export function unescapeUriPart(s: string): string {
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** URI comparison per §19.1.4, reduced to what dialogs and registrations need. */
export function sipUrisEqual(a: string, b: string): boolean {
  const ua = parseSipUri(a);
  const ub = parseSipUri(b);
  if (!ua || !ub) return a === b;
  if (ua.scheme !== ub.scheme) return false;
  if ((ua.user && unescapeUriPart(ua.user)) !== (ub.user && unescapeUriPart(ub.user))) return false;
  if (ua.host.toLowerCase() !== ub.host.toLowerCase() || ua.port !== ub.port) return false;
  for (const k of ['transport', 'user', 'ttl', 'method', 'maddr']) {
    if ((ua.params[k] ?? undefined)?.toLowerCase() !== (ub.params[k] ?? undefined)?.toLowerCase()) return false;
  }
  return true;
}
