// Building responses from requests (RFC 3261 §8.2.6.2) and the standard reason phrases (§21).
import { canonicalHeaderName } from './header-names.ts';
import { getHeader, getHeaders, type SipHeader, type SipRequest, type SipResponse } from './sip-message.ts';

export const reasonPhrases: Record<number, string> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  200: 'OK', 202: 'Accepted', 300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout', 410: 'Gone',
  413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 416: 'Unsupported URI Scheme',
  420: 'Bad Extension', 423: 'Interval Too Brief', 480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected', 483: 'Too Many Hops', 484: 'Address Incomplete',
  486: 'Busy Here', 487: 'Request Terminated', 488: 'Not Acceptable Here', 489: 'Bad Event', 491: 'Request Pending',
  500: 'Server Internal Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Server Time-out', 505: 'Version Not Supported', 513: 'Message Too Large', 600: 'Busy Everywhere',
  603: 'Decline', 604: 'Does Not Exist Anywhere', 606: 'Not Acceptable',
};

export interface ResponseInit {
  reason?: string;
  /** Added to To when the request's To has no tag and the status is above 100 (§8.2.6.2). */
  toTag?: string;
  headers?: [string, string][];
  body?: string;
}

export function createResponse(req: SipRequest, status: number, init: ResponseInit = {}): SipResponse {
  const headers: SipHeader[] = [];
  for (const v of getHeaders(req, 'Via')) headers.push({ name: 'Via', value: v });
  const from = getHeader(req, 'From');
  if (from !== undefined) headers.push({ name: 'From', value: from });
  let to = getHeader(req, 'To');
  if (to !== undefined) {
    if (status > 100 && init.toTag && !/;\s*tag\s*=/i.test(to)) to = `${to};tag=${init.toTag}`;
    headers.push({ name: 'To', value: to });
  }
  for (const name of ['Call-ID', 'CSeq']) {
    const v = getHeader(req, name);
    if (v !== undefined) headers.push({ name, value: v });
  }
  if (status === 100) {
    const ts = getHeader(req, 'Timestamp'); // §8.2.6.1
    if (ts !== undefined) headers.push({ name: 'Timestamp', value: ts });
  }
  // §12.1.1: a dialog-creating response copies Record-Route
  if (req.method === 'INVITE' && status > 100 && status < 300) {
    for (const rr of getHeaders(req, 'Record-Route')) headers.push({ name: 'Record-Route', value: rr });
  }
  for (const [n, v] of init.headers ?? []) headers.push({ name: canonicalHeaderName(n), value: v });
  return {
    type: 'response', status, reason: init.reason ?? reasonPhrases[status] ?? 'Unknown', headers, body: init.body ?? '',
  };
}
