// Why the appliance serves HTTPS on a LAN: Chromium gives the softphone its microphone only
// in a secure context. Reached by a LAN name over http the desktop says so instead of failing
// on the first call; over HTTPS with the appliance's self-signed certificate (trusted by the
// agent's PC) the microphone works, the WebSocket runs as wss:, and the cookie is Secure.
// Host names are mapped to loopback inside Chromium, so no real LAN is needed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { ScriptedDesk } from './support/scripted-desk.ts';
import { startTestWebServer, type TestWebServer } from './support/appliance-web.ts';

const CHROMIUM = '/usr/bin/chromium';

describe('agent desktop over http and https on a LAN name', () => {
  let plain: TestWebServer;
  let secure: TestWebServer;
  let browser: Browser;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    const scripted = new ScriptedDesk([{ id: '3001', password: 'agent-3001-pw' }, { id: '3002', password: 'agent-3002-pw' }]);
    plain = await startTestWebServer({ desk: scripted.desk });
    secure = await startTestWebServer({ desk: scripted.desk, config: { tls: { mode: 'self-signed', hosts: ['cc-box.test'] } } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
        '--host-resolver-rules=MAP agent-lan.test 127.0.0.1, MAP cc-box.test 127.0.0.1'],
    });
  });
  after(async () => {
    await browser?.close();
    await plain?.stop();
    await secure?.stop();
  });

  async function logIn(base: string, agent: string, ignoreHTTPSErrors: boolean) {
    const context = await browser.newContext({ ignoreHTTPSErrors });
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    await page.goto(`${base}/login`);
    await page.fill('#username', agent);
    await page.fill('#password', `agent-${agent}-pw`);
    await page.click('#login-submit');
    await page.waitForURL(`${base}/`);
    await page.locator('#conn[data-online="true"]').waitFor();
    return { context, page };
  }

  test('over http on a LAN name the page is not a secure context and tells the agent the microphone will not work', async () => {
    const { context, page } = await logIn(`http://agent-lan.test:${plain.port}`, '3001', false);
    assert.equal(await page.evaluate(() => window.isSecureContext), false);
    await page.locator('#mic-status', { hasText: 'HTTPS' }).waitFor();
    await context.close();
  });

  test('over https with the self-signed certificate the microphone works over wss and the cookie is Secure', async () => {
    const base = `https://cc-box.test:${secure.port}`;
    const { context, page } = await logIn(base, '3002', true);
    assert.equal(await page.evaluate(() => window.isSecureContext), true);
    await page.locator('#mic-status', { hasText: '麦克风已就绪' }).waitFor();
    assert.equal(await page.evaluate(() => (window as unknown as { desk: { client: { url: string } } }).desk.client.url.startsWith('wss://')), true);
    const cookie = (await context.cookies(base)).find((c) => c.name === 'cc_session');
    assert.equal(cookie?.secure, true);
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');
    await context.close();
  });
});
