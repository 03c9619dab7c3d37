// Turns device values into short localised text. Pure: no DOM, the language passed in
// through `t` and `lang`, the current time through `now`.

export function formatBytes(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export function formatUptime(seconds, t) {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return t('uptime.days', { d, h });
  if (h > 0) return t('uptime.hours', { h, m });
  if (m > 0) return t('uptime.minutes', { m });
  return t('uptime.seconds', { s: Math.max(0, Math.floor(seconds)) });
}

/** "5 minutes ago" in the page's language; Intl supplies the wording. */
export function formatAgo(at, now, lang, t) {
  if (at === undefined || at === null) return t('time.never');
  const s = Math.round((at - now) / 1000);
  if (s > -5) return t('time.justNow');
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  if (s > -60) return rtf.format(s, 'second');
  if (s > -3600) return rtf.format(Math.round(s / 60), 'minute');
  if (s > -86400) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}

export function formatTime(at, lang) {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'medium' }).format(new Date(at));
}

export const percent = (part, whole) => (whole > 0 ? Math.round((part / whole) * 100) : 0);
