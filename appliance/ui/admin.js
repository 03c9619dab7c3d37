// The branch admin's page: the appliance's users (agents, supervisors, admins) and offline
// system updates (bundle upload or USB import, slot status). Every change sends the session's
// CSRF token; the server checks the admin role on each route.
import { applyI18n, bindLangSwitch, formatTime, t } from './i18n.js';

const $ = (id) => document.getElementById(id);
applyI18n();
bindLangSwitch($('lang-switch'));
let csrf = '';
let me = '';

let toastTimer;
function toast(text) {
  $('toast').textContent = text;
  $('toast').hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => ($('toast').hidden = true), 6000);
}

async function call(method, path, body, headers = {}) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'x-csrf-token': csrf, ...(body !== undefined && !(body instanceof Blob) ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: body instanceof Blob ? body : JSON.stringify(body) } : {}),
  });
  if (res.status === 401) location.replace('/login?next=/admin');
  const data = res.status === 204 ? {} : await res.json().catch(() => ({}));
  return { ok: res.ok, status: res.status, data };
}

async function loadUsers() {
  const r = await call('GET', '/api/admin/users');
  if (!r.ok) return toast(t('error.generic', { message: r.data.message ?? r.status }));
  $('user-rows').replaceChildren(
    ...r.data.users.map((u) => {
      const tr = document.createElement('tr');
      tr.dataset.user = u.username;
      for (const text of [u.username, u.displayName ?? '', t(`role.${u.role}`), u.agentId ?? (u.role === 'agent' ? u.username : '')]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      const td = document.createElement('td');
      const pw = document.createElement('button');
      pw.type = 'button';
      pw.className = 'link-button';
      pw.textContent = t('admin.setPassword');
      pw.addEventListener('click', async () => {
        const password = prompt(t('admin.newPasswordFor', { user: u.username }));
        if (!password) return;
        const res = await call('PUT', `/api/admin/users/${encodeURIComponent(u.username)}/password`, { password });
        toast(res.ok ? t('admin.saved') : t('error.generic', { message: res.data.message ?? res.status }));
      });
      td.append(pw);
      if (u.username.toLowerCase() !== me.toLowerCase()) {
        const rm = document.createElement('button');
        rm.type = 'button';
        rm.className = 'link-button danger';
        rm.textContent = t('admin.remove');
        rm.addEventListener('click', async () => {
          if (!confirm(t('admin.confirmRemove', { user: u.username }))) return;
          const res = await call('DELETE', `/api/admin/users/${encodeURIComponent(u.username)}`);
          if (!res.ok) toast(t('error.generic', { message: res.data.message ?? res.status }));
          await loadUsers();
        });
        td.append(rm);
      }
      tr.append(td);
      return tr;
    }),
  );
}

function slotText(s) {
  return [t(`admin.slot.${s.state}`), s.version, s.updatedAt ? formatTime(s.updatedAt) : '', s.note].filter(Boolean).join(' · ');
}

async function loadUpdates() {
  const r = await call('GET', '/api/admin/updater/status');
  if (r.status === 404) {
    $('update-unavailable').hidden = false;
    for (const id of ['slot-facts', 'bundle-form', 'usb-form']) $(id).hidden = true;
    return;
  }
  if (!r.ok) return toast(t('error.generic', { message: r.data.message ?? r.status }));
  $('current-version').textContent = r.data.currentVersion ?? '';
  $('booted-slot').textContent = (r.data.booted ?? '').toUpperCase();
  $('slot-a').textContent = slotText(r.data.slots.a);
  $('slot-b').textContent = slotText(r.data.slots.b);
}

function showInstall(r) {
  $('update-result').textContent = r.ok && r.data.ok
    ? t('admin.installed', { version: r.data.version, slot: String(r.data.slot).toUpperCase() })
    : t('error.generic', { message: r.data.reason ?? r.data.message ?? r.status });
}

$('user-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = { username: $('new-username').value.trim(), role: $('new-role').value, password: $('new-password').value };
  if ($('new-name').value.trim()) body.displayName = $('new-name').value.trim();
  if ($('new-agent').value.trim()) body.agentId = $('new-agent').value.trim();
  const r = await call('POST', '/api/admin/users', body);
  if (!r.ok) return toast(t('error.generic', { message: r.data.message ?? r.status }));
  event.target.reset();
  toast(t('admin.saved'));
  await loadUsers();
});
$('bundle-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = $('bundle-file').files[0];
  if (!file) return;
  $('btn-upload').disabled = true;
  $('update-result').textContent = t('admin.installing');
  try {
    showInstall(await call('POST', '/api/admin/updater/bundle', file, { 'content-type': 'application/octet-stream' }));
  } finally {
    $('btn-upload').disabled = false;
    await loadUpdates();
  }
});
$('usb-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('update-result').textContent = t('admin.installing');
  showInstall(await call('POST', '/api/admin/updater/usb-import', { path: $('usb-path').value.trim() }));
  await loadUpdates();
});
window.addEventListener('langchange', () => void loadUsers());

const session = await fetch('/api/me', { credentials: 'same-origin' });
if (!session.ok) location.replace('/login?next=/admin');
else {
  const info = await session.json();
  csrf = info.csrfToken;
  me = info.user.username;
  await Promise.all([loadUsers(), loadUpdates()]);
}
