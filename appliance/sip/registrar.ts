// Registrar and location service (RFC 3261 §10.3): digest-authenticated REGISTER, several
// contacts per address-of-record, expiry, unregister (one contact or `*`), kept durably in
// the appliance store through a small adapter interface (lowdb's Adapter shape).
import { z } from 'zod';
import type { DigestServer } from './core/digest.ts';
import { parseNameAddr } from './core/header-values.ts';
import { getHeader, getHeaders } from './core/sip-message.ts';
import type { IncomingRequest } from './core/sip-stack.ts';
import { parseSipUri, unescapeUriPart } from './core/sip-uri.ts';
import type { Clock } from './core/clock.ts';
import type { Endpoint } from './core/transport-port.ts';

export const BindingSchema = z.object({
  aor: z.string(),
  contact: z.string(),
  expiresAt: z.number(),
  callId: z.string(),
  cseq: z.number().int(),
  q: z.number().optional(),
  source: z.object({ protocol: z.enum(['UDP', 'TCP', 'WS']), host: z.string(), port: z.number().int(), connectionId: z.string().optional() }),
  userAgent: z.string().optional(),
});
export type Binding = z.infer<typeof BindingSchema>;
export const LocationDocumentSchema = z.object({ bindings: z.array(BindingSchema) });
export type LocationDocument = z.infer<typeof LocationDocumentSchema>;

/** What the registrar needs from the store: appliance/store's FsyncJsonFile fits. */
export interface LocationStore {
  read(): Promise<LocationDocument | null>;
  write(doc: LocationDocument): Promise<void>;
}

export interface RegistrarOptions {
  digest: DigestServer;
  passwordOf(user: string): string | undefined;
  store: LocationStore;
  clock: Clock;
  minExpires?: number;
  maxExpires?: number;
  defaultExpires?: number;
}

/** The canonical address-of-record: scheme, unescaped user, lower-case host (§10.3 step 5). */
export function canonicalAor(uri: string): string | undefined {
  const u = parseSipUri(uri);
  if (!u) return undefined;
  return `sip:${u.user ? unescapeUriPart(u.user) + '@' : ''}${u.host.toLowerCase()}`;
}

export class Registrar {
  private bindings: Binding[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: RegistrarOptions) {}

  async load(): Promise<void> {
    const doc = await this.options.store.read();
    this.bindings = doc ? LocationDocumentSchema.parse(doc).bindings : [];
  }

  /** Live contacts of an AOR (or of a user at any host), best q first. */
  lookup(aorOrUser: string): Binding[] {
    const now = this.options.clock.now();
    const key = canonicalAor(aorOrUser);
    return this.bindings
      .filter((b) => b.expiresAt > now && (key ? b.aor === key : b.aor.startsWith(`sip:${aorOrUser}@`)))
      .sort((a, b) => (b.q ?? 1) - (a.q ?? 1));
  }

  /**
   * Where to send a call for a user: the contact as Request-URI, sent to the address the
   * REGISTER came from (reaches phones behind NAT, and reuses their TCP/WS connection).
   */
  locate(user: string): { uri: string; endpoint: Endpoint }[] {
    return this.lookup(user).map((b) => ({ uri: b.contact, endpoint: { ...b.source } }));
  }

  get size(): number {
    return this.bindings.length;
  }

  async handle(incoming: IncomingRequest): Promise<void> {
    const req = incoming.request;
    const now = this.options.clock.now();
    const { digest, passwordOf } = this.options;
    const auth = digest.verify(getHeader(req, 'Authorization'), 'REGISTER', now, passwordOf);
    if (auth.verdict !== 'ok') {
      incoming.respond(401, { headers: digest.challenges(now, auth.verdict === 'stale').map((c): [string, string] => ['WWW-Authenticate', c]) });
      return;
    }
    const toUri = parseNameAddr(getHeader(req, 'To') ?? '')?.uri ?? '';
    const aor = canonicalAor(toUri);
    if (!aor) return void incoming.respond(404, { reason: 'Unknown Address-of-Record' });
    if (!aor.startsWith(`sip:${auth.username}@`)) return void incoming.respond(403, { reason: 'Not Your Address-of-Record' });
    const callId = getHeader(req, 'Call-ID') ?? '';
    const cseq = Number(getHeader(req, 'CSeq')?.split(/\s+/)[0] ?? 0);
    const headerExpires = getHeader(req, 'Expires');
    const contacts = getHeaders(req, 'Contact');
    const min = this.options.minExpires ?? 60;
    const max = this.options.maxExpires ?? 3600;

    this.bindings = this.bindings.filter((b) => b.expiresAt > now);
    if (contacts.length === 1 && contacts[0] === '*') {
      // §10.3 step 6: `*` is only allowed with Expires: 0
      if (headerExpires !== '0') return void incoming.respond(400, { reason: 'Wildcard Needs Expires 0' });
      this.bindings = this.bindings.filter((b) => b.aor !== aor);
    } else {
      const updates: { uri: string; expires: number; q?: number }[] = [];
      for (const c of contacts) {
        const na = parseNameAddr(c);
        if (!na) return void incoming.respond(400, { reason: 'Bad Contact' });
        const raw = na.params.expires ?? headerExpires ?? String(this.options.defaultExpires ?? 3600);
        const expires = Math.min(Number(raw), max);
        if (!Number.isFinite(expires)) return void incoming.respond(400, { reason: 'Bad Expires' });
        if (expires > 0 && expires < min) return void incoming.respond(423, { headers: [['Min-Expires', String(min)]] });
        const q = na.params.q ? Number(na.params.q) : undefined;
        updates.push({ uri: na.uri, expires, ...(q !== undefined ? { q } : {}) });
      }
      for (const u of updates) {
        const existing = this.bindings.find((b) => b.aor === aor && b.contact === u.uri);
        // §10.3 step 7: an older or repeated CSeq on the same Call-ID must not change the binding
        if (existing && existing.callId === callId && existing.cseq >= cseq) return void incoming.respond(500, { reason: 'Out of Order REGISTER' });
        this.bindings = this.bindings.filter((b) => b !== existing);
        if (u.expires > 0) {
          const source: Endpoint = incoming.source;
          const ua = getHeader(req, 'User-Agent');
          this.bindings.push({ aor, contact: u.uri, expiresAt: now + u.expires * 1000, callId, cseq, source, ...(u.q !== undefined ? { q: u.q } : {}), ...(ua ? { userAgent: ua } : {}) });
        }
      }
    }
    await this.persist();
    if (!incoming.pending) return;
    const current = this.bindings.filter((b) => b.aor === aor);
    const headers: [string, string][] = current.map((b) => ['Contact', `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`]);
    headers.push(['Date', new Date(now).toUTCString()]);
    incoming.respond(200, { headers });
  }

  /** Writes are chained so the file always ends with the newest set; the 200 waits for it. */
  private persist(): Promise<void> {
    const doc: LocationDocument = { bindings: this.bindings.map((b) => ({ ...b })) };
    this.writing = this.writing.then(() => this.options.store.write(doc), () => this.options.store.write(doc));
    return this.writing;
  }
}
