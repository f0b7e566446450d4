/**
 * Recurring broadcasts without a server: the occurrence window an occurrence gets from its fire time, the calendar's
 * occurrences across daylight-saving changes, the firing calendars, and validation at creation (every problem named).
 */
import { firingCalendars, nextOccurrences, parseDuration } from '../src/schedules/calendar';
import { validateSchedule, type ScheduleDeclaration } from '../src/schedules/definition';
import {
  fireLeadSecondsFor,
  occurrenceBroadcastId,
  occurrenceWindow,
  requestForOccurrence,
} from '../src/schedules/occurrence';
import { isoSeconds } from '../src/shared/time';

const iso = (ms: number) => isoSeconds(ms);
const NOW = new Date('2027-03-01T00:00:00Z');
const template = {
  relay: {
    SourceType: 'live',
    SourceProtocol: 'rtmp',
    SourceUrls: ['rtmp://studio-b.example/live/main'],
    DstUrl: 'rtmp://ingest.partner.example/live/show',
  },
};
const fridayShow: ScheduleDeclaration = {
  scheduleId: 'friday-show',
  days: 'FRI',
  times: ['20:00'],
  timeZone: 'Europe/Berlin',
  duration: '2h',
  template,
};
const validate = (overrides: Partial<ScheduleDeclaration>) =>
  validateSchedule({ ...fridayShow, ...overrides }, { defaultRegion: 'cn-shanghai', now: NOW });

describe('an occurrence', () => {
  it('starts a fire lead after the time the schedule fired for and lasts the duration; its ID names both', () => {
    const window = occurrenceWindow(new Date('2027-03-26T18:54:00Z'), { fireLeadSeconds: 360, durationSeconds: 7200 });
    expect(window).toEqual({ StartTime: '2027-03-26T19:00:00Z', EndTime: '2027-03-26T21:00:00Z' });
    expect(occurrenceBroadcastId('friday-show', window)).toBe('friday-show/2027-03-26T19:00:00Z');
  });

  it('fires the lead time plus a minute early, in whole minutes', () => {
    expect([0, 30, 300, 301].map(fireLeadSecondsFor)).toEqual([60, 120, 360, 420]);
  });

  it('puts the window on the legacy spec of a legacy template', () => {
    const legacy = {
      flavour: 'legacy' as const,
      legacy: { DomainName: 'd', AppName: 'a', StreamName: 's', SourceUrl: 'u' },
    };
    const window = { StartTime: '2027-03-05T19:00:00Z', EndTime: '2027-03-05T21:00:00Z' };
    expect(requestForOccurrence(legacy, window)).toEqual({ ...legacy, legacy: { ...legacy.legacy, ...window } });
  });
});

describe('a weekly calendar in a time zone', () => {
  const calendar = { days: ['FRIDAY' as const], times: ['20:00'], timeZone: 'Europe/Berlin' };

  it('keeps 20:00 local across the spring change (Europe/Berlin, 2027-03-28): 19:00Z, then 18:00Z', () => {
    expect(nextOccurrences(calendar, NOW.getTime(), 6).map(iso)).toEqual([
      '2027-03-05T19:00:00Z',
      '2027-03-12T19:00:00Z',
      '2027-03-19T19:00:00Z',
      '2027-03-26T19:00:00Z',
      '2027-04-02T18:00:00Z',
      '2027-04-09T18:00:00Z',
    ]);
  });

  it('and across the autumn change (2027-10-31): 18:00Z, then 19:00Z', () => {
    expect(nextOccurrences(calendar, Date.parse('2027-10-20T00:00:00Z'), 3).map(iso)).toEqual([
      '2027-10-22T18:00:00Z',
      '2027-10-29T18:00:00Z',
      '2027-11-05T19:00:00Z',
    ]);
  });

  it('fires on the previous day when the fire lead crosses midnight; every day stays every day', () => {
    expect(firingCalendars({ days: ['MONDAY'], times: ['00:03'], timeZone: 'UTC' }, 360)).toEqual([
      { hour: 23, minute: 57, dayOfWeek: ['SUNDAY'] },
    ]);
    expect(firingCalendars({ days: [], times: ['20:00', '08:30'], timeZone: 'UTC' }, 360)).toEqual([
      { hour: 8, minute: 24, dayOfWeek: '*' },
      { hour: 19, minute: 54, dayOfWeek: '*' },
    ]);
  });

  it('reads durations as a live-ops user writes them', () => {
    expect(['2h', '90m', '1h30m', '3600', '0', 'two hours'].map(parseDuration)).toEqual([
      7200,
      5400,
      5400,
      3600,
      undefined,
      undefined,
    ]);
  });
});

describe('a schedule at creation', () => {
  it('is accepted with the defaults filled in and no window in its template', () => {
    const { violations, definition } = validate({});
    expect(violations).toEqual([]);
    expect(definition).toMatchObject({
      scheduleId: 'friday-show',
      calendar: { days: ['FRIDAY'], times: ['20:00'], timeZone: 'Europe/Berlin' },
      durationSeconds: 7200,
      catchUp: 'backfill',
      fireLeadSeconds: 360,
      template: { relay: { Region: 'cn-shanghai' }, leadTimeSeconds: 300 },
    });
    expect(definition?.template.relay).not.toHaveProperty('StartTime');
  });

  it('keeps backup sources in every occurrence’s request', () => {
    const backups = ['rtmp://studio-c.example/live/main'];
    const { definition } = validate({ template: { ...template, backupSources: backups } });
    expect(definition?.template).toMatchObject({ backupSources: backups });
  });

  it('is refused when a duration reaches the next occurrence (duration ≥ period), naming the rule', () => {
    const { violations, definition } = validate({ days: 'daily', timeZone: 'UTC', duration: '24h' });
    expect(definition).toBeUndefined();
    expect(violations).toEqual([
      expect.stringMatching(
        /^duration: 1d must be shorter than the shortest gap between two occurrences \(1d, .*overlap on one destination$/
      ),
    ]);
  });

  it('is refused when two start times are closer than the duration', () => {
    expect(validate({ times: ['20:00', '21:00'] }).violations).toEqual([
      expect.stringMatching(/^duration: 2h must be shorter than the shortest gap between two occurrences \(1h, /),
    ]);
  });

  it('is refused when only the spring change makes two occurrences overlap (a day of 23 hours)', () => {
    expect(validate({ days: 'daily', times: ['01:30'], duration: '23h30m' }).violations).toEqual([
      expect.stringContaining('(23h, 2027-03-28T00:30:00Z → 2027-03-28T23:30:00Z)'),
    ]);
  });

  it('names every problem at once: time zone, calendar, window fields, provider rules', () => {
    const { violations } = validate({
      scheduleId: 'bad id',
      days: 'FRY',
      times: ['25:00'],
      timeZone: 'Europe/Atlantis',
      duration: 'two hours',
      catchUp: 'sometimes',
      template: { relay: { ...template.relay, DstUrl: 'http://ingest.example/x', StartTime: '2027-03-05T19:00:00Z' } },
    });
    expect(violations).toEqual([
      'id: required: 1-150 letters, digits, ".", "_", "/" or "-", starting with a letter or digit',
      'days: "FRY" is not a weekday (MON … SUN, or "daily" alone)',
      'at: "25:00" must be a 24-hour local time HH:MM (e.g. 20:00)',
      'tz: "Europe/Atlantis" must be an IANA time zone (e.g. Europe/Berlin, UTC)',
      'duration: "two hours" must be a positive duration (2h, 90m, 1h30m)',
      'catch-up: must be one of skip, backfill',
      'relay.StartTime: set by the schedule for each occurrence; not accepted in a schedule',
      expect.stringMatching(/^relay\.DstUrl: /),
    ]);
  });

  it('checks the provider rules on its first occurrence (a window too long for the provider)', () => {
    const legacy = {
      flavour: 'legacy',
      legacy: { DomainName: 'live.example.com', AppName: 'app', StreamName: 'show', SourceUrl: 'rtmp://src/a' },
    };
    expect(validate({ days: 'MON', duration: '8d', template: legacy }).violations).toContain(
      'legacy.EndTime: must be at most 7 days after StartTime'
    );
  });

  it('is refused when its end date leaves no occurrence', () => {
    expect(validate({ from: '2027-03-06T00:00:00Z', until: '2027-03-10T00:00:00Z' }).violations).toEqual([
      'until: no occurrence starts before it',
    ]);
    expect(validate({ until: '2026-01-01T00:00:00Z' }).violations).toEqual(['until: must be later than now']);
  });
});
