/**
 * Broadcast Schedules on the Temporal server: create one from a validated definition, and read them back in terms a
 * live-ops user knows (days, times, time zone, the next occurrences and their broadcast IDs).
 *
 * Policies (README, "Recurring broadcasts"):
 * - Each firing runs scheduledBroadcastWorkflow, which starts the occurrence's broadcast and ends within seconds, so
 *   firings never wait on each other (overlap ALLOW_ALL); two broadcasts of one schedule never share a destination at
 *   once because creation refuses a duration that reaches the next occurrence.
 * - Catch-up after an outage: `skip` takes a missed firing only up to a minute late; `backfill` takes it while its
 *   occurrence is still on air (the broadcast starts late and runs for the rest of its window).
 */
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleSummary,
} from '@temporalio/client';

import { destinationOf } from '../broadcast/start';

import { firingCalendars, formatDuration, type WeeklyCalendar } from './calendar';
import type { CatchUpPolicy, ScheduleDefinition } from './definition';
import {
  occurrenceBroadcastId,
  occurrenceWindow,
  type OccurrenceWindow,
  type ScheduledOccurrenceInput,
} from './occurrence';

export const SCHEDULED_BROADCAST_WORKFLOW_TYPE = 'scheduledBroadcastWorkflow';
/** `skip`: a firing missed by more than this is dropped. */
const SKIP_CATCH_UP_MS = 60_000;

/** What the schedule's memo keeps: the definition without its request, and the destination without its query. */
export type ScheduleMemo = Omit<ScheduleDefinition, 'scheduleId' | 'template'> & { destination: string };

export function catchUpWindowMs(
  definition: Pick<ScheduleDefinition, 'catchUp' | 'fireLeadSeconds' | 'durationSeconds'>
) {
  return definition.catchUp === 'skip'
    ? SKIP_CATCH_UP_MS
    : (definition.fireLeadSeconds + definition.durationSeconds) * 1000;
}

/** `FRIDAY 20:00 Europe/Berlin, 2h` */
export function describeCalendar(calendar: WeeklyCalendar, durationSeconds: number): string {
  const days = calendar.days.length === 0 ? 'daily' : calendar.days.join(',');
  return `${days} ${calendar.times.join(',')} ${calendar.timeZone}, ${formatDuration(durationSeconds)}`;
}

export interface CreateScheduleOptions {
  /** Task queue of the worker (the occurrence workflow and the broadcasts). */
  taskQueue: string;
  paused?: boolean;
  note?: string;
}

export async function createBroadcastSchedule(
  client: Client,
  definition: ScheduleDefinition,
  options: CreateScheduleOptions
) {
  const { scheduleId, calendar, fireLeadSeconds } = definition;
  const input: ScheduledOccurrenceInput = {
    scheduleId,
    template: definition.template,
    durationSeconds: definition.durationSeconds,
    fireLeadSeconds,
    taskQueue: options.taskQueue,
  };
  const memo: ScheduleMemo = {
    calendar,
    durationSeconds: definition.durationSeconds,
    ...(definition.from ? { from: definition.from } : {}),
    ...(definition.until ? { until: definition.until } : {}),
    catchUp: definition.catchUp,
    fireLeadSeconds,
    destination: destinationOf(definition.template as Parameters<typeof destinationOf>[0]),
  };
  const summary = `${describeCalendar(calendar, definition.durationSeconds)}: ${memo.destination}`;
  return client.schedule.create({
    scheduleId,
    spec: {
      calendars: firingCalendars(calendar, fireLeadSeconds),
      timezone: calendar.timeZone,
      // Firing a fire lead before each start: from − lead is the first possible firing, until − lead the last.
      ...(definition.from ? { startAt: new Date(Date.parse(definition.from) - fireLeadSeconds * 1000) } : {}),
      ...(definition.until ? { endAt: new Date(Date.parse(definition.until) - fireLeadSeconds * 1000 - 1000) } : {}),
    },
    action: {
      type: 'startWorkflow',
      workflowType: SCHEDULED_BROADCAST_WORKFLOW_TYPE,
      // The server appends the fire time: `<scheduleId>/fire-2026-12-04T18:54:00Z`.
      workflowId: `${scheduleId}/fire`,
      taskQueue: options.taskQueue,
      args: [input],
      staticSummary: summary,
    },
    policies: {
      overlap: ScheduleOverlapPolicy.ALLOW_ALL,
      catchupWindow: catchUpWindowMs(definition),
      pauseOnFailure: false,
    },
    state: { paused: options.paused ?? false, ...(options.note ? { note: options.note } : {}) },
    memo: { broadcastSchedule: memo },
  });
}

export interface OccurrenceView extends OccurrenceWindow {
  broadcastId: string;
}

export interface ScheduleView {
  scheduleId: string;
  paused: boolean;
  note?: string;
  calendar?: string;
  destination?: string;
  from?: string;
  until?: string;
  catchUp?: CatchUpPolicy;
  /** The server's overlap policy (describe only). */
  overlap?: string;
  fireLeadSeconds?: number;
  /** The next occurrences the server will fire, with the broadcast ID each will start. */
  next: OccurrenceView[];
  /** Broadcasts of the most recent firings (newest last). */
  recent: string[];
}

function memoOf(memo: Record<string, unknown> | undefined): ScheduleMemo | undefined {
  return memo?.broadcastSchedule as ScheduleMemo | undefined;
}

/** The occurrences behind fire times (the server's nextActionTimes, or recent firings). */
export function occurrencesFor(scheduleId: string, memo: ScheduleMemo, fireTimes: Date[]): OccurrenceView[] {
  return fireTimes.map((firedAt) => {
    const window = occurrenceWindow(firedAt, memo);
    return { ...window, broadcastId: occurrenceBroadcastId(scheduleId, window) };
  });
}

export function viewOf(scheduleId: string, schedule: ScheduleSummary | ScheduleDescription): ScheduleView {
  const memo = memoOf(schedule.memo);
  const fired = 'info' in schedule && 'recentActions' in schedule.info ? schedule.info.recentActions : [];
  const nextFires = schedule.info?.nextActionTimes ?? [];
  return {
    scheduleId,
    paused: schedule.state.paused,
    ...(schedule.state.note ? { note: schedule.state.note } : {}),
    ...(memo
      ? {
          calendar: describeCalendar(memo.calendar, memo.durationSeconds),
          destination: memo.destination,
          ...(memo.from ? { from: memo.from } : {}),
          ...(memo.until ? { until: memo.until } : {}),
          catchUp: memo.catchUp,
          fireLeadSeconds: memo.fireLeadSeconds,
        }
      : {}),
    ...('policies' in schedule ? { overlap: String(schedule.policies.overlap) } : {}),
    next: memo ? occurrencesFor(scheduleId, memo, nextFires) : [],
    recent: memo
      ? occurrencesFor(
          scheduleId,
          memo,
          fired.map((a) => a.scheduledAt)
        ).map((o) => o.broadcastId)
      : [],
  };
}

export async function describeBroadcastSchedule(client: Client, scheduleId: string): Promise<ScheduleView> {
  return viewOf(scheduleId, await client.schedule.getHandle(scheduleId).describe());
}

/** Every broadcast Schedule of the namespace (other Schedules are left out). */
export async function listBroadcastSchedules(client: Client): Promise<ScheduleView[]> {
  const views: ScheduleView[] = [];
  for await (const summary of client.schedule.list()) {
    if (summary.action?.type === 'startWorkflow' && summary.action.workflowType === SCHEDULED_BROADCAST_WORKFLOW_TYPE) {
      views.push(viewOf(summary.scheduleId, summary));
    }
  }
  return views.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

/**
 * Creates each schedule unless one with its ID exists (a campaign file submitted again): `existing` lists those, left
 * as they are.
 */
export async function createBroadcastSchedules(
  client: Client,
  definitions: ScheduleDefinition[],
  options: CreateScheduleOptions
): Promise<{ created: string[]; existing: string[] }> {
  const created: string[] = [];
  const existing: string[] = [];
  for (const definition of definitions) {
    try {
      await createBroadcastSchedule(client, definition, options);
      created.push(definition.scheduleId);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      existing.push(definition.scheduleId);
    }
  }
  return { created, existing };
}
