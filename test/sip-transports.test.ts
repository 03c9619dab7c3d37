// Transports on loopback: WebSocket (RFC 7118), TCP in both directions, CRLF keepalives.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { WebSocket } from 'ws';
import { SipServer } from '../appliance/sip/sip-server.ts';
import { UserAgent } from '../appliance/sip/user-agent.ts';
import { createOffer } from '../appliance/calls/sdp-offer-answer.ts';

const servers: SipServer[] = [];
after(async () => { await Promise.all(servers.map((s) => s.close())); });

async function start(ports: { udpPort?: number; tcpPort?: number; wsPort?: number }) {
  const server = await SipServer.start({ host: '127.0.0.1', ...ports, sendFilter: (to) => to.host.startsWith('127.') });
  servers.push(server);
  return { server, ua: new UserAgent(server.stack) };
}

const optionsText = (transport: string, port: number, branch: string) => [
  'OPTIONS sip:cc@127.0.0.1 SIP/2.0', `Via: SIP/2.0/${transport} client.invalid:${port};branch=${branch}`, 'From: <sip:probe@127.0.0.1>;tag=p',
  'To: <sip:cc@127.0.0.1>', `Call-ID: ${branch}`, 'CSeq: 1 OPTIONS', 'Max-Forwards: 70', 'Content-Length: 0', '', ''].join('\r\n');

describe('SIP transports', () => {
  let ws: Awaited<ReturnType<typeof start>>;
  before(async () => { ws = await start({ wsPort: 0, tcpPort: 0 }); });

  test('answers OPTIONS over WebSocket with the sip subprotocol, on the same connection', async () => {
    const client = new WebSocket(`ws://127.0.0.1:${ws.server.ws!.port}`, 'sip');
    await new Promise((r, j) => { client.once('open', r); client.once('error', j); });
    assert.equal(client.protocol, 'sip');
    const reply = new Promise<string>((r) => client.once('message', (d) => r(d.toString())));
    client.send(optionsText('WS', 0, 'z9hG4bKws1'));
    const text = await reply;
    assert.match(text, /^SIP\/2\.0 200 OK\r\n/);
    assert.match(text, /Via: SIP\/2\.0\/WS client\.invalid:0;branch=z9hG4bKws1;received=127\.0\.0\.1/);
    client.close();
  });

  test('refuses a WebSocket client that does not offer the sip subprotocol (RFC 7118 §4)', async () => {
    const client = new WebSocket(`ws://127.0.0.1:${ws.server.ws!.port}`, 'chat');
    const outcome = await new Promise<string>((r) => { client.once('open', () => r('open')); client.once('error', () => r('refused')); });
    assert.equal(outcome, 'refused');
  });

  test('answers a CRLF CRLF keepalive with CRLF on TCP and still frames the next message (RFC 5626 §4.4.1)', async () => {
    const sock = connect(ws.server.tcp!.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    let got = '';
    sock.on('data', (d) => (got += d.toString()));
    sock.write('\r\n\r\n');
    sock.write(optionsText('TCP', 1, 'z9hG4bKtcp1'));
    for (let i = 0; i < 100 && !got.includes('200 OK'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(got.startsWith('\r\n'), JSON.stringify(got.slice(0, 10)));
    assert.match(got, /SIP\/2\.0 200 OK/);
    sock.destroy();
  });

  test('ends a call placed over TCP to a closed port with 503 at once (§18.4 transport error)', async () => {
    const caller = await start({ tcpPort: 0 });
    const probe = await start({ tcpPort: 0 });
    const closedPort = probe.server.tcp!.port;
    await probe.server.close();
    servers.splice(servers.indexOf(probe.server), 1);
    const s = caller.ua.call({ to: `sip:x@127.0.0.1:${closedPort}`, from: 'sip:y@127.0.0.1', target: { protocol: 'TCP', host: '127.0.0.1', port: closedPort }, sdp: createOffer({ ip: '127.0.0.1', port: 42000 }) });
    const started = Date.now();
    const cause = await new Promise<{ status?: number; by: string }>((r) => s.once('ended', r));
    assert.deepEqual([cause.by, cause.status], ['network', 503]);
    assert.ok(Date.now() - started < 2000, 'no waiting for Timer B');
    // the failed connection is forgotten: once something listens there, calls go through
    const revived = await start({ tcpPort: closedPort });
    revived.ua.on('invite', (inv) => inv.answer(createOffer({ ip: '127.0.0.1', port: 43000 })));
    const again = caller.ua.call({ to: `sip:x@127.0.0.1:${closedPort}`, from: 'sip:y@127.0.0.1', target: { protocol: 'TCP', host: '127.0.0.1', port: closedPort }, sdp: createOffer({ ip: '127.0.0.1', port: 42000 }) });
    await new Promise<void>((r, j) => { again.once('answered', () => r()); again.once('ended', (c) => j(new Error(`${c.status} ${c.reason}`))); });
    again.bye();
  });

  test('places a call over TCP from one stack to another and hangs up', async () => {
    const callee = await start({ tcpPort: 0 });
    const calleeEnded = new Promise<string>((r) => callee.ua.on('invite', (s) => {
      s.once('ended', (c) => r(c.by));
      s.ring();
      s.answer(createOffer({ ip: '127.0.0.1', port: 41000 }));
    }));
    const caller = await start({ tcpPort: 0 });
    const target = { protocol: 'TCP' as const, host: '127.0.0.1', port: callee.server.tcp!.port };
    const s = caller.ua.call({ to: `sip:x@127.0.0.1:${target.port};transport=tcp`, from: 'sip:y@127.0.0.1', target, sdp: createOffer({ ip: '127.0.0.1', port: 42000 }) });
    await new Promise<void>((r, j) => { s.once('answered', () => r()); s.once('ended', (c) => j(new Error(c.reason))); });
    s.bye();
    assert.equal(await calleeEnded, 'remote');
    assert.equal(caller.server.tcp!.connectionCount, 1, 'one connection carried the whole dialog');
  });
});
