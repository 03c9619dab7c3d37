// Hostile input must neither crash nor wedge the stack: it keeps answering OPTIONS.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { VirtualClock } from '../appliance/sip/core/clock.ts';
import { SipStack } from '../appliance/sip/core/sip-stack.ts';
import { parseSipMessage } from '../appliance/sip/core/sip-parser.ts';
import type { SipResponse } from '../appliance/sip/core/sip-message.ts';
import type { Endpoint, SipTransportPort } from '../appliance/sip/core/transport-port.ts';
import { UserAgent } from '../appliance/sip/user-agent.ts';
import { tortureCases } from './fixtures/sip/rfc4475.ts';
import { mutate, prng } from './fixtures/sip/mutate.ts';
import { startAppliance, type Appliance } from './fixtures/sip/harness.ts';

const options = (branch: string, via = 'SIP/2.0/UDP 127.0.0.1:9;branch=' + branch + ';rport') => Buffer.from([
  'OPTIONS sip:cc@127.0.0.1 SIP/2.0', `Via: ${via}`, 'From: <sip:probe@127.0.0.1>;tag=p1', 'To: <sip:cc@127.0.0.1>',
  `Call-ID: probe-${branch}`, 'CSeq: 1 OPTIONS', 'Max-Forwards: 70', 'Content-Length: 0', '', ''].join('\r\n'));

const seeds = [
  ...tortureCases.filter((c) => c.expect === undefined).map((c) => Buffer.from(c.text)),
  options('z9hG4bKseed'),
  Buffer.from('INVITE sip:agent@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKinv;rport\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:agent@127.0.0.1>\r\nCall-ID: m1\r\nCSeq: 1 INVITE\r\nContact: <sip:a@127.0.0.1:9>\r\nContent-Type: application/sdp\r\nContent-Length: 31\r\n\r\nv=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 1\r\n'),
];

describe('robustness of the pure stack', () => {
  test('survives 10,000 random mutations of valid messages and still answers OPTIONS', () => {
    const clock = new VirtualClock();
    const responses: SipResponse[] = [];
    const transport: SipTransportPort = {
      protocol: 'UDP', reliable: false, host: '127.0.0.1', port: 5060,
      send: (data: Buffer) => { const r = parseSipMessage(data); if (r.kind === 'message' && r.message.type === 'response') responses.push(r.message); },
    };
    const stack = new SipStack({ clock, transports: [transport] });
    new UserAgent(stack); // no listeners: INVITEs get 480, everything is answered
    const rnd = prng(4475);
    const src: Endpoint = { protocol: 'UDP', host: '127.0.0.1', port: 9 };
    for (let i = 0; i < 10_000; i++) {
      stack.receive(mutate(seeds[i % seeds.length]!, rnd), src);
      if (i % 500 === 0) clock.advance(1000);
    }
    clock.advance(120_000); // every transaction runs out its timers
    assert.equal(stack.stats.activeTransactions, 0, 'no transaction is left behind');
    responses.length = 0;
    stack.receive(options('z9hG4bKafter'), src);
    assert.equal(responses[0]?.status, 200);
  });
});

describe('robustness of the running appliance', () => {
  let app: Appliance;
  let udp: Socket;
  const replies: Buffer[] = [];
  before(async () => {
    app = await startAppliance();
    udp = createSocket('udp4');
    udp.on('message', (m) => replies.push(m));
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  });
  after(async () => { udp.close(); await app.close(); });

  const send = (b: Buffer) => new Promise<void>((r) => udp.send(b, app.port, '127.0.0.1', () => r()));
  async function answersOptions(): Promise<void> {
    replies.length = 0;
    const branch = `z9hG4bK${Math.random().toString(36).slice(2)}`;
    await send(options(branch, `SIP/2.0/UDP 127.0.0.1:${udp.address().port};branch=${branch};rport`));
    for (let i = 0; i < 100 && !replies.some((r) => r.toString().includes(branch)); i++) await new Promise((r) => setTimeout(r, 10));
    const reply = replies.find((r) => r.toString().includes(branch));
    assert.ok(reply, 'no answer to OPTIONS');
    assert.match(reply.toString(), /^SIP\/2\.0 200 /);
  }

  test('answers OPTIONS after a maximum-size garbage datagram', async () => {
    await send(Buffer.alloc(65_507, 0x41 + (Date.now() % 26)));
    await answersOptions();
  });

  test('drops a TCP peer that sends 300 KB of garbage, and keeps serving', async () => {
    const sock = connect(app.tcpPort, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    const closed = new Promise((r) => sock.once('close', r));
    sock.on('error', () => {});
    sock.write(Buffer.alloc(300 * 1024, 0x7a));
    await closed;
    await answersOptions();
  });

  test('refuses a 60 KB header line over UDP with 513, and closes a TCP peer sending a 100 KB one', async () => {
    replies.length = 0;
    const branch = 'z9hG4bKlong';
    const msg = options(branch, `SIP/2.0/UDP 127.0.0.1:${udp.address().port};branch=${branch};rport`).toString().replace('Max-Forwards: 70', `X-Long: ${'x'.repeat(60_000)}\r\nMax-Forwards: 70`);
    await send(Buffer.from(msg));
    for (let i = 0; i < 100 && replies.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.match(replies[0]?.toString() ?? '', /^SIP\/2\.0 513 /);
    const sock = connect(app.tcpPort, '127.0.0.1');
    sock.on('error', () => {});
    await new Promise((r) => sock.once('connect', r));
    const closed = new Promise((r) => sock.once('close', r));
    sock.write(`OPTIONS sip:cc@127.0.0.1 SIP/2.0\r\nX-Long: ${'y'.repeat(100 * 1024)}\r\n\r\n`);
    await closed;
    await answersOptions();
  });

  test('answers 400 to a Content-Length larger than the datagram', async () => {
    replies.length = 0;
    const branch = 'z9hG4bKcl';
    const msg = options(branch, `SIP/2.0/UDP 127.0.0.1:${udp.address().port};branch=${branch};rport`).toString().replace('Content-Length: 0', 'Content-Length: 5000');
    await send(Buffer.from(msg + 'short body'));
    for (let i = 0; i < 100 && replies.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.match(replies[0]?.toString() ?? '', /^SIP\/2\.0 400 Content-Length Exceeds Body/);
    await answersOptions();
  });

  test('keeps answering OPTIONS after 10,000 mutated datagrams on the wire', async () => {
    const rnd = prng(3261);
    for (let i = 0; i < 10_000; i++) {
      const m = mutate(seeds[i % seeds.length]!, rnd);
      udp.send(m, app.port, '127.0.0.1');
      if (i % 200 === 0) await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 300));
    await answersOptions();
  });
});
