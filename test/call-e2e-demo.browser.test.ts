// The demo as `npm start` runs it, minus the fleet: a real appliance (startAppliance, the
// composition root) with the demo's telephony configuration and a `web` section like the
// demo's. A SIPp customer calls DID 4001 and presses 1 in the demo IVR; agent 1001 logs in to
// the desktop in Chromium with the demo password, sees the demo customer pop up, answers, and
// wraps up after the customer hangs up; the appliance's own API has the CDR and its local
// wallboard counts the call in the sales queue by name.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startAppliance, type Appliance } from '../appliance/appliance.ts';
import { parseApplianceConfig } from '../appliance/config/appliance-config.ts';
import type { Cdr } from '../appliance/cdr/cdr-store.ts';
import type { LiveMetrics } from '../protocol/metrics.ts';
import { demoAgentPasswords, writeDemoTelephony } from '../scripts/demo-telephony.ts';
import { customer } from './fixtures/calls/call-harness.ts';
import { freeUdpPort, killChildren } from './fixtures/sip/harness.ts';
import { loginOverHttp } from './support/appliance-web.ts';
import { waitFor } from './support/wait.ts';

const CHROMIUM = '/usr/bin/chromium';
const root = new URL('..', import.meta.url).pathname;

describe('the demo appliance end to end through the agent desktop', () => {
  let dir: string;
  let appliance: Appliance;
  let browser: Browser;
  let page: Page;
  let url: string;
  let sipPort: number;
  const passwords = demoAgentPasswords(undefined);

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    dir = mkdtempSync(join(tmpdir(), 'cc-e2e-demo-'));
    sipPort = await freeUdpPort();
    // SIP media ports of its own (other test files run media engines at the same time); the
    // media address is the demo's (all interfaces, the first LAN address announced)
    const base = 37000 + (process.pid % 20) * 100;
    writeDemoTelephony(root, join(dir, 'data'), passwords, sipPort, { sipPorts: { min: base, max: base + 99 }, webrtcPorts: { min: 40000, max: 44999 } });
    appliance = await startAppliance(parseApplianceConfig({
      site: 'bj-01', device: 'cc-e2e', dataDir: join(dir, 'data'), profile: 'air-gapped', logLevel: 'error',
      web: { host: '127.0.0.1', port: 0, tls: { mode: 'off' }, users: [{ username: 'admin', role: 'admin', password: 'admin-password' }] },
    }));
    assert.ok(appliance.web && appliance.telephony.desk, 'web server and telephony run');
    url = appliance.web.server.url;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.setDefaultTimeout(10_000);
  });

  after(async () => {
    killChildren();
    await browser?.close();
    await appliance?.stop();
    await new Promise((r) => setTimeout(r, 300)); // espeak-ng may still be writing a prompt
    rmSync(dir, { recursive: true, force: true });
  });

  test('a caller pressing 1 reaches agent 1001 in the browser, who answers and wraps up; the CDR and the wallboard have it', async () => {
    await page.goto(`${url}/login`);
    await page.fill('#username', '1001');
    await page.fill('#password', passwords['1001']!);
    await page.click('#login-submit');
    await page.locator('#state-badge[data-state="not-ready"]').waitFor();
    await page.click('#btn-ready');
    await page.locator('#state-badge[data-state="ready"]').waitFor();

    const caller = customer({ dir, sipPort }, '1', 9000, 400, 2500);
    await page.locator('#offer-panel:not([hidden])').waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('#offer-caller').textContent(), '13912345678');
    assert.equal(await page.locator('#offer-queue').textContent(), '销售 Sales');
    assert.equal(await page.locator('#pop-name').textContent(), '陈先生 Mr Chen');
    const callId = await page.evaluate(() => (window as unknown as { desk: { ui: { offer: { callId: string } } } }).desk.ui.offer.callId);
    await page.click('#btn-answer');
    await page.locator('#call-status[data-status="connected"]').waitFor();
    await waitFor('the caller in the browser', async () => {
      const s = (await page.evaluate(() => (window as unknown as { desk: { softphone: { stats(): Promise<unknown> } } }).desk.softphone.stats())) as { inbound?: { packetsReceived: number } } | undefined;
      return (s?.inbound?.packetsReceived ?? 0) >= 50;
    }, { timeoutMs: 8000 });

    const r = await caller;
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
    await page.locator('#wrapup-panel:not([hidden])').waitFor();
    const codes = await page.locator('#disposition option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value).filter(Boolean));
    assert.ok(codes.length > 0, 'the demo has dispositions');
    await page.selectOption('#disposition', codes[0]!);
    await page.click('#btn-wrapup-done');
    await page.locator('#state-badge[data-state="ready"]').waitFor();

    const admin = await loginOverHttp(url, 'admin', 'admin-password');
    const cdr = await waitFor('the CDR with its disposition', async () => {
      const res = await fetch(`${url}/api/cdrs/${encodeURIComponent(callId)}`, { headers: { cookie: admin.cookie } });
      const c = res.ok ? ((await res.json()) as Cdr) : undefined;
      return c?.disposition ? c : undefined;
    });
    assert.equal(cdr.did, '4001');
    assert.equal(cdr.queueId, 'sales');
    assert.equal(cdr.agentId, '1001');
    assert.equal(cdr.disposition, codes[0]);
    assert.deepEqual(cdr.segments.map((s) => s.kind), ['ivr', 'queue', 'ring', 'talk', 'wrap-up']);
    const sales = await waitFor('the wallboard counts the call', async () => {
      const m = (await (await fetch(`${url}/api/wallboard`, { headers: { cookie: admin.cookie } })).json()) as LiveMetrics | null;
      const q = m?.queues.find((x) => x.id === 'sales');
      return q && q.today.answered >= 1 ? q : undefined;
    }, { timeoutMs: 5000 });
    assert.equal(sales.name, '销售 Sales');
  });
});
