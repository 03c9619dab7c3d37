// Interoperability with a real softphone: baresip (Debian baresip-core) on loopback, placing a
// call to the appliance and answering one from it. Audio comes from baresip's sine source.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppliance, freeUdpPort, run, killChildren, type Appliance } from './fixtures/sip/harness.ts';

let app: Appliance;
const dirs: string[] = [];
before(async () => { app = await startAppliance(); });
after(async () => { killChildren(); await app.close(); for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

async function baresipConfig(): Promise<{ dir: string; port: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'baresip-'));
  dirs.push(dir);
  const port = await freeUdpPort();
  writeFileSync(join(dir, 'config'), [
    'poll_method epoll', `sip_listen 127.0.0.1:${port}`, 'module_path /usr/lib/baresip/modules', 'module g711.so', 'module ausine.so',
    'module aufile.so', 'module_app menu.so', 'module_app account.so', `audio_player aufile,${join(dir, 'out.wav')}`,
    'audio_source ausine,440', `audio_alert aufile,${join(dir, 'out.wav')}`, 'ausrc_srate 48000', 'auplay_srate 48000',
    'ausrc_channels 2', 'auplay_channels 2', 'rtp_ports 31000-31998', '',
  ].join('\n'));
  writeFileSync(join(dir, 'accounts'), '<sip:bare@127.0.0.1>;regint=0;answermode=auto\n');
  return { dir, port };
}

describe('baresip', () => {
  test('places a call that the appliance answers, and hangs it up', async () => {
    const { dir } = await baresipConfig();
    const before = app.events.length;
    const r = await run('baresip', ['-f', dir, '-t', '3', '-e', `/dial sip:agent@127.0.0.1:${app.port}`], 15_000);
    const out = r.stdout + r.stderr;
    assert.match(out, /Call established/, out.slice(-2000));
    for (let i = 0; i < 50 && !app.events.slice(before).includes('ended agent remote'); i++) await new Promise((res) => setTimeout(res, 20));
    assert.ok(app.events.slice(before).includes('confirmed agent'), app.events.slice(before).join(', '));
    assert.ok(app.events.slice(before).includes('ended agent remote'), app.events.slice(before).join(', '));
  });

  test('answers a call placed by the appliance, which then hangs up', async () => {
    const { dir, port } = await baresipConfig();
    const phone = run('baresip', ['-f', dir, '-t', '5'], 15_000);
    await new Promise((res) => setTimeout(res, 800));
    const session = app.ua.call({
      to: `sip:bare@127.0.0.1:${port}`, from: 'sip:4000@127.0.0.1', target: { protocol: 'UDP', host: '127.0.0.1', port },
      sdp: readFileSync(new URL('./fixtures/sip/offer.sdp', import.meta.url), 'utf8'),
    });
    const answer = await new Promise<string>((resolve, reject) => {
      session.once('answered', resolve);
      session.once('ended', (c) => reject(new Error(`ended before answer: ${c.status} ${c.reason}`)));
    });
    assert.match(answer, /a=rtpmap:0 PCMU\/8000/);
    await new Promise((res) => setTimeout(res, 500));
    session.bye();
    const r = await phone;
    const out = r.stdout + r.stderr;
    const ended = out.search(/session closed: Connection reset by peer|Call with .* terminated/); // baresip's words for a remote BYE
    assert.ok(ended >= 0 && ended < out.indexOf('stop all'), `baresip saw our BYE before quitting:\n${out.slice(-2000)}`);
  });
});
