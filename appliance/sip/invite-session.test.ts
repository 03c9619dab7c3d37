import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from './core/clock.ts';
import { SipStack } from './core/sip-stack.ts';
import { getHeader, type SipRequest } from './core/sip-message.ts';
import { RecordingTransport, requestText } from './core/test-kit.ts';
import { DigestServer } from './core/digest.ts';
import { UserAgent } from './user-agent.ts';
import type { InviteSession } from './invite-session.ts';

const src = { protocol: 'UDP' as const, host: '198.51.100.7', port: 5070 };
const sdp = 'v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

function setup(options: ConstructorParameters<typeof UserAgent>[1] = {}) {
  const clock = new VirtualClock();
  const transport = new RecordingTransport();
  const stack = new SipStack({ clock, transports: [transport] });
  const ua = new UserAgent(stack, options);
  const sessions: InviteSession[] = [];
  ua.on('invite', (s) => sessions.push(s));
  const sent = () => transport.take().map((s) => (s.message.type === 'response' ? `${s.message.status} ${getHeader(s.message, 'CSeq')}` : `${s.message.method}`));
  return { clock, transport, stack, ua, sessions, sent };
}

function inDialog(method: string, toTag: string, cseq: number, extra: string[] = [], body = ''): Buffer {
  return Buffer.from(requestText(method, { branch: `z9hG4bK${method}${cseq}`, cseq, toTag, extra, body }));
}

describe('INVITE session, UAS side', () => {
  test('retransmits the 2xx from T1 doubling to T2 until the ACK arrives (§13.3.1.4)', () => {
    const { stack, clock, sessions, sent } = setup();
    stack.receive(Buffer.from(requestText('INVITE', { body: sdp, extra: ['Content-Type: application/sdp'] })), src);
    const s = sessions[0]!;
    s.answer(sdp);
    const confirmed: string[] = [];
    s.on('confirmed', () => confirmed.push('confirmed'));
    assert.deepEqual(sent(), ['100 1 INVITE', '200 1 INVITE']);
    clock.advance(3600);
    assert.deepEqual(sent(), ['200 1 INVITE', '200 1 INVITE', '200 1 INVITE']); // at 500, 1500, 3500
    stack.receive(inDialog('ACK', s.dialog!.localTag, 1), src);
    clock.advance(10_000);
    assert.deepEqual(sent(), []);
    assert.deepEqual(confirmed, ['confirmed']);
  });

  test('gives up after 64*T1 without ACK, sends BYE and ends the session', () => {
    const { stack, clock, sessions, sent } = setup();
    stack.receive(Buffer.from(requestText('INVITE', { body: sdp, extra: ['Content-Type: application/sdp'] })), src);
    const ended: unknown[] = [];
    sessions[0]!.on('ended', (c) => ended.push(c));
    sessions[0]!.answer(sdp);
    clock.advance(40_000); // the last retransmission slot after 64*T1 is at 35.5 s
    assert.equal(sent().at(-1), 'BYE');
    assert.deepEqual(ended, [{ by: 'network', status: 408, reason: 'no ACK for 2xx' }]);
  });

  test('relays INFO DTMF, answers re-INVITE hold with recvonly, and ends on BYE', () => {
    const { stack, sessions, sent } = setup();
    stack.receive(Buffer.from(requestText('INVITE', { body: sdp, extra: ['Content-Type: application/sdp'] })), src);
    const s = sessions[0]!;
    s.answer(sdp);
    const tag = s.dialog!.localTag;
    stack.receive(inDialog('ACK', tag, 1), src);
    const events: string[] = [];
    s.on('dtmf', (d, ms) => events.push(`dtmf ${d} ${ms}`));
    s.on('hold', (h) => events.push(`hold ${h}`));
    s.on('ended', (c) => events.push(`ended ${c.by}`));
    s.hooks.answerOffer = (offer) => offer.replace('a=sendonly', 'a=recvonly');
    sent();
    stack.receive(inDialog('INFO', tag, 2, ['Content-Type: application/dtmf-relay'], 'Signal=5\r\nDuration=160\r\n'), src);
    stack.receive(inDialog('INVITE', tag, 3, ['Content-Type: application/sdp'], sdp + 'a=sendonly\r\n'), src);
    stack.receive(inDialog('BYE', tag, 4), src);
    assert.deepEqual(events, ['dtmf 5 160', 'hold true', 'ended remote']);
    assert.deepEqual(sent(), ['200 2 INFO', '100 3 INVITE', '200 3 INVITE', '200 4 BYE']);
  });

  test('refuses an in-dialog request with a lower CSeq with 500 and an unknown dialog with 481', () => {
    const { stack, sessions, sent } = setup();
    stack.receive(Buffer.from(requestText('INVITE', { cseq: 5, body: sdp, extra: ['Content-Type: application/sdp'] })), src);
    sessions[0]!.answer(sdp);
    sent();
    stack.receive(inDialog('INFO', sessions[0]!.dialog!.localTag, 4), src);
    stack.receive(inDialog('BYE', 'no-such-tag', 9), src);
    assert.deepEqual(sent(), ['500 4 INFO', '481 9 BYE']);
  });

  test('accepts REFER with 202 and reports the target with its Replaces (RFC 3891), then NOTIFYs', () => {
    const { stack, sessions, sent } = setup();
    stack.receive(Buffer.from(requestText('INVITE', { body: sdp, extra: ['Content-Type: application/sdp'] })), src);
    const s = sessions[0]!;
    s.answer(sdp);
    stack.receive(inDialog('ACK', s.dialog!.localTag, 1), src);
    sent();
    let seen: unknown;
    s.on('refer', (r) => { seen = { to: r.referTo, replaces: r.replaces }; r.notify(200, 'OK'); });
    stack.receive(inDialog('REFER', s.dialog!.localTag, 2, ['Refer-To: <sip:1002@192.0.2.10?Replaces=abc%40host%3Bto-tag%3Dt1%3Bfrom-tag%3Df1>']), src);
    assert.deepEqual(seen, { to: '<sip:1002@192.0.2.10?Replaces=abc%40host%3Bto-tag%3Dt1%3Bfrom-tag%3Df1>', replaces: { callId: 'abc@host', toTag: 't1', fromTag: 'f1' } });
    assert.deepEqual(sent(), ['202 2 REFER', 'NOTIFY', 'NOTIFY']);
  });
});

describe('INVITE session, UAC side', () => {
  function respond(transport: RecordingTransport, stack: SipStack, status: number, headers: string[] = [], body = '', to?: SipRequest): SipRequest {
    const req = to ?? (transport.sent.at(-1)!.message as SipRequest);
    const res = [
      `SIP/2.0 ${status} X`, `Via: ${getHeader(req, 'Via')}`, `From: ${getHeader(req, 'From')}`, `To: ${getHeader(req, 'To')}${status > 100 ? ';tag=remote1' : ''}`,
      `Call-ID: ${getHeader(req, 'Call-ID')}`, `CSeq: ${getHeader(req, 'CSeq')}`, 'Contact: <sip:peer@198.51.100.7:5070>', ...headers,
      `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
    stack.receive(Buffer.from(res), src);
    return req;
  }

  test('answers a 407 with credentials, then ACKs the 2xx and ACKs its retransmission too', () => {
    const { stack, transport, ua } = setup();
    const s = ua.call({ to: 'sip:100@198.51.100.7', from: 'sip:cc@192.0.2.10', target: src, sdp, credentials: { username: 'acct', password: 'pw' } });
    const challenge = new DigestServer({ realm: 'carrier' }).challenges(0)[1]!;
    respond(transport, stack, 407, [`Proxy-Authenticate: ${challenge}`]);
    const retry = transport.sent.at(-1)!.message as SipRequest;
    assert.equal(retry.method, 'INVITE');
    assert.equal(getHeader(retry, 'CSeq'), '2 INVITE');
    assert.match(getHeader(retry, 'Proxy-Authorization') ?? '', /^Digest username="acct", realm="carrier"/);
    const answered: string[] = [];
    s.on('answered', (a) => answered.push(a));
    respond(transport, stack, 200, ['Content-Type: application/sdp'], sdp, retry);
    respond(transport, stack, 200, ['Content-Type: application/sdp'], sdp, retry);
    const methods = transport.take().map((x) => (x.message.type === 'request' ? x.message.method : x.message.status));
    assert.deepEqual(methods.slice(-3), ['INVITE', 'ACK', 'ACK']);
    assert.equal(answered.length, 1);
    assert.equal(s.dialog?.remoteTag, 'remote1');
  });

  test('waits for a provisional before sending CANCEL (§9.1) and ends with 487', () => {
    const { stack, transport, ua } = setup();
    const s = ua.call({ to: 'sip:100@198.51.100.7', from: 'sip:cc@192.0.2.10', target: src, sdp });
    s.cancel();
    assert.equal(transport.sent.filter((x) => x.message.type === 'request' && x.message.method === 'CANCEL').length, 0);
    const invite = transport.sent[0]!.message as SipRequest;
    respond(transport, stack, 180);
    const cancel = transport.sent.at(-1)!.message as SipRequest;
    assert.equal(cancel.method, 'CANCEL');
    assert.equal(getHeader(cancel, 'Via'), getHeader(invite, 'Via'));
    const ended: unknown[] = [];
    s.on('ended', (c) => ended.push(c.status));
    respond(transport, stack, 487, [], '', invite);
    assert.deepEqual(ended, [487]);
  });
});
