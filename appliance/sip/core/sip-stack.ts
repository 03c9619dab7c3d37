// The transaction layer and transport glue (RFC 3261 §17, §18) as pure code: bytes come in
// through receive(), go out through the injected SipTransportPorts, and every timer runs on
// the injected Clock. Requests the TU must see are handed up through SipStackHandlers.
import type { Clock } from './clock.ts';
import { canonicalHeaderName } from './header-names.ts';
import { formatVia, parseCSeq, parseVia, tagOf, type Via } from './header-values.ts';
import { magicCookie, newBranch, newTag } from './ids.ts';
import { checkRequest } from './request-checks.ts';
import { createResponse, type ResponseInit } from './responses.ts';
import { getHeader, getHeaders, setHeader, addHeader, type SipRequest, type SipResponse } from './sip-message.ts';
import { parseSipMessage } from './sip-parser.ts';
import { serializeSipMessage } from './sip-serializer.ts';
import { Transaction } from './transaction.ts';
import { defaultTimerValues, type TimerValues } from './transaction-table.ts';
import type { Endpoint, SipTransportPort, TransportProtocol } from './transport-port.ts';

export interface SipStackOptions {
  clock: Clock;
  transports: SipTransportPort[];
  timers?: Partial<TimerValues>;
  userAgent?: string;
  supportedOptions?: string[];
  acceptedTypes?: string[];
  maxMessageSize?: number;
}

export interface SipStackHandlers {
  /** A new request (not ACK, not CANCEL) with its server transaction. */
  onRequest(incoming: IncomingRequest): void;
  /** An ACK matching no transaction: the ACK of a 2xx (§13.3.1.4), for the dialog layer. */
  onAck?(ack: SipRequest, source: Endpoint): void;
  /** A response matching no transaction, e.g. a 2xx retransmitted after Timer M (§13.2.2.4). */
  onStrayResponse?(response: SipResponse, source: Endpoint): void;
}

export interface ClientHandlers {
  onResponse?(response: SipResponse): void;
  onTimeout?(): void;
  onTransportError?(): void;
}

export interface SipStackStats {
  received: number;
  sent: number;
  parseErrors: number;
  activeTransactions: number;
}

export class IncomingRequest {
  /** To-tag used for every response the TU sends, minted once (§8.2.6.2). */
  readonly toTag: string;
  /** Set by the TU to learn that the caller cancelled an INVITE (§9.2). */
  onCancel: (() => void) | undefined;
  cancelled = false;

  constructor(
    readonly request: SipRequest,
    readonly source: Endpoint,
    readonly transaction: Transaction,
    private readonly stack: SipStack,
  ) {
    this.toTag = tagOf(getHeader(request, 'To')) ?? newTag();
  }

  respond(status: number, init: ResponseInit = {}): SipResponse {
    const response = createResponse(this.request, status, { toTag: this.toTag, ...init });
    this.stack.decorate(response);
    this.transaction.respond(response);
    return response;
  }

  /** True until a final response went out. */
  get pending(): boolean {
    return this.transaction.state === 'proceeding' || this.transaction.state === 'trying';
  }
}

export class SipStack {
  readonly timers: TimerValues;
  readonly stats: SipStackStats = { received: 0, sent: 0, parseErrors: 0, activeTransactions: 0 };
  private readonly clientTx = new Map<string, Transaction>();
  private readonly serverTx = new Map<string, { tx: Transaction; incoming?: IncomingRequest }>();
  private readonly transports = new Map<TransportProtocol, SipTransportPort>();
  handlers: SipStackHandlers = { onRequest: (i) => i.respond(501) };

  constructor(private readonly options: SipStackOptions) {
    this.timers = { ...defaultTimerValues, ...options.timers };
    for (const t of options.transports) this.transports.set(t.protocol, t);
  }

  get clock(): Clock {
    return this.options.clock;
  }

  transport(protocol: TransportProtocol): SipTransportPort | undefined {
    return this.transports.get(protocol);
  }

  /** Entry point for every datagram or framed stream message. Never throws on bad input. */
  receive(data: Buffer, source: Endpoint): void {
    this.stats.received++;
    const stream = source.protocol !== 'UDP';
    const parsed = parseSipMessage(data, { stream, maxSize: this.options.maxMessageSize });
    if (parsed.kind === 'keepalive') return;
    if (parsed.kind === 'invalid') {
      this.stats.parseErrors++;
      // answer only requests we can route a response for; bad responses are dropped (§3.1.2.19)
      if (parsed.partial && parsed.partial.method !== 'ACK') {
        const res = createResponse(parsed.partial, parsed.status, { reason: parsed.reason, toTag: newTag() });
        this.decorate(res);
        this.sendRaw(res, source);
      }
      return;
    }
    const msg = parsed.message;
    if (msg.type === 'response') this.receiveResponse(msg, source);
    else this.receiveRequest(msg, source);
  }

  private receiveResponse(res: SipResponse, source: Endpoint): void {
    const via = parseVia(getHeader(res, 'Via') ?? '');
    const cseq = parseCSeq(getHeader(res, 'CSeq') ?? '');
    if (!via || !cseq) return;
    const tx = via.params.branch ? this.clientTx.get(`${via.params.branch}|${cseq.method}`) : undefined;
    if (tx) tx.receiveResponse(res);
    else this.handlers.onStrayResponse?.(res, source);
  }

  private receiveRequest(req: SipRequest, source: Endpoint): void {
    const viaText = getHeader(req, 'Via') as string;
    const via = parseVia(viaText) as Via;
    // §18.2.1 and RFC 3581: record where the request really came from
    via.params.received = source.host;
    if ('rport' in via.params) via.params.rport = String(source.port);
    const vias = getHeaders(req, 'Via');
    vias[0] = formatVia(via);
    req.headers = req.headers.filter((h) => h.name !== 'Via');
    for (let i = vias.length - 1; i >= 0; i--) addHeader(req, 'Via', vias[i] as string, true);

    const key = this.serverKey(req, via, req.method === 'ACK' || req.method === 'CANCEL' ? 'INVITE' : req.method);
    if (req.method === 'CANCEL') return this.receiveCancel(req, source, key);
    const existing = this.serverTx.get(key);
    if (existing) return existing.tx.receiveRequest(req);
    if (req.method === 'ACK') return this.handlers.onAck?.(req, source);

    const target = responseTarget(via, source);
    const tx = this.newServerTx(req, key, target);
    const rejection = checkRequest(req, {
      supportedOptions: this.options.supportedOptions ?? ['replaces'],
      acceptedTypes: this.options.acceptedTypes ?? ['application/sdp'],
    });
    const incoming = new IncomingRequest(req, source, tx, this);
    this.serverTx.set(key, { tx, incoming });
    if (rejection) {
      incoming.respond(rejection.status, { reason: rejection.reason, headers: rejection.headers });
      return;
    }
    if (req.method === 'INVITE') incoming.respond(100); // §17.2.1: quench retransmissions at once
    this.handlers.onRequest(incoming);
  }

  private receiveCancel(cancel: SipRequest, source: Endpoint, inviteKey: string): void {
    const via = parseVia(getHeader(cancel, 'Via') as string) as Via;
    const cancelKey = this.serverKey(cancel, via, 'CANCEL');
    const existing = this.serverTx.get(cancelKey);
    if (existing) return existing.tx.receiveRequest(cancel);
    const tx = this.newServerTx(cancel, cancelKey, responseTarget(via, source));
    const invite = this.serverTx.get(inviteKey);
    const incoming = new IncomingRequest(cancel, source, tx, this);
    this.serverTx.set(cancelKey, { tx, incoming });
    if (!invite?.incoming) {
      incoming.respond(481); // §9.2: no matching transaction
      return;
    }
    const target = invite.incoming;
    incoming.respond(200, { toTag: target.toTag });
    if (target.pending && !target.cancelled) {
      target.cancelled = true;
      target.respond(487);
      target.onCancel?.();
    }
  }

  private newServerTx(req: SipRequest, key: string, target: Endpoint): Transaction {
    const reliable = this.transports.get(target.protocol)?.reliable ?? false;
    const tx: Transaction = new Transaction({
      kind: req.method === 'INVITE' ? 'invite-server' : 'non-invite-server',
      id: key, request: req, reliable, clock: this.options.clock, timers: this.timers,
      callbacks: {
        send: (m) => this.sendRaw(m, target),
        onTerminated: () => {
          this.serverTx.delete(key);
          this.stats.activeTransactions--;
        },
      },
    });
    this.stats.activeTransactions++;
    if (req.method !== 'INVITE') tx.receiveRequest(req);
    return tx;
  }

  private serverKey(req: SipRequest, via: Via, method: string): string {
    const branch = via.params.branch;
    const sentBy = `${via.host}:${via.port ?? ''}`;
    if (branch && branch.startsWith(magicCookie)) return `${branch}|${sentBy}|${method}`;
    // RFC 2543 peers (no magic cookie): match on the dialog identifiers (§17.2.3)
    const cseq = parseCSeq(getHeader(req, 'CSeq') ?? '');
    return `2543|${getHeader(req, 'Call-ID')}|${tagOf(getHeader(req, 'From'))}|${cseq?.seq}|${sentBy}|${branch ?? ''}|${method}`;
  }

  /**
   * Sends a request in a new client transaction. The stack adds the top Via (fresh branch
   * unless the request already carries one, as CANCEL does), Max-Forwards and User-Agent.
   */
  sendRequest(req: SipRequest, to: Endpoint, handlers: ClientHandlers = {}): Transaction {
    const transport = this.requireTransport(to.protocol);
    if (!getHeader(req, 'Via')) {
      addHeader(req, 'Via', `SIP/2.0/${viaTransport(to.protocol)} ${transport.host}:${transport.port};branch=${newBranch()};rport`, true);
    }
    if (!getHeader(req, 'Max-Forwards')) setHeader(req, 'Max-Forwards', '70');
    this.decorate(req);
    const via = parseVia(getHeader(req, 'Via') as string) as Via;
    const method = parseCSeq(getHeader(req, 'CSeq') ?? '')?.method ?? req.method;
    const key = `${via.params.branch}|${method}`;
    const tx: Transaction = new Transaction({
      kind: req.method === 'INVITE' ? 'invite-client' : 'non-invite-client',
      id: key, request: req, reliable: transport.reliable, clock: this.options.clock, timers: this.timers,
      callbacks: {
        send: (m) => this.sendRaw(m, to, () => tx.transportError()),
        onResponse: (r) => handlers.onResponse?.(r),
        onTimeout: () => handlers.onTimeout?.(),
        onTransportError: () => handlers.onTransportError?.(),
        onTerminated: () => {
          this.clientTx.delete(key);
          this.stats.activeTransactions--;
        },
        buildAck: (r) => buildNon2xxAck(req, r),
      },
    });
    this.clientTx.set(key, tx);
    this.stats.activeTransactions++;
    tx.start();
    return tx;
  }

  /** CANCEL for a pending INVITE client transaction (§9.1): same Via branch, CSeq number, Route. */
  cancel(invite: Transaction, to: Endpoint, handlers: ClientHandlers = {}): Transaction | undefined {
    if (invite.kind !== 'invite-client' || (invite.state !== 'proceeding' && invite.state !== 'calling')) return undefined;
    const req = invite.request;
    const cseq = parseCSeq(getHeader(req, 'CSeq') ?? '');
    const headers: [string, string][] = [['Via', getHeader(req, 'Via') as string]];
    for (const r of getHeaders(req, 'Route')) headers.push(['Route', r]);
    for (const n of ['From', 'To', 'Call-ID']) headers.push([n, getHeader(req, n) ?? '']);
    headers.push(['CSeq', `${cseq?.seq ?? 1} CANCEL`], ['Max-Forwards', '70']);
    const cancel: SipRequest = { type: 'request', method: 'CANCEL', uri: req.uri, headers: headers.map(([name, value]) => ({ name: canonicalHeaderName(name), value })), body: '' };
    return this.sendRequest(cancel, to, handlers);
  }

  /** Sends outside any transaction: the ACK of a 2xx (§13.2.2.4), which gets its own branch. */
  sendStateless(req: SipRequest, to: Endpoint): void {
    const transport = this.requireTransport(to.protocol);
    if (!getHeader(req, 'Via')) {
      addHeader(req, 'Via', `SIP/2.0/${viaTransport(to.protocol)} ${transport.host}:${transport.port};branch=${newBranch()};rport`, true);
    }
    if (!getHeader(req, 'Max-Forwards')) setHeader(req, 'Max-Forwards', '70');
    this.sendRaw(req, to);
  }

  /** Adds User-Agent or Server when configured. */
  decorate(msg: SipRequest | SipResponse): void {
    if (this.options.userAgent && !getHeader(msg, msg.type === 'request' ? 'User-Agent' : 'Server')) {
      addHeader(msg, msg.type === 'request' ? 'User-Agent' : 'Server', this.options.userAgent);
    }
  }

  /** Ends every transaction and drops its timers (shutdown). */
  close(): void {
    for (const tx of [...this.clientTx.values()]) tx.terminate();
    for (const { tx } of [...this.serverTx.values()]) tx.terminate();
  }

  private requireTransport(protocol: TransportProtocol): SipTransportPort {
    const t = this.transports.get(protocol);
    if (!t) throw new SipTransportMissingError(protocol);
    return t;
  }

  private sendRaw(msg: SipRequest | SipResponse, to: Endpoint, onError?: () => void): void {
    const transport = this.transports.get(to.protocol);
    if (!transport) return onError?.();
    this.stats.sent++;
    transport.send(serializeSipMessage(msg), to, onError ? () => onError() : undefined);
  }
}

export class SipTransportMissingError extends Error {
  constructor(protocol: string) {
    super(`no ${protocol} transport configured`);
  }
}

function viaTransport(p: TransportProtocol): string {
  return p;
}

/** §18.2.2 and RFC 3581 §4: reliable transports answer on the connection; UDP to received:rport. */
export function responseTarget(via: Via, source: Endpoint): Endpoint {
  if (source.protocol !== 'UDP') return source;
  const rport = via.params.rport;
  const port = rport ? Number(rport) : (via.port ?? 5060);
  return { protocol: 'UDP', host: via.params.received ?? source.host, port };
}

/** §17.1.1.3: the ACK of a non-2xx final response belongs to the INVITE transaction. */
function buildNon2xxAck(invite: SipRequest, res: SipResponse): SipRequest {
  const cseq = parseCSeq(getHeader(invite, 'CSeq') ?? '');
  const headers: [string, string][] = [['Via', getHeader(invite, 'Via') as string]];
  for (const r of getHeaders(invite, 'Route')) headers.push(['Route', r]);
  headers.push(['From', getHeader(invite, 'From') ?? ''], ['To', getHeader(res, 'To') ?? ''], ['Call-ID', getHeader(invite, 'Call-ID') ?? '']);
  headers.push(['CSeq', `${cseq?.seq ?? 1} ACK`], ['Max-Forwards', '70']);
  return { type: 'request', method: 'ACK', uri: invite.uri, headers: headers.map(([name, value]) => ({ name: canonicalHeaderName(name), value })), body: '' };
}
