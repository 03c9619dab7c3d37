// The device table's hardware block in a real browser: spans with their state and alarms and
// analog ports with their hook state, from each device's telemetry, updated live.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { HardwareTelemetry, Telemetry } from '../protocol/schemas.ts';
import type { DeviceRegistry } from '../fleet/registry/device-registry.ts';
import type { EventStore } from '../fleet/events/event-store.ts';
import { testConsole } from './support/fleet-app.ts';

const CHROMIUM = '/usr/bin/chromium';
const ref = { site: 'sh01', device: 'e1box' };
const analog = { site: 'sz01', device: 'fxo' };

const telemetry = (hardware: HardwareTelemetry | undefined): Telemetry => ({
  ts: Date.now(),
  bootId: 'boot-1',
  version: '0.1.0',
  uptimeS: 600,
  cpu: { cores: 4, usage: 0.1, load1: 0.2 },
  memory: { totalBytes: 8 * 2 ** 30, availableBytes: 4 * 2 ** 30, processRssBytes: 2 ** 28 },
  disk: { path: '/data', totalBytes: 2 ** 37, freeBytes: 2 ** 36 },
  ...(hardware ? { hardware } : {}),
});
const e1 = (span2: 'up' | 'down'): HardwareTelemetry => ({
  board: 'cc-e1x2',
  spans: [
    { id: 1, type: 'E1', state: 'up', alarms: [], counters: { inUse: 3, bearer: 30 }, syncSource: true, label: 'PSTN PRI' },
    { id: 2, type: 'E1', state: span2, alarms: span2 === 'down' ? ['los', 'lof'] : [], counters: { inUse: 0, bearer: 30 }, label: 'PSTN R2' },
  ],
  ports: [],
});

describe('device hardware in the console', () => {
  let server: ServerType;
  let browser: Browser;
  let page: Page;
  let registry: DeviceRegistry;
  let events: EventStore;
  let url: string;
  const cell = (r: typeof ref) => page.locator(`tr[data-key="${r.site}.${r.device}"] td.hardware`);

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    const rig = await testConsole({ app: { live: { coalesceMs: 50 } } });
    ({ registry, events } = rig);
    await rig.users.ensureAdmin('admin', 'admin-password');
    await registry.createDevice({ ...ref, name: '上海 E1' });
    await registry.createDevice({ ...analog, name: '深圳模拟' });
    registry.applyTelemetry(ref, telemetry(e1('up')), Date.now());
    registry.applyTelemetry(analog, telemetry({
      board: 'cc-fxsfxo8',
      spans: [],
      ports: [
        { id: 1, kind: 'fxs', hook: 'off-hook', alarms: [] },
        { id: 2, kind: 'fxs', hook: 'on-hook', alarms: [] },
        { id: 5, kind: 'fxo', hook: 'ringing', alarms: [] },
        { id: 6, kind: 'fxo', hook: 'on-hook', alarms: ['no-battery'], label: 'PSTN line 2' },
      ],
    }), Date.now());
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: rig.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    page = await browser.newPage({ viewport: { width: 1500, height: 500 } });
    page.setDefaultTimeout(5000);
    await page.goto(`${url}/login`);
    await page.fill('#username', 'admin');
    await page.fill('#password', 'admin-password');
    await page.click('#login-submit');
    await page.waitForURL(`${url}/`);
  });

  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await registry?.close();
    events?.close();
  });

  test('shows each E1 span up, with its channels in use', async () => {
    await cell(ref).locator('.hw.up').first().waitFor();
    assert.deepEqual(await cell(ref).locator('.hw').allTextContents(), ['E1-1 正常', 'E1-2 正常']);
    assert.equal(await cell(ref).locator('.hw[data-span="1"]').getAttribute('title'), 'PSTN PRI · 占用 3/30 路');
    assert.equal(await cell(ref).getAttribute('data-alarms'), '0');
  });

  test('a span losing signal turns red with its alarms, live, and back when it recovers', async () => {
    registry.applyTelemetry(ref, telemetry(e1('down')), Date.now());
    await cell(ref).locator('.hw.down[data-span="2"]').waitFor();
    assert.equal(await cell(ref).locator('.hw[data-span="2"]').textContent(), 'E1-2 信号丢失 帧失步');
    assert.equal(await cell(ref).getAttribute('data-alarms'), '2');
    registry.applyTelemetry(ref, telemetry(e1('up')), Date.now() + 1);
    await cell(ref).locator('.hw.up[data-span="2"]').waitFor();
  });

  test('analog ports: a summary with hook activity, and a line without battery in red', async () => {
    assert.deepEqual(await cell(analog).locator('.hw').allTextContents(), ['FXS 2 · FXO 2 (摘机 1 · 振铃 1)', 'FXO 6 线路无馈电']);
    assert.equal(await cell(analog).locator('.hw.down').getAttribute('data-port'), '6');
  });

  test('in English the alarms use the standard abbreviations; a device without cards shows a dash', async () => {
    await registry.createDevice({ site: 'bj01', device: 'vm', name: 'VM' });
    registry.applyTelemetry({ site: 'bj01', device: 'vm' }, telemetry(undefined), Date.now());
    registry.applyTelemetry(ref, telemetry(e1('down')), Date.now() + 2);
    await page.click('#lang-switch');
    await page.locator('th', { hasText: 'Lines' }).waitFor();
    await cell(ref).locator('.hw[data-span="2"]', { hasText: 'E1-2 LOS LOF' }).waitFor();
    assert.equal(await cell({ site: 'bj01', device: 'vm' }).textContent(), '—');
    await page.click('#lang-switch');
    await page.locator('th', { hasText: '线路' }).waitFor();
  });

  test('the device page lists the spans with their alarms and the alarm log with durations, live', async () => {
    const t0 = Date.now() - 60_000;
    const alarm = (seq: number, type: string, severity: 'critical' | 'info', data: Record<string, unknown>) =>
      events.insert(ref, { epoch: 'e1', seq, ts: data.at as number, type, severity, data }, data.at as number);
    alarm(1, 'hardware.span.alarm.raised', 'critical', { span: 2, alarm: 'los', at: t0 });
    alarm(2, 'hardware.span.alarm.cleared', 'info', { span: 2, alarm: 'los', at: t0 + 42_000, durationMs: 42_000 });
    events.insert(ref, { epoch: 'e1', seq: 3, ts: t0, type: 'terminal.opened', severity: 'warning', data: {} }, t0);
    registry.applyTelemetry(ref, telemetry(e1('up')), Date.now() + 3);
    await page.click(`tr[data-key="${ref.site}.${ref.device}"] td.name a`);
    await page.waitForURL(/\/device\?site=sh01&device=e1box/);
    await page.locator('#span-rows tr[data-span="2"][data-state="up"]').waitFor();
    assert.equal(await page.locator('#device-name').textContent(), '上海 E1');
    assert.deepEqual(await page.locator('#span-rows tr[data-span="1"] td').allTextContents(), ['E1-1', 'PSTN PRI', '正常', '—', '3 / 30', '✓']);
    assert.equal(await page.locator('#ports').isHidden(), true);
    await page.locator('#alarm-rows tr').nth(1).waitFor();
    assert.deepEqual(await page.locator('#alarm-rows tr td.event').allTextContents(), ['已恢复', '严重告警']);
    assert.deepEqual(await page.locator('#alarm-rows tr').first().locator('td').nth(4).textContent(), '42秒');

    // The span fails again: the table turns red at once and the new alarm joins the log.
    alarm(4, 'hardware.span.alarm.raised', 'critical', { span: 2, alarm: 'lof', at: Date.now() });
    registry.applyTelemetry(ref, telemetry(e1('down')), Date.now() + 4);
    await page.locator('#span-rows tr[data-span="2"][data-state="down"]').waitFor();
    assert.equal(await page.locator('#span-rows tr[data-span="2"] td.alarms').textContent(), '信号丢失 帧失步');
    await page.locator('#alarm-rows tr').nth(2).waitFor();
    assert.equal(await page.locator('#alarm-rows tr').first().locator('td.alarm').textContent(), '帧失步');
  });

  test('the device page lists SIP trunks with their keepalive state and a translated reason, live', async () => {
    const trunksRef = { site: 'gz01', device: 'sip' };
    await registry.createDevice({ ...trunksRef, name: '广州 SIP' });
    const since = Date.now() - 5 * 60_000;
    const withTrunks = (backupUp: boolean): Telemetry => ({
      ...telemetry(undefined),
      trunks: [
        { id: 'carrier', up: true, since, detail: 'ok' },
        { id: 'backup', up: backupUp, since, detail: backupUp ? 'ok' : '503 to OPTIONS' },
      ],
    });
    registry.applyTelemetry(trunksRef, withTrunks(true), Date.now());
    await page.goto(`${url}/device?site=${trunksRef.site}&device=${trunksRef.device}`);
    await page.locator('#trunk-rows tr[data-trunk="backup"][data-state="up"]').waitFor();
    assert.deepEqual(await page.locator('#trunk-rows tr[data-trunk="carrier"] td.state').textContent(), '正常');
    registry.applyTelemetry(trunksRef, withTrunks(false), Date.now() + 1);
    await page.locator('#trunk-rows tr[data-trunk="backup"][data-state="down"]').waitFor();
    assert.equal(await page.locator('#trunk-rows tr[data-trunk="backup"] td.detail').textContent(), '对端拒绝服务（503）');
    await page.click('#lang-switch');
    await page.locator('#trunk-rows tr[data-trunk="backup"] td.detail', { hasText: 'refuses service (503)' }).waitFor();
    await page.click('#lang-switch');
    await page.goto(`${url}/device?site=${ref.site}&device=${ref.device}`);
    await page.locator('#span-rows tr').first().waitFor();
    assert.equal(await page.locator('#trunks-section').isHidden(), true, 'a device without trunks shows no trunk table');
  });

  test('the device page of an analog board shows its ports; an unknown device says so', async () => {
    await page.goto(`${url}/device?site=${analog.site}&device=${analog.device}`);
    await page.locator('#port-rows tr[data-port="6"]').waitFor();
    assert.deepEqual(await page.locator('#port-rows tr[data-port="6"] td').allTextContents(), ['6', 'FXO', 'PSTN line 2', '挂机', '线路无馈电']);
    assert.equal(await page.locator('#port-rows tr[data-port="5"] td.hook').textContent(), '振铃');
    assert.equal(await page.locator('#spans').isHidden(), true);
    assert.equal(await page.locator('#no-alarms').isVisible(), true);
    await page.goto(`${url}/device?site=nowhere&device=none`);
    await page.locator('#not-found:not([hidden])').waitFor();
  });
});
