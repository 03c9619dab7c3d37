// The appliance's local wallboard in Chromium: it follows the metrics sample live over SSE
// (the same payload the appliance publishes to the fleet), and switches language.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { LiveMetrics, QueueFigures } from '../protocol/metrics.ts';
import { startTestWebServer, type TestWebServer } from './support/appliance-web.ts';

const CHROMIUM = '/usr/bin/chromium';
let server: TestWebServer;
let browser: Browser;
let page: Page;

const figures = (waiting: number, answered: number): QueueFigures => ({
  waiting,
  longestWaitS: waiting ? 42 : 0,
  agents: { loggedIn: 2, ready: 1, notReady: 0, ringing: 0, busy: 1, wrapUp: 0 },
  today: { offered: answered, answered, abandoned: 0, shortAbandons: 0, overflowed: 0 },
  serviceLevel: { pct: answered ? 100 : null, thresholdS: 20 },
  asaS: answered ? 7 : null,
  ahtS: answered ? 95 : null,
  abandonPct: answered ? 0 : null,
});
let sample: LiveMetrics = { ts: Date.now(), seq: 0, bootId: 'boot', queues: [{ id: 'sales', name: '销售热线', ...figures(0, 0) }], totals: figures(0, 0) };

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  server = await startTestWebServer({ wallboard: () => sample, wallboardIntervalMs: 100, config: { users: [{ username: 'screen', role: 'supervisor', password: 'screen-password' }] } });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 600 } });
  page.setDefaultTimeout(5000);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the wallboard asks for a login, then shows the queue and follows its counters live', async () => {
  await page.goto(`${server.url}/wallboard`);
  await page.waitForURL(/\/login\?next=%2Fwallboard$/);
  await page.fill('#username', 'screen');
  await page.fill('#password', 'screen-password');
  await page.click('#login-submit');
  await page.waitForURL(`${server.url}/wallboard`);
  const card = page.locator('.wb-queue[data-queue="sales"]');
  await card.waitFor();
  assert.equal(await card.locator('h2').textContent(), '销售热线');
  assert.equal(await card.locator('[data-metric="sl"] .value').textContent(), '—', 'nothing counted yet shows a dash, not 0%');
  sample = { ...sample, ts: Date.now(), seq: 1, queues: [{ id: 'sales', name: '销售热线', ...figures(3, 5) }], totals: figures(3, 5) };
  await card.locator('[data-metric="waiting"] .value', { hasText: '3' }).waitFor();
  assert.equal(await card.locator('[data-metric="answered"] .value').textContent(), '5');
  assert.equal(await card.locator('[data-metric="longest"] .value').textContent(), '0:42');
  assert.equal(await card.locator('[data-metric="sl"] .value').textContent(), '100%');
  assert.equal(await page.locator('.wb-agent[data-agents="busy"] .n').textContent(), '1');
});

test('the wallboard switches to English', async () => {
  await page.click('#lang-switch');
  await page.locator('[data-metric="waiting"] .label', { hasText: 'Waiting' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
});
