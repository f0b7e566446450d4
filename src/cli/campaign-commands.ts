/** `client campaign …`: event campaigns from a file, with progress and control. */
import cliProgress from 'cli-progress';
import { Option, type Command } from 'commander';
import type { Client } from '@temporalio/client';

import {
  CAMPAIGN_KEY_RULE_TEXT,
  formatProblems,
  isCampaignKey,
  readCampaignFile,
  type CampaignPlan,
} from '../campaign/file';
import { CampaignFinishedError, submitCampaign, webUiLink } from '../campaign/submit';
import { loadSettings } from '../config/settings';
import { createBroadcastSchedules, describeCalendar } from '../schedules/client';
import { FINAL_STATES, LIVE_STATES } from '../shared/broadcast';
import {
  campaignBroadcastId,
  campaignStatusQuery,
  cancelCampaignUpdate,
  pauseUpdate,
  resumeUpdate,
  type CampaignStatus,
} from '../workflows/campaign-messages';

import { ClusterOperationError, printJson, UsageError, webUiLine, withClient } from './common';
import {
  DRY_RUN_READ_TIMEOUT_MS,
  leadTimeMode,
  planOnTime,
  scheduledContext,
  scheduledReader,
  type ScheduledContext,
} from './on-time';

export class InvalidCampaignFileError extends Error {
  override readonly name = 'InvalidCampaignFileError';
}

/**
 * The campaign counts how its broadcasts ended; the live state of the others is each broadcast's BroadcastState
 * search attribute, counted through visibility (eventually consistent: a second or so behind).
 */
export async function liveStateCounts(client: Client, campaignId: string): Promise<Partial<Record<string, number>>> {
  const id = campaignId.replace(/["\\]/g, '');
  const found = await Promise.all(
    LIVE_STATES.map(async (state) => {
      const query = `CampaignId = "${id}" AND BroadcastState = "${state}" AND ExecutionStatus = "Running"`;
      return [state, (await client.workflow.count(query)).count] as const;
    })
  );
  return Object.fromEntries(found.filter(([, count]) => count > 0));
}

export function formatCampaignTable(status: CampaignStatus, live: Partial<Record<string, number>> = {}): string {
  const rows = [
    ['not started', status.pending] as const,
    ['in progress', status.counts.Started ?? 0] as const,
    ...LIVE_STATES.map((s) => [`  ${s}`, live[s] ?? 0] as const),
    ...FINAL_STATES.map((s) => [s, status.counts[s] ?? 0] as const),
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return [
    `campaign ${status.campaignId}: ${status.phase} (${status.total} broadcasts, run ${status.runs})`,
    ...rows.filter(([, n]) => n > 0).map(([label, n]) => `  ${label.padEnd(width)}  ${String(n).padStart(6)}`),
  ].join('\n');
}

interface StartFlags {
  id?: string;
  dryRun?: boolean;
  skipInvalid?: boolean;
  concurrency?: string;
  leadTime?: string;
  json?: boolean;
}

function planFor(file: string, flags: StartFlags, defaultRegion: string): CampaignPlan & { campaignId: string } {
  let plan: CampaignPlan;
  try {
    plan = readCampaignFile(file, { defaultRegion });
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const campaignId = flags.id ?? plan.campaignId;
  const idProblem = !campaignId
    ? 'campaign id: give --id or a `campaign:` field in the file'
    : !isCampaignKey(campaignId)
      ? `campaign id "${campaignId}": ${CAMPAIGN_KEY_RULE_TEXT}`
      : undefined;
  // Every problem in one message: the campaign id's and the file's.
  if (plan.problems.length > 0 && !flags.skipInvalid) {
    const count = plan.problems.length + (idProblem ? 1 : 0);
    throw new InvalidCampaignFileError(
      `${count} problem(s); nothing was started:\n${idProblem ? `${idProblem}\n` : ''}` +
        formatProblems(file, plan.problems)
    );
  }
  if (idProblem || !campaignId) throw new UsageError(idProblem);
  // Only entries with no problem at all start: not a duplicate key, not the later of two overlapping windows.
  if (plan.valid.length === 0 && plan.schedules.length === 0) {
    throw new InvalidCampaignFileError(`${file}: no valid entries; nothing was started`);
  }
  // A campaign's schedules are `<campaign>/<key>`: found again by campaign, like its broadcasts.
  const schedules = plan.schedules.map((s) => ({
    ...s,
    definition: { ...s.definition, scheduleId: `${campaignId}/${s.key}` },
  }));
  return { ...plan, entries: plan.valid, campaignId, schedules };
}

export function addCampaignCommands(program: Command): void {
  const campaign = program.command('campaign').description('event campaigns: many broadcasts from one file');
  const json = () => new Option('--json', 'machine-readable output');

  campaign
    .command('start <file>')
    .description('validate a YAML/CSV/JSON campaign file and start every broadcast in it')
    .option('--id <campaignId>', "campaign ID (default: the file's `campaign:` field)")
    .option('--dry-run', 'validate and print the plan; start nothing')
    .option('--skip-invalid', 'start the valid entries and report the invalid ones')
    // The campaign's start batches share a pool of 2 × n permits in each worker process (src/workflows/campaign).
    .option('--concurrency <n>', 'start lanes: up to 2 × n broadcast starts in flight per worker process (default 20)')
    .option(
      '--lead-time <mode>',
      'auto (default): lengthen lead times where the create quota needs it, counting broadcasts already scheduled; ' +
        "fixed: the file's lead times as they are"
    )
    .addOption(json())
    .action(async (file: string, flags: StartFlags) => {
      const settings = loadSettings();
      const mode = leadTimeMode(flags.leadTime);
      const parsed = planFor(file, flags, settings.ALIYUN_REGION);
      // On time under the create quota, counting the broadcasts already scheduled (a dry run reads them if it can).
      const readScheduled = scheduledReader(
        settings.TEMPORAL_TASK_QUEUE,
        parsed.entries.map((e) => ({ id: campaignBroadcastId(parsed.campaignId, e.key), request: e.request }))
      );
      const planWith = (scheduled: ScheduledContext) => {
        const onTime = planOnTime(parsed.entries, mode, settings, scheduled);
        if (!flags.json && (flags.dryRun || onTime.late > 0)) {
          process.stderr.write(`${onTime.late > 0 ? 'warning: ' : ''}${onTime.verdict}\n`);
        }
        if (parsed.problems.length > 0)
          process.stderr.write(`skipping invalid entries:\n${formatProblems(file, parsed.problems)}\n`);
        return { plan: { ...parsed, entries: onTime.entries }, onTime };
      };
      if (flags.dryRun) {
        const { plan, onTime } = planWith(
          await scheduledContext(() => withClient(({ client }) => readScheduled(client)), DRY_RUN_READ_TIMEOUT_MS)
        );
        const out = {
          campaignId: plan.campaignId,
          entries: plan.entries.map((e) => ({
            key: e.key,
            line: e.line,
            start: e.request.relay?.StartTime ?? e.request.legacy?.StartTime,
            end: e.request.relay?.EndTime ?? e.request.legacy?.EndTime,
            leadTimeSeconds: e.request.leadTimeSeconds,
            dst:
              e.request.relay?.DstUrl ??
              `${e.request.legacy?.DomainName}/${e.request.legacy?.AppName}/${e.request.legacy?.StreamName}`,
          })),
          schedules: plan.schedules.map(({ line, definition }) => ({
            scheduleId: definition.scheduleId,
            line,
            when: describeCalendar(definition.calendar, definition.durationSeconds),
          })),
          problems: plan.problems,
          onTime: { verdict: onTime.verdict, late: onTime.late, leadTimes: onTime.mode, existing: onTime.existing },
        };
        if (flags.json) return printJson(out);
        process.stdout.write(`dry run: campaign ${plan.campaignId}, ${plan.entries.length} broadcasts would start\n`);
        for (const e of out.entries) process.stdout.write(`  ${e.key.padEnd(24)} ${e.start} → ${e.end}  ${e.dst}\n`);
        for (const s of out.schedules) process.stdout.write(`  schedule ${s.scheduleId}: ${s.when}\n`);
        return;
      }
      const concurrency = flags.concurrency === undefined ? undefined : Number(flags.concurrency);
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0 && concurrency <= 500)) {
        throw new UsageError('--concurrency: an integer from 1 to 500');
      }
      await withClient(async (connected) => {
        const { client, namespace } = connected;
        const { plan } = planWith(await scheduledContext(() => readScheduled(client)));
        const bar =
          flags.json || !process.stderr.isTTY || plan.entries.length === 0
            ? undefined
            : new cliProgress.SingleBar(
                { format: 'starting {bar} {value}/{total} entries', hideCursor: true },
                cliProgress.Presets.shades_classic
              );
        bar?.start(plan.entries.length, 0);
        // A file of schedules alone starts no campaign workflow.
        const result =
          plan.entries.length === 0
            ? { accepted: 0, duplicates: 0 }
            : await submitCampaign({
                client,
                taskQueue: settings.TEMPORAL_TASK_QUEUE,
                campaignId: plan.campaignId,
                entries: plan.entries,
                maxConcurrentStarts: concurrency,
                onProgress: (sent) => bar?.update(sent),
              })
                .catch((err: unknown) => {
                  if (err instanceof CampaignFinishedError) throw err;
                  throw new ClusterOperationError(`could not start campaign ${plan.campaignId}`, err, connected);
                })
                .finally(() => bar?.stop());
        const schedules = await createBroadcastSchedules(
          client,
          plan.schedules.map((s) => s.definition),
          { taskQueue: settings.TEMPORAL_TASK_QUEUE }
        ).catch((err: unknown) => {
          throw new ClusterOperationError(`could not create the schedules of ${plan.campaignId}`, err, connected);
        });
        const link = (base: string) => webUiLink(base, namespace, plan.campaignId);
        if (flags.json) {
          const webUi = connected.uiBase ? link(connected.uiBase) : null;
          return printJson({ campaignId: plan.campaignId, ...result, skipped: plan.problems.length, webUi, schedules });
        }
        const scheduleCount = schedules.created.length + schedules.existing.length;
        process.stdout.write(
          `campaign ${plan.campaignId}: ${result.accepted} new, ${result.duplicates} already there` +
            `${plan.problems.length ? `, ${plan.problems.length} invalid skipped` : ''}` +
            `${scheduleCount ? `; schedules: ${schedules.created.length} created, ${schedules.existing.length} already there` : ''}` +
            `\n${webUiLine(connected, link)}\n`
        );
      });
    });

  campaign
    .command('status <campaignId>')
    .description('broadcasts by state')
    .option('--watch', 'refresh every 2 s until the campaign ends')
    .addOption(json())
    .action(async (campaignId: string, flags: { watch?: boolean; json?: boolean }) => {
      await withClient(async ({ client }) => {
        const handle = client.workflow.getHandle(campaignId);
        for (;;) {
          const status = await handle.query(campaignStatusQuery);
          const live = await liveStateCounts(client, campaignId).catch(() => ({}));
          if (flags.json) printJson({ ...status, live });
          else {
            // Clear the screen between refreshes only on a terminal: piped to a file or a pager, tables follow on.
            const clear = flags.watch && process.stdout.isTTY ? '\x1b[2J\x1b[H' : '';
            process.stdout.write(`${clear}${formatCampaignTable(status, live)}\n`);
          }
          if (!flags.watch || status.phase === 'completed' || status.phase === 'cancelled') return;
          await new Promise((r) => setTimeout(r, 2_000));
        }
      });
    });

  for (const [name, update, description] of [
    ['pause', pauseUpdate, 'no new task creation; running relays continue'],
    ['resume', resumeUpdate, 'undo pause'],
    ['cancel', cancelCampaignUpdate, 'cancel every broadcast (each deletes its task)'],
  ] as const) {
    campaign
      .command(`${name} <campaignId>`)
      .description(description)
      .addOption(json())
      .action(async (campaignId: string, flags: { json?: boolean }) => {
        const status = await withClient(({ client }) =>
          client.workflow.getHandle(campaignId).executeUpdate(update, { args: [] })
        );
        if (flags.json) printJson(status);
        else process.stdout.write(`${formatCampaignTable(status)}\n`);
      });
  }
}
