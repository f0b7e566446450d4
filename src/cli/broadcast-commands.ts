/** `client broadcast …`: start, status, reschedule, stop, restart, cancel one broadcast. */
import fs from 'node:fs';

import type { Client } from '@temporalio/client';
import { Option, type Command } from 'commander';
import YAML from 'yaml';

import { BroadcastAlreadyExistsError, startBroadcast } from '../broadcast/start';
import { workflowWebUiLink } from '../campaign/submit';
import { InvalidBroadcastRequestError, validateBroadcastRequest } from '../broadcast/validation';
import { loadSettings } from '../config/settings';
import type { BroadcastRequest, BroadcastStatus } from '../shared/broadcast';
import { isoSeconds, resolveTime } from '../shared/time';
import {
  cancelUpdate,
  rescheduleUpdate,
  restartUpdate,
  sourceUpdate,
  statusQuery,
  stopUpdate,
} from '../workflows/messages';

import { ClusterOperationError, printJson, UsageError, webUiLine, withClient } from './common';
import { scheduledContext, scheduledReader, singleVerdict } from './on-time';

function readRequestFile(file: string): BroadcastRequest {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--file: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
  }
  let parsed: unknown;
  try {
    parsed = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new UsageError(
      `--file: ${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(`--file: ${file} must hold a mapping (relay:, leadTimeSeconds:, …)`);
  }
  return parsed as BroadcastRequest;
}

/** The request flags `broadcast start` and `schedule create` share (flags override `--file`). */
export interface RequestFlags {
  file?: string;
  source?: string[];
  backupSource?: string[];
  sourceType?: 'live' | 'vod' | 'url';
  protocol?: string;
  dst?: string;
  start?: string;
  end?: string;
  region?: string;
  leadTime?: string;
  maxRestarts?: string;
  label?: string[];
}

interface StartFlags extends RequestFlags {
  id: string;
  json?: boolean;
}

/**
 * Flags override the file. Problems with the flags themselves (a non-integer --lead-time, a --label without `=`) are
 * returned, not thrown, so they can be reported together with the request's own violations in one message.
 */
export function requestFromFlags(flags: RequestFlags): { request: BroadcastRequest; problems: string[] } {
  const problems: string[] = [];
  const integerFlag = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    if (/^-?\d+$/.test(value.trim())) return Number(value);
    problems.push(`--${name}: must be an integer, got "${value}"`);
    return undefined;
  };
  // Unvalidated until validateBroadcastRequest: whatever the file and flags hold.
  const base = (flags.file ? readRequestFile(flags.file) : {}) as BroadcastRequest;
  const relay = { ...(base.relay ?? {}) } as Partial<NonNullable<BroadcastRequest['relay']>>;
  const now = new Date();
  // Relative times (+3m) in a file, as in flags and campaign files.
  for (const field of ['StartTime', 'EndTime'] as const) {
    if (relay[field] !== undefined) relay[field] = resolveTime(relay[field], now) as string;
    if (base.legacy?.[field] !== undefined) base.legacy[field] = resolveTime(base.legacy[field], now) as string;
  }
  if (flags.source) relay.SourceUrls = flags.source;
  if (flags.sourceType) relay.SourceType = flags.sourceType;
  if (flags.protocol) relay.SourceProtocol = flags.protocol;
  if (flags.dst) relay.DstUrl = flags.dst;
  if (flags.start) relay.StartTime = resolveTime(flags.start, now) as string;
  if (flags.end) relay.EndTime = resolveTime(flags.end, now) as string;
  if (flags.region) relay.Region = flags.region;
  if (relay.SourceUrls && !relay.SourceType) relay.SourceType = 'live';
  // The documented default of --protocol, for a source given by flag; a file's live source must name its protocol.
  if (flags.source && relay.SourceType === 'live' && !relay.SourceProtocol) relay.SourceProtocol = 'rtmp';
  const labels = { ...(base.labels ?? {}) };
  for (const pair of flags.label ?? []) {
    const [key, ...rest] = pair.split('=');
    if (!key || rest.length === 0) problems.push(`--label: expected key=value, got "${pair}"`);
    else labels[key] = rest.join('=');
  }
  const leadTimeSeconds = integerFlag('lead-time', flags.leadTime);
  const maxRestarts = integerFlag('max-restarts', flags.maxRestarts);
  const request = {
    ...base,
    ...(base.flavour === 'legacy' ? {} : { relay: relay as BroadcastRequest['relay'] }),
    leadTimeSeconds: leadTimeSeconds ?? base.leadTimeSeconds,
    restartPolicy: maxRestarts !== undefined ? { maxRestarts } : base.restartPolicy,
    ...(flags.backupSource ? { backupSources: flags.backupSource } : {}),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
  } as BroadcastRequest;
  return { request, problems };
}

/** `primary` → 0, `backup 2` / `backup2` / `2` → 2. */
function sourceIndex(which: string): number {
  const text = which.trim().toLowerCase();
  if (text === 'primary') return 0;
  const match = /^(?:backup\s*)?(\d+)$/.exec(text);
  if (!match) throw new UsageError(`source: expected primary or backup N, got "${which}"`);
  return Number(match[1]);
}

/**
 * The state, and what a user's stop means for it: the update returns once the provider has taken the stop, but the
 * state changes only when the provider's Offline callback (or the next Describe) reports it.
 */
export function stateLine(status: BroadcastStatus): string {
  const failure = status.failure ? ` (${status.failure})` : '';
  const next = !status.stoppedByUser
    ? undefined
    : status.state === 'Offline'
      ? 'stopped by user; `broadcast restart` resumes it'
      : status.state === 'Running' || status.state === 'Recovering'
        ? 'stop sent to the provider; Offline once it reports the relay stopped. ' +
          'The restart policy leaves it stopped; `broadcast restart` resumes it'
        : undefined;
  return `state:     ${status.state}${failure}${next ? ` (${next})` : ''}`;
}

function printStatus(status: BroadcastStatus, json: boolean): void {
  if (json) return printJson(status);
  const lines = [
    stateLine(status),
    `window:    ${status.startTime} → ${status.endTime}`,
    `task:      ${status.taskId ?? '-'} (${status.taskName})`,
    `restarts:  ${status.restarts}`,
    ...(status.source ? [`source:    ${status.source.label} on air (${status.source.why})`] : []),
    `last event: ${status.lastEvent ? `${status.lastEvent.kind} @ ${isoSeconds(new Date(status.lastEvent.eventTime * 1000))} (${status.lastEvent.source})` : '-'}`,
    'transitions:',
    ...status.transitions.map((t) => `  ${t.at}  ${t.state}${t.note ? `  ${t.note}` : ''}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The options of a broadcast request's fields, besides its window. */
export function addRequestOptions(command: Command): Command {
  return command
    .option('--file <file>', 'request as YAML or JSON (flags override it)')
    .option('--source <url...>', 'source URL(s) (SourceUrls)')
    .option('--backup-source <url...>', 'live sources to fail over to, in order, when the source fails to pull')
    .addOption(new Option('--source-type <type>', 'SourceType').choices(['live', 'vod', 'url']))
    .option('--protocol <p>', 'SourceProtocol for live sources (default rtmp)')
    .option('--dst <rtmpUrl>', 'RTMP ingest URL (DstUrl)')
    .option('--region <region>', 'Region (default ALIYUN_REGION)')
    .option('--lead-time <seconds>', 'create the task this long before StartTime (default 300)')
    .option('--max-restarts <n>', 'restarts when the relay goes offline (default 2)')
    .option('--label <key=value...>', 'labels shown in the Web UI');
}

export function addBroadcastCommands(program: Command): void {
  const broadcast = program.command('broadcast').description('one broadcast (a workflow whose ID is your key)');
  const json = () => new Option('--json', 'machine-readable output');

  const start = broadcast
    .command('start')
    .description('validate and start a broadcast')
    .requiredOption('--id <id>', 'broadcast ID (workflow ID), a business key such as "cup-final-2026"')
    .option('--start <iso>', 'StartTime, yyyy-MM-ddTHH:mm:ssZ, or from now: +90s, +5m, +2h, +1d')
    .option('--end <iso>', 'EndTime, yyyy-MM-ddTHH:mm:ssZ, or from now: +90s, +5m, +2h, +1d');
  addRequestOptions(start)
    .addOption(json())
    .action(async (flags: StartFlags) => {
      const settings = loadSettings();
      const { request, problems } = requestFromFlags(flags);
      // Every problem in one message, the flags' own and the request's, before connecting (nothing starts).
      const { violations } = validateBroadcastRequest(request, { defaultRegion: settings.ALIYUN_REGION });
      if (problems.length + violations.length > 0) {
        throw new InvalidBroadcastRequestError([...problems, ...violations]);
      }
      await withClient(async (connected) => {
        // On time under the create quota beside the broadcasts already scheduled: a warning, never a refusal.
        const onTime = singleVerdict(
          flags.id,
          request,
          settings,
          await scheduledContext(() =>
            scheduledReader(settings.TEMPORAL_TASK_QUEUE, [{ id: flags.id, request }])(connected.client)
          )
        );
        if (onTime && onTime.late > 0 && !flags.json) process.stderr.write(`warning: ${onTime.verdict}\n`);
        const handle = await startBroadcast({
          client: connected.client,
          taskQueue: settings.TEMPORAL_TASK_QUEUE,
          workflowId: flags.id,
          request,
          defaultRegion: settings.ALIYUN_REGION,
        }).catch((err: unknown) => {
          // Our own errors say what to do already; the server's get their cause and the cluster's name.
          if (err instanceof InvalidBroadcastRequestError || err instanceof BroadcastAlreadyExistsError) throw err;
          throw new ClusterOperationError(`could not start broadcast ${flags.id}`, err, connected);
        });
        const link = (base: string) => workflowWebUiLink(base, connected.namespace, handle.workflowId);
        const out = {
          workflowId: handle.workflowId,
          runId: handle.firstExecutionRunId,
          webUi: connected.uiBase ? link(connected.uiBase) : null,
          // Only when it would be late: a warning, as on stderr.
          ...(onTime && onTime.late > 0 ? { onTime } : {}),
        };
        if (flags.json) printJson(out);
        else process.stdout.write(`started broadcast ${out.workflowId}\n${webUiLine(connected, link)}\n`);
      });
    });

  const withHandle = (
    name: string,
    description: string,
    run: (id: string, opts: Record<string, string>) => Promise<BroadcastStatus>
  ) =>
    broadcast
      .command(`${name} <id>`)
      .description(description)
      .addOption(json())
      .action(async (id: string, opts: Record<string, string> & { json?: boolean }) => {
        printStatus(await run(id, opts), Boolean(opts.json));
      });

  const onHandle = <T>(id: string, fn: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<T>) =>
    withClient(({ client }) => fn(client.workflow.getHandle(id)));
  withHandle('status', 'state, task, last event and transitions', (id) => onHandle(id, (h) => h.query(statusQuery)));
  withHandle('stop', 'stop the running relay', (id) => onHandle(id, (h) => h.executeUpdate(stopUpdate, { args: [] })));
  withHandle('restart', 'restart the relay', (id) => onHandle(id, (h) => h.executeUpdate(restartUpdate, { args: [] })));
  broadcast
    .command('source <id> <which>')
    .description('put a source on air: primary, or backup N (relays with backup sources)')
    .addOption(json())
    .action(async (id: string, which: string, opts: { json?: boolean }) => {
      const to = sourceIndex(which);
      const status = await onHandle(id, (h) => h.executeUpdate(sourceUpdate, { args: [{ to }] }));
      printStatus(status, Boolean(opts.json));
    });
  withHandle('cancel', 'cancel; deletes the task if created', (id, opts) =>
    onHandle(id, (h) => h.executeUpdate(cancelUpdate, { args: [{ reason: opts.reason }] }))
  ).option('--reason <text>', 'shown in the history');
  withHandle('reschedule', 'move StartTime/EndTime', (id, opts) => {
    if (!opts.start && !opts.end) throw new UsageError('reschedule: give --start and/or --end');
    return onHandle(id, (h) =>
      h.executeUpdate(rescheduleUpdate, {
        args: [
          {
            ...(opts.start ? { StartTime: resolveTime(opts.start, new Date()) as string } : {}),
            ...(opts.end ? { EndTime: resolveTime(opts.end, new Date()) as string } : {}),
          },
        ],
      })
    );
  })
    .option('--start <iso>', 'new StartTime (ISO, or from now: +5m)')
    .option('--end <iso>', 'new EndTime (ISO, or from now: +5m)');
}
