// SIP message parser (RFC 3261 §7, §25). Tolerant where the RFC says so: line folding, compact
// names, case-insensitive names, LWS around separators, comma-joined list values, unknown
// headers kept. Strict where it must be: request line, version, CSeq, Content-Length, Via,
// the single-valued headers. Never throws: bad input becomes a result carrying the response
// code to answer with (RFC 4475), and the headers read so far so that answer can be built.
import { canonicalHeaderName, headerKey, isListHeader, singleValueHeaders } from './header-names.ts';
import { parseCSeq, parseNameAddr, parseVia, splitOutside, tokenRe } from './header-values.ts';
import type { SipHeader, SipMessage, SipRequest } from './sip-message.ts';
import { parseSipUri, uriScheme } from './sip-uri.ts';

export interface SipParseOptions {
  /** Stream transports (TCP, WS framing) require Content-Length (§18.3). */
  stream?: boolean;
  /** Larger messages are refused with 513 (§18.1.1 keeps UDP under the path MTU anyway). */
  maxSize?: number;
  /** Longest header line accepted after unfolding. */
  maxLine?: number;
}

export type SipParseResult =
  | { kind: 'message'; message: SipMessage }
  | { kind: 'keepalive' }
  | {
      kind: 'invalid';
      status: number;
      reason: string;
      /** The request as far as it was read, when enough of it is there to answer. */
      partial?: SipRequest;
    };

export const defaultMaxSize = 65_535;
const defaultMaxLine = 16_384;
const crlf2 = Buffer.from('\r\n\r\n');
const lf2 = Buffer.from('\n\n');

function invalid(status: number, reason: string, partial?: SipRequest): SipParseResult {
  return partial ? { kind: 'invalid', status, reason, partial } : { kind: 'invalid', status, reason };
}

export function parseSipMessage(data: Buffer, options: SipParseOptions = {}): SipParseResult {
  const maxSize = options.maxSize ?? defaultMaxSize;
  const maxLine = options.maxLine ?? defaultMaxLine;
  let start = 0;
  // §7.5: CRLFs before the start line are ignored; a bare CRLF pair is a keepalive (RFC 5626 §3.5.1)
  while (start < data.length && (data[start] === 0x0d || data[start] === 0x0a)) start++;
  if (start >= data.length) return { kind: 'keepalive' };
  let headEnd = data.indexOf(crlf2, start);
  let sepLen = 4;
  const lfEnd = data.indexOf(lf2, start);
  if (lfEnd >= 0 && (headEnd < 0 || lfEnd < headEnd)) {
    headEnd = lfEnd;
    sepLen = 2;
  }
  const tooLarge = data.length - start > maxSize;
  if (headEnd < 0) {
    if (tooLarge) return invalid(513, 'Message Too Large');
    headEnd = data.length; // tolerate a datagram whose empty line is missing
    sepLen = 0;
  }
  if (headEnd - start > maxSize) return invalid(513, 'Message Too Large');
  const head = data.toString('utf8', start, headEnd);
  const rawLines = head.split(/\r?\n/);
  const lines: string[] = [];
  for (const line of rawLines) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && lines.length > 0) {
      lines[lines.length - 1] = `${(lines[lines.length - 1] as string).trimEnd()} ${line.trim()}`; // §7.3.1 folding
    } else lines.push(line);
  }
  const startLine = lines[0] ?? '';
  const headers: SipHeader[] = [];
  let headerError: string | undefined;
  let lineTooLong = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.length > maxLine) {
      lineTooLong = true;
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trimEnd() : '';
    if (!name || !tokenRe.test(name)) {
      headerError ??= `malformed header line ${i}`;
      continue;
    }
    const key = headerKey(name);
    const canonical = canonicalHeaderName(name);
    const value = line.slice(colon + 1).trim();
    if (isListHeader(key)) {
      if (value === '') {
        headers.push({ name: canonical, value });
        continue;
      }
      for (const v of splitOutside(value, ',')) headers.push({ name: canonical, value: v.trim() });
    } else headers.push({ name: canonical, value });
  }

  if (startLine.startsWith('SIP/')) {
    const m = /^SIP\/(\d+\.\d+) (\d{3})(?: (.*))?$/.exec(startLine);
    if (!m || m[1] !== '2.0') return invalid(400, 'Bad Status Line');
    const status = Number(m[2]);
    if (status < 100 || status > 699) return invalid(400, 'Bad Status Code'); // §3.1.2.19: discard
    if (headerError || lineTooLong) return invalid(400, headerError ?? 'Header Too Long');
    const body = extractBody(data, headEnd + sepLen, headers, options.stream === true);
    if (typeof body !== 'string') return body;
    const err = validateCommon(headers);
    if (err) return invalid(400, err);
    return { kind: 'message', message: { type: 'response', status, reason: m[3] ?? '', headers, body } };
  }

  const parts = startLine.split(' ');
  const [method = '', uri = '', version = ''] = parts;
  const partial: SipRequest = { type: 'request', method, uri, headers, body: '' };
  // only a request with Via and the dialog identifiers can be answered (§8.2.6)
  const answerable = headers.some((h) => h.name === 'Via') && tokenRe.test(method) ? partial : undefined;
  if (parts.length !== 3 || !tokenRe.test(method)) return invalid(400, 'Bad Request Line', answerable);
  if (!/^SIP\/\d+\.\d+$/.test(version)) return invalid(400, 'Bad Request Line', answerable);
  if (version !== 'SIP/2.0') return invalid(505, 'Version Not Supported', answerable);
  if (tooLarge || lineTooLong) return invalid(513, 'Message Too Large', answerable);
  if (headerError) return invalid(400, headerError, answerable);
  // Request-URI: no enclosing <> (§3.1.2.7); a SIP URI must be well formed and carry no headers (§19.1.5)
  const scheme = uriScheme(uri);
  if (!scheme || /[<>"]/.test(uri)) return invalid(400, 'Bad Request-URI', answerable);
  if (scheme === 'sip' || scheme === 'sips') {
    const parsed = parseSipUri(uri);
    if (!parsed || Object.keys(parsed.headers).length) return invalid(400, 'Bad Request-URI', answerable);
  }
  const body = extractBody(data, headEnd + sepLen, headers, options.stream === true, answerable);
  if (typeof body !== 'string') return body;
  partial.body = body;
  const err = validateCommon(headers) ?? validateRequest(partial);
  if (err) return invalid(400, err, answerable);
  return { kind: 'message', message: partial };
}

function extractBody(
  data: Buffer,
  bodyStart: number,
  headers: SipHeader[],
  stream: boolean,
  partial?: SipRequest,
): string | SipParseResult {
  const cls = headers.filter((h) => h.name === 'Content-Length');
  const available = Math.max(0, data.length - bodyStart);
  if (cls.length > 1) return invalid(400, 'Multiple Content-Length', partial);
  const cl = cls[0];
  if (!cl) {
    if (stream) return invalid(400, 'Content-Length Required', partial);
    return data.toString('utf8', bodyStart);
  }
  if (!/^\d{1,9}$/.test(cl.value)) return invalid(400, 'Bad Content-Length', partial);
  const length = Number(cl.value);
  // §18.3: on UDP a Content-Length beyond the datagram is an error (RFC 4475 §3.1.2.2)
  if (length > available) return invalid(400, 'Content-Length Exceeds Body', partial);
  return data.toString('utf8', bodyStart, bodyStart + length); // extra octets are discarded (§3.1.1.8)
}

function validateCommon(headers: SipHeader[]): string | undefined {
  const seen = new Set<string>();
  let via = 0;
  for (const h of headers) {
    const key = h.name.toLowerCase();
    if (singleValueHeaders.has(key)) {
      if (seen.has(key)) return `Multiple ${h.name} values`;
      seen.add(key);
    }
    switch (key) {
      case 'via':
        via++;
        if (!parseVia(h.value)) return 'Bad Via';
        break;
      case 'from':
      case 'to':
        if (!parseNameAddr(h.value)) return `Bad ${h.name}`;
        break;
      case 'contact':
        if (h.value !== '*' && !parseNameAddr(h.value)) return 'Bad Contact';
        break;
      case 'cseq':
        if (!parseCSeq(h.value)) return 'Bad CSeq';
        break;
      case 'max-forwards':
        if (!/^\d{1,10}$/.test(h.value) || Number(h.value) > 255) return 'Bad Max-Forwards';
        break;
      case 'expires':
        if (!/^\d{1,10}$/.test(h.value) || Number(h.value) > 2 ** 32 - 1) return 'Bad Expires';
        break;
      case 'date':
        // rfc1123-date in GMT only (§20.17; RFC 4475 §3.1.2.12)
        if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(h.value)) return 'Bad Date';
        break;
    }
  }
  for (const k of ['call-id', 'cseq', 'from', 'to']) if (!seen.has(k)) return `Missing ${k}`;
  if (via === 0) return 'Missing Via';
  return undefined;
}

function validateRequest(req: SipRequest): string | undefined {
  const cseq = parseCSeq(req.headers.find((h) => h.name === 'CSeq')?.value ?? '');
  // §8.2 / RFC 4475 §3.1.2.17: CSeq method must match the request line
  if (!cseq || cseq.method !== req.method) return 'CSeq Method Mismatch';
  return undefined;
}
