/**
 * Weekly calendars in a time zone ("Fridays 20:00 Europe/Berlin"): their occurrences in UTC, and the Temporal
 * calendar specs that fire a fixed lead before each. Client-side only (Intl does the time-zone arithmetic).
 */
import type { CalendarSpec, DayOfWeek } from '@temporalio/client';

export const WEEKDAYS: readonly DayOfWeek[] = [
  'SUNDAY',
  'MONDAY',
  'TUESDAY',
  'WEDNESDAY',
  'THURSDAY',
  'FRIDAY',
  'SATURDAY',
];

export interface WeeklyCalendar {
  /** Days the broadcast runs; empty: every day. */
  days: DayOfWeek[];
  /** Local start times, `HH:MM` (24-hour). */
  times: string[];
  /** IANA time zone, e.g. `Europe/Berlin`. */
  timeZone: string;
}

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** `MON`, `fri`, `Friday` → `FRIDAY`; undefined if it names no day. */
export function parseWeekday(text: string): DayOfWeek | undefined {
  const upper = text.trim().toUpperCase();
  if (upper.length < 3) return undefined;
  return WEEKDAYS.find((day) => day.startsWith(upper));
}

/** Minutes after local midnight of `HH:MM`; undefined if malformed. */
export function minutesOfDay(time: string): number | undefined {
  const match = TIME_OF_DAY.exec(time);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name.length > 0;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at `utcMs`, in ms (positive east of Greenwich). */
function offsetMs(timeZone: string, utcMs: number): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const part = (type: string) => Number(format.formatToParts(utcMs).find((p) => p.type === type)?.value);
  const local = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return local - Math.floor(utcMs / 1000) * 1000;
}

/** The UTC instant of a local wall-clock time (`localMs`: that wall time read as if it were UTC). */
function zonedToUtc(localMs: number, timeZone: string): number {
  // Two passes: the offset at the first guess may differ from the offset at the answer near a DST change.
  const first = localMs - offsetMs(timeZone, localMs);
  return localMs - offsetMs(timeZone, first);
}

const DAY_MS = 86_400_000;

/** Occurrence starts (UTC ms) in [fromMs, toMs), in order. */
export function occurrencesBetween(calendar: WeeklyCalendar, fromMs: number, toMs: number): number[] {
  const minutes = calendar.times.map(minutesOfDay).filter((m): m is number => m !== undefined);
  const found: number[] = [];
  // Local days from the day before `from` to the day after `to`: an offset never exceeds a day.
  for (let day = Math.floor(fromMs / DAY_MS) - 1; day <= Math.floor(toMs / DAY_MS) + 1; day++) {
    const weekday = WEEKDAYS[new Date(day * DAY_MS).getUTCDay()]!;
    if (calendar.days.length > 0 && !calendar.days.includes(weekday)) continue;
    for (const minute of minutes) {
      const utc = zonedToUtc(day * DAY_MS + minute * 60_000, calendar.timeZone);
      if (utc >= fromMs && utc < toMs) found.push(utc);
    }
  }
  return [...new Set(found)].sort((a, b) => a - b);
}

/** The first `count` occurrence starts at or after `fromMs` (fewer if none within two years). */
export function nextOccurrences(calendar: WeeklyCalendar, fromMs: number, count: number): number[] {
  const found: number[] = [];
  for (let weeks = 0; found.length < count && weeks < 104; weeks += 4) {
    found.push(...occurrencesBetween(calendar, fromMs + weeks * 7 * DAY_MS, fromMs + (weeks + 4) * 7 * DAY_MS));
  }
  return found.slice(0, count);
}

/**
 * Temporal calendar specs firing `leadSeconds` (whole minutes) before each local start time: the same wall-clock
 * shift every day, so a show at 20:00 fires at 19:54 in summer and in winter. A shift past midnight moves the day.
 */
export function firingCalendars(calendar: WeeklyCalendar, leadSeconds: number): CalendarSpec[] {
  const leadMinutes = Math.ceil(leadSeconds / 60);
  const week = 7 * 1440;
  const byTime = new Map<number, Set<DayOfWeek>>();
  const everyDay = calendar.days.length === 0;
  for (const time of calendar.times) {
    const minute = minutesOfDay(time);
    if (minute === undefined) continue;
    for (const day of everyDay ? ['SUNDAY' as const] : calendar.days) {
      const fire = (((WEEKDAYS.indexOf(day) * 1440 + minute - leadMinutes) % week) + week) % week;
      const days = byTime.get(fire % 1440) ?? new Set<DayOfWeek>();
      days.add(WEEKDAYS[Math.floor(fire / 1440)]!);
      byTime.set(fire % 1440, days);
    }
  }
  return [...byTime.entries()]
    .sort(([a], [b]) => a - b)
    .map(([minute, days]) => ({
      hour: Math.floor(minute / 60),
      minute: minute % 60,
      dayOfWeek: everyDay ? '*' : WEEKDAYS.filter((d) => days.has(d)),
    }));
}

/** `2h`, `90m`, `1h30m`, `45s` or a plain number of seconds → seconds; undefined if malformed or zero. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) || undefined;
  const match = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(trimmed);
  if (!match || trimmed === '') return undefined;
  const [, d = '0', h = '0', m = '0', s = '0'] = match;
  return Number(d) * 86_400 + Number(h) * 3_600 + Number(m) * 60 + Number(s) || undefined;
}

/** 5400 → `1h30m`. */
export function formatDuration(seconds: number): string {
  const parts: string[] = [];
  const units: [number, string][] = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'm'],
    [1, 's'],
  ];
  let rest = seconds;
  for (const [size, unit] of units) {
    if (rest >= size) parts.push(`${Math.floor(rest / size)}${unit}`);
    rest %= size;
  }
  return parts.join('') || '0s';
}
