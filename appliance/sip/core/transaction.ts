// One transaction: runs the table of transaction-table.ts, owns its timers on the injected
// clock, and reports to its owner through callbacks. It never touches a socket: sending is a
// callback too.
import type { Clock, TimerHandle } from './clock.ts';
import type { SipRequest, SipResponse } from './sip-message.ts';
import {
  backoffDuration, initialState, timerDuration, transition,
  type TimerName, type TimerValues, type TxEvent, type TxKind, type TxState,
} from './transaction-table.ts';

export interface TransactionCallbacks {
  /** Puts bytes for this transaction on the wire (request, ACK or response). */
  send(message: SipRequest | SipResponse): void;
  /** Client: a response for the TU. */
  onResponse?(response: SipResponse): void;
  onTimeout?(): void;
  onTransportError?(): void;
  onTerminated?(): void;
  /** Client INVITE: builds the ACK for a non-2xx final response (§17.1.1.3). */
  buildAck?(response: SipResponse): SipRequest;
}

export interface TransactionOptions {
  kind: TxKind;
  id: string;
  request: SipRequest;
  reliable: boolean;
  clock: Clock;
  timers: TimerValues;
  callbacks: TransactionCallbacks;
}

export type TransactionStateListener = (from: TxState, to: TxState, event: TxEvent) => void;

export class Transaction {
  readonly kind: TxKind;
  readonly id: string;
  readonly request: SipRequest;
  state: TxState;
  lastResponse: SipResponse | undefined;
  /** Client: the response being processed, for the pass and send-ack actions. */
  private lastIncoming: SipResponse | undefined;
  private ack: SipRequest | undefined;
  private readonly timers = new Map<TimerName, TimerHandle>();
  private readonly intervals = new Map<TimerName, number>();
  private readonly queue: TxEvent[] = [];
  private running = false;
  onStateChange: TransactionStateListener | undefined;

  constructor(private readonly options: TransactionOptions) {
    this.kind = options.kind;
    this.id = options.id;
    this.request = options.request;
    this.state = initialState[options.kind];
  }

  /** Client transactions: sends the request and arms the timers. */
  start(): void {
    this.fire('start');
  }

  /** Client: a response matched to this transaction. */
  receiveResponse(response: SipResponse): void {
    this.lastIncoming = response;
    this.fire(classify(response.status));
  }

  /** Server: a retransmitted request, or the ACK of a non-2xx final response. */
  receiveRequest(request: SipRequest): void {
    this.fire(request.method === 'ACK' ? 'ack' : 'request');
  }

  /** Server: the TU answers. Responses that the state does not allow are dropped. */
  respond(response: SipResponse): boolean {
    const event = classify(response.status);
    if (!transition(this.kind, this.state, event)) return false;
    this.lastResponse = response;
    this.fire(event);
    return true;
  }

  transportError(): void {
    this.fire('transport-error');
  }

  /** Ends the transaction at once, e.g. when the stack shuts down. */
  terminate(): void {
    this.clearTimers();
    if (this.state !== 'terminated') {
      this.state = 'terminated';
      this.options.callbacks.onTerminated?.();
    }
  }

  private fire(event: TxEvent): void {
    this.queue.push(event);
    if (this.running) return; // a zero-length timer fires after the current transition
    this.running = true;
    try {
      for (let e = this.queue.shift(); e !== undefined; e = this.queue.shift()) this.step(e);
    } finally {
      this.running = false;
    }
  }

  private step(event: TxEvent): void {
    if (this.state === 'terminated') return;
    const t = transition(this.kind, this.state, event);
    if (!t) return; // events a state does not list are absorbed (§17.1.1.2, §17.2.1)
    const from = this.state;
    this.state = t.next;
    const cb = this.options.callbacks;
    for (const action of t.actions) {
      if (typeof action === 'string') {
        switch (action) {
          case 'send-request': cb.send(this.request); break;
          case 'send-response': if (this.lastResponse) cb.send(this.lastResponse); break;
          case 'send-ack':
            if (this.lastIncoming && cb.buildAck) {
              // the same ACK is re-sent for every retransmission of the final response
              this.ack ??= cb.buildAck(this.lastIncoming);
              cb.send(this.ack);
            }
            break;
          case 'pass': if (this.lastIncoming) cb.onResponse?.(this.lastIncoming); break;
          case 'timeout': cb.onTimeout?.(); break;
          case 'transport-error': cb.onTransportError?.(); break;
        }
      } else if ('stop' in action) this.stopTimer(action.stop);
      else if ('start' in action) {
        const ms = action.interval === 'T2' ? this.options.timers.T2 : timerDuration(action.start, this.options.timers, this.options.reliable);
        if (ms !== undefined) this.startTimer(action.start, ms);
      } else {
        const prev = this.intervals.get(action.backoff) ?? timerDuration(action.backoff, this.options.timers, this.options.reliable);
        if (prev !== undefined) this.startTimer(action.backoff, backoffDuration(action.backoff, prev, this.options.timers));
      }
    }
    this.onStateChange?.(from, this.state, event);
    if (this.state === 'terminated') {
      this.clearTimers();
      cb.onTerminated?.();
    }
  }

  private startTimer(name: TimerName, ms: number): void {
    this.stopTimer(name);
    if (ms === 0) {
      this.queue.push(`timer-${name}`);
      return;
    }
    const handle = this.options.clock.setTimer(ms, () => {
      this.timers.delete(name);
      this.fire(`timer-${name}`);
    });
    this.timers.set(name, handle);
    this.intervals.set(name, ms);
  }

  private stopTimer(name: TimerName): void {
    const t = this.timers.get(name);
    if (t) {
      this.options.clock.clearTimer(t);
      this.timers.delete(name);
    }
  }

  private clearTimers(): void {
    for (const t of this.timers.values()) this.options.clock.clearTimer(t);
    this.timers.clear();
  }
}

function classify(status: number): '1xx' | '2xx' | '3xx-6xx' {
  return status < 200 ? '1xx' : status < 300 ? '2xx' : '3xx-6xx';
}
