// The four transaction state machines of RFC 3261 §17 as transition tables, with the RFC 6026
// "Accepted" states for INVITE 2xx (Timers L and M) so that retransmitted INVITEs and 2xx are
// absorbed by the transaction instead of being mistaken for new requests.
//
// Each row reads: in <state>, on <event> -> go to <next>, doing <actions> in order.

export type TxKind = 'invite-client' | 'non-invite-client' | 'invite-server' | 'non-invite-server';
export type TimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'K' | 'G' | 'H' | 'I' | 'J' | 'L' | 'M';
export type TxState = 'calling' | 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

export type TxEvent =
  | 'start'
  | '1xx' | '2xx' | '3xx-6xx' // a response received (client) or sent by the TU (server)
  | 'request' // a retransmission of the request (server)
  | 'ack' // ACK for a non-2xx final response (server INVITE)
  | `timer-${TimerName}`
  | 'transport-error';

export type TxAction =
  | 'send-request' // (re)send the request
  | 'send-ack' // send the ACK for a non-2xx final response (§17.1.1.3)
  | 'send-response' // (re)send the last response
  | 'pass' // pass the response (client) up to the TU
  | 'timeout' // tell the TU the transaction timed out
  | 'transport-error'
  | { start: TimerName; interval?: 'T2' }
  | { backoff: TimerName } // restart with the doubled interval (capped at T2 for E and G)
  | { stop: TimerName };

export interface TxTransition {
  next: TxState;
  actions: TxAction[];
}

type Table = Partial<Record<TxState, Partial<Record<TxEvent, TxTransition>>>>;
const go = (next: TxState, ...actions: TxAction[]): TxTransition => ({ next, actions });

/** §17.1.1, Figure 5; RFC 6026 §8.4 Accepted state. */
const inviteClient: Table = {
  calling: {
    start: go('calling', 'send-request', { start: 'A' }, { start: 'B' }),
    'timer-A': go('calling', 'send-request', { backoff: 'A' }),
    'timer-B': go('terminated', 'timeout'),
    '1xx': go('proceeding', { stop: 'A' }, { stop: 'B' }, 'pass'),
    '2xx': go('accepted', { stop: 'A' }, { stop: 'B' }, 'pass', { start: 'M' }),
    '3xx-6xx': go('completed', { stop: 'A' }, { stop: 'B' }, 'send-ack', 'pass', { start: 'D' }),
    'transport-error': go('terminated', 'transport-error'),
  },
  proceeding: {
    '1xx': go('proceeding', 'pass'),
    '2xx': go('accepted', 'pass', { start: 'M' }),
    '3xx-6xx': go('completed', 'send-ack', 'pass', { start: 'D' }),
    'transport-error': go('terminated', 'transport-error'),
  },
  completed: {
    '3xx-6xx': go('completed', 'send-ack'), // a retransmitted final response: ACK again, TU not told
    'timer-D': go('terminated'),
    'transport-error': go('terminated', 'transport-error'),
  },
  accepted: {
    '2xx': go('accepted', 'pass'), // the TU re-sends its ACK (§13.2.2.4)
    '1xx': go('accepted'),
    'timer-M': go('terminated'),
  },
};

/** §17.1.2, Figure 6. */
const nonInviteClient: Table = {
  trying: {
    start: go('trying', 'send-request', { start: 'E' }, { start: 'F' }),
    'timer-E': go('trying', 'send-request', { backoff: 'E' }),
    'timer-F': go('terminated', 'timeout'),
    '1xx': go('proceeding', 'pass'),
    '2xx': go('completed', { stop: 'E' }, { stop: 'F' }, 'pass', { start: 'K' }),
    '3xx-6xx': go('completed', { stop: 'E' }, { stop: 'F' }, 'pass', { start: 'K' }),
    'transport-error': go('terminated', 'transport-error'),
  },
  proceeding: {
    'timer-E': go('proceeding', 'send-request', { start: 'E', interval: 'T2' }),
    'timer-F': go('terminated', 'timeout'),
    '1xx': go('proceeding', 'pass'),
    '2xx': go('completed', { stop: 'E' }, { stop: 'F' }, 'pass', { start: 'K' }),
    '3xx-6xx': go('completed', { stop: 'E' }, { stop: 'F' }, 'pass', { start: 'K' }),
    'transport-error': go('terminated', 'transport-error'),
  },
  completed: {
    '1xx': go('completed'),
    '2xx': go('completed'),
    '3xx-6xx': go('completed'),
    'timer-K': go('terminated'),
  },
};

/** §17.2.1, Figure 7; RFC 6026 §7.1 Accepted state. Events 1xx/2xx/3xx-6xx come from the TU. */
const inviteServer: Table = {
  proceeding: {
    request: go('proceeding', 'send-response'),
    '1xx': go('proceeding', 'send-response'),
    '2xx': go('accepted', 'send-response', { start: 'L' }),
    '3xx-6xx': go('completed', 'send-response', { start: 'G' }, { start: 'H' }),
    'transport-error': go('terminated', 'transport-error'),
  },
  completed: {
    request: go('completed', 'send-response'),
    'timer-G': go('completed', 'send-response', { backoff: 'G' }),
    'timer-H': go('terminated', 'timeout'),
    ack: go('confirmed', { stop: 'G' }, { stop: 'H' }, { start: 'I' }),
    'transport-error': go('terminated', 'transport-error'),
  },
  confirmed: {
    request: go('confirmed'),
    ack: go('confirmed'),
    'timer-I': go('terminated'),
  },
  accepted: {
    request: go('accepted'), // retransmitted INVITE absorbed; the TU retransmits its 2xx (§13.3.1.4)
    '2xx': go('accepted', 'send-response'),
    'timer-L': go('terminated'),
  },
};

/** §17.2.2, Figure 8. */
const nonInviteServer: Table = {
  trying: {
    request: go('trying'),
    '1xx': go('proceeding', 'send-response'),
    '2xx': go('completed', 'send-response', { start: 'J' }),
    '3xx-6xx': go('completed', 'send-response', { start: 'J' }),
    'transport-error': go('terminated', 'transport-error'),
  },
  proceeding: {
    request: go('proceeding', 'send-response'),
    '1xx': go('proceeding', 'send-response'),
    '2xx': go('completed', 'send-response', { start: 'J' }),
    '3xx-6xx': go('completed', 'send-response', { start: 'J' }),
    'transport-error': go('terminated', 'transport-error'),
  },
  completed: {
    request: go('completed', 'send-response'),
    'timer-J': go('terminated'),
    'transport-error': go('terminated', 'transport-error'),
  },
};

export const transactionTables: Record<TxKind, Table> = {
  'invite-client': inviteClient,
  'non-invite-client': nonInviteClient,
  'invite-server': inviteServer,
  'non-invite-server': nonInviteServer,
};

export const initialState: Record<TxKind, TxState> = {
  'invite-client': 'calling',
  'non-invite-client': 'trying',
  'invite-server': 'proceeding',
  'non-invite-server': 'trying',
};

export interface TimerValues {
  T1: number;
  T2: number;
  T4: number;
}

export const defaultTimerValues: TimerValues = { T1: 500, T2: 4000, T4: 5000 };

/**
 * Initial duration of a timer (§17, Table 4 of Appendix A); undefined means the timer is not
 * used on this transport (retransmission timers on reliable transports), 0 fires at once.
 */
export function timerDuration(timer: TimerName, t: TimerValues, reliable: boolean): number | undefined {
  switch (timer) {
    case 'A': case 'E': case 'G': return reliable ? undefined : t.T1;
    case 'B': case 'F': case 'H': case 'L': case 'M': return 64 * t.T1;
    case 'D': return reliable ? 0 : Math.max(32_000, 64 * t.T1);
    case 'K': case 'I': return reliable ? 0 : t.T4;
    case 'J': return reliable ? 0 : 64 * t.T1;
  }
}

/** The interval after a retransmission: A doubles; E and G double up to T2 (§17.1.2.2, §17.2.1). */
export function backoffDuration(timer: TimerName, previous: number, t: TimerValues): number {
  return timer === 'A' ? previous * 2 : Math.min(previous * 2, t.T2);
}

export function transition(kind: TxKind, state: TxState, event: TxEvent): TxTransition | undefined {
  return transactionTables[kind][state]?.[event];
}
