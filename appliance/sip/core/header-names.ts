// Header names: compact forms (RFC 3261 §7.3.3 and later RFCs), canonical spelling, and which
// headers are comma-separated lists (§7.3.1) or must appear only once.

const compact: Record<string, string> = {
  i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length', c: 'content-type',
  f: 'from', s: 'subject', k: 'supported', t: 'to', v: 'via', r: 'refer-to', b: 'referred-by',
  o: 'event', u: 'allow-events', x: 'session-expires', a: 'accept-contact', j: 'reject-contact',
  d: 'request-disposition', y: 'identity', n: 'identity-info',
};

const canonicalNames = [
  'Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Max-Forwards', 'Content-Length', 'Content-Type',
  'Route', 'Record-Route', 'Allow', 'Supported', 'Require', 'Proxy-Require', 'Unsupported', 'Expires',
  'Min-Expires', 'WWW-Authenticate', 'Authorization', 'Proxy-Authenticate', 'Proxy-Authorization',
  'Authentication-Info', 'User-Agent', 'Server', 'Accept', 'Accept-Encoding', 'Accept-Language', 'Event',
  'Subscription-State', 'Refer-To', 'Referred-By', 'Replaces', 'Date', 'Subject', 'Content-Encoding',
  'Content-Disposition', 'Allow-Events', 'Session-Expires', 'Retry-After', 'Warning', 'P-Asserted-Identity',
  'Reason', 'Timestamp', 'Organization', 'Alert-Info', 'Call-Info', 'Error-Info', 'In-Reply-To',
  'MIME-Version', 'Priority', 'Reply-To', 'RSeq', 'RAck', 'Path', 'Service-Route', 'Min-SE',
  'Accept-Contact', 'Reject-Contact', 'Request-Disposition', 'Identity', 'Identity-Info',
];
const canonicalByKey = new Map(canonicalNames.map((n) => [n.toLowerCase(), n]));

const listHeaders = new Set([
  'via', 'contact', 'route', 'record-route', 'allow', 'supported', 'require', 'proxy-require',
  'unsupported', 'accept', 'accept-encoding', 'accept-language', 'allow-events', 'content-encoding',
  'path', 'service-route', 'p-asserted-identity', 'in-reply-to', 'alert-info', 'call-info',
  'error-info', 'reason', 'warning',
]);

/** Headers that may appear at most once (RFC 4475 §3.3.8 expects 400 when they repeat). */
export const singleValueHeaders = new Set([
  'call-id', 'cseq', 'from', 'to', 'max-forwards', 'content-length', 'content-type', 'expires',
]);

/** Lower-case long form of a header name: the key for every lookup. */
export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  return compact[lower] ?? lower;
}

/**
 * Header names held in messages are canonical for known headers (the parser and every builder
 * write them so), so a lookup of a known header is one string comparison per header; only
 * unknown headers need a case-insensitive comparison. Returns the matcher for one name.
 */
export function headerMatcher(name: string): (stored: string) => boolean {
  const key = headerKey(name);
  const canonical = canonicalByKey.get(key);
  if (canonical) return (stored) => stored === canonical;
  return (stored) => stored.length === key.length && stored.toLowerCase() === key;
}

const matcherCache = new Map<string, (stored: string) => boolean>();

export function cachedHeaderMatcher(name: string): (stored: string) => boolean {
  let m = matcherCache.get(name);
  if (!m) {
    m = headerMatcher(name);
    if (matcherCache.size < 1000) matcherCache.set(name, m);
  }
  return m;
}

/** The spelling used when we serialize: canonical for known headers, as received otherwise. */
export function canonicalHeaderName(name: string): string {
  const key = headerKey(name);
  return canonicalByKey.get(key) ?? (compact[name.toLowerCase()] ? key : name);
}

export function isListHeader(key: string): boolean {
  return listHeaders.has(key);
}
