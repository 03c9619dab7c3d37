// UAS request inspection (RFC 3261 §8.2.1–§8.2.3), before a request reaches the application:
// Request-URI scheme (416), Require option tags (420), body type (415) and Accept (406).
import { getHeader, getHeaders, type SipRequest } from './sip-message.ts';
import { uriScheme } from './sip-uri.ts';

export interface RequestChecksOptions {
  supportedOptions: readonly string[];
  /** Body types we process, e.g. application/sdp. */
  acceptedTypes: readonly string[];
}

export interface RequestRejection {
  status: number;
  reason: string;
  headers: [string, string][];
}

export function checkRequest(req: SipRequest, options: RequestChecksOptions): RequestRejection | undefined {
  const scheme = uriScheme(req.uri);
  if (scheme !== 'sip' && scheme !== 'sips' && scheme !== 'tel') {
    return { status: 416, reason: 'Unsupported URI Scheme', headers: [] };
  }
  if (req.method === 'ACK' || req.method === 'CANCEL') return undefined; // §8.2.2.3: never 420 for these
  const unsupported = getHeaders(req, 'Require')
    .map((t) => t.trim())
    .filter((t) => t && !options.supportedOptions.includes(t.toLowerCase()));
  if (unsupported.length) return { status: 420, reason: 'Bad Extension', headers: [['Unsupported', unsupported.join(', ')]] };
  const type = getHeader(req, 'Content-Type')?.split(';')[0]?.trim().toLowerCase();
  const bodyMatters = req.body.length > 0 && (req.method === 'INVITE' || req.method === 'ACK' || req.method === 'UPDATE');
  if (bodyMatters && (!type || !options.acceptedTypes.includes(type))) {
    return { status: 415, reason: 'Unsupported Media Type', headers: [['Accept', options.acceptedTypes.join(', ')]] };
  }
  // §8.2.3 / RFC 4475 §3.3.15: an INVITE whose Accept leaves no body type we can answer with
  const accepts = getHeaders(req, 'Accept').map((a) => a.split(';')[0]?.trim().toLowerCase() ?? '');
  if (req.method === 'INVITE' && accepts.length && !accepts.some((a) => a === '*/*' || a === 'application/*' || options.acceptedTypes.includes(a))) {
    return { status: 406, reason: 'Not Acceptable', headers: [['Accept', options.acceptedTypes.join(', ')]] };
  }
  return undefined;
}
