import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from './clock.ts';
import { Transaction } from './transaction.ts';
import { defaultTimerValues, type TxKind } from './transaction-table.ts';
import { request, type SipRequest, type SipResponse } from './sip-message.ts';

const invite = request('INVITE', 'sip:a@example.com', [['Via', 'SIP/2.0/UDP h;branch=z9hG4bK1'], ['CSeq', '1 INVITE']]);
const options = request('OPTIONS', 'sip:a@example.com', [['Via', 'SIP/2.0/UDP h;branch=z9hG4bK2'], ['CSeq', '1 OPTIONS']]);
const ack = request('ACK', 'sip:a@example.com', [['Via', 'SIP/2.0/UDP h;branch=z9hG4bK1'], ['CSeq', '1 ACK']]);
const res = (status: number): SipResponse => ({ type: 'response', status, reason: 'R', headers: [], body: '' });

/** Drives one transaction and records what it did, at what virtual time. */
function harness(kind: TxKind, req: SipRequest, reliable = false) {
  const clock = new VirtualClock();
  const log: string[] = [];
  const at = () => `@${clock.now()}`;
  const describe = (m: SipRequest | SipResponse) => (m.type === 'request' ? m.method : String(m.status));
  const tx = new Transaction({
    kind, id: 't', request: req, reliable, clock, timers: defaultTimerValues,
    callbacks: {
      send: (m) => log.push(`${at()} send ${describe(m)}`),
      onResponse: (r) => log.push(`${at()} pass ${r.status}`),
      onTimeout: () => log.push(`${at()} timeout`),
      onTerminated: () => log.push(`${at()} terminated`),
      buildAck: () => ack,
    },
  });
  tx.onStateChange = (from, to) => { if (from !== to) log.push(`${at()} ${from}->${to}`); };
  return { tx, clock, log };
}

describe('INVITE client transaction (§17.1.1)', () => {
  test('retransmits with Timer A doubling from T1 and times out with Timer B at 64*T1 over UDP', () => {
    const { tx, clock, log } = harness('invite-client', invite);
    tx.start();
    clock.advance(40_000);
    assert.deepEqual(log, [
      '@0 send INVITE', '@500 send INVITE', '@1500 send INVITE', '@3500 send INVITE', '@7500 send INVITE',
      '@15500 send INVITE', '@31500 send INVITE', '@32000 timeout', '@32000 calling->terminated', '@32000 terminated',
    ]);
  });

  test('stops retransmitting on a provisional, ACKs a final failure and absorbs its retransmissions until Timer D', () => {
    const { tx, clock, log } = harness('invite-client', invite);
    tx.start();
    clock.advance(100);
    tx.receiveResponse(res(180));
    clock.advance(5000);
    tx.receiveResponse(res(486));
    clock.advance(1000);
    tx.receiveResponse(res(486));
    clock.advance(40_000);
    assert.deepEqual(log, [
      '@0 send INVITE', '@100 pass 180', '@100 calling->proceeding', '@5100 send ACK', '@5100 pass 486',
      '@5100 proceeding->completed', '@6100 send ACK', '@37100 completed->terminated', '@37100 terminated',
    ]);
  });

  test('passes 2xx and its retransmissions to the TU in Accepted until Timer M (RFC 6026)', () => {
    const { tx, clock, log } = harness('invite-client', invite);
    tx.start();
    tx.receiveResponse(res(200));
    clock.advance(600);
    tx.receiveResponse(res(200));
    clock.advance(40_000);
    assert.deepEqual(log, [
      '@0 send INVITE', '@0 pass 200', '@0 calling->accepted', '@600 pass 200', '@32000 accepted->terminated', '@32000 terminated',
    ]);
  });

  test('does not retransmit over a reliable transport and terminates at once after a failure', () => {
    const { tx, clock, log } = harness('invite-client', invite, true);
    tx.start();
    clock.advance(1000);
    tx.receiveResponse(res(503));
    assert.deepEqual(log, ['@0 send INVITE', '@1000 send ACK', '@1000 pass 503', '@1000 calling->completed', '@1000 completed->terminated', '@1000 terminated']);
  });
});

describe('non-INVITE client transaction (§17.1.2)', () => {
  test('retransmits with Timer E capped at T2 and times out with Timer F', () => {
    const { tx, clock, log } = harness('non-invite-client', options);
    tx.start();
    clock.advance(40_000);
    const sends = log.filter((l) => l.includes('send')).map((l) => Number(l.slice(1, l.indexOf(' '))));
    assert.deepEqual(sends, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.deepEqual(log.slice(-3), ['@32000 timeout', '@32000 trying->terminated', '@32000 terminated']);
  });

  test('retransmits every T2 once a provisional arrived', () => {
    const { tx, clock, log } = harness('non-invite-client', options);
    tx.start();
    clock.advance(600);
    tx.receiveResponse(res(100));
    clock.advance(10_000);
    const sends = log.filter((l) => l.includes('send')).map((l) => Number(l.slice(1, l.indexOf(' '))));
    assert.deepEqual(sends, [0, 500, 1500, 5500, 9500]);
  });

  test('absorbs final response retransmissions in Completed and ends with Timer K at T4', () => {
    const { tx, clock, log } = harness('non-invite-client', options);
    tx.start();
    clock.advance(200);
    tx.receiveResponse(res(200));
    clock.advance(1000);
    tx.receiveResponse(res(200));
    clock.advance(10_000);
    assert.deepEqual(log, ['@0 send OPTIONS', '@200 pass 200', '@200 trying->completed', '@5200 completed->terminated', '@5200 terminated']);
  });
});

describe('INVITE server transaction (§17.2.1)', () => {
  test('answers a retransmitted INVITE with the last provisional and retransmits a failure with Timer G until the ACK', () => {
    const { tx, clock, log } = harness('invite-server', invite);
    tx.respond(res(100));
    clock.advance(500);
    tx.receiveRequest(invite);
    tx.respond(res(486));
    clock.advance(4000);
    tx.receiveRequest(ack);
    tx.receiveRequest(invite);
    clock.advance(10_000);
    assert.deepEqual(log, [
      '@0 send 100', '@500 send 100', '@500 send 486', '@500 proceeding->completed', '@1000 send 486', '@2000 send 486',
      '@4000 send 486', '@4500 completed->confirmed', '@9500 confirmed->terminated', '@9500 terminated',
    ]);
  });

  test('times out with Timer H when the ACK never comes', () => {
    const { tx, clock, log } = harness('invite-server', invite);
    tx.respond(res(480));
    clock.advance(40_000);
    const sends = log.filter((l) => l.includes('send')).map((l) => Number(l.slice(1, l.indexOf(' '))));
    assert.deepEqual(sends, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.deepEqual(log.slice(-3), ['@32000 timeout', '@32000 completed->terminated', '@32000 terminated']);
  });

  test('absorbs retransmitted INVITEs after a 2xx in Accepted and ends with Timer L', () => {
    const { tx, clock, log } = harness('invite-server', invite);
    tx.respond(res(200));
    clock.advance(500);
    tx.receiveRequest(invite);
    tx.respond(res(200)); // the TU's own 2xx retransmission goes through the transaction
    clock.advance(40_000);
    assert.deepEqual(log, ['@0 send 200', '@0 proceeding->accepted', '@500 send 200', '@32000 accepted->terminated', '@32000 terminated']);
  });

  test('refuses a provisional after the final response', () => {
    const { tx } = harness('invite-server', invite);
    tx.respond(res(486));
    assert.equal(tx.respond(res(180)), false);
  });
});

describe('non-INVITE server transaction (§17.2.2)', () => {
  test('absorbs retransmissions before the answer, replays the answer after it, and ends with Timer J', () => {
    const { tx, clock, log } = harness('non-invite-server', options);
    tx.receiveRequest(options);
    clock.advance(100);
    tx.respond(res(200));
    clock.advance(1000);
    tx.receiveRequest(options);
    clock.advance(40_000);
    assert.deepEqual(log, ['@100 send 200', '@100 trying->completed', '@1100 send 200', '@32100 completed->terminated', '@32100 terminated']);
  });

  test('terminates at once over a reliable transport (Timer J is zero)', () => {
    const { tx, log } = harness('non-invite-server', options, true);
    tx.respond(res(200));
    assert.deepEqual(log, ['@0 send 200', '@0 trying->completed', '@0 completed->terminated', '@0 terminated']);
  });
});
