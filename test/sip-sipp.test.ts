// Interoperability with the real SIPp (Debian sip-tester) on loopback.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startAppliance, sipp, sippStat, killChildren, freeUdpPort, spawnTracked, type Appliance } from './fixtures/sip/harness.ts';

let app: Appliance;
before(async () => { app = await startAppliance(); });
after(async () => { killChildren(); await app.close(); });

const errorLog = (r: { stdout: string; stderr: string }) => `${r.stderr}\n${r.stdout.slice(-1500)}`;

describe('SIPp as caller against the appliance', () => {
  test('completes INVITE/180/200/ACK/BYE calls over UDP', async () => {
    const r = await sipp(app.port, ['-sn', 'uac', '-s', 'agent', '-m', '5', '-r', '5', '-d', '100']);
    assert.equal(r.code, 0, errorLog(r));
    assert.equal(sippStat(r.stdout, 'Successful call'), 5);
  });

  test('completes calls over TCP, framed by Content-Length', async () => {
    const r = await sipp(app.tcpPort, ['-sn', 'uac', '-t', 't1', '-s', 'agent', '-m', '3', '-d', '100']);
    assert.equal(r.code, 0, errorLog(r));
    assert.equal(sippStat(r.stdout, 'Successful call'), 3);
  });

  test('gets 200 for its CANCEL and 487 for the INVITE while the appliance rings', async () => {
    const before = app.events.length;
    const r = await sipp(app.port, ['-sf', 'uac-cancel.xml', '-s', 'slow', '-m', '2']);
    assert.equal(r.code, 0, errorLog(r));
    assert.deepEqual(app.events.slice(before).filter((e) => e.startsWith('ended')), ['ended slow remote 487', 'ended slow remote 487']);
  });

  test('gets 486 Busy Here and ACKs it inside the INVITE transaction', async () => {
    const r = await sipp(app.port, ['-sf', 'uac-busy.xml', '-s', 'busy', '-m', '2']);
    assert.equal(r.code, 0, errorLog(r));
  });

  test('puts the call on hold and back with re-INVITEs, and the appliance sees both', async () => {
    const before = app.events.length;
    const r = await sipp(app.port, ['-sf', 'uac-hold.xml', '-s', 'agent', '-m', '1']);
    assert.equal(r.code, 0, errorLog(r));
    const seen = app.events.slice(before);
    assert.ok(seen.includes('hold true') && seen.includes('hold false'), seen.join(', '));
    assert.ok(seen.includes('ended agent remote'), seen.join(', '));
  });

  test('completes every call although 10% of packets are lost, thanks to retransmissions', async () => {
    const r = await sipp(app.port, ['-sn', 'uac', '-s', 'agent', '-m', '20', '-r', '20', '-lost', '10', '-d', '100'], 19_000);
    assert.equal(sippStat(r.stdout, 'Successful call'), 20, errorLog(r));
    assert.equal(r.code, 0);
  });

  test('registers after answering the digest challenge, and the binding is looked up', async () => {
    const r = await sipp(app.port, ['-sf', 'uac-register-auth.xml', '-s', '1001', '-au', '1001', '-ap', 'secret1001', '-m', '1']);
    assert.equal(r.code, 0, errorLog(r));
    const bindings = app.registrar.lookup('1001');
    assert.equal(bindings.length, 1);
    assert.match(bindings[0]!.contact, /^sip:1001@127\.0\.0\.1:\d+$/);
  });

  test('is refused registration with a wrong password', async () => {
    const r = await sipp(app.port, ['-sf', 'uac-register-auth.xml', '-s', '1001', '-au', '1001', '-ap', 'wrong', '-m', '1'], 8000);
    assert.notEqual(r.code, 0);
  });
});

describe('the appliance as caller to a SIPp trunk', () => {
  test('places a call to SIPp acting as UAS, gets it answered and hangs up', async () => {
    const port = await freeUdpPort();
    const uas = spawnTracked('sipp', ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(port), '-nostdin', '-m', '1', '-timeout', '12s', '-timeout_error']);
    let out = '';
    uas.stdout?.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => uas.on('close', (c) => r(c)));
    await new Promise((r) => setTimeout(r, 300));
    const session = app.ua.call({
      to: `sip:service@127.0.0.1:${port}`, from: 'sip:4000@127.0.0.1', target: { protocol: 'UDP', host: '127.0.0.1', port },
      sdp: readFileSync(new URL('./fixtures/sip/offer.sdp', import.meta.url), 'utf8'),
    });
    const progress: number[] = [];
    session.on('progress', (s) => progress.push(s));
    await new Promise<void>((resolve, reject) => {
      session.once('answered', () => resolve());
      session.once('ended', (c) => reject(new Error(`call ended: ${c.reason} ${c.status}`)));
    });
    assert.ok(progress.includes(180));
    const ended = new Promise((r) => session.once('ended', r));
    session.bye();
    await ended;
    assert.equal(await exited, 0, out.slice(-1500));
  });
});

describe('a SIPp trunk behind the composed call service', () => {
  test('probes the trunk with OPTIONS, reports it up, and bridges a DID call out through it', async () => {
    const { CallService } = await import('../appliance/calls/call-service.ts');
    const { RecordingMediaPort } = await import('../appliance/calls/media-port.ts');
    const { createOffer } = await import('../appliance/calls/sdp-offer-answer.ts');
    const { UserAgent } = await import('../appliance/sip/user-agent.ts');
    const { SipServer } = await import('../appliance/sip/sip-server.ts');
    const trunkPort = await freeUdpPort();
    // -aa: SIPp answers OPTIONS (the keepalive) by itself; each probe counts as a SIPp "call",
    // so no -m here: the process is killed when the test ends
    const uas = spawnTracked('sipp', ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(trunkPort), '-nostdin', '-aa', '-timeout', '15s']);
    let out = '';
    uas.stdout?.on('data', (d) => (out += d));
    await new Promise((r) => setTimeout(r, 300));
    const loopback = (to: { host: string }) => to.host.startsWith('127.');
    const service = await CallService.start({
      config: {
        listen: { host: '127.0.0.1', udpPort: 0 },
        trunks: [{ id: 'carrier', host: '127.0.0.1', port: trunkPort, optionsIntervalMs: 200 }],
        trunkGroups: [{ id: 'pstn', trunks: ['carrier'], callerId: '+861088880000' }],
        outboundRoutes: [{ prefix: '', trunkGroup: 'pstn' }],
        dids: [{ did: '4000*', route: { kind: 'queue', queue: 'callback' } }],
      },
      locationStore: { read: async () => null, write: async () => {} }, media: new RecordingMediaPort(), sendFilter: loopback,
    });
    try {
      service.b2bua.on('call', (leg) => service.b2bua.dialOut(leg, '13800000000'));
      for (let i = 0; i < 50 && !service.trunkStates()[0]?.up; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(service.trunkStates()[0]?.up, true, JSON.stringify(service.trunkStates()));
      const gwServer = await SipServer.start({ host: '127.0.0.1', udpPort: 0, sendFilter: loopback });
      const gw = new UserAgent(gwServer.stack);
      const port = service.server.udp!.port;
      const call = gw.call({ to: `sip:40001234@127.0.0.1:${port}`, from: 'sip:+8613900000000@gw', target: { protocol: 'UDP', host: '127.0.0.1', port }, sdp: createOffer({ ip: '127.0.0.1', port: 47000 }) });
      await new Promise<void>((r, j) => { call.once('answered', () => r()); call.once('ended', (c) => j(new Error(`${c.status} ${c.reason} ${out.slice(-800)}`))); });
      const outbound = [...service.b2bua.legs.values()].find((l) => l.session.role === 'uac')!;
      assert.match(outbound.session.request.uri, new RegExp(`^sip:13800000000@127\\.0\\.0\\.1:${trunkPort}$`));
      const trunkLegEnded = new Promise<{ by: string }>((r) => outbound.session.once('ended', r));
      call.bye();
      assert.equal((await trunkLegEnded).by, 'local', 'the B2BUA hung up the trunk leg when the caller did');
      await gwServer.close();
    } finally {
      await service.close();
    }
  });
});
