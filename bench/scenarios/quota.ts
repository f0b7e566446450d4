/**
 * quota: 1,000 broadcasts due at the same moment, created through the real workers against the sandbox's quota of
 * 10 calls/s per key and action, while a second client with the same key keeps DescribeLivePullToPush at its own
 * 10/s. Goal: the provider sees creates at ≥ 9.5/s on average, never more than 10 in any one second, and never
 * answers Throttling: Describe traffic at its limit does not slow creates.
 */
import { LiveClient, type CallEvent } from '../../src/provider/client';
import type { RunningSandbox } from '../../src/dev-harness/sandbox';
import { DEFAULT_REGION } from '../../src/provider/schemas';
import { TEST_KEY } from '../../testkit/relay-stack';
import { startManyBroadcasts, wholeSecondAfter } from '../lib/broadcasts';
import { countsPerBucket, maxInWindow, meanRatePerSecond } from '../lib/rates';
import type { BenchRun, BenchScenario } from '../lib/scenario';
import { startBenchStack } from '../lib/stack';
import { median, medianOf, percentile } from '../lib/stats';

const COUNT = 1_000;
const QUOTA_PER_SECOND = 10;
/** Time to start every workflow before the first becomes due (measured: a few seconds on 2 cores). */
const START_BUDGET_MS = 15_000;
/** Creates take COUNT / 10 = 100 s: StartTime lies beyond that, so no Describe (reconcile) competes for the quota. */
const LEAD_TIME_SECONDS = 150;
const CREATE = 'CreateLivePullToPush';
const DESCRIBE = 'DescribeLivePullToPush';
/** How long the quota gate holds a slot after each answer (src/provider/quota-gate.ts: window + margin). */
const GATE_HOLD_MS = 1_010;

/**
 * Experiments, not the product's arrangement (all default to it): BENCH_QUOTA_QUEUE_LIMIT sets the provider
 * queue's server-side rate limit apart from the client's quota gate (10/s), BENCH_QUOTA_GATE=off turns the gate off,
 * BENCH_QUOTA_PARTITIONS=n gives the dev server's task queues n partitions instead of the one every dev server of ours
 * runs with (src/dev-harness/temporal/dev-server.ts; the server's own default is 4).
 */
function experiment(): {
  queueLimit: number;
  gate: boolean;
  partitions?: number;
  describeLoad: boolean;
  label?: string;
} {
  const queueLimit = Number(process.env.BENCH_QUOTA_QUEUE_LIMIT ?? QUOTA_PER_SECOND);
  if (!(queueLimit > 0)) throw new Error('BENCH_QUOTA_QUEUE_LIMIT: must be a positive number');
  const gate = process.env.BENCH_QUOTA_GATE !== 'off';
  const partitions = process.env.BENCH_QUOTA_PARTITIONS ? Number(process.env.BENCH_QUOTA_PARTITIONS) : undefined;
  if (partitions !== undefined && !(Number.isInteger(partitions) && partitions > 0)) {
    throw new Error('BENCH_QUOTA_PARTITIONS: must be a positive integer');
  }
  const describeLoad = process.env.BENCH_QUOTA_DESCRIBE_LOAD !== 'off';
  const changed = queueLimit !== QUOTA_PER_SECOND || !gate || partitions !== undefined || !describeLoad;
  return {
    queueLimit,
    gate,
    partitions,
    describeLoad,
    label: changed
      ? `experiment: server-side queue limit ${queueLimit}/s, quota gate ${gate ? 'on' : 'off'}, task queue ` +
        `partitions ${partitions ?? 1}, Describe load ${describeLoad ? 'on' : 'off'}`
      : undefined,
  };
}

async function waitForCreates(
  count: () => number,
  target: number,
  timeoutMs: number,
  log: (l: string) => void
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let lastLog = 0;
  while (count() < target) {
    if (Date.now() > deadline) return false;
    if (Date.now() - lastLog > 20_000) {
      lastLog = Date.now();
      log(`creates: ${count()}/${target}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return true;
}

/**
 * Describe traffic at its own limit: a second client with the workers' key, gated at the quota, describing the first
 * task the workers created as fast as its gate lets it, until `done()`.
 */
async function describeLoad(sandbox: RunningSandbox, done: () => boolean): Promise<void> {
  const client = new LiveClient({
    accessKeyId: TEST_KEY.id,
    accessKeySecret: TEST_KEY.secret,
    region: DEFAULT_REGION,
    endpoint: sandbox.url,
    quotaPerSecond: QUOTA_PER_SECOND,
  });
  try {
    while (!done() && sandbox.tasks().length === 0) await new Promise((r) => setTimeout(r, 50));
    const TaskId = sandbox.tasks()[0]?.TaskId ?? 'none';
    const describeUntilDone = async () => {
      while (!done()) await client.describeLivePullToPush({ TaskId }).catch(() => undefined);
    };
    await Promise.all(Array.from({ length: QUOTA_PER_SECOND }, describeUntilDone));
  } finally {
    await client.close();
  }
}

async function runOnce({ run, log }: { run: number; log(line: string): void }): Promise<BenchRun> {
  const setup = experiment();
  const clientCalls: CallEvent[] = [];
  const stack = await startBenchStack({
    // No gate: a limit no burst reaches.
    providerRateLimit: setup.gate ? QUOTA_PER_SECOND : 1_000_000,
    providerQueueRateLimit: setup.queueLimit,
    onProviderCall: (event) => clientCalls.push(event),
    server: setup.partitions
      ? {
          dynamicConfig: {
            'matching.numTaskqueueReadPartitions': String(setup.partitions),
            'matching.numTaskqueueWritePartitions': String(setup.partitions),
          },
        }
      : undefined,
  });
  try {
    const { sandbox } = stack.relay;
    const dueAtMs = wholeSecondAfter(START_BUDGET_MS);
    const creates = () => sandbox.calls().filter((c) => c.action === CREATE && c.status === 200).length;
    let createsDone = false;
    const describes = setup.describeLoad ? describeLoad(sandbox, () => createsDone) : Promise.resolve();
    const { startPhaseMs, complete } = await stack.run(async () => {
      const started = Date.now();
      await startManyBroadcasts({
        client: stack.client,
        taskQueue: stack.relay.taskQueue,
        count: COUNT,
        startAtMs: dueAtMs + LEAD_TIME_SECONDS * 1000,
        durationMs: 3_600_000,
        leadTimeSeconds: LEAD_TIME_SECONDS,
        idPrefix: `quota-${run}`,
        log,
      });
      const startPhase = Date.now() - started;
      log(
        `all ${COUNT} started in ${(startPhase / 1000).toFixed(1)} s; due in ${((dueAtMs - Date.now()) / 1000).toFixed(1)} s`
      );
      const done = await waitForCreates(creates, COUNT, START_BUDGET_MS + (COUNT / QUOTA_PER_SECOND) * 3_000, log);
      createsDone = true;
      await describes;
      return { startPhaseMs: startPhase, complete: done };
    });
    const calls = sandbox.calls();
    const at = (c: { at: string }) => Date.parse(c.at);
    const accepted = calls.filter((c) => c.action === CREATE && c.status === 200).map(at);
    const attempted = calls.filter((c) => c.action === CREATE).map(at);
    const throttled = calls.filter((c) => c.code.startsWith('Throttling')).length;
    const rate = meanRatePerSecond(accepted);
    // Describes while creates ran (from the first accepted create to the last).
    const [firstCreate, lastCreate] = [Math.min(...accepted), Math.max(...accepted)];
    const describesDuringCreates = calls
      .filter((c) => c.action === DESCRIBE && c.status === 200)
      .map(at)
      .filter((t) => t >= firstCreate && t <= lastCreate);
    const firstLateMs = Math.min(...accepted) - dueAtMs;
    const notes: string[] = setup.label ? [setup.label] : [];
    notes.push(`accepted creates per 10 s from the first: ${countsPerBucket(accepted, 10_000).join(' ')}`);
    // As the client saw its creates: send → answer (round trip, event-loop lag included) and the wait for a slot.
    const clientCreates = clientCalls.filter((c) => c.action === CREATE);
    const rtt = clientCreates.map((c) => c.durationMs);
    const meanRttMs = rtt.reduce((a, b) => a + b, 0) / Math.max(rtt.length, 1);
    if (!complete) notes.push(`only ${accepted.length} of ${COUNT} creates before the run gave up`);
    if (startPhaseMs > START_BUDGET_MS) {
      notes.push(`starting took ${(startPhaseMs / 1000).toFixed(1)} s, past the due time: not all were due together`);
    }
    const otherActions = [
      ...new Set(calls.filter((c) => c.action !== CREATE && c.action !== DESCRIBE).map((c) => c.action)),
    ];
    if (otherActions.length) notes.push(`other provider calls during the run: ${otherActions.join(', ')}`);
    return {
      metrics: {
        creates: accepted.length,
        createRatePerS: rate,
        ratio: rate / QUOTA_PER_SECOND,
        maxAcceptedCreatesIn1s: maxInWindow(accepted),
        maxCreateAttemptsIn1s: maxInWindow(attempted),
        maxProviderCallsIn1s: maxInWindow(calls.map(at)),
        throttlingErrors: throttled,
        describeRatePerSDuringCreates: meanRatePerSecond(describesDuringCreates),
        maxDescribesIn1s: maxInWindow(describesDuringCreates),
        providerCalls: calls.length,
        firstCreateAfterDueMs: firstLateMs,
        startPhaseS: startPhaseMs / 1000,
        clientRttMsP50: median(rtt),
        clientRttMsP90: percentile(rtt, 90),
        clientRttMsMean: meanRttMs,
        // Ten slots, each held for the round trip plus the gate's hold: the most the gate lets through.
        gateCeilingPerS: (QUOTA_PER_SECOND * 1000) / (GATE_HOLD_MS + meanRttMs),
        quotaWaitMsP50: median(clientCreates.map((c) => c.quotaWaitMs)),
        createsThatWaitedForSlotPct:
          (100 * clientCreates.filter((c) => c.quotaWaitMs > 5).length) / Math.max(clientCreates.length, 1),
      },
      notes,
    };
  } finally {
    await stack.close();
  }
}

export const quotaScenario: BenchScenario = {
  name: 'quota',
  title: 'Provider quota under a burst of due broadcasts',
  goal:
    '1,000 broadcasts with the same StartTime, while DescribeLivePullToPush runs at its own 10/s: sandbox-observed ' +
    'create rate mean ≥ 9.5/s, never more than 10 accepted creates in any sliding one-second window, zero Throttling ' +
    'errors.',
  method:
    `Own dev server and sandbox (10 calls/s per key and action, the seed's per-API quota); the real relay ` +
    `workers in the bench process, provider queue limited to ${QUOTA_PER_SECOND}/s (one task queue partition, as on every dev server of ours). ${COUNT} broadcasts started ` +
    `through the client (64 in flight) with one StartTime and a ${LEAD_TIME_SECONDS} s lead time, so all become due ` +
    `together ${START_BUDGET_MS / 1000} s after the first start and none reconciles before the last create. From ` +
    `the first create on, a second LiveClient with the same key (its own gate at ${QUOTA_PER_SECOND}/s) describes ` +
    `one task as fast as its gate allows, until the last create: Describe traffic at its own limit. Rate = ` +
    `(n − 1) / (last − first accepted create) from the sandbox's call log; windows slide over every call ` +
    `timestamp. Baseline: the theoretical 10/s (ratio = mean rate / 10).`,
  findings: [
    'First measurement: 717 of 1,000 creates in 315 s (≈ 2.3/s) and hundreds of Throttling.User answers. The ' +
      "sandbox's call log showed two causes: every ensureRelayTask made two calls (DescribeLivePullToPushList, to " +
      "adopt an earlier attempt's task, then CreateLivePullToPush), so the 10 activities/s the provider queue " +
      "dispatches were 20 calls/s; and the queue's server-side limit is a token bucket that lets bursts through.",
    'Fix 1 (src/activities/relay-tasks.ts): the first attempt of ensureRelayTask creates without the lookup (a retry ' +
      'still looks first, and a CodeConfigAlreadyExists answer still adopts): one quota call per broadcast. Then: ' +
      '8.7/s, 49 Throttling, 15 create attempts within one second.',
    'Fix 2 (src/provider/quota-gate.ts; LiveClient quotaPerSecond = PROVIDER_RATE_LIMIT_PER_SECOND): pacing sends ' +
      '100 ms apart still met 62 Throttling, because calls sent apart arrive together after a stall (a busy event ' +
      'loop) and the provider counts arrivals. The gate now holds a slot from send until one second after the ' +
      'answer, so no provider window can hold more than 10 calls whatever the jitter: 0 Throttling since.',
    'Profiled next (client-side figures in every run; creates per 10 s in the notes): the round trip is ~2 ms and ' +
      "96% of creates waited for a slot, so the gate's ceiling was 9.88/s, yet three runs measured 9.09–9.62/s " +
      '(median 9.40). Creates per 10 s in one of them: 100 100 100 95 99 100 98 100 98 81 29, full speed and then a ' +
      "slow tail. Cause: the server splits the provider queue's rate limit between the task queue's partitions " +
      "(several by default); once some partitions' backlog is gone their share goes unused. Same code, one run " +
      'each: one partition 9.93/s (100 100 100 100 100 93 100 98 99 100 10, flat); default partitions with the ' +
      'server-side limit at 12/s 9.80/s (flat too); default partitions and 10/s 9.41/s (the sagging run above).',
    'Fix 3: every dev server of ours (npm start, tests, benches) runs with one partition per task queue ' +
      '(src/dev-harness/temporal/dev-server.ts DEV_SERVER_DYNAMIC_CONFIG); compose gives the provider queue one partition; the ' +
      'README says how on other clusters. BENCH_QUOTA_PARTITIONS / BENCH_QUOTA_QUEUE_LIMIT / BENCH_QUOTA_GATE ' +
      'reproduce the experiments.',
    'Per-action quota (seed 000: "up to 10 calls per second per user", per API): the client gate, the sandbox and ' +
      'the provider queues give each action its own budget, so a second client keeps Describe at its own 10/s ' +
      'beside the burst (BENCH_QUOTA_DESCRIBE_LOAD=off without it). First measurement with it, while other benches ' +
      'and suites loaded the machine (load average 2.6 → 21): 0 Throttling, never more than 10 creates or 10 ' +
      'describes in a second, but 7.10–9.19 creates/s (median 8.34): client round trips of 60–87 ms mean (2 ms ' +
      "quiet) lowered the gate's ceiling to 9.1–9.3/s, and one run's start phase took 49 s. One run each at load " +
      'average 12–16, back to back: without the Describe load 9.84/s (round trip 6 ms mean), with it 9.77/s beside ' +
      '9.77 describes/s (14 ms); in isolation (client and sandbox alone, 15 s) the Describe load left the create ' +
      'round trip unchanged. The machine, not the Describe traffic, moves the rate.',
  ],
  defaultRuns: 3,
  runOnce,
  judge(runs) {
    const rate = medianOf(runs, 'createRatePerS');
    const worstWindow = Math.max(...runs.map((r) => r.metrics.maxAcceptedCreatesIn1s ?? Infinity));
    const throttled = Math.max(...runs.map((r) => r.metrics.throttlingErrors ?? Infinity));
    const allCreated = runs.every((r) => r.metrics.creates === COUNT);
    return {
      met: allCreated && rate >= 9.5 && worstWindow <= QUOTA_PER_SECOND && throttled === 0,
      summary:
        `median rate ${rate.toFixed(2)}/s (goal ≥ 9.5), worst one-second window ${worstWindow} creates (≤ 10), ` +
        `most Throttling errors in a run ${throttled} (0)${allCreated ? '' : `; a run created fewer than ${COUNT}`}`,
    };
  },
};
