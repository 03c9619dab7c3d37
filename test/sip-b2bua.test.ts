// B2BUA legs, trunks and failover, with three real stacks on loopback UDP in one process:
// a caller (PBX gateway), the appliance, and phones/trunks that answer.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { SipServer } from '../appliance/sip/sip-server.ts';
import { UserAgent } from '../appliance/sip/user-agent.ts';
import { TrunkManager } from '../appliance/sip/trunks.ts';
import { SipConfigSchema } from '../appliance/sip/config.ts';
import { B2bua } from '../appliance/calls/b2bua.ts';
import { RecordingMediaPort } from '../appliance/calls/media-port.ts';
import { createOffer, negotiate, readAnswer } from '../appliance/calls/sdp-offer-answer.ts';
import type { InviteSession } from '../appliance/sip/invite-session.ts';
import { freeUdpPort } from './fixtures/sip/harness.ts';

const timers = { T1: 40, T2: 400, T4: 400 };
const servers: SipServer[] = [];
after(async () => { await Promise.all(servers.map((s) => s.close())); });

async function node(behaviour?: (s: InviteSession) => void) {
  const server = await SipServer.start({ host: '127.0.0.1', udpPort: 0, timers, sendFilter: (to) => to.host.startsWith('127.') });
  servers.push(server);
  const ua = new UserAgent(server.stack);
  const sessions: InviteSession[] = [];
  if (behaviour) ua.on('invite', (s) => { sessions.push(s); behaviour(s); });
  return { server, ua, sessions, port: server.udp!.port };
}

const answering = (s: InviteSession) => { s.ring(); s.answer(createOffer({ ip: '127.0.0.1', port: 50000 })); };
const once = <T>(s: InviteSession, ev: 'answered' | 'ended' | 'hold' | 'progress'): Promise<T> => new Promise((r) => s.once(ev, r as never));

async function appliance(extra: Record<string, unknown> = {}, locate?: (u: string) => { uri: string; endpoint: { protocol: 'UDP'; host: string; port: number } }[]) {
  const n = await node();
  const config = SipConfigSchema.parse({ dids: [{ did: '5551000', route: { kind: 'extension', user: '1001' } }, { did: '5552*', route: { kind: 'queue', queue: 'sales' } }], ...extra });
  const media = new RecordingMediaPort();
  const trunks = new TrunkManager(n.ua, config.trunks, config.trunkGroups);
  const b2bua = new B2bua({ ua: n.ua, config, media, locate: locate ?? (() => []), trunks });
  return { ...n, b2bua, media, trunks, config };
}

describe('B2BUA', () => {
  test('connects a DID call to the registered extension with two dialogs and terminates SDP on both legs', async () => {
    const phone = await node(answering);
    const app = await appliance({}, (u) => (u === '1001' ? [{ uri: `sip:1001@127.0.0.1:${phone.port}`, endpoint: { protocol: 'UDP', host: '127.0.0.1', port: phone.port } }] : []));
    const caller = await node();
    const call = caller.ua.call({ to: `sip:5551000@127.0.0.1:${app.port}`, from: 'sip:+8613800000000@gw', target: { protocol: 'UDP', host: '127.0.0.1', port: app.port }, sdp: createOffer({ ip: '127.0.0.1', port: 30000 }) });
    const answer = await once<string>(call, 'answered');
    const media = readAnswer(answer)!;
    assert.equal(media.codec, 'PCMU');
    assert.equal(media.remotePort, 40000, 'the caller sends media to the appliance, not to the phone');
    assert.equal(phone.sessions.length, 1);
    assert.notEqual(phone.sessions[0]!.callId, call.callId, 'each leg has its own dialog');
    assert.match(phone.sessions[0]!.request.body, /m=audio 4000\d RTP\/AVP 0 8 101/);
    const phoneEnded = once(phone.sessions[0]!, 'ended');
    call.bye();
    await phoneEnded;
    assert.ok(app.media.log.some((l) => l.startsWith('bridge ')), app.media.log.join('\n'));
  });

  test('while draining for an update, new calls are refused with 503 and the call in progress carries on; calls are taken again after', async () => {
    const phone = await node(answering);
    const app = await appliance({}, (u) => (u === '1001' ? [{ uri: `sip:1001@127.0.0.1:${phone.port}`, endpoint: { protocol: 'UDP', host: '127.0.0.1', port: phone.port } }] : []));
    const caller = await node();
    const dial = () => caller.ua.call({ to: `sip:5551000@127.0.0.1:${app.port}`, from: 'sip:+8613800000000@gw', target: { protocol: 'UDP', host: '127.0.0.1', port: app.port }, sdp: createOffer({ ip: '127.0.0.1', port: 30000 }) });
    const first = dial();
    await once(first, 'answered');
    app.b2bua.draining = true;
    const refused = await once<{ status: number; reason: string }>(dial(), 'ended');
    assert.deepEqual([refused.status, refused.reason], [503, 'Draining for maintenance']);
    assert.equal(phone.sessions.length, 1, 'the refused call never rang a phone');
    assert.equal(first.state, 'confirmed', 'the call in progress is untouched');
    app.b2bua.draining = false;
    const again = dial();
    await once(again, 'answered');
    first.bye();
    again.bye();
  });

  test('passes a busy phone back to the caller as 486', async () => {
    const phone = await node((s) => s.reject(486));
    const app = await appliance({}, () => [{ uri: `sip:1001@127.0.0.1:${phone.port}`, endpoint: { protocol: 'UDP', host: '127.0.0.1', port: phone.port } }]);
    const caller = await node();
    const call = caller.ua.call({ to: `sip:5551000@127.0.0.1:${app.port}`, from: 'sip:a@gw', target: { protocol: 'UDP', host: '127.0.0.1', port: app.port }, sdp: createOffer({ ip: '127.0.0.1', port: 30000 }) });
    const cause = await once<{ status: number }>(call, 'ended');
    assert.equal(cause.status, 486);
  });

  test('mirrors hold from the caller leg to the phone leg with a sendonly re-INVITE', async () => {
    const phone = await node(answering);
    const app = await appliance({}, () => [{ uri: `sip:1001@127.0.0.1:${phone.port}`, endpoint: { protocol: 'UDP', host: '127.0.0.1', port: phone.port } }]);
    const caller = await node();
    const call = caller.ua.call({ to: `sip:5551000@127.0.0.1:${app.port}`, from: 'sip:a@gw', target: { protocol: 'UDP', host: '127.0.0.1', port: app.port }, sdp: createOffer({ ip: '127.0.0.1', port: 30000 }) });
    await once(call, 'answered');
    const held = once<boolean>(phone.sessions[0]!, 'hold');
    call.reinvite(createOffer({ ip: '127.0.0.1', port: 30000 }, 'sendonly'));
    assert.equal(await held, true);
    call.bye();
  });

  test('carries out a blind transfer (REFER from the phone): the caller ends up with the new target', async () => {
    const phone2 = await node(answering);
    const phone1 = await node(answering);
    const where = (port: number, user: string) => [{ uri: `sip:${user}@127.0.0.1:${port}`, endpoint: { protocol: 'UDP' as const, host: '127.0.0.1', port } }];
    const app = await appliance({}, (u) => (u === '1001' ? where(phone1.port, u) : u === '1002' ? where(phone2.port, u) : []));
    const caller = await node();
    const call = caller.ua.call({ to: `sip:5551000@127.0.0.1:${app.port}`, from: 'sip:a@gw', target: { protocol: 'UDP', host: '127.0.0.1', port: app.port }, sdp: createOffer({ ip: '127.0.0.1', port: 30000 }) });
    await once(call, 'answered');
    const leg1 = phone1.sessions[0]!;
    const notifies: string[] = [];
    const phone1Ended = once(leg1, 'ended');
    leg1.refer('<sip:1002@127.0.0.1>', (frag) => notifies.push(frag.trim()));
    await phone1Ended;
    assert.equal(phone2.sessions.length, 1);
    assert.deepEqual(notifies, ['SIP/2.0 100 Trying', 'SIP/2.0 200 OK']);
    assert.equal(call.state, 'confirmed', 'the caller stays connected');
    const phone2Ended = once(phone2.sessions[0]!, 'ended');
    call.bye();
    await phone2Ended;
  });

  test('carries out an attended transfer (REFER with Replaces): the caller is joined with the consulted phone', async () => {
    const phone2 = await node(answering);
    const phone1 = await node(answering);
    const where = (port: number, user: string) => [{ uri: `sip:${user}@127.0.0.1:${port}`, endpoint: { protocol: 'UDP' as const, host: '127.0.0.1', port } }];
    const app = await appliance({}, (u) => (u === '1001' ? where(phone1.port, u) : u === '1002' ? where(phone2.port, u) : []));
    const caller = await node();
    const call = caller.ua.call({ to: `sip:5551000@127.0.0.1:${app.port}`, from: 'sip:a@gw', target: { protocol: 'UDP', host: '127.0.0.1', port: app.port }, sdp: createOffer({ ip: '127.0.0.1', port: 30000 }) });
    await once(call, 'answered');
    const first = phone1.sessions[0]!;
    // phone1 consults phone2 with a second call through the appliance
    const consult = phone1.ua.call({ to: `sip:1002@127.0.0.1:${app.port}`, from: 'sip:1001@127.0.0.1', target: { protocol: 'UDP', host: '127.0.0.1', port: app.port }, sdp: createOffer({ ip: '127.0.0.1', port: 31000 }) });
    await once(consult, 'answered');
    const d = consult.dialog!;
    const replaces = encodeURIComponent(`${d.callId};to-tag=${d.remoteTag};from-tag=${d.localTag}`);
    const ended = Promise.all([once(first, 'ended'), once(consult, 'ended')]);
    const notifies: string[] = [];
    first.refer(`<sip:1002@127.0.0.1?Replaces=${replaces}>`, (f) => notifies.push(f.trim()));
    await ended;
    assert.deepEqual(notifies.at(-1), 'SIP/2.0 200 OK');
    assert.equal(call.state, 'confirmed');
    assert.equal(phone2.sessions[0]!.state, 'confirmed');
    const bridges = app.media.log.filter((l) => l.startsWith('bridge '));
    assert.equal(bridges.length, 3, bridges.join('\n')); // caller-phone1, phone1-phone2, then caller-phone2
    const phone2Ended = once(phone2.sessions[0]!, 'ended');
    call.bye();
    await phone2Ended;
  });

  test('lets another phone take over a leg with INVITE and Replaces (RFC 3891)', async () => {
    const phone1 = await node(answering);
    const app = await appliance({}, (u) => (u === '1001' ? [{ uri: `sip:1001@127.0.0.1:${phone1.port}`, endpoint: { protocol: 'UDP' as const, host: '127.0.0.1', port: phone1.port } }] : []));
    const caller = await node();
    const call = caller.ua.call({ to: `sip:5551000@127.0.0.1:${app.port}`, from: 'sip:a@gw', target: { protocol: 'UDP', host: '127.0.0.1', port: app.port }, sdp: createOffer({ ip: '127.0.0.1', port: 30000 }) });
    await once(call, 'answered');
    const d = phone1.sessions[0]!.dialog!;
    const phone1Ended = once(phone1.sessions[0]!, 'ended');
    const phone3 = await node();
    const pickup = phone3.ua.call({
      to: `sip:1001@127.0.0.1:${app.port}`, from: 'sip:1003@127.0.0.1', target: { protocol: 'UDP', host: '127.0.0.1', port: app.port },
      sdp: createOffer({ ip: '127.0.0.1', port: 32000 }), headers: [['Replaces', `${d.callId};to-tag=${d.remoteTag};from-tag=${d.localTag}`]],
    });
    await once(pickup, 'answered');
    await phone1Ended;
    assert.equal(call.state, 'confirmed');
    const pickupEnded = once(pickup, 'ended');
    call.bye();
    await pickupEnded;
  });

  test('offers in the 200 when the INVITE had no SDP, and takes the answer from the ACK', async () => {
    const app = await appliance();
    app.b2bua.on('call', (leg) => app.b2bua.answer(leg));
    const caller = await node();
    const call = caller.ua.call({ to: `sip:55520002@127.0.0.1:${app.port}`, from: 'sip:a@gw', target: { protocol: 'UDP', host: '127.0.0.1', port: app.port } });
    call.hooks.answerOffer = (offer) => { const r = negotiate(offer, { ip: '127.0.0.1', port: 33000, codecs: ['PCMA'] }); return r.ok ? r.answer : undefined; };
    const offer = await once<string>(call, 'answered');
    assert.match(offer, /m=audio 40000 RTP\/AVP 0 8 101/);
    for (let i = 0; i < 50 && !app.media.log.some((l) => l.startsWith('update')); i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(app.media.log.filter((l) => l.startsWith('update')), ['update leg-1 PCMA 127.0.0.1:33000 sendrecv']);
    call.bye();
  });

  test('hands queue DIDs to the application, which answers the leg', async () => {
    const app = await appliance();
    app.b2bua.on('call', (leg, route) => { assert.deepEqual(route, { kind: 'queue', queue: 'sales' }); app.b2bua.answer(leg); });
    const caller = await node();
    const call = caller.ua.call({ to: `sip:55520001@127.0.0.1:${app.port}`, from: 'sip:a@gw', target: { protocol: 'UDP', host: '127.0.0.1', port: app.port }, sdp: createOffer({ ip: '127.0.0.1', port: 30000, codecs: ['PCMA'] }) });
    assert.equal(readAnswer(await once<string>(call, 'answered'))!.codec, 'PCMA');
    call.bye();
  });
});

describe('trunks', () => {
  test('fails over to the next trunk of the group after a 503 and presents the group caller id', async () => {
    const broken = await node((s) => s.reject(503));
    let fromSeen = '';
    const good = await node((s) => { fromSeen = s.request.headers.find((h) => h.name === 'From')!.value; answering(s); });
    const app = await appliance({
      trunks: [{ id: 't1', host: '127.0.0.1', port: broken.port, optionsIntervalMs: 0 }, { id: 't2', host: '127.0.0.1', port: good.port, optionsIntervalMs: 0 }],
      trunkGroups: [{ id: 'out', trunks: ['t1', 't2'], callerId: '+861055501234' }],
      outboundRoutes: [{ prefix: '0', trunkGroup: 'out', strip: 1 }],
    });
    app.b2bua.on('call', (leg) => app.b2bua.dialOut(leg, '013800000000'));
    const caller = await node();
    const call = caller.ua.call({ to: `sip:55529999@127.0.0.1:${app.port}`, from: 'sip:agent@x', target: { protocol: 'UDP', host: '127.0.0.1', port: app.port }, sdp: createOffer({ ip: '127.0.0.1', port: 30000 }) });
    await once(call, 'answered');
    assert.equal(broken.sessions.length, 1);
    assert.equal(good.sessions.length, 1);
    assert.match(good.sessions[0]!.request.uri, /^sip:13800000000@127\.0\.0\.1:\d+$/);
    assert.match(fromSeen, /sip:\+861055501234@/);
    call.bye();
  });

  test('reports a trunk down when OPTIONS go unanswered and up when it answers', async () => {
    const alive = await node();
    const deadPort = await freeUdpPort();
    const app = await appliance({
      trunks: [{ id: 'alive', host: '127.0.0.1', port: alive.port, optionsIntervalMs: 500 }, { id: 'dead', host: '127.0.0.1', port: deadPort, optionsIntervalMs: 500, failuresBeforeDown: 1 }],
    });
    app.trunks.start();
    await new Promise((r) => setTimeout(r, 3500)); // Timer F = 64*T1 = 2.56 s here
    app.trunks.stop();
    const states = Object.fromEntries(app.trunks.trunkStates().map((s) => [s.id, s]));
    assert.equal(states.alive!.up, true);
    assert.equal(states.dead!.up, false);
    assert.equal(states.dead!.detail, 'no answer to OPTIONS');
  });

  test('registers to an upstream trunk through its digest challenge', async () => {
    const upstream = await node();
    const { Registrar } = await import('../appliance/sip/registrar.ts');
    const { DigestServer } = await import('../appliance/sip/core/digest.ts');
    const registrar = new Registrar({ digest: new DigestServer({ realm: 'carrier' }), passwordOf: (u) => (u === 'acct1' ? 'trunkpass1' : undefined), store: { read: async () => null, write: async () => {} }, clock: upstream.server.stack.clock });
    upstream.ua.on('register', (i) => void registrar.handle(i));
    const app = await appliance({ trunks: [{ id: 'carrier', host: '127.0.0.1', port: upstream.port, optionsIntervalMs: 0, register: true, username: 'acct1', password: 'trunkpass1', domain: '127.0.0.1' }] });
    const up = new Promise((r) => app.trunks.on('state', (s) => { if (s.up) r(s); }));
    app.trunks.start();
    await up;
    app.trunks.stop();
    assert.equal(registrar.lookup('sip:acct1@127.0.0.1').length, 1);
    assert.equal(app.trunks.trunkStates()[0]!.detail, 'registered');
  });
});
