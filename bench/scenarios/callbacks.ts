/**
 * Callbacks: signed provider callbacks at a fixed offered rate against the callback service (its own process, as
 * `npm run callbacks` runs it), against a direct `handle.signal` loop at the same rate on the same workflows.
 * Delivery is checked in the workflows' histories: every event exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { Pool } from 'undici';

import { callbackUrlFor } from '../../src/callbacks/tokens';
import { PROJECT_ROOT } from '../../src/config/project-root';
import type { TaskEvent } from '../../src/shared/broadcast';
import { statusQuery, taskEventSignal } from '../../src/workflows/messages';
import { waitFor } from '../../testkit/wait';
import { freePort } from '../../testkit/ports';
import { startManyBroadcasts, wholeSecondAfter } from '../lib/broadcasts';
import { times } from '../lib/concurrency';
import type { BenchRun, BenchRunContext, BenchScenario } from '../lib/scenario';
import { startBenchStack, type BenchStack } from '../lib/stack';
import { medianOf, percentile } from '../lib/stats';
import { selfTimeByGroup, topGroups } from '../lib/profile';

/** Offered load: requests per second, for this many seconds (subject and baseline alike). */
const RATE_PER_SECOND = 500;
const DURATION_SECONDS = 60;
/**
 * Where this machine's dev server cannot take RATE_PER_SECOND signals even from the direct loop, comparing the two
 * paths there measures which one meets the stalls of a saturated server first (p99 ratio 0.125× in one run, 10× in
 * the next on 2 Intel Xeon cores). So the direct loop is first offered RATE_PER_SECOND for CALIBRATION_SECONDS: if it
 * holds it (answers ≥ HELD_SHARE of the offer with p99 ≤ HELD_P99_MS) both paths are measured there; if not, its
 * answer rate under that overload is the server's signal capacity, and both are measured at HEADROOM of it (rounded
 * down to 25/s). The goal was set where 500/s left headroom (direct loop p50 3 ms); near saturation any extra CPU,
 * such as the service's own, multiplies the tail (1.27× at half the capacity, 1.64× at 80% in one session).
 */
const CALIBRATION_SECONDS = 15;
const HELD_SHARE = 0.98;
const HELD_P99_MS = 250;
const HEADROOM = 0.5;
/**
 * Unmeasured load on each path at the measured rate before the measured phases: without it whichever phase went
 * first met a cold dev server and a cold service (p99 3.8×, then 0.93× with the order swapped).
 */
const WARMUP_SECONDS = 10;
/** Broadcasts the callbacks are spread over (round robin): few enough to stay Running and small, enough to spread. */
const WORKFLOWS = 50;
/** Requests outstanding at once, subject and baseline alike: the load generator's HTTP connections. */
const MAX_IN_FLIGHT = 64;
const GOAL_RATIO = 0.8;
const GOAL_P99_MS = 50;
/** Issue 15: the service's p99 at most this multiple of the direct loop's in the same run. */
const GOAL_P99_RATIO = 1.5;
const SECRET = 'bench-callback-secret-never-logged';
/** `BENCH_CALLBACKS_PROFILE=1`: the service runs under node --cpu-prof; its self time by package goes in the notes. */
const PROFILE = process.env.BENCH_CALLBACKS_PROFILE === '1';

interface LoadResult {
  latenciesMs: number[];
  /** Requests not answered 2xx (or signals that threw). */
  failed: number;
  throughputPerSecond: number;
}

/**
 * Open loop: request i is due at start + i/rate whatever the answers before it, so a slow answer never slows the
 * offer (no coordinated omission). At most MAX_IN_FLIGHT are outstanding (the HTTP pool's connections; the same cap
 * for the signal loop, which would otherwise pile up thousands of calls); a due request waits for a slot. Latency is
 * from when the request was due to its answer, so waiting for a slot counts.
 */
async function offerAtRate(
  rate: number,
  total: number,
  send: (index: number) => Promise<boolean>
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let failed = 0;
  let lastAnswer = 0;
  let inFlight = 0;
  let sent = 0;
  let allAnswered: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (allAnswered = resolve));
  const start = performance.now();
  const dueAt = (i: number) => start + (i * 1000) / rate;
  const sendNext = (): void => {
    const index = sent++;
    inFlight++;
    void send(index)
      .catch(() => false)
      .then((ok) => {
        lastAnswer = performance.now();
        if (ok) latenciesMs.push(lastAnswer - dueAt(index));
        else failed++;
        inFlight--;
        if (latenciesMs.length + failed === total) allAnswered();
        else if (sent < total && dueAt(sent) <= lastAnswer && inFlight < MAX_IN_FLIGHT) sendNext();
      });
  };
  while (sent < total) {
    while (sent < total && dueAt(sent) <= performance.now() && inFlight < MAX_IN_FLIGHT) sendNext();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await finished;
  return { latenciesMs, failed, throughputPerSecond: latenciesMs.length / ((lastAnswer - start) / 1000) };
}

/** A latency percentile of a load phase; NaN when nothing was answered. */
function percentileOf(result: LoadResult, q: number): number {
  return result.latenciesMs.length ? percentile(result.latenciesMs, q) : Number.NaN;
}

/** The callback service as its own process (`src/bin/callbacks.ts`, what `npm run callbacks` starts). */
interface CallbackProcess {
  url: string;
  child: ChildProcess;
  /** Where --cpu-prof writes the profile when the process exits (with BENCH_CALLBACKS_PROFILE=1). */
  profileDir?: string;
}

async function startCallbackProcess(stack: BenchStack): Promise<CallbackProcess> {
  const port = await freePort();
  const profileDir = PROFILE ? mkdtempSync(path.join(tmpdir(), 'callbacks-prof-')) : undefined;
  const profileArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('TEMPORAL_')) env[key] = value;
  const child = spawn(
    process.execPath,
    [...profileArgs, '-r', 'ts-node/register/transpile-only', 'src/bin/callbacks.ts'],
    {
      cwd: PROJECT_ROOT,
      env: {
        ...env,
        TEMPORAL_ADDRESS: stack.address,
        TEMPORAL_NAMESPACE: stack.namespace,
        CALLBACK_SECRET: SECRET,
        CALLBACK_PORT: String(port),
        METRICS_PORT: '0',
        LOG_LEVEL: 'WARN',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    'the callback service process to answer /healthz',
    async () => {
      if (child.exitCode !== null) throw new Error(`callback service exited ${child.exitCode}:\n${output}`);
      const res = await fetch(`${url}/healthz`);
      return res.ok ? true : undefined;
    },
    60_000,
    200
  );
  return { url, child, ...(profileDir ? { profileDir } : {}) };
}

/** Stops the service; with a profile, its top self-time groups (the whole run, warm-up and both phases). */
async function stopCallbackProcess(service: CallbackProcess): Promise<string[]> {
  const exited = new Promise((resolve) => service.child.once('exit', resolve));
  service.child.kill('SIGTERM');
  await exited;
  if (!service.profileDir) return [];
  try {
    const file = readdirSync(service.profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) return ['no profile of the callback service was written'];
    const profile = JSON.parse(readFileSync(path.join(service.profileDir, file), 'utf8'));
    return [
      `callback service self time (node --cpu-prof, whole run): ${topGroups(selfTimeByGroup(profile)).join('; ')}`,
    ];
  } finally {
    rmSync(service.profileDir, { recursive: true, force: true });
  }
}

function callbackBody(taskId: string, index: number): string {
  return JSON.stringify({
    Event: 'LivePullToPushRunning',
    TaskStatus: 1,
    TaskId: taskId,
    EventTime: `${1_700_000_000 + index}`,
  });
}

/** Each `taskEvent` signal in the workflows' histories, counted by TaskId. */
async function deliveredEvents(client: Client, workflowIds: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const workflowId of workflowIds) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    for (const event of history.events ?? []) {
      const signal = event.workflowExecutionSignaledEventAttributes;
      if (signal?.signalName !== taskEventSignal.name) continue;
      const task = await decodeFromPayloadsAtIndex<TaskEvent>(
        client.options.loadedDataConverter,
        0,
        signal.input?.payloads
      );
      counts.set(task.taskId, (counts.get(task.taskId) ?? 0) + 1);
    }
  }
  return counts;
}

/** Duplicates and missing events among `total` expected TaskIds `<prefix>-0 … <prefix>-(total-1)`. */
function exactlyOnce(counts: Map<string, number>, prefix: string, total: number) {
  let duplicates = 0;
  let missing = 0;
  for (let i = 0; i < total; i++) {
    const n = counts.get(`${prefix}-${i}`) ?? 0;
    if (n === 0) missing++;
    else duplicates += n - 1;
  }
  return { duplicates, missing };
}

async function runOnce(ctx: BenchRunContext): Promise<BenchRun> {
  const stack = await startBenchStack();
  let service: CallbackProcess | undefined;
  try {
    const workflowIds = await stack.run(async () => {
      const ids = await startManyBroadcasts({
        client: stack.client,
        taskQueue: stack.relay.taskQueue,
        count: WORKFLOWS,
        startAtMs: wholeSecondAfter(3 * 3_600_000),
        durationMs: 3_600_000,
        leadTimeSeconds: 300,
        idPrefix: `bench-callbacks-${ctx.run}`,
        log: ctx.log,
      });
      // Validated and waiting for their lead time: Running workflows, as when real callbacks arrive.
      await times(ids.length, 10, (i) =>
        waitFor(`${ids[i]} validated`, async () => {
          const status = await stack.client.workflow.getHandle(ids[i] as string).query(statusQuery);
          return status.transitions.length > 0 ? true : undefined;
        })
      );
      return ids;
    });
    const target = (i: number) => workflowIds[i % WORKFLOWS] as string;
    service = await startCallbackProcess(stack);
    const pool = new Pool(service.url, { connections: MAX_IN_FLIGHT });
    const urls = workflowIds.map((id) => new URL(callbackUrlFor(service!.url, SECRET, id)).pathname);

    /** Callbacks through the service at `rate`; TaskIds `<prefix>-<i>`. */
    const runSubject = async (rate: number, seconds: number, prefix: string) => {
      ctx.log(`${prefix}: ${rate}/s for ${seconds} s through the callback service`);
      return offerAtRate(rate, rate * seconds, async (i) => {
        const res = await pool.request({
          path: urls[i % WORKFLOWS] as string,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: callbackBody(`${prefix}-${i}`, i),
        });
        await res.body.dump();
        return res.statusCode === 200;
      });
    };
    /** handle.signal from this process at `rate`; TaskIds `<prefix>-<i>`. */
    const runBaseline = async (rate: number, seconds: number, prefix: string) => {
      ctx.log(`${prefix}: ${rate}/s for ${seconds} s of handle.signal`);
      return offerAtRate(rate, rate * seconds, async (i) => {
        const event: TaskEvent = {
          kind: 'running',
          eventTime: 1_700_000_000 + i,
          taskId: `${prefix}-${i}`,
          source: 'callback',
        };
        await stack.client.workflow.getHandle(target(i)).signal(taskEventSignal, event);
        return true;
      });
    };
    // Calibration (also the direct loop's warm-up): RATE_PER_SECOND if the direct loop holds it, else HEADROOM of the
    // server's signal capacity.
    const probe = await runBaseline(RATE_PER_SECOND, CALIBRATION_SECONDS, 'cal');
    const probeP99 = percentileOf(probe, 99); // NaN (no answer) is never held
    const held =
      probe.failed === 0 && probe.throughputPerSecond >= HELD_SHARE * RATE_PER_SECOND && probeP99 <= HELD_P99_MS;
    const capacity = probe.throughputPerSecond;
    const rate = held ? RATE_PER_SECOND : Math.max(25, Math.floor((capacity * HEADROOM) / 25) * 25);
    const calibration =
      `${RATE_PER_SECOND}/s offered to the direct loop: ${capacity.toFixed(0)}/s answered, ` +
      `p99 ${probeP99.toFixed(0)} ms`;
    ctx.log(`calibrated: ${rate}/s (${calibration})`);
    const total = rate * DURATION_SECONDS;
    // Alternate which goes first, so neither always meets the fresher server; both warm up at the rate first.
    const subjectFirst = ctx.run % 2 === 1;
    await runSubject(rate, WARMUP_SECONDS, 'warm-s');
    await runBaseline(rate, WARMUP_SECONDS, 'warm-b');
    let subject: LoadResult;
    let baseline: LoadResult;
    if (subjectFirst) {
      subject = await runSubject(rate, DURATION_SECONDS, 's');
      baseline = await runBaseline(rate, DURATION_SECONDS, 'b');
    } else {
      baseline = await runBaseline(rate, DURATION_SECONDS, 'b');
      subject = await runSubject(rate, DURATION_SECONDS, 's');
    }
    await pool.close();
    const notes = [`offered ${rate}/s; calibration: ${calibration}`];
    notes.push(...(await stopCallbackProcess(service)));
    service = undefined;

    ctx.log('counting delivered events in the workflows’ histories');
    const counts = await deliveredEvents(stack.client, workflowIds);
    const delivered = exactlyOnce(counts, 's', total);
    const signalled = exactlyOnce(counts, 'b', total);
    const p = percentileOf;
    return {
      metrics: {
        offeredPerSecond: rate,
        capacityPerSecond: capacity,
        ratio: subject.throughputPerSecond / baseline.throughputPerSecond,
        throughputPerSecond: subject.throughputPerSecond,
        p50Ms: p(subject, 50),
        p99Ms: p(subject, 99),
        failed: subject.failed,
        duplicates: delivered.duplicates,
        missing: delivered.missing,
        baselineThroughputPerSecond: baseline.throughputPerSecond,
        baselineP50Ms: p(baseline, 50),
        baselineP99Ms: p(baseline, 99),
        baselineFailed: baseline.failed,
        baselineDuplicates: signalled.duplicates,
        baselineMissing: signalled.missing,
        p99LatencyRatio: p(subject, 99) / p(baseline, 99),
      },
      notes,
    };
  } finally {
    service?.child.kill('SIGTERM');
    await stack.close();
  }
}

export const callbacksScenario: BenchScenario = {
  name: 'callbacks',
  title: 'Callback service under load',
  goal:
    `signed callbacks at ${RATE_PER_SECOND}/s (or half the dev server's signal capacity where it cannot take that) ` +
    `for ${DURATION_SECONDS} s: p99 ≤ ${GOAL_P99_RATIO} × a direct handle.signal loop's at the same offered rate, ` +
    `throughput ≥ ${GOAL_RATIO} × the loop's, every callback delivered exactly once (p99 < ${GOAL_P99_MS} ms shown beside)`,
  method:
    `Each run: a fresh dev server; ${WORKFLOWS} broadcasts started hours ahead and validated by the relay workers, ` +
    'which are then drained (the workflows stay Running and each signal waits in history), so the measurement is the ' +
    'callback path alone. The callback service runs as its own process (ts-node src/bin/callbacks.ts, as ' +
    '`npm run callbacks`). Load: an open-loop undici generator in the bench process; request i is due at start + ' +
    `i/rate s, at most ${MAX_IN_FLIGHT} outstanding (its connections; a due request waits for a slot), POSTs to the ` +
    'HMAC-token URLs (callbackUrlFor) round robin over the broadcasts, each a distinct running event (its own ' +
    'TaskId). Baseline: the same schedule and cap of handle.signal(taskEvent) from the bench process on the same ' +
    `workflows. Rate: the direct loop is first offered ${RATE_PER_SECOND}/s for ${CALIBRATION_SECONDS} s; if it ` +
    `holds it (≥ ${HELD_SHARE * 100}% answered, p99 ≤ ${HELD_P99_MS} ms) both paths are measured at ` +
    `${RATE_PER_SECOND}/s, else at ${HEADROOM * 100}% of the rate it answered (the server's signal capacity, ` +
    `capacityPerSecond), rounded down to 25/s (offeredPerSecond), after ${WARMUP_SECONDS} s of ` +
    'unmeasured load on each path at that rate; which goes first alternates by run. Throughput = 2xx answers (signals ' +
    'returned) per second from the start to the last answer; latency from when a request was due to its answer. ' +
    'Exactly once: every taskEvent signal in the broadcasts’ histories counted by TaskId.',
  defaultRuns: 2,
  findings: [
    '06:58–07:08Z on 2026-12-03 (the table): capacity 288–340 signals/s, so 125–150/s offered. p99 ratio 1.35, ' +
      '3.61, 1.01: the goal is met by the median of three runs, not in every run; p50 through the service 32–43 ms ' +
      'against 12–30 ms for the loop. A/B right after (07:09–07:19Z, three runs) with the service on the pure-JS ' +
      'client (grpc-js Connection) instead of the NativeConnection: p99 ratio 1.71, 0.73, 1.19 and p50 41–52 ' +
      'against 22–37 ms, no better at this load, so the native client (which kept up at saturation) stays. What ' +
      'the service adds is two process hops on a 2-core machine that the dev server keeps busy: ~20 ms at the ' +
      'median here, where its own CPU is ~0.5 ms per callback (profile below).',
    '06:47–06:54Z on 2026-12-03 (Intel Xeon × 2, the hypervisor taking 3–20% of the machine): the direct loop ' +
      'offered 500/s answered 307–314/s with p99 6.1–6.3 s: this dev server takes about 310 signals/s, so 500/s ' +
      'measures two queues, not the service. A first calibration measured both paths at the highest of 400, 300, ' +
      '250, 200, 150/s the loop held for 10 s: at 150/s (half the capacity) p99 240 ms through the service against ' +
      '190 ms (1.27×, p50 14 against 18 ms); at 250/s (80% of it) 1,248 against 761 ms (1.64×, p50 265 against ' +
      "32 ms): the service's own CPU (a third process on two cores) counts most near saturation. The rate is now " +
      'half the measured capacity where 500/s is not held, so runs compare at the same headroom.',
    "03:29Z on 2026-12-03 (Intel Xeon × 2): run 1 p99 3.7 s through the service against 370 ms for the direct loop (10×); run 2 the direct loop fell behind the offer (440/s, p50 4.4 s, p99 8.4 s) while the service kept up (497/s, p99 1.0 s: 0.125×). At 500/s this machine's dev server is at its capacity and whichever path meets a stall piles up, so the p99 ratio is not settled here; the goal (≤ 1.5×) is not shown. Next: the same comparison at an offered rate the direct loop sustains with p99 well under a second on the machine at hand, or on a faster one.",
    '01:50–02:12Z on 2026-12-03 (Intel Xeon × 2, load average 1–2): the service signals through a NativeConnection ' +
      '(Rust core client) instead of grpc-js. With grpc-js one run of two fell behind the offer (throughput 0.86×, ' +
      'p50 11.7 s, p99 14.6 s); with native, four runs kept 0.97–1.00× and p99 204–2336 ms against 156–1148 ms for ' +
      'the direct loop: on this machine the p99 ratio of one run ranged 0.25 to 15 with the same code, so one or two ' +
      'runs do not settle it. Added 10 s of unmeasured load on both paths first: without it whichever went first ' +
      'met a cold server (3.8× with the service first, 0.93× with it second). Service profile over a run ' +
      '(BENCH_CALLBACKS_PROFILE=1, ~21 s CPU for ~40,000 callbacks): node:internal (HTTP) 28%, ' +
      '@temporalio/core-bridge (the signal call) 22%, V8 native 12%, ts-node start-up 6%, our service.ts 5%, ' +
      'protobufjs 4%, GC 3%: no hot spot of ours; the service is a third busy process on two cores.',
    "16:42Z on 2026-12-02, load average 1–2: p99 77–79 ms through the callback service against 27–28 ms for handle.signal from the bench process (ratio 2.7–2.9; p50 5.3–6.5 ms against 3.2–3.3 ms). Delivery logging is off in this scenario (LOG_LEVEL=WARN), so the tail is not the log. Not profiled yet: the service is a third process (ts-node) beside the dev server and the bench's worker on two cores, with its own gRPC connection.",
  ],
  runOnce,
  judge(runs) {
    const ratio = medianOf(runs, 'ratio');
    const p99 = medianOf(runs, 'p99Ms');
    const p99Ratio = medianOf(runs, 'p99LatencyRatio');
    const wrong = runs.reduce((n, r) => n + (r.metrics.duplicates ?? 0) + (r.metrics.missing ?? 0), 0);
    const met = ratio >= GOAL_RATIO && p99Ratio <= GOAL_P99_RATIO && wrong === 0;
    return {
      met,
      summary:
        `at ${medianOf(runs, 'offeredPerSecond').toFixed(0)}/s offered: p99 ${p99Ratio.toFixed(2)} × the direct ` +
        `loop's (goal ≤ ${GOAL_P99_RATIO}), throughput ratio ${ratio.toFixed(2)} (goal ≥ ${GOAL_RATIO}), ` +
        `${medianOf(runs, 'throughputPerSecond').toFixed(0)}/s, p50 ${medianOf(runs, 'p50Ms').toFixed(1)} ms, ` +
        `p99 ${p99.toFixed(1)} ms (${p99 < GOAL_P99_MS ? 'under' : 'over'} ${GOAL_P99_MS} ms), ` +
        `${wrong} duplicate or missing deliveries over all runs`,
    };
  },
};
