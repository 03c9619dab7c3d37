import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from './clock.ts';
import { SipStack, type IncomingRequest } from './sip-stack.ts';
import { RecordingTransport, requestText } from './test-kit.ts';
import { getHeader, request, type SipResponse } from './sip-message.ts';
import { parseVia } from './header-values.ts';

const src = { protocol: 'UDP' as const, host: '203.0.113.9', port: 40000 };

function setup() {
  const clock = new VirtualClock();
  const transport = new RecordingTransport();
  const stack = new SipStack({ clock, transports: [transport] });
  const incoming: IncomingRequest[] = [];
  stack.handlers = { onRequest: (i) => incoming.push(i) };
  return { clock, transport, stack, incoming };
}

describe('SIP stack (transaction layer and transport glue)', () => {
  test('stamps received and rport on the top Via and answers to the source address (RFC 3581)', () => {
    const { stack, transport, incoming } = setup();
    stack.receive(Buffer.from(requestText('OPTIONS')), src);
    incoming[0]!.respond(200);
    const [out] = transport.take();
    assert.deepEqual(out!.to, { protocol: 'UDP', host: '203.0.113.9', port: 40000 });
    const via = parseVia(getHeader(out!.message, 'Via')!)!;
    assert.equal(via.params.received, '203.0.113.9');
    assert.equal(via.params.rport, '40000');
    assert.match(getHeader(out!.message, 'To')!, /;tag=/);
  });

  test('answers a Via without rport at the sent-by port (§18.2.2)', () => {
    const { stack, transport, incoming } = setup();
    stack.receive(Buffer.from(requestText('OPTIONS', { via: 'SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKx' })), src);
    incoming[0]!.respond(200);
    assert.equal(transport.take()[0]!.to.port, 5070);
  });

  test('sends 100 Trying for an INVITE at once and absorbs its retransmission', () => {
    const { stack, transport, incoming } = setup();
    stack.receive(Buffer.from(requestText('INVITE')), src);
    stack.receive(Buffer.from(requestText('INVITE')), src);
    assert.equal(incoming.length, 1);
    assert.deepEqual(transport.take().map((s) => (s.message as SipResponse).status), [100, 100]);
  });

  test('answers CANCEL with 200 and the INVITE with 487, and tells the TU (§9.2)', () => {
    const { stack, transport, incoming } = setup();
    stack.receive(Buffer.from(requestText('INVITE')), src);
    let cancelled = false;
    incoming[0]!.onCancel = () => { cancelled = true; };
    incoming[0]!.respond(180);
    transport.take();
    stack.receive(Buffer.from(requestText('CANCEL')), src);
    const out = transport.take().map((s) => `${(s.message as SipResponse).status} ${getHeader(s.message, 'CSeq')}`);
    assert.deepEqual(out, ['200 1 CANCEL', '487 1 INVITE']);
    assert.equal(cancelled, true);
    assert.equal(incoming.length, 1);
  });

  test('answers 481 to a CANCEL that matches no INVITE', () => {
    const { stack, transport } = setup();
    stack.receive(Buffer.from(requestText('CANCEL', { branch: 'z9hG4bKnone' })), src);
    assert.equal((transport.take()[0]!.message as SipResponse).status, 481);
  });

  test('answers 400 to a request it can route a response for, and ignores garbage', () => {
    const { stack, transport } = setup();
    stack.receive(Buffer.from(requestText('OPTIONS').replace('CSeq: 1 OPTIONS', 'CSeq: 1 INVITE')), src);
    stack.receive(Buffer.from('\x00\x01garbage that is not SIP'), src);
    const out = transport.take();
    assert.equal(out.length, 1);
    assert.equal((out[0]!.message as SipResponse).status, 400);
    assert.equal(stack.stats.parseErrors, 2);
  });

  test('refuses an unknown Require with 420 and lists it in Unsupported', () => {
    const { stack, transport, incoming } = setup();
    stack.receive(Buffer.from(requestText('OPTIONS', { extra: ['Require: 100rel-of-the-future'] })), src);
    const [out] = transport.take();
    assert.equal((out!.message as SipResponse).status, 420);
    assert.equal(getHeader(out!.message, 'Unsupported'), '100rel-of-the-future');
    assert.equal(incoming.length, 0);
  });

  test('matches responses to the client transaction by branch and CSeq method (§17.1.3)', () => {
    const { stack, transport, clock } = setup();
    const got: number[] = [];
    const req = request('OPTIONS', 'sip:peer@198.51.100.7', [['From', '<sip:a@x>;tag=1'], ['To', '<sip:peer@198.51.100.7>'], ['Call-ID', 'c'], ['CSeq', '5 OPTIONS']]);
    stack.sendRequest(req, { protocol: 'UDP', host: '198.51.100.7', port: 5060 }, { onResponse: (r) => got.push(r.status) });
    const [sent] = transport.take();
    const via = getHeader(sent!.message, 'Via')!;
    assert.match(via, /^SIP\/2\.0\/UDP 192\.0\.2\.10:5060;branch=z9hG4bK[0-9a-f]+;rport$/);
    const resp = (branch: string, method: string) => Buffer.from([
      'SIP/2.0 200 OK', `Via: ${via.replace(/branch=[^;]+/, `branch=${branch}`)}`, 'From: <sip:a@x>;tag=1', 'To: <sip:peer@198.51.100.7>;tag=2',
      'Call-ID: c', `CSeq: 5 ${method}`, 'Content-Length: 0', '', ''].join('\r\n'));
    const branch = parseVia(via)!.params.branch!;
    stack.receive(resp(branch, 'INVITE'), src);
    stack.receive(resp('z9hG4bKother', 'OPTIONS'), src);
    stack.receive(resp(branch, 'OPTIONS'), src);
    assert.deepEqual(got, [200]);
    clock.advance(10_000);
    assert.equal(transport.take().length, 0, 'no retransmission after the final response');
    assert.equal(stack.stats.activeTransactions, 0);
  });
});
