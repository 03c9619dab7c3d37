// The appliance admin page in Chromium: the branch admin adds an agent who can then log in,
// sees the A/B slots, and installs an offline update bundle by uploading it; the desktop shows
// the admin link to admins only (and tells an admin without an agent id that it has no desk),
// and an agent is refused the page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { bundle, keyPair, systemTree, trusted } from './fixtures/updater/bundles.ts';
import { probe } from '../appliance/updater/health-check.ts';
import { SimulatedMachine } from '../appliance/updater/sim-boot-control.ts';
import { DirectorySlots } from '../appliance/updater/slot-store.ts';
import { Updater } from '../appliance/updater/updater.ts';
import { ScriptedDesk } from './support/scripted-desk.ts';
import { loginOverHttp, startTestWebServer, type TestWebServer } from './support/appliance-web.ts';

const CHROMIUM = '/usr/bin/chromium';

describe('appliance admin page', () => {
  let work: string;
  let server: TestWebServer;
  let browser: Browser;
  let page: Page;
  let bundlePath: string;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    work = mkdtempSync(join(tmpdir(), 'cc-admin-page-'));
    const key = keyPair();
    const machine = await SimulatedMachine.provision(join(work, 'machine'), '1.0.0');
    const slots = new DirectorySlots(join(work, 'machine', 'slots'));
    await systemTree(slots.dir('a'), '1.0.0');
    const updater = new Updater({ boot: machine, slots, status: machine.status, trustedKeys: trusted(key), board: 'cc-x86-generic', currentVersion: '1.0.0', workDir: join(work, 'work'), probes: [probe('ok', () => {})] });
    bundlePath = await bundle(join(work, 'bundles'), { version: '1.1.0', key });
    const scripted = new ScriptedDesk([{ id: '2001', password: 'agent-2001-pw' }]);
    server = await startTestWebServer({
      desk: scripted.desk,
      updater: { updater, workDir: join(work, 'upload') },
      config: { users: [{ username: 'admin', role: 'admin', password: 'admin-password' }] },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(8000);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('the admin logs in, finds the admin link on the desktop and the users on the admin page', async () => {
    await page.goto(`${server.url}/login`);
    await page.fill('#username', 'admin');
    await page.fill('#password', 'admin-password');
    await page.click('#login-submit');
    await page.waitForURL(`${server.url}/`);
    await page.locator('#admin-link:not([hidden])').waitFor();
    await page.locator('#no-agent:not([hidden])').waitFor();
    assert.equal(await page.locator('#no-agent h2').textContent(), '此账号没有坐席工号', 'an admin without an agent id is told so');
    assert.equal(await page.locator('#toast').isHidden(), true, 'and not shown an error');
    await page.click('#admin-link');
    await page.waitForURL(`${server.url}/admin`);
    await page.locator('#user-rows tr[data-user="admin"]').waitFor();
    assert.match((await page.locator('#user-rows tr[data-user="admin"]').textContent()) ?? '', /管理员/);
  });

  test('adding an agent on the page lets that agent log in', async () => {
    await page.fill('#new-username', 'lily');
    await page.fill('#new-name', '李莉');
    await page.selectOption('#new-role', 'agent');
    await page.fill('#new-agent', '2001');
    await page.fill('#new-password', 'lily-password');
    await page.click('#btn-add-user');
    await page.locator('#user-rows tr[data-user="lily"]').waitFor();
    assert.match((await page.locator('#user-rows tr[data-user="lily"]').textContent()) ?? '', /李莉坐席2001/);
    const lily = await loginOverHttp(server.url, 'lily', 'lily-password');
    assert.equal(lily.status, 200);
    const me = (await (await fetch(`${server.url}/api/me`, { headers: { cookie: lily.cookie } })).json()) as { agentId: string };
    assert.equal(me.agentId, '2001');
    assert.equal((await fetch(`${server.url}/admin`, { headers: { cookie: lily.cookie }, redirect: 'manual' })).status, 403, 'an agent is refused the admin page');
  });

  test('the update panel shows the slots and installs an uploaded bundle into the other slot', async () => {
    await page.locator('#current-version', { hasText: '1.0.0' }).waitFor();
    assert.match((await page.locator('#slot-b').textContent()) ?? '', /空/);
    await page.setInputFiles('#bundle-file', bundlePath);
    await page.click('#btn-upload');
    await page.locator('#update-result', { hasText: '已安装 1.1.0 到分区 B' }).waitFor({ timeout: 15_000 });
    await page.locator('#slot-b', { hasText: '1.1.0' }).waitFor();
  });
});
