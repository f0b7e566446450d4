/**
 * Whether every relay is created before its StartTime under the provider's create quota, and the lead times that make
 * it so. Pure: the client runs it at validation (`campaign start`, `--dry-run`, `broadcast start`), with the
 * broadcasts already scheduled in the namespace read from visibility by a thin adapter (./scheduled-creates.ts).
 *
 * Model (docs/on-time.md): a broadcast asks for its create at StartTime − lead time; the provider create queue serves
 * at most `createsPerSecond`, and among the creates waiting, the earliest StartTime first (the create activity's
 * Temporal priority, src/shared/create-priority.ts; exact here, by bands at run time). Assumption: a broadcast already
 * scheduled whose create is still to come asks as late as it can while still created `marginSeconds` before its
 * start (its own lead time is not in visibility; one that asks earlier is out of the way sooner).
 */

import { isoSeconds } from '../shared/time';

export interface PlannedBroadcast {
  key: string;
  startMs: number;
  /** The lead time the entry asks for, in seconds. */
  leadSeconds: number;
}

/** A broadcast already scheduled in the namespace whose create has not happened yet. */
export interface ScheduledCreate {
  startMs: number;
}

export interface OnTimeVerdict {
  total: number;
  /** Broadcasts whose create would complete after their StartTime, with the lead times given. */
  late: number;
  /** StartTime (ISO) shared by the most late broadcasts, and how many of them. */
  worstStart?: { at: string; late: number; total: number };
  /**
   * Smallest lead time, the same for every broadcast, that creates them all `marginSeconds` before their start;
   * absent when none does (they start too soon after now for the quota).
   */
  uniformLeadSeconds?: number;
  /** Broadcasts already scheduled in the namespace that the verdict counted. */
  existing: number;
}

export interface CreatePlanOptions {
  createsPerSecond: number;
  /** Asks before this moment are served from it on (the campaign starts now). @default no bound */
  nowMs?: number;
  /** Each create should complete at least this long before its StartTime. @default 10 */
  marginSeconds?: number;
  /** Broadcasts already scheduled in the namespace whose creates share the quota. @default none */
  existing?: readonly ScheduledCreate[];
}

/** One create: its start, when it asks and by when it should be made. */
interface Job {
  startMs: number;
  /** When it asks for its create; for planning, the earliest it can be served (−∞: whenever the plan says). */
  askMs: number;
  /** Latest moment it should be made to keep to plan. */
  deadlineMs: number;
  /** At equal starts a broadcast already scheduled is served before a new one. */
  existing: boolean;
  key: string;
}

const LONGEST_LEAD_SECONDS = 86_400;

/** Serving order: earliest start first; at equal starts a broadcast already scheduled first, then by key. */
function servedBefore(a: Job, b: Job): number {
  return (
    a.startMs - b.startMs || Number(b.existing) - Number(a.existing) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  );
}

/** A binary heap: `pop` returns the job `before` puts first. */
class JobHeap {
  private readonly heap: Job[] = [];
  constructor(private readonly before: (a: Job, b: Job) => number) {}
  get size(): number {
    return this.heap.length;
  }
  private less(i: number, j: number): boolean {
    return this.before(this.heap[i] as Job, this.heap[j] as Job) < 0;
  }
  private swap(i: number, j: number): void {
    [this.heap[i], this.heap[j]] = [this.heap[j] as Job, this.heap[i] as Job];
  }
  push(job: Job): void {
    this.heap.push(job);
    for (let i = this.heap.length - 1; i > 0 && this.less(i, (i - 1) >> 1); i = (i - 1) >> 1)
      this.swap(i, (i - 1) >> 1);
  }
  pop(): Job | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (this.heap.length > 0 && last) {
      this.heap[0] = last;
      for (let i = 0; ;) {
        const [l, r] = [2 * i + 1, 2 * i + 2];
        let best = i;
        if (l < this.heap.length && this.less(l, best)) best = l;
        if (r < this.heap.length && this.less(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return top;
  }
}

/**
 * When each create is made: one every 1/rate seconds at most, each time the earliest start among the creates that
 * have asked (none before `nowMs`). The runtime's order (src/shared/create-priority.ts), exactly.
 */
function serveTimes(jobs: readonly Job[], rate: number, nowMs: number): Map<Job, number> {
  const gapMs = 1000 / rate;
  const byAsk = [...jobs].sort((a, b) => a.askMs - b.askMs);
  const waiting = new JobHeap(servedBefore);
  const done = new Map<Job, number>();
  let lastMs = Number.NEGATIVE_INFINITY;
  let next = 0;
  while (next < byAsk.length || waiting.size > 0) {
    let atMs = Math.max(lastMs + gapMs, nowMs);
    const firstAsk = byAsk[next];
    if (waiting.size === 0 && firstAsk) atMs = Math.max(atMs, firstAsk.askMs);
    for (let job = byAsk[next]; job && job.askMs <= atMs; job = byAsk[++next]) waiting.push(job);
    done.set(waiting.pop() as Job, atMs);
    lastMs = atMs;
  }
  return done;
}

/**
 * The latest moment each create can be made, 1/rate apart, each by its deadline and none before it asks: built
 * backwards from the latest deadline, each slot going to the available create that asks latest (one whose ask is
 * fixed must not be planned before it), then to the latest start. A create that cannot make its deadline gets a slot
 * before it (before now, when the quota cannot fit everything).
 */
function latestSlots(jobs: readonly Job[], rate: number): Map<Job, number> {
  const gapMs = 1000 / rate;
  const byDeadline = [...jobs].sort((a, b) => b.deadlineMs - a.deadlineMs);
  const available = new JobHeap((a, b) => b.askMs - a.askMs || servedBefore(b, a));
  const slots = new Map<Job, number>();
  let atMs = Number.POSITIVE_INFINITY;
  let next = 0;
  while (next < byDeadline.length || available.size > 0) {
    const latest = byDeadline[next];
    if (available.size === 0 && latest) atMs = Math.min(atMs, latest.deadlineMs);
    for (let job = byDeadline[next]; job && job.deadlineMs >= atMs; job = byDeadline[++next]) available.push(job);
    slots.set(available.pop() as Job, atMs);
    atMs -= gapMs;
  }
  return slots;
}

/**
 * The broadcasts already scheduled, as they are assumed to ask: each as late as it can while it is still created the
 * margin before its start (one that asks earlier is out of the way sooner).
 */
function existingJobs(options: CreatePlanOptions, marginMs: number): Job[] {
  const jobs = (options.existing ?? []).map((e, i) => ({
    startMs: e.startMs,
    askMs: Number.NEGATIVE_INFINITY,
    deadlineMs: e.startMs - marginMs,
    existing: true,
    key: `existing ${i}`,
  }));
  const turns = latestSlots(jobs, options.createsPerSecond);
  return jobs.map((j) => ({ ...j, askMs: turns.get(j) as number }));
}

/** The broadcasts' creates, each asking at start − `leadSecondsOf` it. */
function ownJobs(broadcasts: readonly PlannedBroadcast[], leadSecondsOf: (b: PlannedBroadcast) => number): Job[] {
  return broadcasts.map((b) => ({
    startMs: b.startMs,
    askMs: b.startMs - leadSecondsOf(b) * 1000,
    deadlineMs: b.startMs,
    existing: false,
    key: b.key,
  }));
}

/** When each of the broadcasts' creates is made, asking at start − `leadSecondsOf` it, beside `existing`. */
function served(
  broadcasts: readonly PlannedBroadcast[],
  existing: readonly Job[],
  leadSecondsOf: (b: PlannedBroadcast) => number,
  options: CreatePlanOptions
): number[] {
  const own = ownJobs(broadcasts, leadSecondsOf);
  const done = serveTimes([...existing, ...own], options.createsPerSecond, options.nowMs ?? Number.NEGATIVE_INFINITY);
  return own.map((j) => done.get(j) as number);
}

/** The verdict on the broadcasts' own lead times, and the uniform lead time that would fit every create. */
export function onTimeVerdict(broadcasts: readonly PlannedBroadcast[], options: CreatePlanOptions): OnTimeVerdict {
  const marginMs = (options.marginSeconds ?? 10) * 1000;
  const existing = existingJobs(options, marginMs);
  const doneAsAsked = served(broadcasts, existing, (b) => b.leadSeconds, options);
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
    const done = served(broadcasts, existing, () => leadS, options);
    return broadcasts.every((b, i) => (done[i] as number) + marginMs <= b.startMs);
  };
  // Monotone: a longer lead asks earlier, so no create is made later. Binary search up to a day.
  let uniformLeadSeconds: number | undefined;
  if (fits(LONGEST_LEAD_SECONDS)) {
    let low = 0;
    let high = LONGEST_LEAD_SECONDS;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (fits(mid)) high = mid;
      else low = mid + 1;
    }
    uniformLeadSeconds = low;
  }
  return {
    total: broadcasts.length,
    late: late.filter(Boolean).length,
    ...(worst && worst[1].late > 0 ? { worstStart: { at: isoSeconds(new Date(worst[0])), ...worst[1] } } : {}),
    ...(uniformLeadSeconds === undefined ? {} : { uniformLeadSeconds }),
    existing: existing.length,
  };
}

/**
 * Lead times ("auto") that create every relay at least `marginSeconds` before its start, earliest start first, with
 * the broadcasts already scheduled taking their turn: each broadcast keeps its own lead time unless the quota needs a
 * longer one (a create made earlier only waits, and a create's retries keep the time the user gave them). Broadcasts
 * that start too soon after `nowMs` to be created before their start get the earliest create possible and are
 * counted in `late`. `existingTurnsMs`: by when each existing broadcast is assumed to ask (the model's assumption).
 */
export function autoLeadTimes(
  broadcasts: readonly PlannedBroadcast[],
  options: CreatePlanOptions
): { leadSeconds: Map<string, number>; late: number; existingTurnsMs: number[] } {
  const nowMs = options.nowMs ?? Number.NEGATIVE_INFINITY;
  const marginMs = (options.marginSeconds ?? 10) * 1000;
  const existing = existingJobs(options, marginMs);
  // To plan: free to ask whenever the plan says, each by its own lead time (at least the margin) before its start.
  const wanted = broadcasts.map((b) => ({
    startMs: b.startMs,
    askMs: Number.NEGATIVE_INFINITY,
    deadlineMs: b.startMs - Math.max(b.leadSeconds * 1000, marginMs),
    existing: false,
    key: b.key,
  }));
  const slots = latestSlots([...existing, ...wanted], options.createsPerSecond);
  const leadSeconds = new Map<string, number>();
  wanted.forEach((job, i) => {
    // A slot before now means: as soon as possible.
    const lead = Math.ceil((job.startMs - Math.max(slots.get(job) as number, nowMs)) / 1000);
    leadSeconds.set(job.key, Math.max(0, lead, (broadcasts[i] as PlannedBroadcast).leadSeconds));
  });
  const done = served(broadcasts, existing, (b) => leadSeconds.get(b.key) as number, options);
  return {
    leadSeconds,
    late: broadcasts.filter((b, i) => (done[i] as number) > b.startMs).length,
    existingTurnsMs: existing.map((j) => j.askMs),
  };
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * One line for a person: all on time, or how many are late, when, and the lead time that fits them all.
 * `autoHint`: the command offers `--lead-time auto`.
 */
export function describeVerdict(verdict: OnTimeVerdict, createsPerSecond: number, autoHint = true): string {
  const counted = verdict.existing
    ? `, counting ${count(verdict.existing)} broadcast${verdict.existing === 1 ? '' : 's'} already scheduled`
    : '';
  if (verdict.late === 0) {
    const all = verdict.total === 1 ? 'the relay is' : `all ${count(verdict.total)} relays are`;
    return `${all} created before their start at ${createsPerSecond} creates/s${counted}`;
  }
  const worst = verdict.worstStart;
  const where = worst
    ? worst.total === verdict.total && worst.late === verdict.late
      ? ` starting at ${worst.at}`
      : ` (${count(worst.late)} of the ${count(worst.total)} starting at ${worst.at})`
    : '';
  const fix =
    verdict.uniformLeadSeconds === undefined
      ? 'no lead time fits them all: they start too soon for the quota'
      : `a lead time of at least ${verdict.uniformLeadSeconds} s fits them all${autoHint ? ' (or --lead-time auto)' : ''}`;
  const noun = verdict.total === 1 ? 'broadcast' : 'broadcasts';
  return (
    `${count(verdict.late)} of ${count(verdict.total)} ${noun}${where} would be created after their start at ` +
    `${createsPerSecond} creates/s${counted}; ${fix}`
  );
}
