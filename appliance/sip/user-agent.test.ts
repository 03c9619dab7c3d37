import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from './core/clock.ts';
import { SipStack } from './core/sip-stack.ts';
import { buildAuthorization, DigestServer, parseChallenge } from './core/digest.ts';
import { getHeader, getHeaders, type SipResponse } from './core/sip-message.ts';
import { RecordingTransport, requestText } from './core/test-kit.ts';
import { UserAgent } from './user-agent.ts';

const src = { protocol: 'UDP' as const, host: '198.51.100.7', port: 5070 };

test('challenges an incoming INVITE with 407 and lets the authenticated retry through', () => {
  const clock = new VirtualClock(1000);
  const transport = new RecordingTransport();
  const stack = new SipStack({ clock, transports: [transport] });
  const digest = new DigestServer({ realm: 'trunks' });
  const ua = new UserAgent(stack, { inviteAuth: { server: digest, passwordOf: (u) => (u === 'gw1' ? 'gwpass' : undefined) } });
  let invites = 0;
  ua.on('invite', (s) => { invites++; s.reject(486); });
  stack.receive(Buffer.from(requestText('INVITE', { branch: 'z9hG4bKa1' })), src);
  const challenge = transport.take().map((s) => s.message as SipResponse).find((m) => m.status === 407)!;
  assert.equal(getHeaders(challenge, 'Proxy-Authenticate').length, 2);
  assert.equal(invites, 0);
  const c = parseChallenge(getHeader(challenge, 'Proxy-Authenticate')!)!;
  const auth = buildAuthorization(c, { username: 'gw1', password: 'gwpass' }, 'INVITE', 'sip:service@192.0.2.10');
  stack.receive(Buffer.from(requestText('INVITE', { branch: 'z9hG4bKa2', cseq: 2, extra: [`Proxy-Authorization: ${auth}`] })), src);
  assert.equal(invites, 1);
  assert.deepEqual(transport.take().map((s) => (s.message as SipResponse).status), [100, 486]);
});

test('answers OPTIONS outside a dialog with Allow and Accept, and 481 to BYE for an unknown dialog', () => {
  const transport = new RecordingTransport();
  const stack = new SipStack({ clock: new VirtualClock(), transports: [transport] });
  new UserAgent(stack);
  stack.receive(Buffer.from(requestText('OPTIONS')), src);
  stack.receive(Buffer.from(requestText('BYE', { branch: 'z9hG4bKb', toTag: 'gone' })), src);
  const [options, bye] = transport.take().map((s) => s.message as SipResponse);
  assert.equal(options!.status, 200);
  assert.deepEqual(getHeaders(options!, 'Allow').slice(0, 4), ['INVITE', 'ACK', 'CANCEL', 'BYE']); // a list header: one entry per value
  assert.equal(getHeader(options!, 'Accept'), 'application/sdp');
  assert.equal(bye!.status, 481);
});
