/**
 * A recurring broadcast as the user declares it (CLI flags or a campaign file's `schedules:` section), checked at
 * creation: every problem at once, each naming its field and rule, in the style of validateBroadcastRequest.
 */
import type { DayOfWeek } from '@temporalio/client';

import { validateBroadcastRequest } from '../broadcast/validation';
import type { BroadcastRequest } from '../shared/broadcast';
import { API_TIME_FORMAT, isoSeconds } from '../shared/time';
import { formatViolation, type FieldViolation } from '../shared/violations';

import {
  formatDuration,
  isTimeZone,
  minutesOfDay,
  nextOccurrences,
  occurrencesBetween,
  parseDuration,
  parseWeekday,
  type WeeklyCalendar,
} from './calendar';
import { fireLeadSecondsFor, requestForOccurrence, type OccurrenceTemplate } from './occurrence';

/** What a missed firing does when the worker or server was down at its time (README, "Recurring broadcasts"). */
export type CatchUpPolicy = 'skip' | 'backfill';
export const CATCH_UP_POLICIES: readonly CatchUpPolicy[] = ['skip', 'backfill'];

/** Unvalidated: whatever the flags or the file hold. */
export interface ScheduleDeclaration {
  scheduleId: unknown;
  /** Weekday names (`FRI`, `friday`), a comma-separated string of them, or `daily`. */
  days: unknown;
  /** `HH:MM` local start times (one or a list). */
  times: unknown;
  timeZone: unknown;
  /** `2h`, `90m`, `1h30m` or seconds. */
  duration: unknown;
  /** No occurrence starts before this ISO time (a season that begins later). */
  from?: unknown;
  /** No occurrence starts at or after this ISO time. */
  until?: unknown;
  catchUp?: unknown;
  /** The broadcast request without StartTime/EndTime. */
  template: unknown;
}

export interface ScheduleDefinition {
  scheduleId: string;
  calendar: WeeklyCalendar;
  durationSeconds: number;
  from?: string;
  until?: string;
  catchUp: CatchUpPolicy;
  fireLeadSeconds: number;
  /** Normalized (defaults filled in), without a window. */
  template: OccurrenceTemplate;
}

export interface ScheduleValidation {
  /** Every problem, as its field and rule. */
  fieldViolations: FieldViolation[];
  /** The same problems as `field: rule` lines. */
  violations: string[];
  definition?: ScheduleDefinition;
}

/** Schedule IDs: a business key (campaign files make `<campaign>/<key>`); occurrence IDs append `/<ISO time>`. */
const SCHEDULE_ID_RULE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,149}$/;
/** Overlaps are looked for over this horizon: a year covers every weekday and both daylight-saving changes. */
const OVERLAP_HORIZON_MS = 366 * 86_400_000;

function listOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value as unknown[];
  if (typeof value === 'string') return value.split(',').map((s) => s.trim());
  return value === undefined || value === null ? [] : [value];
}

function parseDays(value: unknown, violations: FieldViolation[]): DayOfWeek[] {
  const items = listOf(value);
  if (items.length === 1 && String(items[0]).toLowerCase() === 'daily') return [];
  if (items.length === 0) {
    violations.push({ field: 'days', rule: 'required: weekday names (MON, FRI, …) or "daily"' });
    return [];
  }
  const days: DayOfWeek[] = [];
  for (const item of items) {
    const day = parseWeekday(String(item));
    if (day) days.push(day);
    else violations.push({ field: 'days', rule: `"${String(item)}" is not a weekday (MON … SUN, or "daily" alone)` });
  }
  return [...new Set(days)];
}

function windowTimes(value: unknown, violations: FieldViolation[]): string[] {
  const items = listOf(value).map((t) => (typeof t === 'number' ? String(t) : t));
  if (items.length === 0) violations.push({ field: 'at', rule: 'required: one or more local start times, HH:MM' });
  const times: string[] = [];
  for (const item of items) {
    if (typeof item === 'string' && minutesOfDay(item) !== undefined) times.push(item);
    else violations.push({ field: 'at', rule: `"${String(item)}" must be a 24-hour local time HH:MM (e.g. 20:00)` });
  }
  return [...new Set(times)];
}

/** Two starts closer than the duration would put two relays on one destination at once. */
function overlapViolation(
  calendar: WeeklyCalendar,
  durationSeconds: number,
  fromMs: number,
  untilMs: number
): FieldViolation | undefined {
  const starts = occurrencesBetween(calendar, fromMs, Math.min(untilMs, fromMs + OVERLAP_HORIZON_MS));
  let shortest: [number, number] | undefined;
  for (let i = 1; i < starts.length; i++) {
    const pair: [number, number] = [starts[i - 1]!, starts[i]!];
    if (!shortest || pair[1] - pair[0] < shortest[1] - shortest[0]) shortest = pair;
  }
  if (!shortest || durationSeconds * 1000 < shortest[1] - shortest[0]) return undefined;
  const gap = formatDuration((shortest[1] - shortest[0]) / 1000);
  return {
    field: 'duration',
    rule:
      `${formatDuration(durationSeconds)} must be shorter than the shortest gap between two occurrences ` +
      `(${gap}, ${isoSeconds(shortest[0])} → ${isoSeconds(shortest[1])}): occurrences would overlap on one destination`,
  };
}

function optionalTime(field: string, value: unknown, violations: FieldViolation[]): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) violations.push({ field, rule: `must be an ISO time (${API_TIME_FORMAT})` });
  return Number.isNaN(ms) ? undefined : ms;
}

function templateTimeViolations(template: Record<string, unknown>): FieldViolation[] {
  const spec = (template.relay ?? template.legacy) as Record<string, unknown> | undefined;
  const prefix = template.relay ? 'relay' : 'legacy';
  return ['StartTime', 'EndTime']
    .filter((field) => spec && typeof spec === 'object' && spec[field] !== undefined)
    .map((field) => ({
      field: `${prefix}.${field}`,
      rule: 'set by the schedule for each occurrence; not accepted in a schedule',
    }));
}

export interface ValidateScheduleOptions {
  defaultRegion: string;
  now?: Date;
}

/** Every problem of the declaration at once; `definition` only when there is none. */
export function validateSchedule(input: ScheduleDeclaration, options: ValidateScheduleOptions): ScheduleValidation {
  const now = options.now ?? new Date();
  const violations: FieldViolation[] = [];
  const scheduleId = typeof input.scheduleId === 'string' ? input.scheduleId : '';
  if (!SCHEDULE_ID_RULE.test(scheduleId)) {
    violations.push({
      field: 'id',
      rule: 'required: 1-150 letters, digits, ".", "_", "/" or "-", starting with a letter or digit',
    });
  }
  const beforeCalendar = violations.length;
  const days = parseDays(input.days, violations);
  const times = windowTimes(input.times, violations);
  const timeZone = typeof input.timeZone === 'string' ? input.timeZone : '';
  if (!isTimeZone(timeZone)) {
    violations.push({
      field: 'tz',
      rule: `"${String(input.timeZone ?? '')}" must be an IANA time zone (e.g. Europe/Berlin, UTC)`,
    });
  }
  const calendarValid = violations.length === beforeCalendar;
  const durationSeconds = parseDuration(String(input.duration ?? ''));
  if (durationSeconds === undefined) {
    violations.push({
      field: 'duration',
      rule: `"${String(input.duration ?? '')}" must be a positive duration (2h, 90m, 1h30m)`,
    });
  }
  const fromMs = Math.max(now.getTime(), optionalTime('from', input.from, violations) ?? 0);
  const untilMs = optionalTime('until', input.until, violations) ?? Number.POSITIVE_INFINITY;
  if (untilMs <= fromMs) {
    violations.push({ field: 'until', rule: `must be later than ${input.from !== undefined ? 'from' : 'now'}` });
  }
  const catchUp = (input.catchUp ?? 'backfill') as CatchUpPolicy;
  if (!CATCH_UP_POLICIES.includes(catchUp)) {
    violations.push({ field: 'catch-up', rule: `must be one of ${CATCH_UP_POLICIES.join(', ')}` });
  }
  const template = input.template;
  if (!template || typeof template !== 'object' || Array.isArray(template)) {
    return invalid([...violations, { field: 'request', rule: 'must be a mapping (relay: …)' }]);
  }
  violations.push(...templateTimeViolations(template as Record<string, unknown>));

  let first: number | undefined;
  if (calendarValid && durationSeconds !== undefined) {
    const calendar: WeeklyCalendar = { days, times, timeZone };
    [first] = nextOccurrences(calendar, fromMs, 1);
    if (untilMs > fromMs && (first === undefined || first >= untilMs)) {
      violations.push({ field: 'until', rule: 'no occurrence starts before it' });
    }
    const overlap = overlapViolation(calendar, durationSeconds, fromMs, untilMs);
    if (overlap) violations.push(overlap);
  }
  // The provider's rules, on the first occurrence (every occurrence differs from it only in its window); without a
  // valid calendar, on a window of its own, so the request's problems still come in the same message.
  const sampleStart = first ?? fromMs + 86_400_000;
  const { fieldViolations: requestViolations, normalized } = validateBroadcastRequest(
    requestForOccurrence(template as OccurrenceTemplate, {
      StartTime: isoSeconds(sampleStart),
      EndTime: isoSeconds(sampleStart + (durationSeconds ?? 3600) * 1000),
    }),
    { defaultRegion: options.defaultRegion, now }
  );
  violations.push(...requestViolations);
  if (violations.length > 0 || !normalized || durationSeconds === undefined) return invalid(violations);
  return {
    fieldViolations: [],
    violations: [],
    definition: {
      scheduleId,
      calendar: { days, times, timeZone },
      durationSeconds,
      ...(input.from !== undefined ? { from: isoSeconds(fromMs) } : {}),
      ...(input.until !== undefined ? { until: isoSeconds(untilMs) } : {}),
      catchUp,
      fireLeadSeconds: fireLeadSecondsFor(normalized.leadTimeSeconds ?? 0),
      template: withoutWindow(normalized),
    },
  };
}

function invalid(fieldViolations: FieldViolation[]): ScheduleValidation {
  return { fieldViolations, violations: fieldViolations.map(formatViolation) };
}

function withoutWindow(request: BroadcastRequest): OccurrenceTemplate {
  const strip = <T extends { StartTime: string; EndTime: string }>({ StartTime: _s, EndTime: _e, ...rest }: T) => rest;
  if (request.legacy) return { ...request, legacy: strip(request.legacy) };
  return { ...request, relay: strip(request.relay) };
}

export class InvalidScheduleError extends Error {
  override readonly name = 'InvalidScheduleError';
  constructor(readonly violations: string[]) {
    super(`Invalid schedule (nothing was created):\n${violations.map((v) => `  - ${v}`).join('\n')}`);
  }
}
