/** `client schedule …`: recurring broadcasts backed by Temporal Schedules (src/schedules). */
import type { ScheduleHandle } from '@temporalio/client';
import { Option, type Command } from 'commander';

import { loadSettings } from '../config/settings';
import { formatDuration } from '../schedules/calendar';
import {
  catchUpWindowMs,
  createBroadcastSchedule,
  describeBroadcastSchedule,
  listBroadcastSchedules,
  type ScheduleView,
} from '../schedules/client';
import { InvalidScheduleError, validateSchedule, type ScheduleDefinition } from '../schedules/definition';

import { addRequestOptions, requestFromFlags, type RequestFlags } from './broadcast-commands';
import { printJson, webUiLine, withClient } from './common';

interface CreateFlags extends RequestFlags {
  id: string;
  days: string;
  at: string[];
  tz: string;
  duration: string;
  from?: string;
  until?: string;
  catchUp?: string;
  paused?: boolean;
  note?: string;
  json?: boolean;
}

const POLICIES = `
Each occurrence starts an ordinary broadcast with the ID <schedule id>/<occurrence start, ISO UTC>,
e.g. friday-show/2026-12-04T19:00:00Z. The schedule fires the broadcast's lead time plus a minute
(rounded up to whole minutes) before each start, so the task is created on time.

Overlap: occurrences of one schedule never overlap on its destination: a duration that reaches the
next occurrence (on any day of the coming year, daylight-saving changes included) is refused.
Catch-up (a firing missed while the worker or server was down):
  backfill (default)  start it late while its occurrence is still on air; it runs to its EndTime
  skip                drop it unless it is at most a minute late
Paused schedules fire nothing; unpausing does not replay the firings missed while paused.`;

/** Validates every input at once and returns the definition, or throws naming each problem. */
export function scheduleFromFlags(flags: CreateFlags, defaultRegion: string): ScheduleDefinition {
  const { request, problems } = requestFromFlags(flags);
  const { violations, definition } = validateSchedule(
    {
      scheduleId: flags.id,
      days: flags.days,
      times: flags.at,
      timeZone: flags.tz,
      duration: flags.duration,
      from: flags.from,
      until: flags.until,
      catchUp: flags.catchUp,
      template: request,
    },
    { defaultRegion }
  );
  if (problems.length > 0 || !definition) throw new InvalidScheduleError([...problems, ...violations]);
  return definition;
}

function printView(view: ScheduleView): void {
  const lines = [
    `schedule ${view.scheduleId}${view.paused ? ' (paused)' : ''}`,
    `  when:        ${view.calendar ?? '-'}${view.from ? `, from ${view.from}` : ''}${view.until ? `, until ${view.until}` : ''}`,
    `  destination: ${view.destination ?? '-'}`,
    `  catch-up:    ${view.catchUp ?? '-'}${view.overlap ? `   overlap: ${view.overlap}` : ''}`,
    `  fires:       ${view.fireLeadSeconds !== undefined ? `${formatDuration(view.fireLeadSeconds)} before each start` : '-'}`,
    ...(view.note ? [`  note:        ${view.note}`] : []),
    '  next:',
    ...view.next.map((o) => `    ${o.StartTime} → ${o.EndTime}  ${o.broadcastId}`),
    ...(view.recent.length > 0 ? ['  recent:', ...view.recent.map((id) => `    ${id}`)] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function addScheduleCommands(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('recurring broadcasts (Temporal Schedules; the Web UI lists them on its Schedules page)');
  const json = () => new Option('--json', 'machine-readable output');

  const create = schedule
    .command('create')
    .description('validate and create a recurring broadcast')
    .requiredOption('--id <scheduleId>', 'schedule ID, a business key such as "friday-show"')
    .requiredOption('--days <days>', 'weekdays, comma-separated (MON,FRI or monday), or "daily"')
    .requiredOption('--at <HH:MM...>', 'local start time(s), 24-hour')
    .requiredOption('--tz <zone>', 'IANA time zone of --days/--at, e.g. Europe/Berlin or UTC')
    .requiredOption('--duration <d>', 'length of each broadcast: 2h, 90m, 1h30m')
    .option('--from <iso>', 'no occurrence starts before this time (default: now)')
    .option('--until <iso>', 'no occurrence starts at or after this time (yyyy-MM-ddTHH:mm:ssZ)')
    .addOption(new Option('--catch-up <policy>', 'missed firings (see below)').choices(['backfill', 'skip']))
    .option('--paused', 'create it paused')
    .option('--note <text>', 'note shown with the schedule');
  addRequestOptions(create)
    .addOption(json())
    .addHelpText('after', POLICIES)
    .action(async (flags: CreateFlags) => {
      const settings = loadSettings();
      const definition = scheduleFromFlags(flags, settings.ALIYUN_REGION);
      await withClient(async (connected) => {
        const { client, namespace } = connected;
        await createBroadcastSchedule(client, definition, {
          taskQueue: settings.TEMPORAL_TASK_QUEUE,
          paused: flags.paused,
          note: flags.note,
        });
        const view = await describeBroadcastSchedule(client, definition.scheduleId);
        const link = (base: string) => scheduleLink(base, namespace, definition.scheduleId);
        if (flags.json) {
          const webUi = connected.uiBase ? link(connected.uiBase) : null;
          return printJson({ ...view, catchUpWindowSeconds: catchUpWindowMs(definition) / 1000, webUi });
        }
        process.stdout.write(`created schedule ${view.scheduleId}\n${webUiLine(connected, link)}\n`);
        printView(view);
      });
    });

  schedule
    .command('list')
    .description('every recurring broadcast, with its next occurrence')
    .addOption(json())
    .action(async (flags: { json?: boolean }) => {
      const views = await withClient(({ client }) => listBroadcastSchedules(client));
      if (flags.json) return printJson(views);
      for (const v of views) {
        const next = v.next[0];
        process.stdout.write(
          `${v.scheduleId.padEnd(28)} ${v.paused ? 'paused ' : 'active '} ${v.calendar ?? '-'}  next: ${next ? next.broadcastId : '-'}\n`
        );
      }
    });

  schedule
    .command('describe <scheduleId>')
    .description('policies, the next occurrences and their broadcast IDs, recent firings')
    .addOption(json())
    .action(async (scheduleId: string, flags: { json?: boolean }) => {
      const view = await withClient(({ client }) => describeBroadcastSchedule(client, scheduleId));
      if (flags.json) printJson(view);
      else printView(view);
    });

  const onHandle = (name: string, description: string, run: (id: string, note?: string) => Promise<void>) =>
    schedule
      .command(`${name} <scheduleId>`)
      .description(description)
      .option('--note <text>', 'why (shown with the schedule)')
      .action(async (scheduleId: string, flags: { note?: string }) => {
        await run(scheduleId, flags.note);
        process.stdout.write(`${name}d schedule ${scheduleId}\n`); // paused, unpaused, deleted
      });
  const handle = (id: string, fn: (h: ScheduleHandle) => Promise<void>) =>
    withClient(({ client }) => fn(client.schedule.getHandle(id)));
  onHandle('pause', 'stop firing (broadcasts already started keep running)', (id, note) =>
    handle(id, (h) => h.pause(note))
  );
  onHandle('unpause', 'fire again from the next occurrence', (id, note) => handle(id, (h) => h.unpause(note)));
  onHandle('delete', 'delete the schedule (broadcasts already started keep running)', (id) =>
    handle(id, (h) => h.delete())
  );
}

/** The schedule's page in the Web UI (its Schedules page lists them all). */
function scheduleLink(base: string, namespace: string, scheduleId: string): string {
  return `${base}/namespaces/${encodeURIComponent(namespace)}/schedules/${encodeURIComponent(scheduleId)}`;
}
