/**
 * on-time: 2,000 broadcasts over three StartTimes a minute apart, under the real create quota (10/s), each asking for
 * a 60 s lead time. Measured at the sandbox: the share created before their StartTime and the worst margin, with the
 * lead times the planner gives them (`campaign start`'s default, `auto`) against the same broadcasts with their
 * lead times as asked (`--lead-time fixed`, what users got before). Goal: 100% with the planner.
 */
import { autoLeadTimes, onTimeVerdict, type PlannedBroadcast } from '../../src/campaign/create-plan';
import { startBroadcast } from '../../src/broadcast/start';
import { DEFAULT_REGION } from '../../src/provider/schemas';
import { relayRequest } from '../../testkit/broadcasts';
import { progressEvery, times } from '../lib/concurrency';
import type { BenchRun, BenchScenario } from '../lib/scenario';
import { startBenchStack } from '../lib/stack';
import { meanRatePerSecond } from '../lib/rates';
import { medianOf } from '../lib/stats';

/** BENCH_ON_TIME_COUNT: fewer broadcasts for a quick look (the section's figures are from the default). */
const COUNT = Number(process.env.BENCH_ON_TIME_COUNT ?? 2_000);
const QUOTA_PER_SECOND = 10;
const STARTS = 3;
const START_GAP_MS = 60_000;
const LEAD_TIME_SECONDS = 60;
/** Time to start every workflow before the planner's first create is due (a campaign's submit, on 2 busy cores). */
const START_BUDGET_MS = 90_000;

type Variant = 'planned' | 'fixed';

async function runVariant(variant: Variant, run: number, log: (line: string) => void) {
  const stack = await startBenchStack({ providerRateLimit: QUOTA_PER_SECOND });
  try {
    const { sandbox } = stack.relay;
    // The planner's first create comes COUNT / quota before the last start's deadline: after the start budget.
    const now = Date.now();
    const lastStartBound = now + START_BUDGET_MS + (COUNT / QUOTA_PER_SECOND + LEAD_TIME_SECONDS) * 1000;
    const firstStartMs =
      Math.ceil(
        Math.max(lastStartBound - (STARTS - 1) * START_GAP_MS, now + START_BUDGET_MS + LEAD_TIME_SECONDS * 1000) / 1000
      ) * 1000;
    const broadcasts: PlannedBroadcast[] = Array.from({ length: COUNT }, (_, i) => ({
      key: `on-time-${run}-${variant}-${i}`,
      startMs: firstStartMs + (i % STARTS) * START_GAP_MS,
      leadSeconds: LEAD_TIME_SECONDS,
    }));
    const options = { createsPerSecond: QUOTA_PER_SECOND, nowMs: now };
    const leads = variant === 'planned' ? autoLeadTimes(broadcasts, options).leadSeconds : new Map<string, number>();
    const leadOf = (b: PlannedBroadcast) => leads.get(b.key) ?? b.leadSeconds;
    const predictedLate = onTimeVerdict(
      broadcasts.map((b) => ({ ...b, leadSeconds: leadOf(b) })),
      options
    ).late;
    const lastStartMs = firstStartMs + (STARTS - 1) * START_GAP_MS;
    const startPhaseMs = await stack.run(async () => {
      const began = Date.now();
      await times(
        COUNT,
        64,
        (i) => {
          const b = broadcasts[i] as PlannedBroadcast;
          return startBroadcast({
            client: stack.client,
            taskQueue: stack.relay.taskQueue,
            workflowId: b.key,
            request: relayRequest(now, b.startMs - now, 600_000, { leadTimeSeconds: leadOf(b) }),
            defaultRegion: DEFAULT_REGION,
          });
        },
        progressEvery(Math.ceil(COUNT / 4), COUNT, `${variant}: started`, log)
      );
      const took = Date.now() - began;
      log(
        `${variant}: all started in ${(took / 1000).toFixed(1)} s; last start in ${((lastStartMs - Date.now()) / 1000).toFixed(0)} s`
      );
      // Every create, or the last start plus the time the quota needs for a backlog of all of them.
      const deadline = lastStartMs + (COUNT / QUOTA_PER_SECOND) * 1000 + 30_000;
      while (sandbox.tasks().length < COUNT && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1_000));
      return took;
    });
    const margins = sandbox.tasks().map((t) => (Date.parse(t.StartTime) - Date.parse(t.history[0]?.at ?? '')) / 1000);
    const onTime = margins.filter((m) => m >= 0).length;
    // What the stack delivered: the plan assumes the full quota; on a loaded machine the workers fall short of it.
    const createdAt = sandbox.tasks().map((t) => Date.parse(t.history[0]?.at ?? ''));
    return {
      onTimePct: (100 * onTime) / COUNT,
      late: COUNT - onTime,
      created: margins.length,
      worstMarginS: Math.min(...margins),
      predictedLate,
      createRatePerS: meanRatePerSecond(createdAt),
      startPhaseS: startPhaseMs / 1000,
    };
  } finally {
    await stack.close();
  }
}

async function runOnce({ run, log }: { run: number; log(line: string): void }): Promise<BenchRun> {
  const fixed = await runVariant('fixed', run, log);
  const planned = await runVariant('planned', run, log);
  const notes: string[] = [];
  for (const [name, v] of [
    ['fixed', fixed],
    ['planned', planned],
  ] as const) {
    if (v.created < COUNT) notes.push(`${name}: only ${v.created} of ${COUNT} created before the run gave up`);
    if (v.startPhaseS * 1000 > START_BUDGET_MS) {
      notes.push(`${name}: starting took ${v.startPhaseS.toFixed(0)} s, past the budget: early creates asked late`);
    }
  }
  return {
    metrics: {
      onTimePct: planned.onTimePct,
      worstMarginS: planned.worstMarginS,
      late: planned.late,
      predictedLate: planned.predictedLate,
      createRatePerS: planned.createRatePerS,
      fixedOnTimePct: fixed.onTimePct,
      fixedWorstMarginS: fixed.worstMarginS,
      fixedLate: fixed.late,
      fixedPredictedLate: fixed.predictedLate,
      fixedCreateRatePerS: fixed.createRatePerS,
      startPhaseS: planned.startPhaseS,
      fixedStartPhaseS: fixed.startPhaseS,
    },
    notes,
  };
}

export const onTimeScenario: BenchScenario = {
  name: 'on-time',
  title: 'Relays created before their start under the create quota',
  goal:
    `${COUNT.toLocaleString('en-US')} broadcasts over three StartTimes within two minutes, real quota: 100% created ` +
    'before their StartTime with the planner (the fixed-lead figure beside it).',
  method:
    `Own dev server, sandbox (10 creates/s) and relay workers per variant, one variant after the other in each run. ` +
    `${COUNT} broadcasts, a third each at three StartTimes ${START_GAP_MS / 1000} s apart, each asking for a ` +
    `${LEAD_TIME_SECONDS} s lead time, started through the client (64 in flight). "planned": the lead times ` +
    '`campaign start` gives them by default (`autoLeadTimes`, src/campaign/create-plan.ts); "fixed": as asked ' +
    '(`--lead-time fixed`). Measured at the sandbox: each task’s creation time against its StartTime (margin); ' +
    'predictedLate is the planner’s own verdict before the run; createRatePerS the creates per second the sandbox saw ' +
    '(the plan assumes the full quota).',
  defaultRuns: 1,
  findings: [
    'Run at 15:26Z on 2026-12-02: load average 1 at start, 9–12 during the planned variant (other agents’ test ' +
      'suites). Planned 100% on time, but with a worst margin of 1.1 s against the 10 s the planner aims for: the ' +
      'creates ran behind the plan because the dev server and worker were CPU-starved (persistence timeouts in the ' +
      'server log). Fixed lead times: 550 of 2,000 late (the planner had predicted 398 at the full quota).',
    'That run predates the create task priority (docs/on-time.md): the order was the planner’s staggered asks alone. ' +
      'Re-measure on a quiet machine with `npm run bench -- on-time`.',
  ],
  runOnce,
  judge(runs) {
    const pct = medianOf(runs, 'onTimePct');
    const worst = Math.min(...runs.map((r) => r.metrics.worstMarginS ?? -Infinity));
    const fixedPct = medianOf(runs, 'fixedOnTimePct');
    return {
      met: runs.every((r) => r.metrics.onTimePct === 100),
      summary:
        `planned: ${pct.toFixed(1)}% on time (goal 100%), worst margin ${worst.toFixed(1)} s; fixed lead ` +
        `times: ${fixedPct.toFixed(1)}% on time`,
    };
  },
};
