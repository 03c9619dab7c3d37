// The rollouts page in a real browser (Debian's Chromium through playwright-core) against a
// real fleet: a campaign with per-phase progress, its devices' states as they report them,
// pause from the page, and the language switch.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, mkdtempSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startFleet, type Fleet } from '../fleet/fleet.ts';
import { sampleTemplate } from '../fleet/config/sample-template.ts';
import { silentLogger } from '../appliance/log/logger.ts';
import type { UpdateStatus } from '../protocol/update-job.ts';
import { bundle, keyPair } from './fixtures/updater/bundles.ts';
import { freePort } from './support/net.ts';

const CHROMIUM = '/usr/bin/chromium';
const key = keyPair();

describe('rollouts page in a browser', () => {
  let fleet: Fleet;
  let browser: Browser;
  let page: Page;
  const refs = Array.from({ length: 5 }, (_, i) => ({ site: 'bj01', device: `box${i}` }));
  let work: string;
  const report = (i: number, s: Partial<UpdateStatus>) => fleet.rollouts.onStatus(refs[i]!, { ts: Date.now(), state: 'idle', campaign: 'spring', version: '2.1.0', installedVersion: '2.0.0', ...s });

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    work = mkdtempSync(join(tmpdir(), 'cc-rollout-ui-'));
    fleet = await startFleet({
      dataDir: join(work, 'fleet'),
      http: { port: 0 },
      broker: { kind: 'embedded', port: await freePort() },
      admin: { username: 'admin', password: 'admin-password' },
      provision: refs.map((r) => ({ ...r, name: r.device, secret: 'device-secret-0123456789' })),
      deviceSecretScrypt: { N: 1024, r: 8, p: 1 },
      updates: { trustedKeys: [key.publicPem] },
      log: silentLogger,
    });
    await fleet.config.createGroup({ id: 'north', name: 'North', template: sampleTemplate() as Record<string, unknown> }, 'admin');
    await fleet.config.setGroupOf(refs.slice(0, 4), 'north');
    await fleet.config.createGroup({ id: 'west', name: 'West', template: sampleTemplate() as Record<string, unknown> }, 'admin');
    await fleet.config.setGroupOf(refs.slice(4), 'west');
    const record = await fleet.rollouts.importBundle(createReadStream(await bundle(work, { version: '2.1.0', key })), 'admin');
    await fleet.rollouts.create({ id: 'spring', name: '春季版本 2.1.0', bundle: record.sha256, groups: ['north'], phases: [50, 100], successThreshold: 1, failureThreshold: 0.5, drainFirst: true }, 'admin');
    const first = Object.values(fleet.rollouts.get('spring').devices).filter((d) => d.phase === 0).map((d) => refs.findIndex((r) => r.device === d.device));
    report(first[0]!, { state: 'committed', installedVersion: '2.1.0' });
    report(first[1]!, { state: 'downloading', progress: { received: 750, total: 1000 } });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    page = await browser.newPage({ viewport: { width: 1360, height: 700 } });
    page.setDefaultTimeout(5000);
    await page.goto(`${fleet.httpUrl}/login`);
    await page.fill('#username', 'admin');
    await page.fill('#password', 'admin-password');
    await page.click('#login-submit');
    await page.waitForURL(`${fleet.httpUrl}/`);
  });

  after(async () => {
    await browser?.close();
    await fleet?.stop();
  });

  test('the console links to the rollouts page, which lists the campaign with its phases\' progress', async () => {
    await page.click('a[href="/rollouts"]');
    await page.waitForURL(`${fleet.httpUrl}/rollouts`);
    const row = page.locator('#campaign-rows tr', { hasText: '春季版本 2.1.0' });
    await row.waitFor();
    assert.equal(await row.locator('.ro-status').textContent(), '进行中');
    assert.deepEqual(await row.locator('.ro-phase span').allTextContents(), ['第1阶段 50%：1/2，失败 0', '第2阶段 100%：0/2，失败 0']);
  });

  test('a campaign\'s devices show their state and download progress, and follow new reports', async () => {
    await page.locator('#campaign-rows tr', { hasText: '春季版本 2.1.0' }).click();
    await page.locator('#device-rows tr').first().waitFor();
    const states = await page.locator('#device-rows .ro-state').allTextContents();
    assert.deepEqual(states.sort(), ['下载中', '升级成功', '等待发布', '等待发布'].sort());
    assert.equal(await page.locator('#device-rows tr', { hasText: '下载中' }).locator('.ro-phase span').textContent(), '75%');
    const downloading = Object.values(fleet.rollouts.get('spring').devices).find((d) => d.state === 'downloading')!;
    report(refs.findIndex((r) => r.device === downloading.device), { state: 'rolled-back', code: 'health-check', reason: 'health check failed: sip: no answer' });
    await page.locator('#device-rows tr', { hasText: '已回滚' }).waitFor();
    assert.match((await page.locator('#device-rows tr', { hasText: '已回滚' }).textContent()) ?? '', /sip: no answer/);
  });

  test('an admin pauses the campaign from the page and the page says so, in English too', async () => {
    await page.click('button[data-action="pause"]');
    await page.locator('#campaign-rows .ro-status', { hasText: '已暂停' }).waitFor();
    assert.equal(fleet.rollouts.get('spring').status, 'paused');
    assert.equal(await page.locator('button[data-action="pause"]').isHidden(), true);
    await page.click('#lang-switch');
    await page.locator('#campaign-rows .ro-status', { hasText: 'Paused' }).waitFor();
    assert.equal(await page.title(), 'Contact center · Rollouts');
    assert.ok((await page.locator('#device-rows .ro-state').allTextContents()).includes('Rolled back'));
    await page.click('#lang-switch');
  });

  test('an admin uploads a bundle on the page (a tampered one is refused) and starts a campaign from the form', async () => {
    const good = await bundle(work, { version: '2.2.0', key, name: 'good.ccb' });
    const bad = join(work, 'bad.ccb');
    const bytes = await readFile(good);
    bytes[bytes.length - 5]! ^= 0xff;
    await writeFile(bad, bytes);
    await page.setInputFiles('#bundle-file', bad);
    await page.click('#upload-form button[type="submit"]');
    await page.locator('#upload-result', { hasText: '升级包被拒绝' }).waitFor();
    await page.setInputFiles('#bundle-file', good);
    await page.click('#upload-form button[type="submit"]');
    await page.locator('#upload-result', { hasText: '已接受：版本 2.2.0' }).waitFor();
    await page.fill('#f-id', 'west220');
    await page.fill('#f-name', '西区 2.2.0');
    await page.fill('#f-groups', 'west');
    await page.fill('#f-phases', '100');
    await page.fill('#f-window-start', '02:00');
    await page.fill('#f-window-end', '05:00');
    await page.click('#create-form button[type="submit"]');
    await page.locator('#campaign-rows tr', { hasText: '西区 2.2.0' }).waitFor();
    await page.locator('#device-rows .ro-state', { hasText: '已下发' }).waitFor();
    const c = fleet.rollouts.get('west220');
    assert.equal(c.bundle.version, '2.2.0');
    assert.deepEqual(c.settings.window, { start: '02:00', end: '05:00', utcOffsetMinutes: 480 });
    assert.equal(c.settings.drainFirst, true);
    assert.equal(c.createdBy, 'admin');
  });
});
