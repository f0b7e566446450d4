/**
 * The provider's time format and the relative times users may write instead. Imported by workflow code, so: pure,
 * no Node built-ins, no I/O.
 */

const SECOND_MS = 1000;

/** How messages and help name the provider's time format. */
export const API_TIME_FORMAT = 'yyyy-MM-ddTHH:mm:ssZ';
/** The provider's time format by shape alone: month 13 fits it, so a calendar check must follow. */
export const API_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * `yyyy-MM-ddTHH:mm:ssZ` in UTC, the form of every provider time (StartTime, EndTime, x-acs-date, Timestamp):
 * `at` rounded down to the second.
 */
export function isoSeconds(at: Date | number): string {
  const ms = typeof at === 'number' ? at : at.getTime();
  return new Date(Math.floor(ms / SECOND_MS) * SECOND_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `isoSeconds` rounded up: a time computed as "in N seconds" must not land before now. */
export function isoSecondsRoundedUp(at: Date | number): string {
  const ms = typeof at === 'number' ? at : at.getTime();
  return isoSeconds(Math.ceil(ms / SECOND_MS) * SECOND_MS);
}

const RELATIVE_TIME = /^\+(\d+)([smhd])$/;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `+90s`, `+5m`, `+2h`, `+1d`: relative to `now`, rounded up to the second; a Date in the API form; anything else
 * as it is, for validation to judge. Campaign files and the client's --start/--end flags take the same forms.
 */
export function resolveTime(value: unknown, now: Date): unknown {
  const match = typeof value === 'string' ? RELATIVE_TIME.exec(value.trim()) : null;
  if (!match) return value instanceof Date ? isoSeconds(value) : value;
  return isoSecondsRoundedUp(now.getTime() + Number(match[1]) * (UNIT_MS[match[2] ?? 's'] ?? SECOND_MS));
}
