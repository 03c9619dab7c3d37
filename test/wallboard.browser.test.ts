// The fleet wallboard in a real browser (Debian's Chromium through playwright-core): two real
// appliances (their composition root and fleet link in this process, each with an ACD adapter
// driven by events) publish live metrics over the fleet's embedded aedes broker; the page's
// counters follow the ACD, the site selector switches appliances, the language switches.
// Leaves a 1080p screenshot in docs/screenshots/wallboard.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startFleet, type Fleet } from '../fleet/fleet.ts';
import { startAppliance, type Appliance } from '../appliance/appliance.ts';
import { parseApplianceConfig } from '../appliance/config/appliance-config.ts';
import { AcdAdapter } from '../appliance/acd/acd-adapter.ts';
import { startMetrics, type RunningMetrics } from '../appliance/metrics/start-metrics.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import { freePort } from './support/net.ts';
import { waitFor } from './support/wait.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = new URL('../docs/screenshots/wallboard.png', import.meta.url).pathname;
const admin = { username: 'admin', password: 'admin-password-123' };
const viewer = { username: 'wall', password: 'viewer-password-123' };
const sh = { ref: { site: 'sh01', device: 'box1' }, name: '上海分行', secret: 'secret-of-sh01-0123456789abcdef' };
const bj = { ref: { site: 'bj01', device: 'gw1' }, name: '北京总部', secret: 'secret-of-bj01-0123456789abcdef' };

const agents = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8'];
const acdConfig = (site: string) => ({
  site,
  skills: ['sales', 'support', 'vip'],
  agents: agents.map((id, i) => ({ id, skills: i < 5 ? { sales: 5, vip: 3 } : { support: 5 } })),
  queues: [
    { id: 'sales', name: '销售热线', skills: [{ skill: 'sales' }], offerTimeoutSeconds: 60, wrapUpSeconds: 120 },
    { id: 'support', name: '技术支持', skills: [{ skill: 'support' }], offerTimeoutSeconds: 60, wrapUpSeconds: 120 },
    { id: 'vip', name: 'VIP 专线', skills: [{ skill: 'vip' }], offerTimeoutSeconds: 60, wrapUpSeconds: 120, weight: 10 },
  ],
});

interface Box {
  appliance: Appliance;
  acd: AcdAdapter;
  metrics: RunningMetrics;
}

async function startBox(fleet: Fleet, dev: typeof sh, hardware?: Record<string, unknown>): Promise<Box> {
  const appliance = await startAppliance(
    parseApplianceConfig({ ...dev.ref, dataDir: join(mkdtempSync(join(tmpdir(), 'cc-app-wb-')), 'data'), logLevel: 'error', fleet: { url: fleet.brokerUrl, secret: dev.secret, telemetryIntervalS: 1 }, ...(hardware ? { hardware } : {}) }),
    { log: silentLogger },
  );
  const config = acdConfig(dev.ref.site);
  // Every abandon counts in the test's few seconds (a real site excludes those within 5 s).
  const acd = new AcdAdapter({ config, metrics: { shortAbandonSeconds: 0 } });
  const names = Object.fromEntries(config.queues.map((q) => [q.id, q.name]));
  const metrics = startMetrics({ acd, link: appliance.fleetLink, bootId: appliance.bootId, queueNames: () => names });
  return { appliance, acd, metrics };
}

describe('fleet wallboard in a browser', { timeout: 60_000 }, () => {
  let fleet: Fleet;
  let boxes: Box[] = [];
  let browser: Browser;
  let page: Page;
  let shBox: Box;
  let bjBox: Box;
  const tile = (key: string) => page.locator(`.tile[data-key="${key}"]`);
  const field = (key: string, name: string) => tile(key).locator(`[data-field="${name}"] .value`);
  const legend = (key: string, state: string) => tile(key).locator(`.legend[data-state="${state}"] .count`);

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    fleet = await startFleet({
      dataDir: mkdtempSync(join(tmpdir(), 'cc-fleet-wb-')),
      http: { port: 0 },
      broker: { kind: 'embedded', port: await freePort() },
      admin,
      provision: [sh, bj].map((d) => ({ ...d.ref, name: d.name, secret: d.secret })),
      deviceSecretScrypt: { N: 1024, r: 8, p: 1 },
      log: silentLogger,
    });
    await fleet.users.createUser({ ...viewer, role: 'viewer' });
    // Shanghai's E1 card has lost signal on its second span: the wallboard says so.
    shBox = await startBox(fleet, sh, { board: 'cc-e1x2', simulator: { script: [{ atS: 0, do: 'raise', span: 2, alarm: 'los' }] } });
    bjBox = await startBox(fleet, bj);
    boxes = [shBox, bjBox];
    await waitFor('both appliances sending metrics', () => fleet.metrics.list().length === 2);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    page.setDefaultTimeout(5000);
  });

  after(async () => {
    await browser?.close();
    for (const b of boxes) {
      b.metrics.stop();
      b.acd.stop();
      await b.appliance.stop();
    }
    await fleet?.stop();
  });

  test('a viewer logs in and opens the wallboard of one site: one tile per queue, in Chinese', async () => {
    await page.goto(`${fleet.httpUrl}/login`);
    await page.fill('#username', viewer.username);
    await page.fill('#password', viewer.password);
    await page.click('#login-submit');
    await page.waitForURL(`${fleet.httpUrl}/`);
    await page.click('a[href="/wallboard"]');
    await page.waitForURL(/\/wallboard/);
    await page.selectOption('#site-select', 'sh01');
    await tile('sh01.box1.sales').waitFor();
    assert.deepEqual(await page.locator('.tile').evaluateAll((ts) => ts.map((t) => (t as HTMLElement).dataset.key)), ['sh01.box1.sales', 'sh01.box1.support', 'sh01.box1.vip']);
    assert.equal(await tile('sh01.box1.sales').locator('.q-name').textContent(), '销售热线');
    assert.equal(await field('sh01.box1.sales', 'waiting').textContent(), '0');
    assert.equal(await tile('sh01.box1.sales').locator('[data-field="waiting"] .label').textContent(), '排队');
    assert.match(page.url(), /site=sh01/);
  });

  test('calls arriving at the appliance\'s ACD raise the waiting count on the page', async () => {
    for (const id of ['c1', 'c2', 'c3']) shBox.acd.dispatch({ type: 'ContactArrived', contactId: id, queueId: 'sales', channel: 'voice' });
    await page.locator('.tile[data-key="sh01.box1.sales"] [data-field="waiting"] .value', { hasText: /^3$/ }).waitFor();
    assert.equal(await page.locator('#totals [data-field="waiting"] .value').textContent(), '3');
    assert.equal(await field('sh01.box1.support', 'waiting').textContent(), '0');
  });

  test('agents logging in, answering and wrapping up move the agent counters and the service figures', async () => {
    const acd = shBox.acd;
    for (const a of agents) acd.dispatch({ type: 'AgentLoggedIn', agentId: a });
    for (const a of ['a1', 'a2', 'a6', 'a7']) acd.dispatch({ type: 'AgentStateChanged', agentId: a, state: 'ready' });
    acd.dispatch({ type: 'AgentStateChanged', agentId: 'a8', state: 'not-ready', reason: 'break' });
    // a1 and a2 ring with c1 and c2; they answer; c3 waits.
    acd.dispatch({ type: 'OfferAccepted', contactId: 'c1', agentId: 'a1' });
    acd.dispatch({ type: 'OfferAccepted', contactId: 'c2', agentId: 'a2' });
    await page.locator('.tile[data-key="sh01.box1.sales"] .legend[data-state="busy"] .count', { hasText: /^2$/ }).waitFor();
    assert.equal(await field('sh01.box1.sales', 'waiting').textContent(), '1');
    assert.equal(await field('sh01.box1.sales', 'answered').textContent(), '2 / 2');
    assert.equal(await field('sh01.box1.sales', 'sl').textContent(), '100%');
    assert.equal(await tile('sh01.box1.sales').getAttribute('data-sl'), 'good');
    assert.equal(await legend('sh01.box1.support', 'ready').textContent(), '2');

    acd.dispatch({ type: 'ContactEnded', contactId: 'c1' });
    acd.dispatch({ type: 'ContactAbandoned', contactId: 'c3' });
    await page.locator('.tile[data-key="sh01.box1.sales"] .legend[data-state="wrapUp"] .count', { hasText: /^1$/ }).waitFor();
    await page.locator('.tile[data-key="sh01.box1.sales"] [data-field="abandon"] .value', { hasText: '33%' }).waitFor();
    assert.equal(await field('sh01.box1.sales', 'waiting').textContent(), '0');
    assert.equal(await field('sh01.box1.sales', 'answered').textContent(), '2 / 3');

    // Traffic on the other queues for a fuller board.
    acd.dispatch({ type: 'ContactArrived', contactId: 's1', queueId: 'support', channel: 'voice' });
    acd.dispatch({ type: 'OfferAccepted', contactId: 's1', agentId: 'a6' });
    for (const id of ['s2', 's3', 's4']) acd.dispatch({ type: 'ContactArrived', contactId: id, queueId: 'support', channel: 'voice' });
    acd.dispatch({ type: 'ContactArrived', contactId: 'v1', queueId: 'vip', channel: 'voice', priority: 5 });
    await page.locator('.tile[data-key="sh01.box1.support"] [data-field="waiting"] .value', { hasText: /^2$/ }).waitFor();
    await page.locator('.tile[data-key="sh01.box1.support"] .legend[data-state="ringing"] .count', { hasText: /^1$/ }).waitFor();
  });

  test('a span down at the site shows as a line alarm above the figures', async () => {
    await page.locator('#line-alarms .line-alarm[data-key="sh01.box1.span2"]').waitFor({ timeout: 8000 });
    assert.equal(await page.locator('#line-alarms .line-alarm').textContent(), '上海分行 · E1-2 信号丢失');
  });

  test('the site selector switches to another appliance\'s queues', async () => {
    bjBox.acd.dispatch({ type: 'ContactArrived', contactId: 'b1', queueId: 'vip', channel: 'voice' });
    await page.selectOption('#site-select', 'bj01');
    await tile('bj01.gw1.vip').waitFor();
    await page.locator('.tile[data-key="bj01.gw1.vip"] [data-field="waiting"] .value', { hasText: /^1$/ }).waitFor();
    assert.equal(await page.locator('.tile[data-key^="sh01."]').count(), 0);
    await page.locator('#line-alarms').waitFor({ state: 'hidden' });
    await page.selectOption('#site-select', '');
    await tile('sh01.box1.sales').waitFor();
    assert.equal(await page.locator('.tile').count(), 6);
    // The totals of all sites add both appliances up (3 waiting in Shanghai, 1 in Beijing).
    await page.locator('#totals [data-field="waiting"] .value', { hasText: /^4$/ }).waitFor();
    assert.equal(await page.locator('#totals .logged-in').textContent(), '在线坐席 8');
    assert.equal(await tile('sh01.box1.sales').locator('.q-device').textContent(), '上海分行');
  });

  test('the language switch relabels the wallboard in English and back', async () => {
    await page.selectOption('#site-select', 'sh01');
    await page.click('#lang-switch');
    await page.locator('.tile[data-key="sh01.box1.sales"] [data-field="waiting"] .label', { hasText: 'Waiting' }).waitFor();
    assert.equal(await page.title(), 'Contact center · Wallboard');
    assert.equal(await page.locator('#site-select option[value=""]').textContent(), 'All sites');
    await page.click('#lang-switch');
    await page.locator('.tile[data-key="sh01.box1.sales"] [data-field="waiting"] .label', { hasText: '排队' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  });

  test('takes the 1080p screenshot for the docs', async () => {
    // Let a few more samples land so the trend lines have points.
    await waitFor('trend points', async () => Number(await tile('sh01.box1.sales').locator('svg').getAttribute('data-points')) >= 1);
    mkdirSync(new URL('../docs/screenshots/', import.meta.url), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    assert.ok(existsSync(SCREENSHOT));
  });
});
