// The local wallboard (for sites without the fleet's): the appliance's metrics sample (the
// same payload it publishes to the fleet), pushed once a second over Server-Sent Events.
import { applyI18n, bindLangSwitch, clock, getLang, t } from './i18n.js';

const $ = (id) => document.getElementById(id);
applyI18n();
bindLangSwitch($('lang-switch'));
let last;

const pct = (x) => (x === null || x === undefined ? '—' : `${Math.round(x)}%`);
const secs = (x) => (x === null || x === undefined ? '—' : clock(x * 1000));
const AGENT_TILES = [
  ['ready', 'state.ready'],
  ['ringing', 'state.reserved'],
  ['busy', 'state.busy'],
  ['wrapUp', 'state.wrap-up'],
  ['notReady', 'state.not-ready'],
  ['loggedIn', 'wb.loggedIn'],
];

function metric(label, value, key, alert = false) {
  const div = document.createElement('div');
  div.className = `wb-metric${alert ? ' alert' : ''}`;
  div.dataset.metric = key;
  const l = document.createElement('div');
  l.className = 'label';
  l.textContent = label;
  const v = document.createElement('div');
  v.className = 'value';
  v.textContent = value;
  div.append(l, v);
  return div;
}

/** Renders the metrics payload (protocol/metrics.ts LiveMetrics): totals' agents, one card per queue. */
function render(snap) {
  last = snap;
  const agents = snap.totals?.agents ?? {};
  $('wb-agents').replaceChildren(
    ...AGENT_TILES.map(([key, label]) => {
      const div = document.createElement('div');
      div.className = 'wb-agent';
      div.dataset.agents = key;
      const n = document.createElement('div');
      n.className = 'n';
      n.textContent = String(agents[key] ?? 0);
      const l = document.createElement('div');
      l.textContent = t(label);
      div.append(n, l);
      return div;
    }),
  );
  const queues = [...(snap.queues ?? [])].sort((a, b) => a.id.localeCompare(b.id));
  if (queues.length === 0) {
    const p = document.createElement('p');
    p.textContent = t('wb.empty');
    $('wb-queues').replaceChildren(p);
  } else {
    $('wb-queues').replaceChildren(
      ...queues.map((q) => {
        const card = document.createElement('section');
        card.className = 'wb-queue';
        card.dataset.queue = q.id;
        const h = document.createElement('h2');
        h.textContent = q.name || q.id;
        const grid = document.createElement('div');
        grid.className = 'wb-grid';
        grid.append(
          metric(t('wb.waiting'), String(q.waiting), 'waiting', q.waiting > 0),
          metric(t('wb.longest'), secs(q.longestWaitS), 'longest', q.longestWaitS > 60),
          metric(t('wb.answered'), String(q.today.answered), 'answered'),
          metric(t('wb.abandoned'), String(q.today.abandoned), 'abandoned', q.today.abandoned > 0),
          metric(t('wb.sl'), pct(q.serviceLevel.pct), 'sl'),
          metric(t('wb.asa'), secs(q.asaS), 'asa'),
          metric(t('wb.aht'), secs(q.ahtS), 'aht'),
          metric(t('wb.abandonRate'), pct(q.abandonPct), 'abandonRate'),
        );
        card.append(h, grid);
        return card;
      }),
    );
  }
  $('wb-updated').textContent = snap.ts ? t('wb.updated', { time: new Date(snap.ts).toLocaleTimeString(getLang() === 'en' ? 'en-GB' : 'zh-CN') }) : '';
}

function connect() {
  const source = new EventSource('/api/wallboard/live');
  source.addEventListener('open', () => {
    $('conn').dataset.online = 'true';
    $('conn').textContent = t('conn.online');
  });
  source.addEventListener('snapshot', (e) => render(JSON.parse(e.data)));
  source.addEventListener('logout', () => {
    source.close();
    location.replace('/login?next=/wallboard');
  });
  source.addEventListener('error', () => {
    $('conn').dataset.online = 'false';
    $('conn').textContent = t('conn.offline');
  });
}
window.addEventListener('langchange', () => last && render(last));
connect();
