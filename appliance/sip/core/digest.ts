// HTTP Digest for SIP (RFC 3261 §22, RFC 2617, RFC 7616, RFC 8760): MD5 and SHA-256, qop=auth.
// Server nonces are stateless: a timestamp signed with HMAC, so any stale or forged nonce is
// detected without keeping per-client state.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { splitOutside } from './header-values.ts';

export type DigestAlgorithm = 'MD5' | 'SHA-256';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  algorithm: DigestAlgorithm;
  qop?: string[];
  opaque?: string;
  stale?: boolean;
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: 'auth';
  nc?: string;
  cnonce?: string;
}

const hashName = (a: DigestAlgorithm) => (a === 'MD5' ? 'md5' : 'sha256');
export const digestHash = (a: DigestAlgorithm, s: string): string => createHash(hashName(a)).update(s).digest('hex');

export function computeDigestResponse(i: DigestInput): string {
  const ha1 = digestHash(i.algorithm, `${i.username}:${i.realm}:${i.password}`);
  const ha2 = digestHash(i.algorithm, `${i.method}:${i.uri}`);
  if (i.qop === 'auth') return digestHash(i.algorithm, `${ha1}:${i.nonce}:${i.nc}:${i.cnonce}:auth:${ha2}`);
  return digestHash(i.algorithm, `${ha1}:${i.nonce}:${ha2}`);
}

/** Parses `Digest a=b, c="d"` (WWW-Authenticate, Authorization and their Proxy- forms). */
export function parseDigestParams(value: string): { scheme: string; params: Record<string, string> } {
  const m = /^\s*(\S+)\s*(.*)$/s.exec(value);
  const params: Record<string, string> = {};
  for (const part of splitOutside(m?.[2] ?? '', ',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    let v = part.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    params[part.slice(0, eq).trim().toLowerCase()] = v;
  }
  return { scheme: m?.[1] ?? '', params };
}

export function parseChallenge(value: string): DigestChallenge | undefined {
  const { scheme, params } = parseDigestParams(value);
  if (scheme.toLowerCase() !== 'digest' || !params.realm || !params.nonce) return undefined;
  const alg = (params.algorithm ?? 'MD5').toUpperCase();
  if (alg !== 'MD5' && alg !== 'SHA-256') return undefined;
  const c: DigestChallenge = { realm: params.realm, nonce: params.nonce, algorithm: alg };
  if (params.qop) c.qop = params.qop.split(',').map((q) => q.trim());
  if (params.opaque !== undefined) c.opaque = params.opaque;
  if (params.stale) c.stale = params.stale.toLowerCase() === 'true';
  return c;
}

export function formatChallenge(c: DigestChallenge): string {
  let s = `Digest realm="${c.realm}", nonce="${c.nonce}", algorithm=${c.algorithm}`;
  if (c.qop) s += `, qop="${c.qop.join(',')}"`;
  if (c.opaque !== undefined) s += `, opaque="${c.opaque}"`;
  if (c.stale) s += ', stale=TRUE';
  return s;
}

/** Client side: the Authorization value answering a challenge (§22.2). */
export function buildAuthorization(c: DigestChallenge, creds: { username: string; password: string }, method: string, uri: string, nc = 1): string {
  const qop = c.qop?.includes('auth') ? 'auth' : undefined;
  const cnonce = randomBytes(8).toString('hex');
  const ncs = nc.toString(16).padStart(8, '0');
  const response = computeDigestResponse({ algorithm: c.algorithm, username: creds.username, realm: c.realm, password: creds.password, method, uri, nonce: c.nonce, qop, nc: ncs, cnonce });
  let s = `Digest username="${creds.username}", realm="${c.realm}", nonce="${c.nonce}", uri="${uri}", response="${response}", algorithm=${c.algorithm}`;
  if (qop) s += `, qop=auth, nc=${ncs}, cnonce="${cnonce}"`;
  if (c.opaque !== undefined) s += `, opaque="${c.opaque}"`;
  return s;
}

export interface DigestServerOptions {
  realm: string;
  /** Nonces older than this are answered with stale=TRUE (§22.4 allows any policy). */
  nonceLifetimeMs?: number;
  secret?: Buffer;
  /** Challenges in order of preference; peers that read only the first (SIPp) need MD5 first. */
  algorithms?: DigestAlgorithm[];
}

export type DigestVerdict = 'ok' | 'stale' | 'invalid' | 'missing';

/** Server side: challenges (SHA-256 first, then MD5 for older peers, RFC 8760 §2.4) and verification. */
export class DigestServer {
  private readonly secret: Buffer;
  constructor(private readonly options: DigestServerOptions) {
    this.secret = options.secret ?? randomBytes(32);
  }

  get realm(): string {
    return this.options.realm;
  }

  challenges(now: number, stale = false): string[] {
    const nonce = this.nonce(now);
    return (this.options.algorithms ?? ['SHA-256', 'MD5']).map((algorithm) => formatChallenge({ realm: this.options.realm, nonce, algorithm, qop: ['auth'], stale }));
  }

  /** Checks an Authorization value against the password for its user (undefined: unknown user). */
  verify(authorization: string | undefined, method: string, now: number, passwordOf: (user: string) => string | undefined): { verdict: DigestVerdict; username?: string } {
    if (!authorization) return { verdict: 'missing' };
    const { scheme, params } = parseDigestParams(authorization);
    if (scheme.toLowerCase() !== 'digest') return { verdict: 'missing' }; // unknown scheme: challenge (RFC 4475 §3.3.7)
    const { username, nonce, uri, response, realm } = params;
    const alg = (params.algorithm ?? 'MD5').toUpperCase();
    if (!username || !nonce || !uri || !response || realm !== this.options.realm || (alg !== 'MD5' && alg !== 'SHA-256')) return { verdict: 'invalid' };
    const age = this.nonceAge(nonce, now);
    if (age === undefined) return { verdict: 'invalid', username };
    const password = passwordOf(username);
    if (password === undefined) return { verdict: 'invalid', username };
    const qop = params.qop === 'auth' ? 'auth' : undefined;
    const expected = computeDigestResponse({ algorithm: alg, username, realm, password, method, uri, nonce, qop, nc: params.nc, cnonce: params.cnonce });
    const ok = expected.length === response.length && timingSafeEqual(Buffer.from(expected), Buffer.from(response.toLowerCase()));
    if (!ok) return { verdict: 'invalid', username };
    if (age > (this.options.nonceLifetimeMs ?? 300_000)) return { verdict: 'stale', username };
    return { verdict: 'ok', username };
  }

  private nonce(now: number): string {
    const ts = Math.floor(now).toString(36);
    const mac = createHmac('sha256', this.secret).update(ts).digest('base64url').slice(0, 22);
    return `${ts}.${mac}`;
  }

  private nonceAge(nonce: string, now: number): number | undefined {
    const [ts, mac] = nonce.split('.');
    if (!ts || !mac) return undefined;
    const expected = createHmac('sha256', this.secret).update(ts).digest('base64url').slice(0, 22);
    if (expected !== mac) return undefined;
    return now - parseInt(ts, 36);
  }
}
