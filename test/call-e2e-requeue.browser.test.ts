// Ring-no-answer through the browser, with real peers: a SIPp customer waits in the sales
// queue, the first agent's desktop rings and nobody answers it, the page says so and the
// agent goes not ready (missed); the call goes back to the queue and rings the second
// agent's desktop in another browser, who answers and talks to the customer. The CDR shows
// both rings. Then a blind transfer by agent id from one desktop rings the other.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { hashPassword } from '../appliance/desk/agent-credentials.ts';
import type { Cdr } from '../appliance/cdr/cdr-store.ts';
import { customer as sippCustomer, startCallCenter, testConfig, type CallCenter } from './fixtures/calls/call-harness.ts';
import { startTestWebServer, type TestWebServer } from './support/appliance-web.ts';
import { waitFor } from './support/wait.ts';

const CHROMIUM = '/usr/bin/chromium';

async function customer(cc: CallCenter, digit: string, stayMs: number) {
  const r = await sippCustomer(cc, digit, stayMs);
  return r.code !== 0 && /Address already in use/.test(r.stdout + r.stderr) ? sippCustomer(cc, digit, stayMs) : r;
}

describe('ring-no-answer and transfer to an agent through the agent desktop', () => {
  let cc: CallCenter;
  let web: TestWebServer;
  let browser: Browser;
  const pages = new Map<string, Page>();

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    const config = testConfig({ offerTimeoutSeconds: 3 });
    config.desk.agents = config.desk.agents.map((a) => ({ ...a, passwordHash: hashPassword(`agent-${a.id}-pw`) }));
    cc = await startCallCenter(config);
    web = await startTestWebServer({ desk: cc.m.desk, cdrs: cc.telephony.cdr, recordingsDir: join(cc.dir, 'recordings') });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
    });
    for (const agent of ['1001', '1002']) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
      const page = await context.newPage();
      page.setDefaultTimeout(8000);
      await page.goto(`${web.url}/login`);
      await page.fill('#username', agent);
      await page.fill('#password', `agent-${agent}-pw`);
      await page.click('#login-submit');
      await page.locator('#state-badge[data-state="not-ready"]').waitFor();
      pages.set(agent, page);
    }
  });

  after(async () => {
    await browser?.close();
    await web?.stop();
    await cc?.close();
  });

  test('an offer nobody answers goes back to the queue and rings the other agent, who answers', async () => {
    for (const page of pages.values()) {
      await page.click('#btn-ready');
      await page.locator('#state-badge[data-state="ready"]').waitFor();
    }
    const caller = customer(cc, '1', 9000);
    // whichever agent the ACD picks first lets it ring out
    const first = await waitFor('the first offer', async () => {
      for (const [agent, page] of pages) if (await page.locator('#offer-panel:not([hidden])').count()) return agent;
      return undefined;
    }, { timeoutMs: 10_000 });
    const second = first === '1001' ? '1002' : '1001';
    const p1 = pages.get(first)!;
    const p2 = pages.get(second)!;
    assert.equal(await p1.locator('body').getAttribute('data-ringing'), 'true');
    await p1.locator('#toast', { hasText: '未接听' }).waitFor({ timeout: 6000 });
    assert.equal(await p1.locator('#offer-panel').isHidden(), true);
    assert.equal(await p1.locator('body').getAttribute('data-ringing'), null, 'the ring stops');
    await p1.locator('#state-badge[data-state="not-ready"]').waitFor();
    assert.equal(await p1.locator('#state-reason').textContent(), '未接来电');

    await p2.locator('#offer-panel:not([hidden])').waitFor({ timeout: 6000 });
    assert.equal(await p2.locator('#offer-caller').textContent(), '13912345678');
    const callId = await p2.evaluate(() => (window as unknown as { desk: { ui: { offer: { callId: string } } } }).desk.ui.offer.callId);
    await p2.click('#btn-answer');
    await p2.locator('#call-status[data-status="connected"]').waitFor();
    await waitFor('audio at the second agent', async () => {
      const s = (await p2.evaluate(() => (window as unknown as { desk: { softphone: { stats(): Promise<unknown> } } }).desk.softphone.stats())) as { inbound?: { packetsReceived: number } } | undefined;
      return (s?.inbound?.packetsReceived ?? 0) >= 25;
    }, { timeoutMs: 6000 });

    const r = await caller;
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
    await p2.locator('#wrapup-panel:not([hidden])').waitFor();
    await p2.selectOption('#disposition', 'resolved');
    await p2.click('#btn-wrapup-done');
    await p2.locator('#state-badge[data-state="ready"]').waitFor();

    const cdr = await waitFor('the CDR', () => {
      const c: Cdr | undefined = cc.telephony.cdr.get(callId);
      return c?.disposition ? c : undefined;
    });
    const rings = cdr.segments.filter((s) => s.kind === 'ring');
    assert.deepEqual(rings.map((s) => s.agentId), [first, second]);
    assert.notEqual(rings[0]!.outcome, 'answered');
    assert.equal(rings[1]!.outcome, 'answered');
    assert.ok(rings[0]!.end! - rings[0]!.start >= 2500, `the first ring lasted the offer timeout (${rings[0]!.end! - rings[0]!.start} ms)`);
    assert.equal(cdr.agentId, second);
  });

  test('a blind transfer to a named agent rings that agent\'s desktop, who answers', async () => {
    for (const page of pages.values()) {
      if ((await page.locator('#state-badge').getAttribute('data-state')) !== 'ready') await page.click('#btn-ready');
      await page.locator('#state-badge[data-state="ready"]').waitFor();
    }
    const caller = customer(cc, '1', 9000);
    const from = await waitFor('the offer', async () => {
      for (const [agent, page] of pages) if (await page.locator('#offer-panel:not([hidden])').count()) return agent;
      return undefined;
    }, { timeoutMs: 10_000 });
    const to = from === '1001' ? '1002' : '1001';
    const pFrom = pages.get(from)!;
    const pTo = pages.get(to)!;
    const callId = await pFrom.evaluate(() => (window as unknown as { desk: { ui: { offer: { callId: string } } } }).desk.ui.offer.callId);
    await pFrom.click('#btn-answer');
    await pFrom.locator('#call-status[data-status="connected"]').waitFor();
    await pFrom.selectOption('#transfer-kind', 'agent');
    await pFrom.fill('#transfer-target', to);
    await pFrom.click('#btn-transfer');
    await pFrom.locator('#wrapup-panel:not([hidden])').waitFor();

    await pTo.locator('#offer-panel:not([hidden])').waitFor({ timeout: 6000 });
    assert.equal(await pTo.locator('#offer-caller').textContent(), '13912345678');
    await pTo.click('#btn-answer');
    await pTo.locator('#call-status[data-status="connected"]').waitFor();
    await pFrom.selectOption('#disposition', 'resolved');
    await pFrom.click('#btn-wrapup-done');

    const r = await caller;
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-1500)}`);
    await pTo.locator('#wrapup-panel:not([hidden])').waitFor();
    await pTo.selectOption('#disposition', 'resolved');
    await pTo.click('#btn-wrapup-done');
    const cdr = await waitFor('the CDR', () => {
      const c: Cdr | undefined = cc.telephony.cdr.get(callId);
      return c?.endedAt ? c : undefined;
    });
    assert.deepEqual(cdr.segments.filter((s) => s.kind === 'talk').map((s) => s.agentId), [from, to]);
    assert.equal(cdr.agentId, to);
  });
});
