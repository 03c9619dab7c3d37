import { applyI18n, bindLangSwitch, getLang, t } from './i18n.js';
import { formatAgo, formatBytes, formatTime, formatUptime, percent } from './format.js';
import { renderHardware } from './device-hardware.js';

// The device table, fed by /api/live: a snapshot, then one `device` event per change.

const devices = new Map();
const rows = document.getElementById('device-rows');
const liveStatus = document.getElementById('live-status');
let me;

const keyOf = (d) => `${d.site}.${d.device}`;

function toLogin() {
  location.replace('/login');
}

async function loadMe() {
  const res = await fetch('/api/me', { credentials: 'same-origin' });
  if (res.status === 401) return toLogin();
  me = await res.json();
  renderUser();
}

function renderUser() {
  if (!me) return;
  document.getElementById('current-user').textContent = t('header.user', { user: me.user.username, role: t(`role.${me.user.role}`) });
}

function cell(row, name) {
  let td = row.querySelector(`td.${name}`);
  if (!td) {
    td = document.createElement('td');
    td.className = name;
    row.append(td);
  }
  return td;
}

function fillRow(row, d) {
  const now = Date.now();
  const lang = getLang();
  const tm = d.telemetry;
  row.dataset.status = d.status;
  cell(row, 'site').textContent = d.site;
  cell(row, 'device').textContent = d.device;
  const name = document.createElement('a');
  name.href = `/device?site=${encodeURIComponent(d.site)}&device=${encodeURIComponent(d.device)}`;
  name.textContent = d.name;
  cell(row, 'name').replaceChildren(name);

  const status = cell(row, 'status');
  status.replaceChildren();
  const badge = document.createElement('span');
  badge.className = `badge ${d.status}`;
  badge.textContent = t(`status.${d.status}`);
  status.append(badge);
  if (d.since !== undefined && d.status !== 'unknown') {
    const since = document.createElement('span');
    since.className = 'since';
    since.title = formatTime(d.since, lang);
    since.textContent = t('status.since', { time: formatUptime((now - d.since) / 1000, t) });
    status.append(since);
  }
  if (d.status === 'offline' && d.reason) {
    const reason = document.createElement('span');
    reason.className = 'reason';
    reason.textContent = t(`reason.${d.reason}`);
    status.append(reason);
  }

  cell(row, 'version').textContent = d.version ?? '—';
  cell(row, 'uptime').textContent = tm && d.status === 'online' ? formatUptime(tm.uptimeS, t) : '—';
  cell(row, 'cpu').textContent = tm ? t('cpu.value', { pct: Math.round(tm.cpu.usage * 100), cores: tm.cpu.cores }) : '—';
  cell(row, 'memory').textContent = tm
    ? t('memory.value', { pct: percent(tm.memory.totalBytes - tm.memory.availableBytes, tm.memory.totalBytes), total: formatBytes(tm.memory.totalBytes) })
    : '—';
  cell(row, 'disk').textContent = tm
    ? t('disk.value', { pct: percent(tm.disk.totalBytes - tm.disk.freeBytes, tm.disk.totalBytes), free: formatBytes(tm.disk.freeBytes) })
    : '—';
  renderHardware(cell(row, 'hardware'), tm?.hardware, t);
  const seen = cell(row, 'last-seen');
  seen.textContent = formatAgo(d.lastSeenAt, now, lang, t);
  seen.title = d.lastSeenAt ? formatTime(d.lastSeenAt, lang) : '';
}

function rowFor(key) {
  let row = rows.querySelector(`tr[data-key="${CSS.escape(key)}"]`);
  if (!row) {
    row = document.createElement('tr');
    row.dataset.key = key;
    // Keep rows sorted by site, then device.
    const after = [...rows.children].find((r) => r.dataset.key.localeCompare(key) > 0);
    rows.insertBefore(row, after ?? null);
  }
  return row;
}

function upsert(d) {
  const key = keyOf(d);
  if (d.removed) {
    devices.delete(key);
    rows.querySelector(`tr[data-key="${CSS.escape(key)}"]`)?.remove();
  } else {
    devices.set(key, d);
    fillRow(rowFor(key), d);
  }
}

function renderCounters() {
  let online = 0;
  for (const d of devices.values()) if (d.status === 'online') online++;
  document.getElementById('count-online').textContent = String(online);
  document.getElementById('count-offline').textContent = String(devices.size - online);
  document.getElementById('count-total').textContent = String(devices.size);
  document.getElementById('empty').hidden = devices.size > 0;
}

function renderAll() {
  for (const d of devices.values()) fillRow(rowFor(keyOf(d)), d);
  renderCounters();
  renderUser();
  setLive(liveStatus.dataset.state);
}

function setLive(state) {
  liveStatus.dataset.state = state;
  liveStatus.textContent = state === 'connected' ? t('live.connected') : state === 'reconnecting' ? t('live.reconnecting') : '';
}

function connect() {
  const source = new EventSource('/api/live');
  source.addEventListener('snapshot', (e) => {
    devices.clear();
    rows.replaceChildren();
    for (const d of JSON.parse(e.data)) upsert(d);
    renderCounters();
    setLive('connected');
  });
  source.addEventListener('device', (e) => {
    upsert(JSON.parse(e.data));
    renderCounters();
  });
  source.addEventListener('logout', () => {
    source.close();
    toLogin();
  });
  source.addEventListener('error', async () => {
    setLive('reconnecting');
    // EventSource retries by itself, but a 401 (session over) stops it: then log in again.
    const res = await fetch('/api/me', { credentials: 'same-origin' }).catch(() => undefined);
    if (res?.status === 401) {
      source.close();
      toLogin();
    }
  });
}

document.getElementById('logout').addEventListener('click', async () => {
  await fetch('/api/logout', { method: 'POST', credentials: 'same-origin', headers: { 'x-csrf-token': me?.csrfToken ?? '' } });
  toLogin();
});
bindLangSwitch(document.getElementById('lang-switch'));
window.addEventListener('langchange', renderAll);
// Relative times ("5 seconds ago") age without any message.
setInterval(() => {
  for (const d of devices.values()) fillRow(rowFor(keyOf(d)), d);
}, 5000);

applyI18n();
await loadMe();
if (me) connect();
