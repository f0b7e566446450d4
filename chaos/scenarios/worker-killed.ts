/**
 * Worker killed: the relay worker runs in a child process that is SIGKILLed while broadcasts sit in every phase of
 * their lifecycle, then started again. Each round makes two kinds of kill:
 *
 * - one kill that finds broadcasts waiting for their lead time, running, with CreateLivePullToPush in flight (the
 *   sandbox holds its answer: latency) and with the compensating DeleteLivePullToPush of a cancelled broadcast in
 *   flight;
 * - one kill per "created" broadcast, made the moment the sandbox has recorded its task, before the answer can reach
 *   the worker and the activity completion reach Temporal.
 *
 * The sandbox, the callback service and the dev server live in this process (or the server's own), so they survive.
 */
import { WorkflowUpdateStage, type WorkflowHandle } from '@temporalio/client';

import { startBroadcast } from '../../src/broadcast/start';
import { DEFAULT_REGION } from '../../src/provider/schemas';
import { taskNameFor, type BroadcastRequest, type BroadcastState } from '../../src/shared/broadcast';
import { cancelUpdate, statusQuery } from '../../src/workflows/messages';
import { relayRequest } from '../../testkit/broadcasts';
import { auditRelays, callsByCode, tasksOf, type BroadcastOutcome, type Expectation } from '../lib/relay-audit';
import { settleWithin, tally } from '../lib/settle-within';
import { startProcessStack, type ProcessStack } from '../lib/process-stack';
import type { ChaosContext, ChaosReport, ChaosScenario } from '../lib/scenario';
import type { WorkerProcess } from '../lib/worker-process';

export type KillPhase = 'waiting' | 'creating-before-answer' | 'creating-after-answer' | 'running' | 'compensating';

const PHASE_TITLES: Record<KillPhase, string> = {
  waiting: 'waiting for lead time',
  'creating-before-answer': 'creating, request in flight (provider has not answered)',
  'creating-after-answer': 'creating, provider has recorded the task (answer not yet reported to Temporal)',
  running: 'running',
  compensating: 'compensating, DeleteLivePullToPush in flight after a cancel',
};

/** The sandbox holds every answer this long while a kill must find calls in flight. */
const LATENCY_MS = 5_000;
/**
 * Every relay of a round (but the cancelled ones) ends this long after the round starts: time for the kills and,
 * after each, the worker's restart, the sticky-queue timeout of workflows cached by the dead worker (10 s), the
 * heartbeat timeout of its provider calls (10 s) and the retries — with a margin for a loaded machine.
 */
const ROUND_MS = { small: 40_000, full: 75_000 };
/** No relay is started with less than this left of its window: enough for one kill's recovery on a loaded machine. */
const MIN_WINDOW_MS = 30_000;

interface Tracked {
  phase: KillPhase;
  handle: WorkflowHandle;
  expect: Expectation;
  /** What was measured at the kill that proves the phase (e.g. `state Running`, `Create in flight`). */
  atKill?: string;
}

class Round {
  readonly tracked: Tracked[] = [];
  kills = 0;
  private worker: WorkerProcess | undefined;

  /** When every relay of the round ends. */
  private endMs: number;
  readonly size: ChaosContext['size'];

  constructor(
    private readonly stack: ProcessStack,
    private readonly ctx: ChaosContext,
    private readonly label: string
  ) {
    this.size = ctx.size;
    this.endMs = Date.now() + ROUND_MS[ctx.size];
  }

  /**
   * A request starting `startInMs` from now (after `leadMs` of waiting) and ending with the round — or later, when a
   * slow machine has left too little of the round to recover from a kill, and the round lasts longer.
   */
  request(startInMs: number, leadMs = 0, endsAfterRoundMs = 0): BroadcastRequest {
    const now = Date.now();
    this.endMs = Math.max(this.endMs, now + startInMs + MIN_WINDOW_MS);
    return relayRequest(now, startInMs, this.endMs + endsAfterRoundMs - now - startInMs, {
      leadTimeSeconds: Math.round(leadMs / 1000),
    });
  }

  async startWorker(): Promise<void> {
    this.worker = await this.stack.startWorker();
  }

  async kill(): Promise<void> {
    await this.worker?.kill();
    this.kills++;
  }

  async restart(why: string): Promise<void> {
    this.ctx.log(`${this.label}: SIGKILLed the worker (${why}); restarting it`);
    await this.startWorker();
  }

  async killAndRestart(why: string): Promise<void> {
    await this.kill();
    await this.restart(why);
  }

  nextWorkflowId(phase: KillPhase): string {
    return `${this.label}-${phase}-${this.tracked.length + 1}`;
  }

  async stopWorker(): Promise<void> {
    await this.worker?.stop();
  }

  async start(
    phase: KillPhase,
    request: BroadcastRequest,
    expectState: BroadcastState,
    workflowId = this.nextWorkflowId(phase)
  ): Promise<Tracked> {
    const handle = await startBroadcast({
      client: this.stack.client,
      taskQueue: this.stack.taskQueue,
      workflowId,
      request,
      defaultRegion: DEFAULT_REGION,
    });
    const tracked: Tracked = { phase, handle, expect: { state: expectState, ran: expectState === 'Completed' } };
    this.tracked.push(tracked);
    return tracked;
  }

  of(phase: KillPhase): Tracked[] {
    return this.tracked.filter((t) => t.phase === phase);
  }
}

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stateOf(t: Tracked): Promise<BroadcastState> {
  return (await t.handle.query(statusQuery)).state;
}

/** Calls of `action` received since `sinceIso` that have not been answered yet (only meaningful under latency). */
function inFlight(stack: ProcessStack, action: string, sinceIso: string): number {
  return stack.sandbox.calls().filter((c) => c.action === action && c.at >= sinceIso && c.durationMs === 0).length;
}

/** Kill 1: broadcasts running, creating (in flight), compensating (in flight) and waiting, all at one moment. */
async function killAcrossPhases(round: Round, stack: ProcessStack, perPhase: number): Promise<void> {
  for (let i = 0; i < perPhase; i++) {
    await round.start('running', round.request(1_000), 'Completed');
    await round.start('compensating', round.request(1_000, 0, 60_000), 'Cancelled');
  }
  await until('running and compensating broadcasts to run', async () => {
    const states = await Promise.all([...round.of('running'), ...round.of('compensating')].map(stateOf));
    return states.every((s) => s === 'Running') ? true : undefined;
  });

  const latencySince = new Date().toISOString();
  stack.sandbox.setFaults({ latencyMs: LATENCY_MS });
  for (let i = 0; i < perPhase; i++) {
    await round.start('creating-before-answer', round.request(1_000), 'Completed');
  }
  await until('CreateLivePullToPush in flight', () =>
    inFlight(stack, 'CreateLivePullToPush', latencySince) >= perPhase ? true : undefined
  );
  for (const t of round.of('compensating')) {
    await t.handle.startUpdate(cancelUpdate, {
      args: [{ reason: 'chaos: cancelled to kill the worker during compensation' }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
  }
  await until('DeleteLivePullToPush in flight', () =>
    inFlight(stack, 'DeleteLivePullToPush', latencySince) >= perPhase ? true : undefined
  );
  // Last, so the kill surely finds them in their durable wait for StartTime − lead time.
  for (let i = 0; i < perPhase; i++) {
    // Created (StartTime − lead) well after the restart, and still with half its window to run.
    const startInMs = ROUND_MS[round.size] / 2;
    await round.start('waiting', round.request(startInMs, startInMs / 3), 'Completed');
  }
  await until('waiting broadcasts to be validated and waiting', async () => {
    const statuses = await Promise.all(round.of('waiting').map((t) => t.handle.query(statusQuery)));
    return statuses.every((s) => s.transitions.some((tr) => tr.note?.startsWith('lead time'))) ? true : undefined;
  });
  const creates = inFlight(stack, 'CreateLivePullToPush', latencySince);
  const deletes = inFlight(stack, 'DeleteLivePullToPush', latencySince);
  for (const t of [...round.of('waiting'), ...round.of('running')]) t.atKill = `state ${await stateOf(t)}`;
  for (const t of round.of('creating-before-answer')) t.atKill = `Create calls in flight: ${creates}`;
  for (const t of round.of('compensating')) t.atKill = `Delete calls in flight: ${deletes}`;
  await round.killAndRestart(`waiting, running, ${creates} create(s) and ${deletes} delete(s) in flight`);
  stack.sandbox.setFaults({});
}

/**
 * Kill 2..n: one per broadcast, at the moment the sandbox has answered its CreateLivePullToPush (the task exists):
 * the gate holds that answer until the worker is dead, so the activity's completion can never reach Temporal.
 */
async function killAfterProviderAnswered(round: Round, stack: ProcessStack, perPhase: number): Promise<void> {
  for (let i = 0; i < perPhase; i++) {
    const workflowId = round.nextWorkflowId('creating-after-answer');
    let tasksAtKill = 0;
    const killed = stack.providerGate.holdNextAnswer(
      'CreateLivePullToPush',
      async () => {
        tasksAtKill = tasksOf(stack.sandbox, workflowId).length;
        await round.kill();
      },
      taskNameFor(workflowId)
    );
    const t = await round.start('creating-after-answer', round.request(1_000), 'Completed', workflowId);
    await killed;
    t.atKill = `tasks recorded by the sandbox: ${tasksAtKill}`;
    await round.restart('the sandbox answered CreateLivePullToPush');
  }
}

async function runRound(stack: ProcessStack, ctx: ChaosContext, index: number, perPhase: number) {
  const round = new Round(stack, ctx, `worker-killed-r${index}-${Date.now().toString(36)}`);
  await round.startWorker();
  try {
    await killAcrossPhases(round, stack, perPhase);
    await killAfterProviderAnswered(round, stack, perPhase);
    ctx.log(`round ${index}: ${round.kills} kills; waiting for ${round.tracked.length} broadcasts to finish`);
    const outcomes = await Promise.all(
      round.tracked.map(async (t) => ({ tracked: t, outcome: await settleWithin(t.handle, 180_000) }))
    );
    return { round, outcomes };
  } finally {
    await round.stopWorker();
  }
}

function adopted(outcome: BroadcastOutcome): boolean {
  return outcome.status.transitions.some((tr) => tr.state === 'Created' && tr.note === 'adopted an existing task');
}

export const workerKilled: ChaosScenario = {
  name: 'worker-killed',
  title: 'Worker killed (SIGKILL) at each lifecycle phase',
  method:
    'Both relay workers run in a child process (the product’s worker wiring, configured from the environment as ' +
    '`node lib/worker.js` is) against a dev server, the provider sandbox and the callback service, which live ' +
    'elsewhere and survive. Each round SIGKILLs the worker once while broadcasts are waiting for their lead time, ' +
    'running, creating their task with CreateLivePullToPush in flight (the sandbox delays its answers by ' +
    `${LATENCY_MS / 1000} s) and compensating after a cancel with DeleteLivePullToPush in flight; then once per ` +
    'further broadcast the moment the sandbox has recorded its task, before the worker can report the result to ' +
    'Temporal. After each kill the worker is started again at once. Provider activities heartbeat with a 10 s ' +
    'heartbeat timeout, so an attempt lost with the worker is retried after about 10 s. Correct: every broadcast ' +
    'ends Completed (its relay ran) or, when cancelled, Cancelled; the sandbox audit shows at most one task per ' +
    'broadcast (exactly one for those that ran) and no task left alive.',
  async run(ctx: ChaosContext): Promise<ChaosReport> {
    const rounds = ctx.size === 'small' ? 1 : 2;
    const perPhase = ctx.size === 'small' ? 1 : 3;
    const stack = await startProcessStack({ label: 'worker-killed', log: ctx.log });
    try {
      const results = [];
      for (let r = 1; r <= rounds; r++) results.push(await runRound(stack, ctx, r, perPhase));
      const all = results.flatMap((r) => r.outcomes);
      const audit = auditRelays(
        stack.sandbox,
        all.map(({ tracked, outcome }) => ({ outcome, expect: tracked.expect }))
      );
      const taskCounts = all.map(({ outcome }) => tasksOf(stack.sandbox, outcome.workflowId).length);
      const phases = Object.keys(PHASE_TITLES) as KillPhase[];
      const details = phases.map((phase) => {
        const inPhase = all.filter(({ tracked }) => tracked.phase === phase);
        const ended = inPhase.map(({ outcome }) => outcome.status.state);
        const evidence = [...new Set(inPhase.map(({ tracked }) => tracked.atKill ?? 'not measured'))].join('; ');
        const adoptedCount = inPhase.filter(({ outcome }) => adopted(outcome)).length;
        return (
          `killed while ${PHASE_TITLES[phase]}: ${inPhase.length} broadcast(s), at the kill ${evidence}; ended ` +
          `${tally(ended)}` +
          (phase.startsWith('creating') ? `; task adopted on retry: ${adoptedCount}/${inPhase.length}` : '')
        );
      });
      return {
        counts: {
          runs: rounds,
          faultsInjected: results.reduce((n, r) => n + r.round.kills, 0),
          broadcasts: all.length,
          duplicates: audit.duplicates,
          orphans: audit.orphans,
          lost: audit.lost.length,
        },
        details: [
          ...details,
          `provider tasks per broadcast: ${tally(taskCounts.map(String))}`,
          `DeleteLivePullToPush answers by code: ${JSON.stringify(callsByCode(stack.sandbox, 'DeleteLivePullToPush'))}`,
          `provider tasks created: ${audit.tasksCreated}; still alive at the end: ${audit.orphans}`,
          ...audit.lost.map((l) => `lost: ${l.workflowId}: ${l.why}`),
          ...audit.duplicateDetails,
        ],
      };
    } finally {
      await stack.close();
    }
  },
};
