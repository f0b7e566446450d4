/**
 * Whether every relay of a campaign can be created before its StartTime under the provider's create quota, and the
 * lead times that make it so. Pure: the client runs it at validation (`campaign start`, `--dry-run`).
 *
 * Model: a broadcast asks for its create at StartTime − lead time; creates leave at most `createsPerSecond`, in the
 * order they were asked for (the provider queue serves first come, first served). Assumption: nothing else spends
 * the create quota in that window (other campaigns already scheduled in the namespace are not counted yet).
 */

import { isoSeconds } from '../provider/signing';

export interface PlannedBroadcast {
  key: string;
  startMs: number;
  /** The lead time the entry asks for, in seconds. */
  leadSeconds: number;
}

export interface OnTimeVerdict {
  total: number;
  /** Broadcasts whose create would complete after their StartTime, with the fixed lead times given. */
  late: number;
  /** StartTime (ISO) shared by the most late broadcasts, and how many of them. */
  worstStart?: { at: string; late: number; total: number };
  /** Smallest lead time, the same for every broadcast, that creates them all `marginSeconds` before their start. */
  uniformLeadSeconds: number;
}

export interface CreatePlanOptions {
  createsPerSecond: number;
  /** Asks before this moment are served from it on (the campaign starts now). @default no bound */
  nowMs?: number;
  /** Each create should complete at least this long before its StartTime. @default 10 */
  marginSeconds?: number;
}

/** When each create completes: asked at start − lead, served in order of asking, one every 1/rate seconds. */
function completions(items: readonly { askMs: number }[], rate: number): number[] {
  const gapMs = 1000 / rate;
  const order = items.map((item, i) => ({ askMs: item.askMs, i })).sort((a, b) => a.askMs - b.askMs || a.i - b.i);
  const done = new Array<number>(items.length);
  let lastMs = Number.NEGATIVE_INFINITY;
  for (const { askMs, i } of order) {
    lastMs = Math.max(askMs, lastMs + gapMs);
    done[i] = lastMs;
  }
  return done;
}

/** Completion of each broadcast's create when each asks at StartTime − `leadSecondsOf` it. */
function createDone(
  broadcasts: readonly PlannedBroadcast[],
  leadSecondsOf: (b: PlannedBroadcast) => number,
  rate: number,
  nowMs = Number.NEGATIVE_INFINITY
) {
  return completions(
    broadcasts.map((b) => ({ askMs: Math.max(b.startMs - leadSecondsOf(b) * 1000, nowMs) })),
    rate
  );
}

/** The verdict on a campaign's lead times, and the uniform lead time that would fit every create. */
export function onTimeVerdict(broadcasts: readonly PlannedBroadcast[], options: CreatePlanOptions): OnTimeVerdict {
  const rate = options.createsPerSecond;
  const marginMs = (options.marginSeconds ?? 10) * 1000;
  const doneAsAsked = createDone(broadcasts, (b) => b.leadSeconds, rate, options.nowMs);
  const late = broadcasts.map((b, i) => (doneAsAsked[i] as number) > b.startMs);
  const byStart = new Map<number, { late: number; total: number }>();
  broadcasts.forEach((b, i) => {
    const group = byStart.get(b.startMs) ?? { late: 0, total: 0 };
    group.total++;
    if (late[i]) group.late++;
    byStart.set(b.startMs, group);
  });
  const worst = [...byStart.entries()].sort((a, b) => b[1].late - a[1].late || a[0] - b[0])[0];
  const fits = (leadS: number) => {
    const done = createDone(broadcasts, () => leadS, rate, options.nowMs);
    return broadcasts.every((b, i) => (done[i] as number) + marginMs <= b.startMs);
  };
  // Monotone: a longer lead asks earlier, so every create completes no later. Binary search up to a day.
  let low = 0;
  let high = 86_400;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (fits(mid)) high = mid;
    else low = mid + 1;
  }
  return {
    total: broadcasts.length,
    late: late.filter(Boolean).length,
    ...(worst && worst[1].late > 0 ? { worstStart: { at: isoSeconds(new Date(worst[0])), ...worst[1] } } : {}),
    uniformLeadSeconds: low,
  };
}

/**
 * Lead times ("auto") that create every relay `marginSeconds` before its start, earliest start first, each as late as
 * the quota allows (a task created long before its start only waits idle). Broadcasts whose create would have to
 * happen before `nowMs` keep the earliest lead possible and are counted in `late`.
 */
export function autoLeadTimes(
  broadcasts: readonly PlannedBroadcast[],
  options: CreatePlanOptions
): { leadSeconds: Map<string, number>; late: number } {
  const nowMs = options.nowMs ?? Number.NEGATIVE_INFINITY;
  const gapMs = 1000 / options.createsPerSecond;
  const marginMs = (options.marginSeconds ?? 10) * 1000;
  const latestFirst = [...broadcasts].sort((a, b) => b.startMs - a.startMs || b.key.localeCompare(a.key));
  const leadSeconds = new Map<string, number>();
  let nextCreateMs = Number.POSITIVE_INFINITY;
  let late = 0;
  for (const b of latestFirst) {
    const createMs = Math.min(b.startMs - marginMs, nextCreateMs - gapMs);
    if (createMs < nowMs) late++;
    nextCreateMs = createMs;
    leadSeconds.set(b.key, Math.max(0, Math.ceil((b.startMs - createMs) / 1000)));
  }
  return { leadSeconds, late };
}

/** One line for a person: all on time, or how many are late, when, and the lead time that fits them all. */
export function describeVerdict(verdict: OnTimeVerdict, createsPerSecond: number): string {
  if (verdict.late === 0)
    return `all ${verdict.total} relays are created before their start at ${createsPerSecond} creates/s`;
  const worst = verdict.worstStart;
  const where = worst ? ` (${worst.late} of the ${worst.total} starting at ${worst.at})` : '';
  return (
    `${verdict.late} of ${verdict.total} broadcasts would be created after their start at ${createsPerSecond} ` +
    `creates/s${where}; a lead time of at least ${verdict.uniformLeadSeconds} s fits them all (or --lead-time auto)`
  );
}
