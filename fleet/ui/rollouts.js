import { applyI18n, bindLangSwitch, getLang, t } from './i18n.js';
import { formatTime, percent } from './format.js';

// Rollout campaigns: the list with per-phase progress, and one campaign's devices. Polled
// every two seconds (a campaign moves at the pace of reboots, not of telemetry).

const campaignRows = document.getElementById('campaign-rows');
const deviceRows = document.getElementById('device-rows');
const detail = document.getElementById('detail');
const actionError = document.getElementById('action-error');
let me;
let campaigns = [];
let selected = new URLSearchParams(location.search).get('campaign');
let current;

async function api(method, path, body, contentType = 'application/json') {
  const headers = method === 'GET' ? {} : { 'x-csrf-token': me?.csrfToken ?? '' };
  if (body !== undefined) headers['content-type'] = contentType;
  const res = await fetch(path, { method, credentials: 'same-origin', headers, ...(body !== undefined ? { body: contentType === 'application/json' ? JSON.stringify(body) : body } : {}) });
  if (res.status === 401) {
    location.replace('/login');
    throw new Error('unauthenticated');
  }
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(answer.message ?? String(res.status));
  return answer;
}

function td(text, className) {
  const el = document.createElement('td');
  if (className) el.className = className;
  el.textContent = text;
  return el;
}

function progress(value, max, label) {
  const wrap = document.createElement('span');
  wrap.className = 'ro-phase';
  const bar = document.createElement('progress');
  bar.max = Math.max(1, max);
  bar.value = value;
  const text = document.createElement('span');
  text.textContent = label;
  wrap.append(bar, text);
  return wrap;
}

function renderCampaigns() {
  document.getElementById('empty').hidden = campaigns.length > 0;
  campaignRows.replaceChildren(
    ...campaigns.map((c) => {
      const row = document.createElement('tr');
      row.className = c.id === selected ? 'selected' : '';
      row.tabIndex = 0;
      const phases = document.createElement('td');
      for (const p of c.phases) {
        phases.append(progress(p.committed, p.total, t('ro.phaseLabel', { n: p.phase + 1, pct: p.percent, done: p.committed, total: p.total, failed: p.failed })));
      }
      row.append(
        td(c.name),
        td(c.bundle.version),
        td(c.groups.join(', ')),
        td(t(`ro.status.${c.status}`), `ro-status ${c.status}`),
        phases,
        td(t('ro.totals', { done: c.counts.committed, total: c.counts.total, pct: percent(c.counts.committed, c.counts.total), failed: c.counts.failed })),
        td(`${formatTime(c.createdAt, getLang())} · ${c.createdBy}`),
      );
      const open = () => select(c.id);
      row.addEventListener('click', open);
      row.addEventListener('keydown', (e) => e.key === 'Enter' && open());
      return row;
    }),
  );
}

function renderDetail() {
  detail.hidden = !current;
  if (!current) return;
  document.getElementById('detail-title').textContent = `${current.name} · ${current.bundle.version} · ${t(`ro.status.${current.status}`)}`;
  document.getElementById('detail-reason').textContent = current.reason ?? '';
  const mayAct = me && me.user.role !== 'viewer';
  for (const b of detail.querySelectorAll('button[data-action]')) {
    const allowed = { pause: ['running'], resume: ['paused'], abort: ['running', 'paused', 'halted'] }[b.dataset.action];
    b.hidden = !mayAct || !allowed.includes(current.status);
  }
  const devices = Object.values(current.devices).sort((a, b) => a.phase - b.phase || a.site.localeCompare(b.site) || a.device.localeCompare(b.device));
  deviceRows.replaceChildren(
    ...devices.map((d) => {
      const row = document.createElement('tr');
      const p = d.progress;
      const progressCell = document.createElement('td');
      if (d.state === 'downloading' && p) progressCell.append(progress(p.received, p.total ?? p.received, `${percent(p.received, p.total ?? p.received)}%`));
      else if (d.state === 'draining') progressCell.textContent = t('ro.activeCalls', { n: d.activeCalls ?? 0 });
      const last = d.history.at(-1);
      row.append(
        td(d.site),
        td(d.device),
        td(String(d.phase + 1)),
        td(t(`ro.device.${d.state}`), `ro-state ${d.state}`),
        progressCell,
        td(d.installedVersion ?? ''),
        td(d.reason ?? last?.what ?? ''),
        td(formatTime(d.updatedAt, getLang())),
      );
      return row;
    }),
  );
}

async function loadBundles() {
  const { bundles } = await api('GET', '/api/rollout-bundles');
  const select = document.getElementById('f-bundle');
  const chosen = select.value;
  select.replaceChildren(...bundles.map((b) => Object.assign(document.createElement('option'), { value: b.sha256, textContent: `${b.version} · ${b.board} · ${b.sha256.slice(0, 12)}` })));
  if (chosen) select.value = chosen;
}

document.getElementById('upload-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = document.getElementById('upload-result');
  const file = document.getElementById('bundle-file').files[0];
  if (!file) return;
  out.textContent = t('ro.uploading');
  try {
    const b = await api('POST', '/api/rollout-bundles', file, 'application/octet-stream');
    out.textContent = t('ro.uploaded', { version: b.version, board: b.board });
    await loadBundles();
    document.getElementById('f-bundle').value = b.sha256;
  } catch (err) {
    out.textContent = t('ro.uploadRefused', { reason: err.message });
  }
});

document.getElementById('create-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const v = (id) => document.getElementById(id).value.trim();
  const out = document.getElementById('create-result');
  out.textContent = '';
  const body = {
    id: v('f-id'),
    name: v('f-name'),
    bundle: v('f-bundle'),
    groups: v('f-groups').split(/[,，\s]+/).filter(Boolean),
    phases: v('f-phases').split(/[,，\s]+/).filter(Boolean).map(Number),
    successThreshold: Number(v('f-success')) / 100,
    failureThreshold: Number(v('f-failure')) / 100,
    drainFirst: document.getElementById('f-drain').checked,
  };
  if (v('f-window-start') && v('f-window-end')) body.window = { start: v('f-window-start'), end: v('f-window-end'), utcOffsetMinutes: Math.round(Number(v('f-window-offset')) * 60) };
  try {
    const c = await api('POST', '/api/rollouts', body);
    await select(c.id);
  } catch (err) {
    out.textContent = err.message;
  }
});

async function select(id) {
  selected = id;
  history.replaceState(null, '', `?campaign=${encodeURIComponent(id)}`);
  await refresh();
}

async function refresh() {
  try {
    campaigns = (await api('GET', '/api/rollouts')).campaigns;
    current = selected && campaigns.some((c) => c.id === selected) ? await api('GET', `/api/rollouts/${encodeURIComponent(selected)}`) : undefined;
  } catch {
    // Shown as stale until the next poll succeeds.
  }
  renderCampaigns();
  renderDetail();
}

for (const b of detail.querySelectorAll('button[data-action]')) {
  b.addEventListener('click', async () => {
    if (b.dataset.action === 'abort' && !confirm(t('ro.confirmAbort'))) return;
    actionError.textContent = '';
    try {
      await api('POST', `/api/rollouts/${encodeURIComponent(current.id)}/${b.dataset.action}`);
    } catch (err) {
      actionError.textContent = err.message;
    }
    await refresh();
  });
}

bindLangSwitch(document.getElementById('lang-switch'));
window.addEventListener('langchange', () => {
  renderCampaigns();
  renderDetail();
});
applyI18n();
const res = await fetch('/api/me', { credentials: 'same-origin' });
if (res.status === 401) location.replace('/login');
else {
  me = await res.json();
  document.getElementById('current-user').textContent = t('header.user', { user: me.user.username, role: t(`role.${me.user.role}`) });
  if (me.user.role !== 'viewer') {
    document.getElementById('create').hidden = false;
    await loadBundles().catch(() => undefined);
  }
  await refresh();
  setInterval(refresh, 2000);
}
