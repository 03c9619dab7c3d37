// The agent desktop in a real browser (Debian's Chromium through playwright-core, fake
// microphone): login in Chinese by default, a refused wrong password, state buttons, an
// offer that rings (WebAudio) with its screen pop, answer / hold / retrieve / hang up, wrap-up
// with a disposition, the language switch. The desk behind the server is the real AgentDesk
// over a scripted backend (no telephony); test/call-e2e.browser.test.ts runs the real spine.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ScriptedDesk } from './support/scripted-desk.ts';
import { loginOverHttp, startTestWebServer, type TestWebServer } from './support/appliance-web.ts';
import { waitFor } from './support/wait.ts';

const CHROMIUM = '/usr/bin/chromium';

describe('agent desktop in a browser', () => {
  let server: TestWebServer;
  let scripted: ScriptedDesk;
  let browser: Browser;
  let page: Page;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    scripted = new ScriptedDesk([{ id: '1001', password: 'agent-1001-pw', name: '王小明' }]);
    server = await startTestWebServer({ desk: scripted.desk });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    page.setDefaultTimeout(5000);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the desktop sends an anonymous visitor to the login form, in Chinese by default', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForURL(`${server.url}/login`);
    assert.equal(await page.locator('h2').textContent(), '坐席登录');
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  });

  test('a wrong password shows an error and stays on the login page', async () => {
    await page.fill('#username', '1001');
    await page.fill('#password', 'not-the-password');
    await page.click('#login-submit');
    await page.locator('#login-error:not([hidden])').waitFor();
    assert.equal(await page.locator('#login-error').textContent(), '用户名或密码错误');
    assert.equal(scripted.agents.get('1001')!.loggedIn, false);
  });

  test('logging in opens the desktop and signs the agent in, not ready', async () => {
    await page.fill('#password', 'agent-1001-pw');
    await page.click('#login-submit');
    await page.waitForURL(`${server.url}/`);
    await page.locator('#state-badge[data-state="not-ready"]').waitFor();
    assert.equal(await page.locator('#state-label').textContent(), '未就绪');
    assert.equal(await page.locator('#conn').getAttribute('data-online'), 'true');
    assert.equal(await page.locator('#agent-name').textContent(), '王小明 · 坐席', 'the name from the desk configuration');
    assert.equal(scripted.agents.get('1001')!.loggedIn, true);
    // the softphone loaded the router capabilities and told the desk its own
    await waitFor('capabilities told', () => scripted.agents.get('1001')!.rtpCapabilities);
    await page.locator('#mic-status', { hasText: '麦克风已就绪' }).waitFor();
  });

  test('the state buttons make the agent ready, then not ready with a reason', async () => {
    await page.click('#btn-ready');
    await page.locator('#state-badge[data-state="ready"]').waitFor();
    assert.equal(await page.locator('#state-label').textContent(), '就绪');
    await page.selectOption('#reason-select', 'training');
    await page.click('#btn-not-ready');
    await page.locator('#state-badge[data-state="not-ready"]').waitFor();
    assert.equal(await page.locator('#state-reason').textContent(), 'training');
    assert.deepEqual(scripted.calls.filter((c) => c[0] === 'setPresence').map((c) => c[2]), ['ready', { notReady: 'training' }]);
    await page.click('#btn-ready');
    await page.locator('#state-badge[data-state="ready"]').waitFor();
  });

  test('an offer rings in the page and pops the caller, the IVR choices and the customer history', async () => {
    scripted.offer('1001', {
      contactId: 'k-1',
      callId: 'call-1',
      queueId: 'sales',
      queueName: 'Sales 销售',
      caller: '13800138000',
      did: '4008001234',
      variables: { lang: 'zh' },
      choices: [{ nodeId: 'main', nodeName: '主菜单', kind: 'menu', digits: '1' }, { nodeId: 'sales-menu', nodeName: '销售菜单', kind: 'menu', digits: '2' }] as never,
      screenPop: {
        customer: { phone: '13800138000', name: '张三', level: 'gold', vip: true, notes: '老客户', tags: ['宽带', '投诉过'] },
        recentContacts: [{ callId: 'old-1', startedAt: Date.now() - 86_400_000, direction: 'inbound', queueId: 'support', agentId: '1002', disposition: 'resolved', note: '重置密码', talkMs: 125_000 }],
      },
    });
    await page.locator('#offer-panel:not([hidden])').waitFor();
    assert.equal(await page.locator('#offer-caller').textContent(), '13800138000');
    assert.equal(await page.locator('#offer-queue').textContent(), 'Sales 销售');
    assert.equal(await page.locator('#pop-name').textContent(), '张三');
    assert.match((await page.locator('#pop-level').textContent()) ?? '', /gold · VIP/);
    assert.deepEqual(await page.locator('#ivr-choices li').allTextContents(), ['主菜单: 1', '销售菜单: 2']);
    assert.match((await page.locator('#past-contacts tr').first().textContent()) ?? '', /support.*1002.*resolved — 重置密码.*2:05/);
    assert.equal(await page.locator('#state-badge').getAttribute('data-state'), 'reserved');
    assert.equal(await page.locator('body').getAttribute('data-ringing'), 'true');
    const ring = await page.evaluate(() => (window as unknown as { desk: { ringer: { active: boolean } } }).desk.ringer.active);
    assert.equal(ring, true);
    await page.waitForFunction(() => document.title.includes('13800138000'), undefined, { timeout: 3000 });
  });

  test('answering stops the ring and shows the connected call; hold and retrieve toggle it', async () => {
    await page.click('#btn-answer');
    await page.locator('#call-status[data-status="connected"]').waitFor();
    assert.equal(await page.locator('#offer-panel').isHidden(), true);
    assert.equal(await page.locator('body').getAttribute('data-ringing'), null);
    await page.waitForFunction(() => !document.title.includes('13800138000'), undefined, { timeout: 3000 });
    assert.equal(await page.locator('#call-remote').textContent(), '13800138000');
    assert.equal(await page.locator('#dtmf-pad button').count(), 12, 'a keypad for tones during the call');
    assert.equal(await page.locator('#pop-name').textContent(), '张三', 'the screen pop stays during the call');
    await page.click('#btn-hold');
    await page.locator('#call-status[data-status="held"]').waitFor();
    assert.equal(await page.locator('#state-badge').getAttribute('data-state'), 'hold');
    await page.click('#btn-retrieve');
    await page.locator('#call-status[data-status="connected"]').waitFor();
    assert.deepEqual(scripted.calls.filter((c) => ['answer', 'hold', 'retrieve'].includes(c[0] as string)).map((c) => c[0]), ['answer', 'hold', 'retrieve']);
  });

  test('after the caller hangs up, wrap-up asks for a disposition and a note, then the agent is ready', async () => {
    scripted.remoteHangup('1001', 'call-1');
    await page.locator('#wrapup-panel:not([hidden])').waitFor();
    assert.equal(await page.locator('#call-panel').isHidden(), true);
    assert.equal(await page.locator('#state-badge').getAttribute('data-state'), 'wrap-up');
    await page.click('#btn-wrapup-done');
    await page.locator('#toast:not([hidden])', { hasText: '请选择处理结果' }).waitFor();
    await page.selectOption('#disposition', 'follow-up');
    await page.fill('#wrapup-note', '客户要求回电');
    await page.click('#btn-wrapup-done');
    await page.locator('#state-badge[data-state="ready"]').waitFor();
    assert.equal(await page.locator('#wrapup-panel').isHidden(), true);
    assert.deepEqual(scripted.calls.find((c) => c[0] === 'completeWrapUp'), ['completeWrapUp', '1001', 'k-1', { disposition: 'follow-up', note: '客户要求回电' }]);
  });

  test('a ring-no-answer tells the agent and clears the offer', async () => {
    scripted.offer('1001', { contactId: 'k-2', callId: 'call-2', queueId: 'support', caller: '02087654321', did: '4008001234', variables: {}, choices: [], screenPop: { recentContacts: [] } });
    await page.locator('#offer-panel:not([hidden])').waitFor();
    assert.equal(await page.locator('#pop-name').textContent(), '新客户（无记录）');
    assert.equal(await page.locator('#pop-notes').isHidden(), true, 'a new caller has no empty facts');
    scripted.endOffer('1001', 'ring-no-answer');
    await page.locator('#toast', { hasText: '未接听' }).waitFor();
    await page.locator('#offer-panel[hidden]').waitFor({ state: 'attached' });
    await page.locator('#state-badge[data-state="not-ready"]').waitFor();
    assert.equal(await page.locator('#state-reason').textContent(), '未接来电');
  });

  test('rejecting an offer stops the ring and tells the desk', async () => {
    await page.click('#btn-ready');
    await page.locator('#state-badge[data-state="ready"]').waitFor();
    scripted.offer('1001', { contactId: 'k-3', callId: 'call-3', queueId: 'sales', caller: '13700000003', did: '4008001234', variables: {}, choices: [], screenPop: { recentContacts: [] } });
    await page.locator('#offer-panel:not([hidden])').waitFor();
    await page.click('#btn-reject');
    await page.locator('#toast', { hasText: '已拒接' }).waitFor();
    assert.equal(await page.locator('#offer-panel').isHidden(), true);
    assert.equal(await page.locator('body').getAttribute('data-ringing'), null);
    assert.deepEqual(scripted.calls.find((c) => c[0] === 'reject'), ['reject', '1001', 'k-3']);
  });

  test('dialing a number and transferring the call to a queue go to the desk', async () => {
    await page.click('#btn-ready');
    await page.fill('#dial-number', '010-6552 8888');
    await page.click('#btn-dial');
    await page.locator('#call-status[data-status="dialing"]').waitFor();
    assert.deepEqual(scripted.calls.find((c) => c[0] === 'dial'), ['dial', '1001', '01065528888']);
    // an outbound call without a contact ends without wrap-up
    await page.selectOption('#transfer-kind', 'queue');
    await page.selectOption('#transfer-queue', 'support');
    const callId = scripted.agents.get('1001')!.calls.keys().next().value as string;
    scripted.agents.get('1001')!.calls.set(callId, { ...scripted.agents.get('1001')!.calls.get(callId)!, status: 'connected' });
    scripted.desk.emit('call', '1001', scripted.agents.get('1001')!.calls.get(callId)!);
    await page.locator('#call-status[data-status="connected"]').waitFor();
    await page.click('#btn-transfer');
    await page.locator('#call-panel[hidden]').waitFor({ state: 'attached' });
    assert.deepEqual(scripted.calls.find((c) => c[0] === 'transfer'), ['transfer', '1001', callId, { queue: 'support' }]);
  });

  test('the language switch relabels the desktop in English and back', async () => {
    await page.click('#lang-switch');
    await page.locator('#btn-ready', { hasText: 'Ready' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.locator('#state-label').textContent(), 'Ready');
    assert.equal(await page.locator('#btn-dial').textContent(), 'Dial');
    await page.click('#lang-switch');
    await page.locator('#btn-ready', { hasText: '就绪' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  });

  test('logging out signs the agent out of the desk and returns to the login', async () => {
    await page.click('#logout');
    await page.waitForURL(`${server.url}/login`);
    await waitFor('signed out', () => scripted.agents.get('1001')!.loggedIn === false);
    const res = await page.evaluate(() => fetch('/api/me').then((r) => r.status));
    assert.equal(res, 401);
  });

  test('while the browser keeps sound off until a click, a banner asks for one, and a click on it enables the ring', async () => {
    const context = await browser.newContext();
    // Chromium's autoplay rule, made observable: an audio context stays suspended until it is
    // resumed after a click on the page (this browser's flags would otherwise allow it at once).
    await context.addInitScript(() => {
      const state = Object.getOwnPropertyDescriptor(BaseAudioContext.prototype, 'state')!;
      const opened = new WeakSet<object>();
      let clicked = false;
      addEventListener('pointerdown', () => (clicked = true), true);
      Object.defineProperty(BaseAudioContext.prototype, 'state', { configurable: true, get(this: BaseAudioContext) { return opened.has(this) ? state.get!.call(this) : 'suspended'; } });
      const resume = AudioContext.prototype.resume;
      AudioContext.prototype.resume = function (this: AudioContext) {
        if (clicked) opened.add(this);
        return resume.call(this);
      };
    });
    // logged in without any gesture on the page (the session cookie from an HTTP login)
    const { cookie } = await loginOverHttp(server.url, '1001', 'agent-1001-pw');
    const [name, value] = cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: server.url }]);
    const p = await context.newPage();
    p.setDefaultTimeout(5000);
    await p.goto(`${server.url}/`);
    await p.locator('#sound-banner:not([hidden])').waitFor();
    assert.equal(await p.locator('#sound-banner').textContent(), '浏览器已静音：点击此处启用来电铃声');
    await p.click('#sound-banner');
    await p.locator('#sound-banner[hidden]').waitFor({ state: 'attached' });
    await context.close();
  });
});
