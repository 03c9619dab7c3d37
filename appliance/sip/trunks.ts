// Upstream trunks: outbound registration (RFC 3261 §10.2) with digest, OPTIONS keepalive and
// up/down state for telemetry, and dialling through a trunk group with failover.
import type { SipStack } from './core/sip-stack.ts';
import { buildAuthorization, parseChallenge } from './core/digest.ts';
import { newCallId, newTag } from './core/ids.ts';
import { getHeader, request, type SipRequest, type SipResponse } from './core/sip-message.ts';
import type { TimerHandle } from './core/clock.ts';
import type { Endpoint } from './core/transport-port.ts';
import type { TrunkConfig, TrunkGroup } from './config.ts';
import type { InviteSession } from './invite-session.ts';
import type { UserAgent } from './user-agent.ts';
import { TypedEmitter } from './typed-emitter.ts';

export interface TrunkState {
  id: string;
  up: boolean;
  since: number;
  detail?: string;
}

export type TrunkManagerEvents = {
  state: (state: TrunkState) => void;
};

interface TrunkRuntime {
  config: TrunkConfig;
  state: TrunkState;
  failures: number;
  registered: boolean;
  probeTimer?: TimerHandle;
  registerTimer?: TimerHandle;
  registerCallId: string;
  registerCSeq: number;
  fromTag: string;
}

/** Statuses after which the next trunk of a group is tried (RFC 3261 §16.7 style serial forking). */
export function isFailoverStatus(status: number): boolean {
  return status === 408 || status >= 500 && status < 600;
}

export class TrunkManager extends TypedEmitter<TrunkManagerEvents> {
  private readonly trunks = new Map<string, TrunkRuntime>();
  private stopped = false;

  constructor(private readonly ua: UserAgent, trunks: TrunkConfig[], private readonly groups: TrunkGroup[]) {
    super();
    const now = ua.stack.clock.now();
    for (const config of trunks) {
      const up = config.optionsIntervalMs === 0 && !config.register;
      this.trunks.set(config.id, {
        config, failures: 0, registered: false, registerCallId: newCallId(), registerCSeq: 0, fromTag: newTag(),
        state: { id: config.id, up, since: now, detail: up ? 'not probed' : 'starting' },
      });
    }
  }

  private get stack(): SipStack {
    return this.ua.stack;
  }

  start(): void {
    for (const t of this.trunks.values()) {
      if (t.config.optionsIntervalMs > 0) this.probe(t);
      if (t.config.register) this.register(t);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.trunks.values()) {
      if (t.probeTimer) this.stack.clock.clearTimer(t.probeTimer);
      if (t.registerTimer) this.stack.clock.clearTimer(t.registerTimer);
    }
  }

  /** Telemetry: one entry per trunk. */
  trunkStates(): TrunkState[] {
    return [...this.trunks.values()].map((t) => ({ ...t.state }));
  }

  endpoint(config: TrunkConfig): Endpoint {
    return { protocol: config.transport, host: config.host, port: config.port };
  }

  private domain(config: TrunkConfig): string {
    return config.domain ?? config.host;
  }

  private setState(t: TrunkRuntime, up: boolean, detail: string): void {
    if (t.state.up === up && t.state.detail === detail) return;
    const changed = t.state.up !== up;
    t.state = { id: t.config.id, up, since: changed ? this.stack.clock.now() : t.state.since, detail };
    this.emit('state', { ...t.state });
  }

  private probe(t: TrunkRuntime): void {
    if (this.stopped) return;
    const c = t.config;
    const req = request('OPTIONS', `sip:${this.domain(c)}:${c.port}`, [
      ['From', `<sip:keepalive@${this.stack.transport(c.transport)?.host ?? 'localhost'}>;tag=${newTag()}`], ['To', `<sip:${this.domain(c)}>`],
      ['Call-ID', newCallId()], ['CSeq', '1 OPTIONS'], ['Accept', 'application/sdp'],
    ]);
    const again = () => {
      if (!this.stopped) t.probeTimer = this.stack.clock.setTimer(c.optionsIntervalMs, () => this.probe(t));
    };
    const failed = (detail: string) => {
      t.failures++;
      if (t.failures >= c.failuresBeforeDown) this.setState(t, false, detail);
      again();
    };
    this.stack.sendRequest(req, this.endpoint(c), {
      onResponse: (r) => {
        if (r.status < 200) return;
        // any final answer but 503 shows the peer's SIP stack is alive (RFC 3261 §11)
        if (r.status === 503) return failed('503 to OPTIONS');
        t.failures = 0;
        this.setState(t, c.register ? t.registered : true, c.register && !t.registered ? 'reachable, not registered' : 'ok');
        again();
      },
      onTimeout: () => failed('no answer to OPTIONS'),
      onTransportError: () => failed('transport error'),
    });
  }

  private register(t: TrunkRuntime, authorization?: [string, string]): void {
    if (this.stopped) return;
    const c = t.config;
    const aor = `sip:${c.username}@${this.domain(c)}`;
    t.registerCSeq++;
    const headers: [string, string][] = [
      ['From', `<${aor}>;tag=${t.fromTag}`], ['To', `<${aor}>`], ['Call-ID', t.registerCallId], ['CSeq', `${t.registerCSeq} REGISTER`],
      ['Contact', this.ua.contactFor(c.transport).replace('sip:cc@', `sip:${c.username}@`)], ['Expires', String(c.registerExpires)],
    ];
    if (authorization) headers.push(authorization);
    const req: SipRequest = request('REGISTER', `sip:${this.domain(c)}`, headers);
    const retryLater = (detail: string) => {
      t.registered = false;
      this.setState(t, false, detail);
      if (!this.stopped) t.registerTimer = this.stack.clock.setTimer(30_000, () => this.register(t));
    };
    this.stack.sendRequest(req, this.endpoint(c), {
      onResponse: (r: SipResponse) => {
        if (r.status < 200) return;
        if ((r.status === 401 || r.status === 407) && !authorization) {
          const challenge = parseChallenge(getHeader(r, r.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate') ?? '');
          if (!challenge || !c.username || !c.password) return retryLater(`${r.status} without usable challenge`);
          const value = buildAuthorization(challenge, { username: c.username, password: c.password }, 'REGISTER', req.uri);
          return this.register(t, [r.status === 401 ? 'Authorization' : 'Proxy-Authorization', value]);
        }
        if (r.status >= 300) return retryLater(`registration refused: ${r.status} ${r.reason}`);
        const granted = Number(/expires=(\d+)/i.exec(getHeader(r, 'Contact') ?? '')?.[1] ?? getHeader(r, 'Expires') ?? c.registerExpires);
        t.registered = true;
        this.setState(t, true, 'registered');
        // refresh before expiry, leaving room for retransmissions
        const refresh = Math.max(5, Math.floor(granted * 0.8)) * 1000;
        if (!this.stopped) t.registerTimer = this.stack.clock.setTimer(refresh, () => this.register(t));
      },
      onTimeout: () => retryLater('no answer to REGISTER'),
      onTransportError: () => retryLater('transport error'),
    });
  }

  /**
   * Dials a number through a trunk group: trunks that are down are skipped; a 408/5xx or a
   * timeout moves on to the next trunk; any other failure (busy, not found) ends the attempt.
   */
  dial(groupId: string, number: string, sdp: string, events: { onSession?(s: InviteSession, trunk: string): void; onFailed?(status: number, reason: string): void }): void {
    const group = this.groups.find((g) => g.id === groupId);
    if (!group) return events.onFailed?.(404, `no trunk group ${groupId}`);
    const order = group.trunks.map((id) => this.trunks.get(id)).filter((t): t is TrunkRuntime => !!t);
    const candidates = [...order.filter((t) => t.state.up), ...order.filter((t) => !t.state.up)];
    const attempt = (i: number, lastStatus: number, lastReason: string) => {
      const t = candidates[i];
      if (!t) return events.onFailed?.(lastStatus, lastReason);
      const c = t.config;
      const fromUser = group.callerId ?? c.username ?? 'anonymous';
      const session = this.ua.call({
        to: `sip:${number}@${this.domain(c)}${c.port !== 5060 ? `:${c.port}` : ''}`,
        from: `sip:${fromUser}@${this.domain(c)}`,
        ...(group.callerName ? { fromDisplayName: group.callerName } : {}),
        target: this.endpoint(c), sdp,
        headers: group.callerId ? [['P-Asserted-Identity', `<sip:${group.callerId}@${this.domain(c)}>`]] : [],
        ...(c.username && c.password ? { credentials: { username: c.username, password: c.password } } : {}),
      });
      let answered = false;
      session.once('answered', () => { answered = true; });
      session.once('ended', (cause) => {
        if (answered) return;
        const status = cause.status ?? 500;
        if (isFailoverStatus(status)) attempt(i + 1, status, cause.reason);
        else events.onFailed?.(status, cause.reason);
      });
      events.onSession?.(session, c.id);
    };
    attempt(0, 503, 'no trunk available');
  }
}
