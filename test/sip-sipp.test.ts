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
