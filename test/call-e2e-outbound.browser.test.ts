// Outbound calls and transfers out from the agent desktop with real peers: the agent dials a number in
// Chromium, the appliance places it through the desk's trunk group to a SIPp "PSTN" that
// rings and answers with a tone; audio flows both ways through the mediasoup-client
// softphone; the agent hangs up in the page (SIPp gets its BYE); the CDR (through the web
// API) is an outbound call with its dial and talk segments, and the recording holds both sides.
// Then an inbound customer is transferred by the agent to an external number and bridged there.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { hashPassword } from '../appliance/desk/agent-credentials.ts';
import { parseWav } from '../appliance/media/wav.ts';
import type { Cdr } from '../appliance/cdr/cdr-store.ts';
import { customer as sippCustomer, scenarios, startCallCenter, testConfig, tonePcap, type CallCenter } from './fixtures/calls/call-harness.ts';
import { freeUdpPort, spawnTracked, type RunResult } from './fixtures/sip/harness.ts';
import { loginOverHttp, startTestWebServer, type TestWebServer } from './support/appliance-web.ts';
import { CHROMIUM, launchAgentBrowser } from './support/agent-browser.ts';
import { waitFor } from './support/wait.ts';


async function customer(cc: CallCenter, digit: string, stayMs: number) {
  const r = await sippCustomer(cc, digit, stayMs);
  return r.code !== 0 && /Address already in use/.test(r.stdout + r.stderr) ? sippCustomer(cc, digit, stayMs) : r;
}

function channelRms(data: Uint8Array, channel: 0 | 1): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let sum = 0;
  let n = 0;
  for (let i = channel * 2; i + 1 < data.byteLength; i += 4) {
    const v = view.getInt16(i, true);
    sum += v * v;
    n++;
  }
  return Math.sqrt(sum / Math.max(1, n));
}

describe('outbound calls and transfers out from the agent desktop', () => {
  let cc: CallCenter;
  let web: TestWebServer;
  let browser: Browser;
  let page: Page;
  let work: string;
  let pstn: { child: ChildProcess; done: Promise<RunResult> };
  let pstnPort: number;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    pstnPort = await freeUdpPort();
    const config = testConfig();
    config.desk.agents = config.desk.agents.map((a) => ({ ...a, passwordHash: hashPassword(`agent-${a.id}-pw`) }));
    const sip = config.sip as typeof config.sip & Record<string, unknown>;
    sip.trunks = [{ id: 'pstn', host: '127.0.0.1', port: pstnPort, optionsIntervalMs: 0 }];
    sip.trunkGroups = [{ id: 'out', trunks: ['pstn'], callerId: '4001' }];
    sip.outboundRoutes = [{ prefix: '', trunkGroup: 'out' }];
    (config.desk as Record<string, unknown>).outboundTrunkGroup = 'out';
    cc = await startCallCenter(config as ReturnType<typeof testConfig>);
    web = await startTestWebServer({ desk: cc.m.desk, cdrs: cc.telephony.cdr, recordingsDir: join(cc.dir, 'recordings'), config: { users: [{ username: 'boss', role: 'supervisor', password: 'boss-password' }] } });

    pstn = await startPstn();

    work = mkdtempSync(join(tmpdir(), 'cc-e2e-out-'));
    ({ browser, page } = await launchAgentBrowser(work));
  });

  /** The PSTN: one SIPp call on the trunk's port that rings, answers, plays a 1 kHz tone and waits for the BYE. */
  async function startPstn(): Promise<{ child: ChildProcess; done: Promise<RunResult> }> {
    const sf = join(cc.dir, 'pstn-answer.xml');
    writeFileSync(sf, readFileSync(join(scenarios, 'phone-answer.xml'), 'utf8').replaceAll('AGENT_PCAP', tonePcap(cc, 1000, 6)));
    const mediaPort = (await freeUdpPort()) & ~1;
    const child = spawnTracked('sipp', ['-i', '127.0.0.1', '-p', String(pstnPort), '-mi', '127.0.0.1', '-mp', String(mediaPort), '-nostdin', '-m', '1', '-sf', sf, '-timeout', '25s', '-timeout_error'], scenarios);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    const done = new Promise<RunResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
    await new Promise((r) => setTimeout(r, 200)); // SIPp binds its port
    return { child, done };
  }

  after(async () => {
    pstn?.child.kill('SIGKILL');
    await browser?.close();
    await web?.stop();
    await cc?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the agent dials, the far end answers, both are heard, the agent hangs up, and the CDR and recording say so', async () => {
    await page.goto(`${web.url}/login`);
    await page.fill('#username', '1002');
    await page.fill('#password', 'agent-1002-pw');
    await page.click('#login-submit');
    await page.locator('#state-badge[data-state="not-ready"]').waitFor();
    const started = Date.now();
    await page.fill('#dial-number', '138 0013 8000');
    await page.click('#btn-dial');
    await page.locator('#call-panel:not([hidden])').waitFor();
    assert.equal(await page.locator('#call-remote').textContent(), '13800138000');
    await page.locator('#call-status[data-status="connected"]').waitFor({ timeout: 8000 });

    const stats = await waitFor('the far end in the browser', async () => {
      const s = (await page.evaluate(() => (window as unknown as { desk: { softphone: { stats(): Promise<unknown> } } }).desk.softphone.stats())) as
        { inbound?: { packetsReceived: number; totalAudioEnergy: number }; outbound?: { packetsSent: number } } | undefined;
      return s?.inbound && s.inbound.packetsReceived >= 75 && s.inbound.totalAudioEnergy > 0 && (s.outbound?.packetsSent ?? 0) >= 75 ? s : undefined;
    }, { timeoutMs: 8000 });
    assert.ok(stats.inbound!.packetsReceived >= 75);
    const callId = await page.evaluate(() => (window as unknown as { desk: { ui: { calls: Map<string, unknown> } } }).desk.ui.calls.keys().next().value as string);

    await page.click('#btn-hangup');
    await page.locator('#call-panel[hidden]').waitFor({ state: 'attached' });
    assert.equal((await pstn.done).code, 0, 'the far end got its BYE');
    assert.equal(await page.locator('#wrapup-panel').isHidden(), true, 'an own call has no contact to wrap up');

    const boss = await loginOverHttp(web.url, 'boss', 'boss-password');
    const cdr = await waitFor('the outbound CDR', async () => {
      const res = await fetch(`${web.url}/api/cdrs/${encodeURIComponent(callId)}`, { headers: { cookie: boss.cookie } });
      const c = res.ok ? ((await res.json()) as Cdr) : undefined;
      return c?.endedAt ? c : undefined;
    });
    assert.equal(cdr.direction, 'outbound');
    assert.equal(cdr.customer, '13800138000');
    assert.equal(cdr.agentId, '1002');
    const kinds = cdr.segments.map((s) => s.kind);
    assert.ok(kinds.includes('talk'), kinds.join(','));
    for (const s of cdr.segments) assert.ok(s.start >= started - 1000 && s.end !== undefined && s.end >= s.start, `${s.kind} ${s.start}-${String(s.end)}`);
    const talk = cdr.segments.find((s) => s.kind === 'talk')!;
    assert.ok(talk.end! - talk.start >= 1000, 'they talked');

    const res = await fetch(`${web.url}/api/cdrs/${encodeURIComponent(callId)}/recording`, { headers: { cookie: boss.cookie } });
    assert.equal(res.status, 200);
    const wav = parseWav(new Uint8Array(await res.arrayBuffer()));
    assert.equal(wav.channels, 2);
    assert.ok(channelRms(wav.data, 0) > 300, `far-end channel rms ${channelRms(wav.data, 0).toFixed(0)}`);
    assert.ok(channelRms(wav.data, 1) > 300, `agent channel rms ${channelRms(wav.data, 1).toFixed(0)}`);
  });

  test('a customer transferred by the agent to an external number is bridged to the far end', async () => {
    pstn = await startPstn();
    await page.click('#btn-ready');
    await page.locator('#state-badge[data-state="ready"]').waitFor();
    const caller = customer(cc, '1', 8000);
    await page.locator('#offer-panel:not([hidden])').waitFor({ timeout: 10_000 });
    const callId = await page.evaluate(() => (window as unknown as { desk: { ui: { offer: { callId: string } } } }).desk.ui.offer.callId);
    await page.click('#btn-answer');
    await page.locator('#call-status[data-status="connected"]').waitFor();
    await page.selectOption('#transfer-kind', 'number');
    await page.fill('#transfer-target', '13800001111');
    await page.click('#btn-transfer');
    await page.locator('#wrapup-panel:not([hidden])').waitFor();
    await page.selectOption('#disposition', 'resolved');
    await page.click('#btn-wrapup-done');

    const r = await caller;
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
    assert.equal((await pstn.done).code, 0, 'the far end answered and got its BYE when the customer hung up');
    const cdr = await waitFor('the CDR', () => {
      const c = cc.telephony.cdr.get(callId);
      return c?.endedAt ? c : undefined;
    });
    const external = cdr.legs.find((l) => l.role === 'external');
    assert.equal(external?.party, '13800001111');
    assert.ok(external?.answeredAt, 'the far end answered');
  });
});
