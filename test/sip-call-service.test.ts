// The composed SIP side of the appliance, end to end on loopback: a desk phone registers with
// digest, a gateway calls a DID routed to the phone's extension, the B2BUA connects them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { CallService } from '../appliance/calls/call-service.ts';
import { RecordingMediaPort } from '../appliance/calls/media-port.ts';
import { createOffer, readAnswer } from '../appliance/calls/sdp-offer-answer.ts';
import type { LocationDocument } from '../appliance/sip/registrar.ts';
import { SipServer } from '../appliance/sip/sip-server.ts';
import { TrunkManager } from '../appliance/sip/trunks.ts';
import { UserAgent } from '../appliance/sip/user-agent.ts';
import type { InviteSession } from '../appliance/sip/invite-session.ts';

const closers: (() => Promise<void>)[] = [];
after(async () => { for (const c of closers) await c(); });
const loopback = (to: { host: string }) => to.host.startsWith('127.');

test('a registered phone receives the DID call through the B2BUA, and the binding is stored', async () => {
  const stored: { doc: LocationDocument | null } = { doc: null };
  const service = await CallService.start({
    config: {
      listen: { host: '127.0.0.1', udpPort: 0 }, realm: 'branch1',
      registrarUsers: [{ username: '1001', password: 'desk-phone-1001' }],
      dids: [{ did: '4008001000', route: { kind: 'extension', user: '1001' } }],
    },
    locationStore: { read: async () => stored.doc, write: async (d) => { stored.doc = d; } },
    media: new RecordingMediaPort(), sendFilter: loopback,
  });
  closers.push(() => service.close());
  const port = service.server.udp!.port;

  // the desk phone: registers like any phone (the trunk client speaks the same REGISTER)
  const phoneServer = await SipServer.start({ host: '127.0.0.1', udpPort: 0, sendFilter: loopback });
  closers.push(() => phoneServer.close());
  const phone = new UserAgent(phoneServer.stack, { user: '1001' });
  const rang: InviteSession[] = [];
  phone.on('invite', (s) => { rang.push(s); s.ring(); s.answer(createOffer({ ip: '127.0.0.1', port: 45000 })); });
  const registration = new TrunkManager(phone, [{
    id: 'pbx', host: '127.0.0.1', port, transport: 'UDP', username: '1001', password: 'desk-phone-1001', domain: '127.0.0.1',
    register: true, registerExpires: 300, optionsIntervalMs: 0, failuresBeforeDown: 2,
  }], []);
  const registered = new Promise((r) => registration.on('state', (s) => { if (s.up) r(s); }));
  registration.start();
  await registered;
  registration.stop();
  assert.equal(stored.doc?.bindings.length, 1);
  assert.equal(service.registrar.locate('1001')[0]?.endpoint.port, phoneServer.udp!.port);

  const gwServer = await SipServer.start({ host: '127.0.0.1', udpPort: 0, sendFilter: loopback });
  closers.push(() => gwServer.close());
  const gateway = new UserAgent(gwServer.stack);
  const session = gateway.call({ to: `sip:4008001000@127.0.0.1:${port}`, from: 'sip:+8613912345678@gw', target: { protocol: 'UDP', host: '127.0.0.1', port }, sdp: createOffer({ ip: '127.0.0.1', port: 46000 }) });
  const answer = await new Promise<string>((r, j) => { session.once('answered', r); session.once('ended', (c) => j(new Error(`${c.status} ${c.reason}`))); });
  assert.equal(rang.length, 1);
  assert.match(rang[0]!.request.headers.find((h) => h.name === 'From')!.value, /sip:\+8613912345678@/);
  assert.equal(readAnswer(answer)?.codec, 'PCMU');
  const phoneEnded = new Promise((r) => rang[0]!.once('ended', r));
  session.bye();
  await phoneEnded;
  assert.deepEqual(service.trunkStates(), []);
});
