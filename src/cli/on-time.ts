/**
 * The create quota at validation: whether relays are all created before their starts, counting the broadcasts
 * already scheduled in the namespace, and the lead times that make it so (src/campaign/create-plan.ts). Used by
 * `campaign start` (lead times `auto` by default) and `broadcast start` (a warning).
 */
import type { Client } from '@temporalio/client';

import {
  autoLeadTimes,
  describeVerdict,
  onTimeVerdict,
  type PlannedBroadcast,
  type ScheduledCreate,
} from '../campaign/create-plan';
import type { CampaignEntry } from '../campaign/file';
import { readScheduledCreates, type ScheduledRead } from '../campaign/scheduled-creates';
import type { Settings } from '../config/settings';
import { actionBudgets } from '../provider/quota-gate';
import { DEFAULT_LEAD_TIME_SECONDS, type BroadcastRequest } from '../shared/broadcast';

import { UsageError, withCauses } from './common';

export const LEAD_TIME_MODES = ['auto', 'fixed'] as const;
export type LeadTimeMode = (typeof LEAD_TIME_MODES)[number];

export const LEAD_TIME_FLAG_RULE = '--lead-time: "auto" (the default) or "fixed" (per-entry lead times go in the file)';

export function leadTimeMode(flag: string | undefined): LeadTimeMode {
  if (flag === undefined) return 'auto';
  if ((LEAD_TIME_MODES as readonly string[]).includes(flag)) return flag as LeadTimeMode;
  throw new UsageError(LEAD_TIME_FLAG_RULE);
}

/** The broadcasts already scheduled that the check counts, and what to tell the user about them. */
export interface ScheduledContext {
  existing: ScheduledCreate[];
  /** Why the count is partial or missing, for the user. */
  note?: string;
}

export interface OnTimePlan {
  entries: CampaignEntry[];
  /** One line for the user: every relay on time, or how many are late and the lead time that fits them. */
  verdict: string;
  late: number;
  mode: LeadTimeMode;
  existing: number;
}

export function createsPerSecond(settings: Settings): number {
  return actionBudgets(settings.PROVIDER_RATE_LIMIT_PER_SECOND, settings.PROVIDER_RATE_LIMITS).CreateLivePullToPush;
}

function planned(key: string, request: BroadcastRequest): PlannedBroadcast {
  const spec = request.relay ?? request.legacy;
  return {
    key,
    startMs: Date.parse(spec?.StartTime ?? ''),
    leadSeconds: request.leadTimeSeconds ?? DEFAULT_LEAD_TIME_SECONDS,
  };
}

/** Legacy configs are not CreateLivePullToPush calls: they do not spend the create quota. */
const spendsCreateQuota = (request: BroadcastRequest) => request.flavour !== 'legacy';

/** How long a dry run waits for the cluster's answer before it checks the file alone (it works offline too). */
export const DRY_RUN_READ_TIMEOUT_MS = 3_000;

/**
 * Reads the broadcasts already scheduled; a failed or slow read is a note, not an error (the check then counts the
 * requests alone).
 */
export async function scheduledContext(
  read: () => Promise<ScheduledRead>,
  timeoutMs = Number.POSITIVE_INFINITY
): Promise<ScheduledContext> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    if (Number.isFinite(timeoutMs)) {
      timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs / 1000} s`)), timeoutMs);
    }
  });
  try {
    const result = await Promise.race([read(), timedOut]);
    return {
      existing: result.creates,
      ...(result.capped
        ? { note: `counted the first ${result.creates.length} broadcasts already scheduled only` }
        : {}),
    };
  } catch (err) {
    return {
      existing: [],
      note: `could not read the broadcasts already scheduled (${withCauses(err)}): counted these only`,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** A verdict line with what limited the count of broadcasts already scheduled, if anything did. */
const noted = (line: string, scheduled: ScheduledContext) => (scheduled.note ? `${line} (${scheduled.note})` : line);

/** The read for a set of requests: broadcasts of `taskQueue` starting no later than the last of them, not theirs. */
export function scheduledReader(taskQueue: string, requests: { id: string; request: BroadcastRequest }[]) {
  const starts = requests.filter((r) => spendsCreateQuota(r.request)).map((r) => planned(r.id, r.request).startMs);
  const untilMs = Math.max(...starts.filter(Number.isFinite));
  const exclude = new Set(requests.map((r) => r.id));
  return (client: Client): Promise<ScheduledRead> =>
    Number.isFinite(untilMs)
      ? readScheduledCreates(client, { taskQueue, untilMs, exclude })
      : Promise.resolve({ creates: [], capped: false });
}

/** A campaign's plan: lead times `auto` (each lengthened where the quota needs it) or `fixed` (the file's). */
export function planOnTime(
  entries: CampaignEntry[],
  mode: LeadTimeMode,
  settings: Settings,
  scheduled: ScheduledContext = { existing: [] }
): OnTimePlan {
  const rate = createsPerSecond(settings);
  const options = { createsPerSecond: rate, nowMs: Date.now(), existing: scheduled.existing };
  const relays = entries.filter((e) => spendsCreateQuota(e.request));
  const withNote = (line: string) => noted(line, scheduled);
  const base = { mode, existing: scheduled.existing.length };
  if (mode === 'fixed') {
    const verdict = onTimeVerdict(
      relays.map((e) => planned(e.key, e.request)),
      options
    );
    return { ...base, entries, verdict: withNote(describeVerdict(verdict, rate)), late: verdict.late };
  }
  const auto = autoLeadTimes(
    relays.map((e) => planned(e.key, e.request)),
    options
  );
  const withLeads = entries.map((e) => {
    const lead = auto.leadSeconds.get(e.key);
    return lead === undefined ? e : { ...e, request: { ...e.request, leadTimeSeconds: lead } };
  });
  const verdict = onTimeVerdict(
    withLeads.filter((e) => spendsCreateQuota(e.request)).map((e) => planned(e.key, e.request)),
    options
  );
  const line = `lead times set automatically: ${describeVerdict(verdict, rate, false)}`;
  return { ...base, entries: withLeads, verdict: withNote(line), late: auto.late };
}

/** `broadcast start`: whether this one relay is created before its start, beside those already scheduled. */
export function singleVerdict(
  id: string,
  request: BroadcastRequest,
  settings: Settings,
  scheduled: ScheduledContext
): { verdict: string; late: number; existing: number } | undefined {
  if (!spendsCreateQuota(request)) return undefined;
  const rate = createsPerSecond(settings);
  const verdict = onTimeVerdict([planned(id, request)], {
    createsPerSecond: rate,
    nowMs: Date.now(),
    existing: scheduled.existing,
  });
  const line = describeVerdict(verdict, rate, false);
  return {
    verdict: noted(line, scheduled),
    late: verdict.late,
    existing: verdict.existing,
  };
}
