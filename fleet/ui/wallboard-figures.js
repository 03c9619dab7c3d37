// Pure helpers of the wallboard: how figures read on the wall, and how several appliances'
// totals combine. No DOM.

export const AGENT_STATES = ['ready', 'ringing', 'busy', 'wrapUp', 'notReady'];

export function duration(s) {
  if (s === null || s === undefined) return '—';
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
export const pct = (p) => (p === null || p === undefined ? '—' : `${Math.round(p)}%`);
export const slLevel = (p) => (p === null || p === undefined ? 'none' : p >= 80 ? 'good' : p >= 60 ? 'warn' : 'bad');

/**
 * Several appliances in one view: sums, and each average weighted by its own denominator
 * (answered for service level and ASA, handled for AHT), so the combination is exact.
 */
export function combine(views) {
  if (views.length === 1) return views[0].metrics.totals;
  const all = views.map((v) => v.metrics.totals);
  const sum = (f) => all.reduce((n, x) => n + f(x), 0);
  const weighted = (f, by = (x) => x.today.answered) => {
    const w = all.filter((x) => f(x) !== null && by(x) > 0);
    const total = w.reduce((n, x) => n + by(x), 0);
    return total > 0 ? w.reduce((n, x) => n + f(x) * by(x), 0) / total : null;
  };
  const answered = sum((x) => x.today.answered);
  const abandoned = sum((x) => x.today.abandoned);
  return {
    waiting: sum((x) => x.waiting),
    longestWaitS: Math.max(0, ...all.map((x) => x.longestWaitS)),
    agents: Object.fromEntries(['loggedIn', ...AGENT_STATES].map((k) => [k, sum((x) => x.agents[k])])),
    today: { offered: sum((x) => x.today.offered), answered, abandoned },
    serviceLevel: { pct: weighted((x) => x.serviceLevel.pct), thresholdS: all[0]?.serviceLevel.thresholdS ?? 20 },
    asaS: weighted((x) => x.asaS),
    ahtS: weighted((x) => x.ahtS, (x) => x.today.handled ?? x.today.answered),
    abandonPct: answered + abandoned > 0 ? (abandoned / (answered + abandoned)) * 100 : null,
  };
}
