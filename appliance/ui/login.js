import { applyI18n, bindLangSwitch, t } from './i18n.js';

const form = document.getElementById('login-form');
const error = document.getElementById('login-error');
const submit = document.getElementById('login-submit');

applyI18n();
bindLangSwitch(document.getElementById('lang-switch'));

// Where to go after login: the page that sent us here (same origin paths only).
const next = (() => {
  const n = new URLSearchParams(location.search).get('next');
  return n && /^\/[a-z]*$/.test(n) ? n : '/';
})();

fetch('/api/me', { credentials: 'same-origin' }).then((res) => {
  if (res.ok) location.replace(next);
});

function showError(text) {
  error.textContent = text;
  error.hidden = false;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.hidden = true;
  submit.disabled = true;
  submit.textContent = t('login.busy');
  try {
    const res = await fetch('/api/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: form.username.value.trim(), password: form.password.value }),
    });
    if (res.ok) {
      location.replace(next);
      return;
    }
    const body = await res.json().catch(() => ({}));
    if (res.status === 401) showError(t('login.invalid'));
    else if (res.status === 429) showError(t('login.locked', { s: Math.ceil((body.retryAfterMs ?? 30_000) / 1000) }));
    else showError(t('login.failed', { reason: body.message ?? res.status }));
  } catch (err) {
    showError(t('login.failed', { reason: err.message }));
  } finally {
    submit.disabled = false;
    submit.textContent = t('login.submit');
  }
});
