// Local time in an IANA time zone through Intl (no tz library, the zone data is the ICU data
// Node ships), and working-hours calendars evaluated on it. Pure: `now` is passed in.
import type { Calendar, Weekday } from './flow-schema.ts';

export interface LocalTime {
  /** YYYY-MM-DD in the zone. */
  date: string;
  weekday: Weekday;
  /** Minutes since local midnight, 0-1439. */
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z0-9_+\-/]{1,64}$/.test(timeZone)) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

const WEEKDAY_OF: Record<string, Weekday> = { Sun: 'sun', Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat' };

/** The wall-clock date, weekday and minute at `now` (ms since epoch) in `timeZone`. */
export function localTime(now: number, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(now))) parts[p.type] = p.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: WEEKDAY_OF[parts.weekday ?? ''] ?? 'sun',
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** `HH:MM` → minutes since midnight; `24:00` is allowed as the end of the day. */
export function parseClock(text: string): number | undefined {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  if (!m) return undefined;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes <= 24 * 60 ? minutes : undefined;
}

/** `HH:MM-HH:MM` → [start, end) in minutes, start before end (no range crosses midnight). */
export function parseRange(text: string): [number, number] | undefined {
  const [a, b, ...rest] = text.split('-');
  if (a === undefined || b === undefined || rest.length) return undefined;
  const from = parseClock(a);
  const to = parseClock(b);
  return from !== undefined && to !== undefined && from < to && from < 24 * 60 ? [from, to] : undefined;
}

function inRanges(ranges: readonly string[], minutes: number): boolean {
  return ranges.some((r) => {
    const range = parseRange(r);
    return range !== undefined && minutes >= range[0] && minutes < range[1];
  });
}

export type CalendarDayKind = 'special-workday' | 'holiday' | 'weekly';

/** Which rule decides the day, and whether the calendar is open at that minute. */
export function calendarStatus(calendar: Calendar, now: number, flowTimeZone: string): { open: boolean; day: CalendarDayKind; local: LocalTime } {
  const local = localTime(now, calendar.timeZone ?? flowTimeZone);
  const special = calendar.specialWorkdays.find((d) => d.date === local.date);
  if (special) return { open: inRanges(special.hours, local.minutes), day: 'special-workday', local };
  // ISO dates compare correctly as strings.
  const holiday = calendar.holidays.some((h) => local.date >= h.from && local.date <= (h.to ?? h.from));
  if (holiday) return { open: false, day: 'holiday', local };
  return { open: inRanges(calendar.weekly[local.weekday] ?? [], local.minutes), day: 'weekly', local };
}

export function isOpen(calendar: Calendar, now: number, flowTimeZone: string): boolean {
  return calendarStatus(calendar, now, flowTimeZone).open;
}

/**
 * A time-of-day window in the flow's zone. `from` after `to` wraps over midnight
 * (22:00-06:00); `days` is the weekday of the instant itself.
 */
export function inTimeWindow(now: number, timeZone: string, from: string, to: string, days?: readonly Weekday[]): boolean {
  const local = localTime(now, timeZone);
  if (days && !days.includes(local.weekday)) return false;
  const a = parseClock(from) ?? 0;
  const b = parseClock(to) ?? 0;
  return a <= b ? local.minutes >= a && local.minutes < b : local.minutes >= a || local.minutes < b;
}
