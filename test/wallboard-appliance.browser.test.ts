// The fleet wallboard fed by a real appliance process (appliance/main.ts with telephony seeded
// from <dataDir>/telephony.json and its web server), over the fleet's embedded aedes broker:
// an agent logging in and going ready through the appliance's desk WebSocket, and a SIPp
// customer calling the DID, pressing 1 for sales and hanging up, move the counters of the
// page in Chromium and of the fleet API (within 2 s of the change).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startFleet, type Fleet } from '../fleet/fleet.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import { hashPassword } from '../appliance/desk/agent-credentials.ts';
import { encodeWavPcm16 } from '../appliance/media/wav.ts';
import type { LiveMetrics } from '../protocol/metrics.ts';
import { testConfig } from './fixtures/calls/call-harness.ts';
import { freeUdpPort, killChildren, run, type RunResult } from './fixtures/sip/harness.ts';
import { ApplianceProcess } from './support/appliance-process.ts';
import { loginOverHttp } from './support/appliance-web.ts';
import { ConsoleClient } from './support/console-client.ts';
import { freePort } from './support/net.ts';
import { waitFor } from './support/wait.ts';

const CHROMIUM = '/usr/bin/chromium';
const admin = { username: 'admin', password: 'admin-password-123' };
const dev = { ref: { site: 'gz01', device: 'cc1' }, name: '广州分行', secret: 'secret-of-gz01-0123456789abcdef' };
const AGENT = '1001';
const AGENT_PASSWORD = 'agent-1001-password';

/**
 * A customer calling DID 4001 from SIPp: hears the menu, presses `digit` (RFC 4733 from SIPp's
 * own pcaps), stays `stayMs` echoing what it hears, hangs up. Caller id 13912345678.
 */
const callerScenario = (digitPcap: string, stayMs: number) => `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="customer calls the DID">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: customer <sip:13912345678@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: sip:13912345678@[local_ip]:[local_port]
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=gw 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15

]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: customer <sip:13912345678@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: sip:13912345678@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0

]]></send>
  <pause milliseconds="600"/>
  <nop><action><exec play_pcap_audio="${digitPcap}"/></action></nop>
  <pause milliseconds="${stayMs}"/>
  <send retrans="500"><![CDATA[
BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: customer <sip:13912345678@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Contact: sip:13912345678@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200"/>
</scenario>
`;

async function customer(dir: string, sipPort: number, digit: string, stayMs: number): Promise<RunResult> {
  const port = await freeUdpPort();
  const mediaPort = (await freeUdpPort()) & ~1;
  const sf = join(dir, `caller-${port}.xml`);
  writeFileSync(sf, callerScenario(`/usr/share/sip-tester/dtmf_2833_${digit}.pcap`, stayMs));
  return run('sipp', [`127.0.0.1:${sipPort}`, '-i', '127.0.0.1', '-p', String(port), '-mi', '127.0.0.1', '-mp', String(mediaPort), '-nostdin', '-m', '1', '-s', '4001',
    '-rtp_echo', '-sf', sf, '-timeout', `${Math.ceil(stayMs / 1000) + 8}s`, '-timeout_error'], stayMs + 12_000, dir);
}

describe('fleet wallboard fed by a real appliance process', { timeout: 60_000 }, () => {
  let fleet: Fleet;
  let appliance: ApplianceProcess;
  let browser: Browser;
  let page: Page;
  let client: ConsoleClient;
  let dir: string;
  let sipPort: number;
  let webUrl: string;
  let ws: WebSocket | undefined;
  const key = `${dev.ref.site}.${dev.ref.device}`;
  const count = (queue: string, state: string) => page.locator(`.tile[data-key="${key}.${queue}"] .legend[data-state="${state}"] .count`);
  const value = (queue: string, field: string) => page.locator(`.tile[data-key="${key}.${queue}"] [data-field="${field}"] .value`);
  const fleetQueue = async (id: string) => {
    const devices = (await client.json<{ devices: Array<{ device: string; metrics: LiveMetrics }> }>('GET', `/api/metrics?site=${dev.ref.site}`)).devices;
    return devices.find((d) => d.device === dev.ref.device)?.metrics.queues.find((q) => q.id === id);
  };

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    fleet = await startFleet({ dataDir: mkdtempSync(join(tmpdir(), 'cc-fleet-wa-')), http: { port: 0 }, broker: { kind: 'embedded', port: await freePort() }, admin, provision: [{ ...dev.ref, name: dev.name, secret: dev.secret }], deviceSecretScrypt: { N: 1024, r: 8, p: 1 }, log: silentLogger });

    dir = mkdtempSync(join(tmpdir(), 'cc-app-wa-'));
    const dataDir = join(dir, 'data');
    mkdirSync(join(dataDir, 'prompts'), { recursive: true });
    // The IVR's menu prompt: one second of a 400 Hz tone.
    writeFileSync(join(dataDir, 'prompts', 'menu.wav'), encodeWavPcm16(Int16Array.from({ length: 8000 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 400 * i) / 8000))), 8000));
    sipPort = await freeUdpPort();
    const seed = testConfig({ offerTimeoutSeconds: 30 });
    seed.sip.listen.udpPort = sipPort;
    seed.desk.agents = seed.desk.agents.map((a) => ({ ...a, passwordHash: hashPassword(a.id === AGENT ? AGENT_PASSWORD : 'x'.repeat(8)) }));
    const base = 31000 + (process.pid % 40) * 100;
    writeFileSync(join(dataDir, 'telephony.json'), JSON.stringify({
      media: { listenIp: '127.0.0.1', workers: 1, sipPorts: { min: base, max: base + 99 }, webrtcPorts: { min: 46000, max: 49999 } },
      seedConfig: seed,
    }));
    const webPort = await freePort();
    webUrl = `http://127.0.0.1:${webPort}`;
    appliance = new ApplianceProcess({
      ...dev.ref,
      dataDir,
      logLevel: 'error',
      fleet: { url: fleet.brokerUrl, secret: dev.secret },
      web: { host: '127.0.0.1', port: webPort, tls: { mode: 'off' } },
    });
    await appliance.start();
    await waitFor('the appliance\'s queues at the fleet', () => (fleet.metrics.get(dev.ref)?.metrics.queues.length ?? 0) === 2, { timeoutMs: 15_000 });
    client = await ConsoleClient.login(fleet.httpUrl, admin.username, admin.password);

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    page.setDefaultTimeout(5000);
    await page.goto(`${fleet.httpUrl}/login`);
    await page.fill('#username', admin.username);
    await page.fill('#password', admin.password);
    await page.click('#login-submit');
    await page.waitForURL(`${fleet.httpUrl}/`);
    await page.goto(`${fleet.httpUrl}/wallboard?site=${dev.ref.site}`);
  });

  after(async () => {
    ws?.close();
    killChildren();
    await browser?.close();
    await appliance?.kill('SIGTERM');
    await fleet?.stop();
  });

  test('the page shows the appliance\'s queues with nobody logged in', async () => {
    await page.locator(`.tile[data-key="${key}.sales"]`).waitFor();
    assert.equal(await page.locator(`.tile[data-key="${key}.sales"] .q-name`).textContent(), 'Sales');
    assert.equal(await count('sales', 'ready').textContent(), '0');
    assert.equal(await value('sales', 'waiting').textContent(), '0');
  });

  test('an agent logging in on the appliance\'s desktop shows as not ready, at the API within 2 s and on the page', async () => {
    const { cookie, status } = await loginOverHttp(webUrl, AGENT, AGENT_PASSWORD);
    assert.equal(status, 200);
    const socket = new WebSocket(`${webUrl.replace('http', 'ws')}/api/desk/ws`, { headers: { cookie, origin: webUrl } });
    ws = socket;
    const replies = new Map<number, { ok?: boolean }>();
    socket.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { id?: number; result?: { ok?: boolean } };
      if (m.id !== undefined) replies.set(m.id, m.result ?? {});
    });
    await new Promise((resolve, reject) => socket.on('open', resolve).on('error', reject));
    socket.send(JSON.stringify({ id: 1, type: 'login', device: 'browser' }));
    assert.equal((await waitFor('desk login', () => replies.get(1))).ok, true);
    const loggedIn = Date.now();
    await waitFor('the agent at the fleet API', async () => (await fleetQueue('sales'))?.agents.loggedIn === 1, { timeoutMs: 2000 });
    assert.ok(Date.now() - loggedIn < 2000);
    await count('sales', 'notReady').filter({ hasText: /^1$/ }).waitFor();
  });

  test('a SIPp customer pressing 1 waits in sales; the agent going ready gets the offer; the hang-up counts as offered', async () => {
    const call = customer(dir, sipPort, '1', 5500);
    await value('sales', 'waiting').filter({ hasText: /^1$/ }).waitFor({ timeout: 10_000 });
    assert.equal((await fleetQueue('sales'))?.waiting, 1);
    ws!.send(JSON.stringify({ id: 2, type: 'presence', presence: 'ready' }));
    await count('sales', 'ringing').filter({ hasText: /^1$/ }).waitFor();
    assert.equal(await value('sales', 'waiting').textContent(), '0');
    const result = await call;
    assert.equal(result.code, 0, result.stderr.slice(-2000));
    // The customer hung up before anyone answered: it left the queue, offered but not answered.
    await value('sales', 'answered').filter({ hasText: '0 / 1' }).waitFor({ timeout: 8000 });
    await count('sales', 'ringing').filter({ hasText: /^0$/ }).waitFor();
    const sales = await fleetQueue('sales');
    assert.equal(sales?.today.offered, 1);
    assert.equal(sales?.today.answered, 0);
  });
});
