// The product's spine with real peers only: a SIPp customer calls DID 4001, hears the menu
// (prompt packets reach it: it echoes them back), presses 1 by RFC 4733 and waits in the sales
// queue; headless Chromium (Debian's, fake microphone playing a tone) logs in to the appliance
// web server as agent 1001, sees the offer ring with its screen pop, answers with the
// mediasoup-client softphone; audio flows both ways (the browser's inbound-rtp counts packets
// and energy, the customer receives the agent's audio and echoes it back); the customer hangs
// up; the agent completes wrap-up with a disposition in the page; the CDR read through the
// web API has every segment with plausible times; the recording read through the API holds
// both sides; the local wallboard API and the fleet's wallboard API (the appliance publishes
// its metrics over MQTT to a fleet with its embedded broker) count the answered call. Then a customer abandons
// while queued; and hold/retrieve and a blind transfer to another queue, answered by a
// second agent in a second browser.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { hashPassword } from '../appliance/desk/agent-credentials.ts';
import { parseWav } from '../appliance/media/wav.ts';
import { startMetrics, type RunningMetrics } from '../appliance/metrics/start-metrics.ts';
import type { Cdr } from '../appliance/cdr/cdr-store.ts';
import type { LiveMetrics } from '../protocol/metrics.ts';
import { customer as sippCustomer, startCallCenter, testConfig, type CallCenter } from './fixtures/calls/call-harness.ts';
import { loginOverHttp, startTestWebServer, type TestWebServer } from './support/appliance-web.ts';
import { startFleet, type Fleet } from '../fleet/fleet.ts';
import { startAppliance, type Appliance } from '../appliance/appliance.ts';
import { parseApplianceConfig } from '../appliance/config/appliance-config.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import { ConsoleClient } from './support/console-client.ts';
import { freePort } from './support/net.ts';
import { CHROMIUM, launchAgentBrowser } from './support/agent-browser.ts';
import { waitFor } from './support/wait.ts';

const SCREENSHOT = new URL('../docs/screenshots/agent-desktop.png', import.meta.url).pathname;
const AGENT_PASSWORD = 'agent-1001-pw';
const softphoneStats = (p: Page) => p.evaluate(() => (window as unknown as { desk: { softphone: { stats(): Promise<unknown> } } }).desk.softphone.stats()) as Promise<SoftphoneStats | undefined>;

/** RMS of one channel of 16-bit interleaved stereo PCM. */
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

/**
 * A SIPp customer; started again when SIPp lost the race for its RTP port to another process
 * (it probes a free port, then binds it: another test may take it in between).
 */
async function customer(cc: CallCenter, digit: string, stayMs: number) {
  const r = await sippCustomer(cc, digit, stayMs);
  return r.code !== 0 && /Address already in use/.test(r.stdout + r.stderr) ? sippCustomer(cc, digit, stayMs) : r;
}

interface SoftphoneStats {
  inbound?: { packetsReceived: number; audioLevel: number; totalAudioEnergy: number };
  outbound?: { packetsSent: number };
}

describe('a real call end to end through the agent desktop', () => {
  let cc: CallCenter;
  let web: TestWebServer;
  let metrics: RunningMetrics;
  let browser: Browser;
  let page: Page;
  let work: string;
  let supervisor: { cookie: string };
  let fleet: Fleet;
  let appliance: Appliance;
  let hq: ConsoleClient;
  const dev = { site: 'bj01', device: 'cc1' };
  const fleetQueue = async (id: string) =>
    (await hq.json<{ devices: Array<{ device: string; metrics: LiveMetrics }> }>('GET', '/api/metrics')).devices.find((d) => d.device === dev.device)?.metrics.queues.find((q) => q.id === id);

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    const config = testConfig({ offerTimeoutSeconds: 12 });
    config.desk.agents = config.desk.agents.map((a) => ({ ...a, passwordHash: hashPassword(`agent-${a.id}-pw`) }));
    cc = await startCallCenter(config);
    // a known customer with a past contact, so the screen pop has something to show
    await cc.telephony.customers.put({ phone: '13912345678', name: '张伟', level: 'gold', vip: true, notes: '宽带用户，上月报修过', tags: ['宽带', '报修'] });
    const t0 = Date.now() - 3 * 86_400_000;
    await cc.telephony.cdr.put({ callId: 'earlier-call', direction: 'inbound', customer: '13912345678', did: '4001', startedAt: t0, endedAt: t0 + 200_000, queueId: 'support', agentId: '1003', disposition: 'resolved', note: '重启光猫后恢复',
      legs: [], segments: [{ kind: 'talk', start: t0 + 20_000, end: t0 + 200_000 }] });
    // the fleet at HQ with its embedded broker; the appliance's fleet link carries the metrics there
    const secret = 'e2e-device-secret-0123456789abcdef';
    fleet = await startFleet({ dataDir: mkdtempSync(join(tmpdir(), 'cc-e2e-fleet-')), http: { port: 0 }, broker: { kind: 'embedded', port: await freePort() }, admin: { username: 'admin', password: 'admin-password-123' }, provision: [{ ...dev, name: '北京分行', secret }], deviceSecretScrypt: { N: 1024, r: 8, p: 1 }, log: silentLogger });
    appliance = await startAppliance(parseApplianceConfig({ ...dev, dataDir: join(cc.dir, 'appliance'), logLevel: 'error', fleet: { url: fleet.brokerUrl, secret } }), { log: silentLogger });
    metrics = startMetrics({ acd: cc.m.acd, link: appliance.fleetLink, bootId: appliance.bootId, intervalMs: 200, queueNames: () => ({ sales: 'Sales', support: 'Support' }) });
    await waitFor('appliance online at the fleet', () => fleet.registry.get(dev)?.status === 'online');
    hq = await ConsoleClient.login(fleet.httpUrl, 'admin', 'admin-password-123');
    web = await startTestWebServer({
      desk: cc.m.desk,
      cdrs: cc.telephony.cdr,
      recordingsDir: join(cc.dir, 'recordings'),
      wallboard: () => metrics.publisher.latest ?? null,
      config: { users: [{ username: 'boss', role: 'supervisor', password: 'boss-password' }] },
    });
    supervisor = await loginOverHttp(web.url, 'boss', 'boss-password');

    // the agent's microphone: a steady 700 Hz tone, so its side of the recording is unmistakable
    work = mkdtempSync(join(tmpdir(), 'cc-e2e-'));
    ({ browser, page } = await launchAgentBrowser(work));
  });

  after(async () => {
    await browser?.close();
    await web?.stop();
    metrics?.stop();
    await appliance?.stop();
    await fleet?.stop();
    await cc?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${web.url}${path}`, { headers: { cookie: supervisor.cookie } });
    assert.equal(res.status, 200, `${path}: ${res.status}`);
    return (await res.json()) as T;
  };

  test('the agent logs in to the desktop in Chromium and becomes ready', async () => {
    await page.goto(`${web.url}/`);
    await page.waitForURL(`${web.url}/login`);
    await page.fill('#username', '1001');
    await page.fill('#password', AGENT_PASSWORD);
    await page.click('#login-submit');
    await page.waitForURL(`${web.url}/`);
    await page.locator('#state-badge[data-state="not-ready"]').waitFor();
    await page.click('#btn-ready');
    await page.locator('#state-badge[data-state="ready"]').waitFor();
    assert.equal((cc.m.desk.snapshot('1001') as { snapshot: { state: { state: string }; device: string } }).snapshot.state.state, 'ready');
  });

  test('a SIPp customer reaches the browser: screen pop, answer, audio both ways, hang-up, wrap-up, CDR and recording through the API, counters at the fleet', async () => {
    const started = Date.now();
    const fleetBefore = await waitFor('the sales queue at the fleet', () => fleetQueue('sales'));
    const caller = customer(cc, '1', 7000);

    // the offer rings in the page with the screen pop
    await page.locator('#offer-panel:not([hidden])').waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('#offer-caller').textContent(), '13912345678');
    assert.equal(await page.locator('#pop-name').textContent(), '张伟');
    assert.deepEqual(await page.locator('#ivr-choices li').allTextContents(), ['Main menu: 1']);
    assert.match((await page.locator('#past-contacts').textContent()) ?? '', /1003.*resolved — 重启光猫后恢复/);
    assert.equal(await page.locator('body').getAttribute('data-ringing'), 'true');
    const callId = await page.evaluate(() => (window as unknown as { desk: { ui: { offer: { callId: string } } } }).desk.ui.offer.callId);
    // before the answer the customer heard the menu: it echoes every packet it receives
    const callerSession = await cc.m.port.sessionOf(callId);
    assert.ok(callerSession.receiveStats(callId).received > 20, 'the customer received the prompt (its echo came back)');
    mkdirSync(new URL('.', `file://${SCREENSHOT}`).pathname, { recursive: true });
    await page.screenshot({ path: SCREENSHOT });

    await page.click('#btn-answer');
    await page.locator('#call-status[data-status="connected"]').waitFor();
    assert.equal(await page.locator('body').getAttribute('data-ringing'), null, 'the ring stops');

    // caller -> browser: the browser's inbound-rtp counts packets and audio energy
    const stats = await waitFor('caller audio in the browser', async () => {
      const s = (await page.evaluate(() => (window as unknown as { desk: { softphone: { stats(): Promise<unknown> } } }).desk.softphone.stats())) as SoftphoneStats | undefined;
      return s?.inbound && s.inbound.packetsReceived >= 50 && s.inbound.totalAudioEnergy > 0 && s.outbound && s.outbound.packetsSent >= 50 ? s : undefined;
    }, { timeoutMs: 8000 });
    assert.ok(stats.inbound!.packetsReceived >= 50);
    // browser -> caller: the customer receives the agent and echoes it back to the appliance
    const atAnswer = callerSession.receiveStats(callId).received;
    await waitFor('the customer echoes the agent', () => callerSession.receiveStats(callId).received >= atAnswer + 50, { timeoutMs: 6000 });

    // the customer hangs up; the page goes to wrap-up
    const r = await caller;
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
    await page.locator('#wrapup-panel:not([hidden])').waitFor();
    assert.equal(await page.locator('#call-panel').isHidden(), true);
    await page.selectOption('#disposition', 'resolved');
    await page.fill('#wrapup-note', '咨询套餐价格');
    await page.click('#btn-wrapup-done');
    await page.locator('#state-badge[data-state="ready"]').waitFor();

    // the CDR through the web API: every segment, plausible times, the disposition
    const cdr = await waitFor('the CDR with its disposition', async () => {
      const c = await api<Cdr>(`/api/cdrs/${encodeURIComponent(callId)}`);
      return c.disposition ? c : undefined;
    });
    const finished = Date.now();
    assert.equal(cdr.disposition, 'resolved');
    assert.equal(cdr.note, '咨询套餐价格');
    assert.equal(cdr.agentId, '1001');
    assert.equal(cdr.queueId, 'sales');
    assert.deepEqual(cdr.segments.map((s) => s.kind), ['ivr', 'queue', 'ring', 'talk', 'wrap-up']);
    for (const s of cdr.segments) assert.ok(s.start >= started - 1000 && s.end !== undefined && s.end >= s.start && s.end <= finished, `${s.kind} ${s.start}-${String(s.end)}`);
    for (let i = 1; i < cdr.segments.length; i++) assert.ok(cdr.segments[i]!.start >= cdr.segments[i - 1]!.start, 'segments in order');
    const seg = (k: string) => cdr.segments.find((s) => s.kind === k)!;
    assert.ok(seg('talk').end! - seg('talk').start >= 2000, 'they talked for seconds');
    assert.deepEqual(cdr.choices.map((c) => c.digits), ['1']);
    assert.deepEqual((await api<{ cdrs: Cdr[] }>('/api/cdrs?phone=13912345678')).cdrs.map((c) => c.callId), [callId, 'earlier-call']);

    // the recording through the API: stereo, the customer on one side and the agent's tone on the other
    const res = await fetch(`${web.url}/api/cdrs/${encodeURIComponent(callId)}/recording`, { headers: { cookie: supervisor.cookie } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'audio/wav');
    const wav = parseWav(new Uint8Array(await res.arrayBuffer()));
    assert.equal(wav.channels, 2);
    assert.ok(wav.data.byteLength / 4 / wav.sampleRate >= 2, 'seconds of audio');
    assert.ok(channelRms(wav.data, 0) > 300, `customer channel rms ${channelRms(wav.data, 0).toFixed(0)}`);
    assert.ok(channelRms(wav.data, 1) > 300, `agent channel rms ${channelRms(wav.data, 1).toFixed(0)}`);

    // the local wallboard counts the answered call in the sales queue
    const board = await waitFor('the wallboard counts the call', async () => {
      const m = await api<LiveMetrics>('/api/wallboard');
      const sales = m.queues.find((q) => q.id === 'sales');
      return sales && sales.today.answered >= 1 ? sales : undefined;
    });
    assert.equal(board.waiting, 0);
    // and so does the fleet's wallboard API at HQ
    const atFleet = await waitFor('the fleet counts the call', async () => {
      const q = await fleetQueue('sales');
      return q && q.today.answered > fleetBefore.today.answered ? q : undefined;
    }, { timeoutMs: 5000 });
    assert.equal(atFleet.today.answered, fleetBefore.today.answered + 1);
    assert.notEqual(atFleet.asaS, null, 'the answer time is measured');
  });

  test('a customer who hangs up while queued is gone from the page too, and the abandon is counted', async () => {
    await page.click('#btn-not-ready');
    await page.locator('#state-badge[data-state="not-ready"]').waitFor();
    const r = await customer(cc, '1', 2500);
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
    const abandoned = await waitFor('the abandoned CDR', async () => {
      const list = (await api<{ cdrs: Cdr[] }>('/api/cdrs?limit=1')).cdrs;
      return list[0]?.endReason === 'abandoned' ? list[0] : undefined;
    });
    assert.deepEqual(abandoned.segments.map((s) => s.kind), ['ivr', 'queue']);
    assert.equal(await page.locator('#offer-panel').isHidden(), true, 'a not-ready agent was never offered the call');
    await waitFor('the wallboard counts the abandon', async () => {
      const today = (await api<LiveMetrics>('/api/wallboard')).queues.find((q) => q.id === 'sales')!.today;
      return today.abandoned + today.shortAbandons >= 1;
    });
  });
  test('the agent holds and retrieves the customer, then transfers the call to the support queue, where agent 1003 answers in another browser', async () => {
    // agent 1003 in a second browser context (its own session)
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page3 = await context.newPage();
    page3.setDefaultTimeout(8000);
    await page3.goto(`${web.url}/login`);
    await page3.fill('#username', '1003');
    await page3.fill('#password', 'agent-1003-pw');
    await page3.click('#login-submit');
    await page3.locator('#state-badge[data-state="not-ready"]').waitFor();
    await page3.click('#btn-ready');
    await page3.locator('#state-badge[data-state="ready"]').waitFor();
    await page.click('#btn-ready');
    await page.locator('#state-badge[data-state="ready"]').waitFor();

    const caller = customer(cc, '1', 11_000);
    await page.locator('#offer-panel:not([hidden])').waitFor({ timeout: 10_000 });
    const callId = await page.evaluate(() => (window as unknown as { desk: { ui: { offer: { callId: string } } } }).desk.ui.offer.callId);
    await page.click('#btn-answer');
    await page.locator('#call-status[data-status="connected"]').waitFor();
    await waitFor('audio at 1001', async () => ((await softphoneStats(page))?.inbound?.packetsReceived ?? 0) >= 25, { timeoutMs: 6000 });

    await page.click('#btn-hold');
    await page.locator('#call-status[data-status="held"]').waitFor();
    assert.equal(await page.locator('#state-badge').getAttribute('data-state'), 'hold');
    await new Promise((r) => setTimeout(r, 800));
    await page.click('#btn-retrieve');
    await page.locator('#call-status[data-status="connected"]').waitFor();
    assert.equal(await page.locator('#state-badge').getAttribute('data-state'), 'busy');

    await page.selectOption('#transfer-kind', 'queue');
    await page.selectOption('#transfer-queue', 'support');
    await page.click('#btn-transfer');
    await page.locator('#call-panel[hidden]').waitFor({ state: 'attached' });
    await page.locator('#wrapup-panel:not([hidden])').waitFor();

    // 1003 is offered the same caller from the support queue, with the same screen pop
    await page3.locator('#offer-panel:not([hidden])').waitFor({ timeout: 8000 });
    assert.equal(await page3.locator('#offer-caller').textContent(), '13912345678');
    assert.equal(await page3.locator('#offer-queue').textContent(), 'Support');
    assert.equal(await page3.locator('#pop-name').textContent(), '张伟');
    await page3.click('#btn-answer');
    await page3.locator('#call-status[data-status="connected"]').waitFor();
    await waitFor('audio at 1003', async () => ((await softphoneStats(page3))?.inbound?.packetsReceived ?? 0) >= 25, { timeoutMs: 6000 });

    // 1001 wraps up the transferred contact while 1003 talks
    await page.selectOption('#disposition', 'follow-up');
    await page.click('#btn-wrapup-done');
    await page.locator('#state-badge[data-state="ready"]').waitFor();

    const r = await caller;
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
    await page3.locator('#wrapup-panel:not([hidden])').waitFor();
    await page3.selectOption('#disposition', 'resolved');
    await page3.click('#btn-wrapup-done');
    await page3.locator('#state-badge[data-state="ready"]').waitFor();

    const cdr = await waitFor('the CDR of the transferred call', async () => {
      const c = await api<Cdr>(`/api/cdrs/${encodeURIComponent(callId)}`);
      return c.endedAt && c.disposition ? c : undefined;
    });
    const kinds = cdr.segments.map((x) => x.kind);
    assert.ok(kinds.includes('hold'), `a hold segment in ${kinds.join(',')}`);
    assert.deepEqual(cdr.segments.filter((x) => x.kind === 'queue').map((x) => x.queueId), ['sales', 'support']);
    assert.deepEqual(cdr.segments.filter((x) => x.kind === 'talk').map((x) => x.agentId), ['1001', '1003']);
    assert.deepEqual(cdr.segments.filter((x) => x.kind === 'wrap-up').map((x) => x.agentId), ['1001', '1003']);
    assert.equal(cdr.agentId, '1003');
    const hold = cdr.segments.find((x) => x.kind === 'hold')!;
    assert.ok(hold.end! - hold.start >= 700, `held ${hold.end! - hold.start} ms`);
    assert.deepEqual(cdr.legs[0] && [cdr.legs[0].role, cdr.legs[0].party], ['caller', '13912345678']);
    await context.close();
  });
});
