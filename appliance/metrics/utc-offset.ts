/**
 * Where the site's "today" starts for the ACD's daily counters: the UTC offset, in minutes, of
 * the first working-hours calendar's time zone at `now` (the site's own clock, whatever the box's
 * system time zone is), else the box's local offset.
 */
export function siteUtcOffsetMinutes(calendars: Record<string, { timeZone?: string }> | undefined, now: number): number {
  const timeZone = Object.values(calendars ?? {}).find((c) => c.timeZone)?.timeZone;
  if (!timeZone) return -new Date(now).getTimezoneOffset();
  try {
    const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(new Date(now))
      .find((p) => p.type === 'timeZoneName')?.value;
    // "GMT+08:00", "GMT-03:30", or "GMT" for UTC itself
    const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name ?? '');
    if (!m) return -new Date(now).getTimezoneOffset();
    if (!m[1]) return 0;
    return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  } catch {
    return -new Date(now).getTimezoneOffset();
  }
}
