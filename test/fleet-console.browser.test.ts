// Drives the fleet console in a real browser (Debian's Chromium through playwright-core):
// log in, see the devices, watch a row change live when the registry changes, switch
// language. Leaves a screenshot in docs/screenshots/fleet-console.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Telemetry } from '../protocol/schemas.ts';
import type { EventStore } from '../fleet/events/event-store.ts';
import type { DeviceRegistry } from '../fleet/registry/device-registry.ts';
import { testConsole } from './support/fleet-app.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = new URL('../docs/screenshots/fleet-console.png', import.meta.url).pathname;

const sample = (over: { uptimeS: number; usage: number; availableBytes: number; freeBytes: number }): Telemetry => ({
  ts: Date.now(),
  bootId: 'boot-1',
  version: '0.1.0',
  uptimeS: over.uptimeS,
  cpu: { cores: 4, usage: over.usage, load1: 0.4 },
  memory: { totalBytes: 8 * 2 ** 30, availableBytes: over.availableBytes, processRssBytes: 300 * 2 ** 20 },
  disk: { path: '/data', totalBytes: 256 * 2 ** 30, freeBytes: over.freeBytes },
});

describe('fleet console in a browser', () => {
  let server: ServerType;
  let browser: Browser;
  let page: Page;
  let registry: DeviceRegistry;
  let events: EventStore;
  let url: string;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    const rig = await testConsole({ app: { live: { coalesceMs: 50 } } });
    ({ registry, events } = rig);
    const { app } = rig;
    await rig.users.ensureAdmin('admin', 'admin-password');

    await registry.createDevice({ site: 'bj01', device: 'gw1', name: '北京总部' });
    await registry.createDevice({ site: 'sh01', device: 'box1', name: '上海分行' });
    await registry.createDevice({ site: 'sz02', device: 'box1', name: '深圳网点' });
    const now = Date.now();
    registry.applyState({ site: 'bj01', device: 'gw1' }, { status: 'online', ts: now, bootId: 'boot-1', version: '0.1.0', profile: 'standard' }, now - 3 * 3600_000);
    registry.applyTelemetry({ site: 'bj01', device: 'gw1' }, sample({ uptimeS: 3 * 86400 + 7200, usage: 0.18, availableBytes: 5 * 2 ** 30, freeBytes: 180 * 2 ** 30 }), now - 4000);
    registry.applyState({ site: 'sz02', device: 'box1' }, { status: 'online', ts: now, bootId: 'boot-1', version: '0.1.0' }, now - 600_000);
    registry.applyState({ site: 'sz02', device: 'box1' }, { status: 'offline', ts: now, bootId: 'boot-1', version: '0.1.0', reason: 'lost' }, now - 120_000);

    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 520 } });
    page.setDefaultTimeout(5000);
  });

  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await registry?.close();
    events?.close();
  });

  test('the console page sends an anonymous visitor to the login form, in Chinese by default', async () => {
    await page.goto(`${url}/`);
    await page.waitForURL(`${url}/login`);
    assert.equal(await page.locator('h2').textContent(), '登录');
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  });

  test('a wrong password shows an error and stays on the login page', async () => {
    await page.fill('#username', 'admin');
    await page.fill('#password', 'not-the-password');
    await page.click('#login-submit');
    await page.locator('#login-error:not([hidden])').waitFor();
    assert.equal(await page.locator('#login-error').textContent(), '用户名或密码错误');
  });

  test('logging in shows the device rows and the online/offline counters', async () => {
    await page.fill('#password', 'admin-password');
    await page.click('#login-submit');
    await page.waitForURL(`${url}/`);
    const row = page.locator('tr[data-key="sh01.box1"]');
    await row.waitFor();
    assert.equal(await row.locator('td.name').textContent(), '上海分行');
    assert.equal(await row.locator('.badge').textContent(), '未知');
    assert.deepEqual(await page.locator('#device-rows tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.key)), [
      'bj01.gw1',
      'sh01.box1',
      'sz02.box1',
    ]);
    await page.locator('#count-online', { hasText: '1' }).waitFor();
    assert.equal(await page.locator('#count-offline').textContent(), '2');
    assert.match((await page.locator('tr[data-key="bj01.gw1"] td.uptime').textContent()) ?? '', /3天2小时/);
  });

  test('a change in the registry updates the row live', async () => {
    const now = Date.now();
    registry.applyState({ site: 'sh01', device: 'box1' }, { status: 'online', ts: now, bootId: 'boot-1', version: '0.1.0' }, now);
    registry.applyTelemetry({ site: 'sh01', device: 'box1' }, sample({ uptimeS: 420, usage: 0.42, availableBytes: 2 * 2 ** 30, freeBytes: 64 * 2 ** 30 }), now);
    const row = page.locator('tr[data-key="sh01.box1"][data-status="online"]');
    await row.waitFor();
    assert.equal(await row.locator('.badge').textContent(), '在线');
    assert.equal(await row.locator('td.cpu').textContent(), '42%（4核）');
    assert.equal(await row.locator('td.version').textContent(), '0.1.0');
    await page.locator('#count-online', { hasText: '2' }).waitFor();
    assert.equal(await page.locator('#count-offline').textContent(), '1');
  });

  test('the language switch relabels the page in English and back', async () => {
    await page.click('#lang-switch');
    await page.locator('th', { hasText: 'Last seen' }).waitFor();
    assert.equal(await page.locator('tr[data-key="sh01.box1"] .badge').textContent(), 'Online');
    assert.equal(await page.locator('tr[data-key="sz02.box1"] .reason').textContent(), 'connection lost');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.title(), 'Contact center · Fleet console');
    // Remembered across a reload.
    await page.reload();
    await page.locator('tr[data-key="sh01.box1"] .badge', { hasText: 'Online' }).waitFor();
    await page.click('#lang-switch');
    await page.locator('th', { hasText: '最后在线' }).waitFor();
    mkdirSync(new URL('../docs/screenshots/', import.meta.url), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });
});
