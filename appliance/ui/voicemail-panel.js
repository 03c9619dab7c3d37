// The voicemail list on the desk page: messages newest first with an <audio> player each
// (GET /api/voicemail/:id/audio), mark heard/unheard, unheard counts per box. Supervisors and
// admins see every box; an agent sees the panel once a box it was given holds a message.
import { clock, formatTime, t } from './i18n.js';

const $ = (id) => document.getElementById(id);
let csrf = '';

let everyBox = false;

async function load() {
  const unheard = $('vm-unheard').checked ? '?unheard=true' : '';
  const res = await fetch(`/api/voicemail${unheard}`, { credentials: 'same-origin' });
  if (!res.ok) return;
  const { messages, boxes } = await res.json();
  if (everyBox || boxes.length > 0) $('voicemail-panel').hidden = false;
  $('vm-counts').textContent = boxes.map((b) => t('vm.unheardCount', b)).join(' · ');
  const body = $('vm-messages');
  body.replaceChildren(...messages.map(row));
  $('vm-empty').hidden = messages.length > 0;
}

function row(m) {
  const tr = document.createElement('tr');
  tr.dataset.heard = String(m.heardAt !== undefined);
  for (const text of [formatTime(m.receivedAt), m.box, m.caller, clock(m.durationMs)]) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }
  const audio = document.createElement('audio');
  audio.controls = true;
  audio.preload = 'none';
  audio.src = `/api/voicemail/${encodeURIComponent(m.id)}/audio`;
  // listening to the end marks the message heard
  audio.addEventListener('ended', () => { if (m.heardAt === undefined) void mark(m.id, true); });
  const play = document.createElement('td');
  play.append(audio);
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link-button';
  button.textContent = t(m.heardAt === undefined ? 'vm.markHeard' : 'vm.markUnheard');
  button.addEventListener('click', () => void mark(m.id, m.heardAt === undefined));
  const action = document.createElement('td');
  action.append(button);
  tr.append(play, action);
  return tr;
}

async function mark(id, heard) {
  await fetch(`/api/voicemail/${encodeURIComponent(id)}/heard`, {
    method: 'PUT', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ heard }),
  });
  await load();
}

async function start() {
  const me = await fetch('/api/me', { credentials: 'same-origin' }).then((r) => (r.ok ? r.json() : undefined), () => undefined);
  if (!me) return;
  csrf = me.csrfToken;
  everyBox = me.user.role === 'supervisor' || me.user.role === 'admin';
  $('vm-refresh').addEventListener('click', () => void load());
  $('vm-unheard').addEventListener('change', () => void load());
  window.addEventListener('langchange', () => void load());
  await load();
  setInterval(() => void load(), 30_000);
}

void start();
