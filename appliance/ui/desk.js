// The agent desktop: state buttons, the incoming offer with its ring and screen pop, the
// softphone's call controls, transfer and dial, and wrap-up with a disposition. Everything
// the page shows comes from the desk's snapshot and events over one WebSocket.
import { applyI18n, bindLangSwitch, clock, t } from './i18n.js';
import { DeskClient } from './desk-client.js';
import { Ringer } from './ringer.js';
import { Softphone } from './softphone.js';
import { renderScreenPop } from './screen-pop.js';

const $ = (id) => document.getElementById(id);
const ui = {
  state: { state: 'logged-out', since: Date.now() },
  snapshot: undefined,
  offer: undefined,
  pop: undefined,
  calls: new Map(),
  wrapUps: new Map(),
  user: undefined,
  agentId: undefined,
};

applyI18n();
bindLangSwitch($('lang-switch'));
const client = new DeskClient();
const ringer = new Ringer();
const softphone = new Softphone((type, args) => client.request(type, args));
window.desk = { ui, client, ringer, softphone };
// Browsers play sound only after a click on the page: until then a banner asks for one, so
// the first call of the shift does not ring silently.
async function checkSound() {
  $('sound-banner').hidden = await ringer.unlock();
}
document.addEventListener('pointerdown', () => void checkSound());
setTimeout(() => void checkSound(), 500);

let toastTimer;
function toast(text) {
  $('toast').textContent = text;
  $('toast').hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => ($('toast').hidden = true), 6000);
}

/** Runs a desk request from a button: disabled while it runs, a refusal shown as a toast. */
async function act(button, type, args) {
  if (button) button.disabled = true;
  try {
    const r = await client.request(type, args);
    if (!r.ok) toast(t('error.generic', { message: r.error?.message ?? r.error?.code ?? '?' }));
    return r;
  } finally {
    if (button) button.disabled = false;
  }
}

// --- the tab's title blinks while an offer rings, so a hidden tab is noticed ---
let titleTimer;
function blinkTitle(caller) {
  clearInterval(titleTimer);
  if (!caller) {
    applyI18n(document.head);
    return;
  }
  let on = false;
  titleTimer = setInterval(() => {
    on = !on;
    document.title = on ? t('offer.title', { caller }) : t('app.title');
  }, 800);
}

// --- rendering ---

function reasonText(reason) {
  if (!reason) return '';
  const key = `reason.${reason}`;
  const text = t(key);
  return text === key ? reason : text;
}

function renderState() {
  const s = ui.state;
  $('state-badge').dataset.state = s.state;
  $('state-label').dataset.i18n = `state.${s.state}`;
  $('state-label').textContent = t(`state.${s.state}`);
  $('state-reason').textContent = s.state === 'not-ready' ? reasonText(s.reason) : '';
  const loggedIn = s.state !== 'logged-out';
  $('btn-sign-in').hidden = loggedIn;
  $('btn-sign-out').hidden = !loggedIn;
  const working = ['reserved', 'busy', 'hold', 'wrap-up'].includes(s.state);
  for (const id of ['btn-ready', 'btn-not-ready', 'btn-away', 'reason-select']) $(id).disabled = !loggedIn || working;
  $('btn-ready').classList.toggle('active', s.state === 'ready');
  $('btn-not-ready').classList.toggle('active', s.state === 'not-ready');
  $('btn-away').classList.toggle('active', s.state === 'away');
}

function renderOptions() {
  const snap = ui.snapshot;
  if (!snap) return;
  const reasons = $('reason-select');
  const current = reasons.value;
  reasons.replaceChildren(...snap.reasonCodes.map((code) => new Option(code, code)));
  if (snap.reasonCodes.includes(current)) reasons.value = current;
  const queues = $('transfer-queue');
  queues.replaceChildren(...snap.queues.map((q) => new Option(q.name ?? q.id, q.id)));
}

function renderOffer() {
  const o = ui.offer;
  $('offer-panel').hidden = !o;
  if (!o) return;
  $('offer-caller').textContent = o.caller;
  $('offer-queue').textContent = o.queueName ?? o.queueId;
  $('offer-did').textContent = o.did;
  $('btn-answer').hidden = o.device === 'phone';
}

function renderPop() {
  renderScreenPop(ui.pop);
}

function currentCall() {
  return [...ui.calls.values()].at(-1);
}

function renderCall() {
  const c = currentCall();
  $('call-panel').hidden = !c;
  $('phone-idle').hidden = Boolean(c);
  $('btn-dial').disabled = Boolean(c) || ui.state.state === 'logged-out';
  if (!c) return;
  $('call-remote').textContent = c.remote;
  $('call-status').dataset.status = c.status;
  $('call-status').textContent = t(`call.${c.status}`);
  $('btn-hold').hidden = c.status === 'held';
  $('btn-retrieve').hidden = c.status !== 'held';
  $('btn-hold').disabled = c.status !== 'connected';
  $('btn-transfer').disabled = !['connected', 'held'].includes(c.status);
}

function renderWrapUp() {
  const w = [...ui.wrapUps.values()].at(-1);
  $('wrapup-panel').hidden = !w;
  if (!w) return;
  const select = $('disposition');
  if (select.dataset.contact !== w.contactId) {
    select.dataset.contact = w.contactId;
    select.replaceChildren(new Option(t('wrap.choose'), ''), ...w.dispositions.map((d) => new Option(d.label, d.code)));
    $('wrapup-note').value = '';
  }
}

function renderTransferKind() {
  const kind = $('transfer-kind').value;
  $('transfer-queue').hidden = kind !== 'queue';
  $('transfer-target').hidden = kind === 'queue';
}

function renderTimers() {
  const now = Date.now();
  $('state-timer').textContent = clock(now - ui.state.since);
  const c = currentCall();
  if (c) $('call-timer').textContent = clock(now - c.since);
  if (ui.offer) $('offer-countdown').textContent = t('offer.ringsFor', { s: Math.max(0, Math.ceil((ui.offer.ringDeadline - now) / 1000)) });
  const w = [...ui.wrapUps.values()].at(-1);
  $('wrapup-deadline').textContent = w?.deadline ? t('wrap.deadline', { s: Math.max(0, Math.ceil((w.deadline - now) / 1000)) }) : '';
}

function renderAll() {
  showAgentName();
  renderState();
  renderOptions();
  renderOffer();
  renderPop();
  renderCall();
  renderWrapUp();
  renderTransferKind();
  renderTimers();
}
setInterval(renderTimers, 1000);
window.addEventListener('langchange', renderAll);

// --- the desk's snapshot and events ---

function showAgentName() {
  if (!ui.user) return;
  const name = ui.user.displayName ?? ui.snapshot?.name ?? ui.agentId;
  $('agent-name').textContent = `${name} · ${t(`role.${ui.user.role}`)}`;
}

function applySnapshot(snap) {
  ui.snapshot = snap;
  showAgentName();
  ui.state = snap.state;
  ui.offer = snap.offer;
  if (snap.offer) ui.pop = snap.offer;
  ui.calls = new Map(snap.calls.filter((c) => c.status !== 'ended').map((c) => [c.callId, c]));
  ui.wrapUps = new Map(snap.wrapUps.map((w) => [w.contactId, w]));
  if (ui.offer && ui.offer.device === 'browser') ringer.start();
  else ringer.stop();
  blinkTitle(ui.offer?.caller);
  if (ui.calls.size === 0 && ui.wrapUps.size === 0 && !ui.offer) ui.pop = undefined;
  renderAll();
}

const handlers = {
  state(e) {
    ui.state = e;
    renderState();
    renderCall();
    renderTimers();
  },
  offer(e) {
    ui.offer = e;
    ui.pop = e;
    if (e.device === 'browser') ringer.start();
    blinkTitle(e.caller);
    renderOffer();
    renderPop();
    renderTimers();
  },
  'offer-ended'(e) {
    if (ui.offer?.contactId !== e.contactId) return;
    ui.offer = undefined;
    ringer.stop();
    blinkTitle(undefined);
    if (e.reason !== 'answered') {
      toast(t(`offer.ended.${e.reason}`));
      if (ui.calls.size === 0) ui.pop = undefined;
    }
    renderOffer();
    renderPop();
  },
  call(e) {
    if (e.status === 'ended') {
      ui.calls.delete(e.callId);
      softphone.end(e.callId);
    } else {
      ui.calls.set(e.callId, e);
      softphone.setMuted(e.callId, e.status === 'held');
    }
    renderCall();
    renderTimers();
  },
  'wrap-up'(e) {
    ui.wrapUps.set(e.contactId, e);
    renderWrapUp();
    renderTimers();
  },
  media(e) {
    softphone.start(e).catch((err) => toast(t('phone.micDenied', { reason: err.message })));
  },
  consumer(e) {
    softphone.consume(e.callId, e.consumer).catch((err) => toast(t('error.generic', { message: err.message })));
  },
  error(e) {
    toast(t('error.generic', { message: e.message }));
  },
};

client.addEventListener('desk', (e) => handlers[e.detail.name]?.(e.detail.data));
client.addEventListener('open', async (e) => {
  ui.user = e.detail.user;
  ui.agentId = e.detail.agentId;
  $('admin-link').hidden = e.detail.user.role !== 'admin';
  showAgentName();
  $('conn').dataset.online = 'true';
  $('conn').dataset.i18n = 'conn.online';
  $('conn').textContent = t('conn.online');
  let r = await client.request('snapshot');
  // Opening the desktop signs the agent in with the browser as its phone.
  if (r.ok && !r.snapshot.loggedIn) r = await client.request('login', { device: 'browser' });
  // A supervisor or admin without an agent id has no desk: say so instead of empty buttons.
  const noAgent = !r.ok && r.error.code === 'unknown-agent';
  document.body.dataset.noAgent = String(noAgent);
  $('no-agent').hidden = !noAgent;
  if (!r.ok) {
    if (!noAgent) toast(t('error.generic', { message: r.error.message }));
    return;
  }
  applySnapshot(r.snapshot);
  softphone.prepare().catch((err) => toast(t('error.generic', { message: err.message })));
});
client.addEventListener('close', (e) => {
  $('conn').dataset.online = 'false';
  $('conn').dataset.i18n = 'conn.offline';
  $('conn').textContent = t('conn.offline');
  if (!leaving && (e.detail.code === 4401 || e.detail.code === 1006)) {
    // The session may have ended: a page GET tells (it redirects to the login when so).
    fetch('/api/me', { credentials: 'same-origin' }).then((res) => {
      if (res.status === 401) location.replace('/login');
    }, () => {});
  }
});

// --- microphone check: shown before the first call rather than discovered during it ---
if (!window.isSecureContext) $('mic-status').textContent = t('phone.insecure');
else
  softphone.probeMicrophone().then(
    () => ($('mic-status').textContent = t('phone.micOk')),
    (err) => ($('mic-status').textContent = t('phone.micDenied', { reason: err.message })),
  );

// --- buttons ---

async function refresh() {
  const r = await client.request('snapshot');
  if (r.ok) applySnapshot(r.snapshot);
}

$('btn-sign-in').addEventListener('click', async () => {
  const r = await act($('btn-sign-in'), 'login', { device: 'browser' });
  if (r.ok) applySnapshot(r.snapshot);
});
$('btn-sign-out').addEventListener('click', async () => {
  const r = await act($('btn-sign-out'), 'logout');
  if (r.ok) await refresh();
});
$('btn-ready').addEventListener('click', () => act($('btn-ready'), 'presence', { presence: 'ready' }));
$('btn-away').addEventListener('click', () => act($('btn-away'), 'presence', { presence: 'away' }));
$('btn-not-ready').addEventListener('click', () => {
  const reason = $('reason-select').value;
  if (reason) act($('btn-not-ready'), 'presence', { presence: { notReady: reason } });
});
$('btn-answer').addEventListener('click', () => {
  ringer.stop();
  if (ui.offer) act($('btn-answer'), 'answer', { contactId: ui.offer.contactId });
});
$('btn-reject').addEventListener('click', () => {
  ringer.stop();
  if (ui.offer) act($('btn-reject'), 'reject', { contactId: ui.offer.contactId });
});
$('btn-hangup').addEventListener('click', () => {
  const c = currentCall();
  if (c) act($('btn-hangup'), 'hangup', { callId: c.callId });
});
$('btn-hold').addEventListener('click', () => {
  const c = currentCall();
  if (c) act($('btn-hold'), 'hold', { callId: c.callId });
});
$('btn-retrieve').addEventListener('click', () => {
  const c = currentCall();
  if (c) act($('btn-retrieve'), 'retrieve', { callId: c.callId });
});
$('transfer-kind').addEventListener('change', renderTransferKind);
$('dtmf-pad').addEventListener('click', (event) => {
  const digit = event.target?.dataset?.digit;
  const c = currentCall();
  if (digit && c) softphone.sendDigits(c.callId, digit);
});
$('btn-transfer').addEventListener('click', () => {
  const c = currentCall();
  if (!c) return;
  const kind = $('transfer-kind').value;
  const value = kind === 'queue' ? $('transfer-queue').value : $('transfer-target').value.trim();
  if (!value) return;
  act($('btn-transfer'), 'transfer', { callId: c.callId, target: { [kind]: value } });
});
$('dial-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const number = $('dial-number').value.replace(/[\s-]/g, '');
  if (number) act($('btn-dial'), 'dial', { number });
});
$('btn-wrapup-done').addEventListener('click', async () => {
  const w = [...ui.wrapUps.values()].at(-1);
  if (!w) return;
  const disposition = $('disposition').value;
  if (!disposition) {
    toast(t('wrap.needDisposition'));
    return;
  }
  const r = await act($('btn-wrapup-done'), 'complete-wrap-up', { contactId: w.contactId, disposition, note: $('wrapup-note').value });
  if (r.ok) {
    ui.wrapUps.delete(w.contactId);
    if (ui.calls.size === 0 && !ui.offer) ui.pop = undefined;
    renderWrapUp();
    renderPop();
  }
});
let leaving = false;
$('logout').addEventListener('click', async () => {
  leaving = true;
  await client.request('logout');
  const me = await fetch('/api/me', { credentials: 'same-origin' }).then((r) => (r.ok ? r.json() : undefined), () => undefined);
  client.close();
  if (me) await fetch('/api/logout', { method: 'POST', credentials: 'same-origin', headers: { 'x-csrf-token': me.csrfToken } }).catch(() => {});
  location.replace('/login');
});

renderAll();
