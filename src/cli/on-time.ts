/**
 * The create quota at validation: whether a campaign's relays are all created before their starts, and, with
 * `--lead-time auto`, the lead times that make it so (src/campaign/create-plan.ts).
 */
import { autoLeadTimes, describeVerdict, onTimeVerdict, type PlannedBroadcast } from '../campaign/create-plan';
import type { CampaignEntry } from '../campaign/file';
import type { Settings } from '../config/settings';
import { actionBudgets } from '../provider/quota-gate';
import { DEFAULT_LEAD_TIME_SECONDS } from '../shared/broadcast';

import { UsageError } from './common';

export interface OnTimePlan {
  entries: CampaignEntry[];
  /** One line for the user: every relay on time, or how many are late and the lead time that fits them. */
  verdict: string;
  late: number;
}

function planned(entry: CampaignEntry): PlannedBroadcast {
  const spec = entry.request.relay ?? entry.request.legacy;
  return {
    key: entry.key,
    startMs: Date.parse(spec?.StartTime ?? ''),
    leadSeconds: entry.request.leadTimeSeconds ?? DEFAULT_LEAD_TIME_SECONDS,
  };
}

/** `leadTime`: the --lead-time flag, `auto` or absent (each entry's own lead time). */
export function planOnTime(entries: CampaignEntry[], leadTime: string | undefined, settings: Settings): OnTimePlan {
  const createsPerSecond = actionBudgets(
    settings.PROVIDER_RATE_LIMIT_PER_SECOND,
    settings.PROVIDER_RATE_LIMITS
  ).CreateLivePullToPush;
  const options = { createsPerSecond, nowMs: Date.now() };
  // Legacy configs are not CreateLivePullToPush calls: they do not spend the create quota.
  const relays = entries.filter((e) => e.request.flavour !== 'legacy');
  if (leadTime === undefined) {
    const verdict = onTimeVerdict(relays.map(planned), options);
    return { entries, verdict: describeVerdict(verdict, createsPerSecond), late: verdict.late };
  }
  if (leadTime !== 'auto') throw new UsageError(`--lead-time: only "auto" here (per-entry lead times go in the file)`);
  const auto = autoLeadTimes(relays.map(planned), options);
  const withLeads = entries.map((e) => {
    const lead = auto.leadSeconds.get(e.key);
    return lead === undefined ? e : { ...e, request: { ...e.request, leadTimeSeconds: lead } };
  });
  const verdict = onTimeVerdict(withLeads.filter((e) => e.request.flavour !== 'legacy').map(planned), options);
  const summary = auto.late
    ? `${auto.late} relays start too soon to be created before their start at ${createsPerSecond} creates/s`
    : `lead times set automatically: ${describeVerdict(verdict, createsPerSecond)}`;
  return { entries: withLeads, verdict: summary, late: auto.late };
}
