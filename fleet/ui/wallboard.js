import { applyI18n, bindLangSwitch, getLang, t } from './i18n.js';
import './wallboard-strings.js';
import { AGENT_STATES, combine, duration, pct, slLevel } from './wallboard-figures.js';

// The big-screen wallboard (大屏): one tile per queue of the chosen site's appliances, fed by
// /api/metrics/live (a snapshot, then one `metrics` event per appliance sample, about every
// second). Built for a 1080p screen read from across the room: few words, large numbers,
// colour only where it means something (service level, long waits).

const HISTORY_MS = 15 * 60_000;
const STEP_MS = 10_000;
const STALE_MS = 5_000;
const SITE_KEY = 'wallboard.site';

/** site.device -> { view, seenAt }: the appliances of the chosen site (or all). */
const devices = new Map();
/** Every site with metrics, for the selector (the stream carries only the chosen one). */
const knownSites = new Set();
/** site.device.queue -> [{ at, waiting }] */
const trends = new Map();
let site = pickSite();

const tilesEl = document.getElementById('tiles');
const totalsEl = document.getElementById('totals');
const select = document.getElementById('site-select');
const liveStatus = document.getElementById('live-status');

function pickSite() {
  const fromUrl = new URL(location.href).searchParams.get('site');
  if (fromUrl !== null) return fromUrl;
  try {
    return localStorage.getItem(SITE_KEY) ?? '';
  } catch {
    return '';
  }
}

// --- data ---------------------------------------------------------------------------------

const keyOf = (v) => `${v.site}.${v.device}`;

function upsert(view) {
  const key = keyOf(view);
  if (view.removed) {
    devices.delete(key);
    return;
  }
  const first = !devices.has(key);
  devices.set(key, { view, seenAt: Date.now() });
  knownSites.add(view.site);
  for (const q of view.metrics.queues) addTrend(`${key}.${q.id}`, view.receivedAt, q.waiting);
  addTrend(`${key}.`, view.receivedAt, view.metrics.totals.waiting);
  if (first) void loadHistory(view);
}

function addTrend(key, at, waiting) {
  let points = trends.get(key);
  if (!points) trends.set(key, (points = []));
  const last = points.at(-1);
  if (last && Math.floor(last.at / STEP_MS) === Math.floor(at / STEP_MS)) points[points.length - 1] = { at, waiting };
  else if (!last || at > last.at) points.push({ at, waiting });
  while (points.length && points[0].at < at - HISTORY_MS) points.shift();
}

/** The fleet keeps 15 minutes per queue; a freshly opened wallboard starts with it. */
async function loadHistory(view) {
  const res = await fetch(`/api/metrics/${encodeURIComponent(view.site)}/${encodeURIComponent(view.device)}`, { credentials: 'same-origin' }).catch(() => undefined);
  if (!res?.ok) return;
  const body = await res.json();
  for (const [queue, points] of Object.entries(body.history ?? {})) {
    const key = `${keyOf(view)}.${queue}`;
    const live = trends.get(key) ?? [];
    const older = points.filter((p) => !live.length || p.at < live[0].at).map((p) => ({ at: p.at, waiting: p.waiting }));
    trends.set(key, [...older, ...live]);
  }
  render();
}

function selected() {
  return [...devices.values()].map((d) => d.view).filter((v) => site === '' || v.site === site).sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}

// --- rendering ----------------------------------------------------------------------------

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function metric(field, big) {
  const box = el('div', `metric ${big ? 'big' : 'small'}`);
  box.dataset.field = field;
  box.append(el('span', 'value', '—'), el('span', 'label'));
  return box;
}

function setMetric(root, field, value, label) {
  const box = root.querySelector(`[data-field="${field}"]`);
  box.querySelector('.value').textContent = value;
  box.querySelector('.label').textContent = label;
  return box;
}

function buildFigures(root) {
  const hero = el('div', 'hero');
  hero.append(metric('waiting', true), metric('longest', true), metric('sl', true));
  const row = el('div', 'row');
  row.append(metric('asa'), metric('aht'), metric('abandon'), metric('answered'));
  const agents = el('div', 'agents');
  const bar = el('div', 'agent-bar');
  const legend = el('div', 'agent-legend');
  for (const s of AGENT_STATES) {
    const seg = el('span', `seg ${s}`);
    seg.dataset.state = s;
    bar.append(seg);
    const item = el('span', `legend ${s}`);
    item.dataset.state = s;
    item.append(el('span', 'count', '0'), el('span', 'name'));
    legend.append(item);
  }
  const logged = el('div', 'logged-in');
  agents.append(logged, bar, legend);
  root.append(hero, row, agents);
}

function fillFigures(root, f) {
  setMetric(root, 'waiting', String(f.waiting), t('wb.waiting')).dataset.level = f.waiting > 0 ? 'active' : 'none';
  const longest = setMetric(root, 'longest', duration(f.longestWaitS), t('wb.longest'));
  longest.dataset.level = f.longestWaitS > f.serviceLevel.thresholdS ? 'bad' : 'none';
  setMetric(root, 'sl', pct(f.serviceLevel.pct), t('wb.slThreshold', { s: f.serviceLevel.thresholdS })).dataset.level = slLevel(f.serviceLevel.pct);
  setMetric(root, 'asa', duration(f.asaS), t('wb.asa'));
  setMetric(root, 'aht', duration(f.ahtS), t('wb.aht'));
  setMetric(root, 'abandon', pct(f.abandonPct), t('wb.abandon'));
  setMetric(root, 'answered', `${f.today.answered} / ${f.today.offered}`, t('wb.answered'));
  root.querySelector('.logged-in').textContent = t('wb.loggedIn', { n: f.agents.loggedIn });
  for (const s of AGENT_STATES) {
    const n = f.agents[s] ?? 0;
    root.querySelector(`.seg[data-state="${s}"]`).style.flexGrow = String(n);
    const item = root.querySelector(`.legend[data-state="${s}"]`);
    item.querySelector('.count').textContent = String(n);
    item.querySelector('.name').textContent = t(`wb.${s}`);
  }
}

const SVG = 'http://www.w3.org/2000/svg';

function drawTrend(svg, key, now) {
  const points = trends.get(key) ?? [];
  const w = 600;
  const h = 80;
  const max = Math.max(1, ...points.map((p) => p.waiting));
  const coords = points.map((p) => `${Math.max(0, ((p.at - (now - HISTORY_MS)) / HISTORY_MS) * w).toFixed(1)},${(h - 4 - (p.waiting / max) * (h - 8)).toFixed(1)}`);
  let line = svg.querySelector('polyline');
  let area = svg.querySelector('polygon');
  if (!line) {
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    svg.setAttribute('preserveAspectRatio', 'none');
    const base = document.createElementNS(SVG, 'line');
    for (const [k, v] of Object.entries({ x1: 0, y1: h - 4, x2: w, y2: h - 4, class: 'base' })) base.setAttribute(k, String(v));
    area = document.createElementNS(SVG, 'polygon');
    line = document.createElementNS(SVG, 'polyline');
    svg.append(base, area, line);
  }
  line.setAttribute('points', coords.join(' '));
  // The area under the line, closed along the baseline.
  const first = coords[0]?.split(',')[0];
  const last = coords.at(-1)?.split(',')[0];
  area.setAttribute('points', coords.length ? [`${first},${h - 4}`, ...coords, `${last},${h - 4}`].join(' ') : '');
  svg.dataset.points = String(points.length);
}

function tileFor(key) {
  let tile = tilesEl.querySelector(`.tile[data-key="${CSS.escape(key)}"]`);
  if (!tile) {
    tile = el('article', 'tile');
    tile.dataset.key = key;
    const head = el('header', 'tile-head');
    head.append(el('h2', 'q-name'), el('span', 'q-device'), el('span', 'stale-badge'));
    tile.append(head);
    buildFigures(tile);
    const trend = el('div', 'trend');
    trend.append(el('span', 'trend-label'), document.createElementNS(SVG, 'svg'));
    tile.append(trend);
  }
  return tile;
}

function render() {
  const now = Date.now();
  renderSites();
  const views = selected();
  document.getElementById('empty').hidden = views.length > 0;
  totalsEl.hidden = views.length === 0;
  if (views.length > 0) {
    if (!totalsEl.firstChild) {
      totalsEl.append(el('h2', 'totals-title'));
      buildFigures(totalsEl);
    }
    totalsEl.querySelector('.totals-title').textContent = t('wb.total');
    fillFigures(totalsEl, combine(views));
  }
  const multi = new Set(views.map((v) => v.device)).size > 1 || site === '';
  const wanted = [];
  for (const v of views) {
    const stale = now - (devices.get(keyOf(v))?.seenAt ?? 0) > STALE_MS;
    for (const q of v.metrics.queues) {
      const key = `${keyOf(v)}.${q.id}`;
      const tile = tileFor(key);
      tile.querySelector('.q-name').textContent = q.name || q.id;
      tile.querySelector('.q-device').textContent = multi ? (v.name ?? keyOf(v)) : '';
      tile.querySelector('.stale-badge').textContent = stale ? t('wb.stale') : '';
      tile.dataset.stale = String(stale);
      tile.dataset.sl = slLevel(q.serviceLevel.pct);
      fillFigures(tile, q);
      tile.querySelector('.trend-label').textContent = t('wb.trend');
      drawTrend(tile.querySelector('svg'), key, now);
      wanted.push(tile);
    }
  }
  // Keep the tiles in order and drop those no longer shown, without rebuilding the rest.
  wanted.forEach((tile, i) => {
    if (tilesEl.children[i] !== tile) tilesEl.insertBefore(tile, tilesEl.children[i] ?? null);
  });
  while (tilesEl.children.length > wanted.length) tilesEl.lastChild.remove();
}

function renderSites() {
  const sites = [...knownSites].sort();
  if (site !== '' && !sites.includes(site)) sites.push(site);
  const want = ['', ...sites];
  const have = [...select.options].map((o) => o.value);
  if (want.join('\n') !== have.join('\n')) {
    select.replaceChildren(...want.map((s) => new Option(s === '' ? t('wb.allSites') : s, s)));
  } else if (select.options[0]) select.options[0].textContent = t('wb.allSites');
  select.value = site;
}

select.addEventListener('change', () => {
  site = select.value;
  try {
    localStorage.setItem(SITE_KEY, site);
  } catch {
    // not remembered
  }
  const url = new URL(location.href);
  if (site) url.searchParams.set('site', site);
  else url.searchParams.delete('site');
  history.replaceState(null, '', url);
  tilesEl.replaceChildren();
  devices.clear();
  connect();
  render();
  void loadLineAlarms();
});

// --- line alarms (issue 8): a span down means no calls come in on it -----------------------

let lineAlarms = [];

async function loadLineAlarms() {
  const res = await fetch('/api/devices', { credentials: 'same-origin' }).catch(() => undefined);
  if (!res?.ok) return;
  lineAlarms = [];
  for (const d of (await res.json()).devices) {
    const hw = d.telemetry?.hardware;
    if (!hw || (site !== '' && d.site !== site) || d.status === 'offline') continue;
    for (const s of hw.spans) if (s.state === 'down') lineAlarms.push({ key: `${d.site}.${d.device}.span${s.id}`, device: d.name, text: `${s.type}-${s.id} ${s.alarms.map((a) => t(`hw.alarm.${a}`)).join(' ')}` });
    for (const p of hw.ports) if (p.alarms.length) lineAlarms.push({ key: `${d.site}.${d.device}.port${p.id}`, device: d.name, text: t('wb.portAlarm', { kind: p.kind.toUpperCase(), port: p.id }) });
  }
  renderLineAlarms();
}

function renderLineAlarms() {
  const box = document.getElementById('line-alarms');
  box.hidden = lineAlarms.length === 0;
  box.replaceChildren(el('span', 'title', `⚠ ${t('wb.lineAlarms')}`), ...lineAlarms.map((a) => {
    const item = el('span', 'line-alarm', `${a.device} · ${a.text}`);
    item.dataset.key = a.key;
    return item;
  }));
}

// --- live ---------------------------------------------------------------------------------

function toLogin() {
  location.replace('/login');
}

function setLive(state) {
  liveStatus.dataset.state = state;
  liveStatus.textContent = state === 'connected' ? t('live.connected') : state === 'reconnecting' ? t('live.reconnecting') : '';
}

let pending = false;
/** Samples arrive per appliance; one repaint per animation frame is plenty. */
function scheduleRender() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    render();
  });
}

let source;
/** The live stream of the chosen site only: a wall in one branch does not take every branch's samples. */
function connect() {
  source?.close();
  const es = new EventSource(site ? `/api/metrics/live?site=${encodeURIComponent(site)}` : '/api/metrics/live');
  source = es;
  es.addEventListener('snapshot', (e) => {
    devices.clear();
    for (const v of JSON.parse(e.data)) upsert(v);
    setLive('connected');
    scheduleRender();
  });
  es.addEventListener('metrics', (e) => {
    upsert(JSON.parse(e.data));
    scheduleRender();
  });
  es.addEventListener('logout', () => {
    es.close();
    toLogin();
  });
  es.addEventListener('error', async () => {
    setLive('reconnecting');
    const res = await fetch('/api/me', { credentials: 'same-origin' }).catch(() => undefined);
    if (res?.status === 401) {
      es.close();
      toLogin();
    }
  });
}

function tickClock() {
  document.getElementById('clock').textContent = new Intl.DateTimeFormat(getLang(), { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date());
}

bindLangSwitch(document.getElementById('lang-switch'));
window.addEventListener('langchange', () => {
  setLive(liveStatus.dataset.state);
  render();
  void loadLineAlarms();
});
applyI18n();
tickClock();
setInterval(() => {
  tickClock();
  render(); // ages staleness and the trend window even when no sample comes
}, 1000);

/**
 * Every site for the selector, and anything of the chosen site a dropped stream missed. A
 * wallboard runs all day: this periodic read also keeps its session in use (the absolute
 * session limit still applies).
 */
async function resync() {
  const res = await fetch('/api/metrics', { credentials: 'same-origin' }).catch(() => undefined);
  if (res?.status === 401) return toLogin();
  if (!res?.ok) return;
  for (const v of (await res.json()).devices) {
    knownSites.add(v.site);
    if ((site === '' || v.site === site) && !devices.has(keyOf(v))) upsert(v);
  }
  render();
}

const me = await fetch('/api/me', { credentials: 'same-origin' });
if (me.status === 401) toLogin();
else {
  connect();
  await resync();
  setInterval(resync, 60_000);
  await loadLineAlarms();
  setInterval(() => void loadLineAlarms(), 5000);
}
