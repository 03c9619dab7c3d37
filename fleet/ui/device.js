import { applyI18n, bindLangSwitch, getLang, t } from './i18n.js';
import { formatTime, formatUptime } from './format.js';

// One device's page: its E1/T1 spans and analog ports from the telemetry (live over /api/live)
// and the recent line alarms from its stored events (raised and cleared, with how long).

const params = new URL(location.href).searchParams;
const ref = { site: params.get('site') ?? '', device: params.get('device') ?? '' };
const base = `/api/devices/${encodeURIComponent(ref.site)}/${encodeURIComponent(ref.device)}`;
const liveStatus = document.getElementById('live-status');
let view;
let alarmKey = '';
let events = [];

function toLogin() {
  location.replace('/login');
}

function td(text, className) {
  const cell = document.createElement('td');
  if (className) cell.className = className;
  cell.textContent = text;
  return cell;
}

function stateBadge(up) {
  const b = document.createElement('span');
  b.className = `hw ${up ? 'up' : 'down'}`;
  b.textContent = t(up ? 'hw.up' : 'hw.down');
  return b;
}

const alarmNames = (alarms) => (alarms.length ? alarms.map((a) => t(`hw.alarm.${a}`)).join(' ') : '—');

function renderHeader() {
  document.getElementById('device-name').textContent = view?.name ?? ref.device;
  document.getElementById('device-ref').textContent = `${ref.site} / ${ref.device}`;
  const status = document.getElementById('device-status');
  status.replaceChildren();
  if (!view) return;
  const b = document.createElement('span');
  b.className = `badge ${view.status}`;
  b.textContent = t(`status.${view.status}`);
  status.append(b);
}

function renderHardware() {
  const hw = view?.telemetry?.hardware;
  const spans = hw?.spans ?? [];
  const ports = hw?.ports ?? [];
  document.getElementById('spans').hidden = spans.length === 0;
  document.getElementById('ports').hidden = ports.length === 0;
  for (const h of document.querySelectorAll('#hardware h2')) h.hidden = true;
  if (spans.length) document.querySelector('#hardware h2[data-i18n="dev.spans"]').hidden = false;
  if (ports.length) document.querySelector('#hardware h2[data-i18n="dev.ports"]').hidden = false;
  document.getElementById('no-hardware').hidden = spans.length + ports.length > 0;

  document.getElementById('span-rows').replaceChildren(
    ...spans.map((s) => {
      const row = document.createElement('tr');
      row.dataset.span = String(s.id);
      row.dataset.state = s.state;
      const state = td('', 'state');
      state.append(stateBadge(s.state === 'up'));
      row.append(td(`${s.type}-${s.id}`), td(s.label ?? ''), state, td(alarmNames(s.alarms), 'alarms'), td(`${s.counters.inUse} / ${s.counters.bearer}`), td(s.syncSource ? '✓' : ''));
      return row;
    }),
  );
  document.getElementById('port-rows').replaceChildren(
    ...ports.map((p) => {
      const row = document.createElement('tr');
      row.dataset.port = String(p.id);
      row.append(td(String(p.id)), td(p.kind.toUpperCase()), td(p.label ?? ''), td(t(`dev.hook.${p.hook}`), 'hook'), td(alarmNames(p.alarms), 'alarms'));
      if (p.alarms.length) row.dataset.state = 'down';
      return row;
    }),
  );
}

// The appliance's trunk details are fixed English phrases; the known ones are translated.
const TRUNK_DETAILS = {
  ok: 'ok',
  'not probed': 'notProbed',
  starting: 'starting',
  registered: 'registered',
  'reachable, not registered': 'notRegistered',
  '503 to OPTIONS': 'refused',
  'no answer to OPTIONS': 'noAnswer',
  'no answer to REGISTER': 'noAnswerRegister',
  'transport error': 'transportError',
};
const trunkDetail = (detail) => (detail && TRUNK_DETAILS[detail] ? t(`dev.trunkDetail.${TRUNK_DETAILS[detail]}`) : detail ?? '');

// SIP trunks as the appliance's OPTIONS keepalive and registrations judge them.
function renderTrunks() {
  const trunks = view?.telemetry?.trunks ?? [];
  document.getElementById('trunks-section').hidden = trunks.length === 0;
  document.getElementById('trunk-rows').replaceChildren(
    ...trunks.map((tr) => {
      const row = document.createElement('tr');
      row.dataset.trunk = tr.id;
      row.dataset.state = tr.up ? 'up' : 'down';
      const state = td('', 'state');
      state.append(stateBadge(tr.up));
      row.append(td(tr.id), state, td(formatTime(tr.since, getLang())), td(trunkDetail(tr.detail), 'detail'));
      return row;
    }),
  );
}

function renderAlarms() {
  const lang = getLang();
  document.getElementById('no-alarms').hidden = events.length > 0;
  document.getElementById('alarm-log').hidden = events.length === 0;
  document.getElementById('alarm-rows').replaceChildren(
    ...events.map((e) => {
      const row = document.createElement('tr');
      const cleared = e.type.endsWith('.cleared');
      row.dataset.type = e.type;
      const line = e.type.startsWith('hardware.span.') ? t('dev.spanN', { n: e.data.span }) : t('dev.portN', { n: e.data.port });
      const what = td('', 'event');
      const b = document.createElement('span');
      b.className = `hw ${cleared ? 'up' : 'down'}`;
      b.textContent = t(cleared ? 'dev.cleared' : `dev.raised.${e.severity}`);
      what.append(b);
      const duration = cleared && typeof e.data.durationMs === 'number' ? formatUptime(e.data.durationMs / 1000, t) : '';
      row.append(td(formatTime(typeof e.data.at === 'number' ? e.data.at : e.ts, lang), 'time'), td(line), td(t(`hw.alarm.${e.data.alarm}`), 'alarm'), what, td(duration));
      return row;
    }),
  );
}

async function loadAlarms() {
  const res = await fetch(`${base}/events?limit=200`, { credentials: 'same-origin' }).catch(() => undefined);
  if (!res?.ok) return;
  events = (await res.json()).events.filter((e) => e.type.startsWith('hardware.') && e.type.includes('.alarm.'));
  renderAlarms();
}

function apply(next) {
  view = next;
  renderHeader();
  renderTrunks();
  renderHardware();
  // New or cleared alarms in the telemetry: their events are stored by now or very soon.
  const hw = next?.telemetry?.hardware;
  const key = JSON.stringify([...(hw?.spans ?? []), ...(hw?.ports ?? [])].map((x) => x.alarms));
  if (key !== alarmKey) {
    alarmKey = key;
    void loadAlarms();
    setTimeout(() => void loadAlarms(), 1500);
  }
}

function setLive(state) {
  liveStatus.dataset.state = state;
  liveStatus.textContent = state === 'connected' ? t('live.connected') : state === 'reconnecting' ? t('live.reconnecting') : '';
}

function connect() {
  const source = new EventSource('/api/live');
  const mine = (d) => d.site === ref.site && d.device === ref.device;
  source.addEventListener('snapshot', (e) => {
    const d = JSON.parse(e.data).find(mine);
    if (d) apply(d);
    setLive('connected');
  });
  source.addEventListener('device', (e) => {
    const d = JSON.parse(e.data);
    if (mine(d) && !d.removed) apply(d);
  });
  source.addEventListener('logout', () => {
    source.close();
    toLogin();
  });
  source.addEventListener('error', async () => {
    setLive('reconnecting');
    const res = await fetch('/api/me', { credentials: 'same-origin' }).catch(() => undefined);
    if (res?.status === 401) {
      source.close();
      toLogin();
    }
  });
}

bindLangSwitch(document.getElementById('lang-switch'));
window.addEventListener('langchange', () => {
  renderHeader();
  renderTrunks();
  renderHardware();
  renderAlarms();
  setLive(liveStatus.dataset.state);
});
applyI18n();

const res = await fetch(base, { credentials: 'same-origin' });
if (res.status === 401) toLogin();
else if (!res.ok) {
  document.getElementById('not-found').hidden = false;
  document.getElementById('hardware').hidden = true;
} else {
  apply(await res.json());
  connect();
  setInterval(() => void loadAlarms(), 15_000);
}
