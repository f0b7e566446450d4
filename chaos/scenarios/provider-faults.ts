/**
 * Provider faults. Part 1: about 30% of API calls fail transiently (throttling, InternalError, ServiceUnavailable,
 * hung requests the 2 s client timeout ends, connection resets) and 30% of creates take effect but answer 500; every
 * broadcast must still be created exactly once, run and complete. Part 2: permanent errors (a rejected parameter, a
 * forbidden call once the relay runs, an unknown access key) fail the broadcast after one attempt with a reason that
 * names the provider's code, and leave nothing alive.
 */
import type { FaultConfig, RunningSandbox } from '../../src/dev-harness/sandbox';
import { inState, relayRequest, waitForStatus } from '../../testkit/broadcasts';
import type { RelayStack } from '../../testkit/relay-stack';
import { startChaosEnv, type ChaosEnv } from '../lib/chaos-env';
import { auditRelays, callsByCode, settle, tasksOf, type BroadcastOutcome, type Expectation } from '../lib/relay-audit';
import type { ChaosContext, ChaosReport, ChaosScenario } from '../lib/scenario';

/**
 * The faults last a storm of `stormSeconds` from the first submission, long enough for every broadcast's first
 * attempts to meet them. After it the provider answers normally: with independent 30% faults, an unlucky broadcast
 * can otherwise need ten attempts (backoff capped at 1 min) and hold the run for minutes. Ten broadcasts in the small
 * size: a create meets no fault with p ≈ 0.49, so a storm without any fault (a vacuous run) has p ≈ 0.001.
 */
const SIZES = {
  small: { rounds: 1, broadcastsPerRound: 10, stormSeconds: 20 },
  // Three waves of 20, started 10 s apart.
  full: { rounds: 3, broadcastsPerRound: 20, stormSeconds: 60 },
};

/** P(no fault on a call) = 0.95 × 0.94 × 0.92³ ≈ 0.70. Creates that get through also "fail after creating" 30%. */
export const TRANSIENT_FAULTS: FaultConfig = {
  hangRate: 0.05,
  resetRate: 0.06,
  errorRates: { Throttling: 0.08, InternalError: 0.08, ServiceUnavailable: 0.08 },
  createThenFailRate: 0.3,
};
/** Answer codes the sandbox records for the faults above (a create-then-500 records InternalError). */
const TRANSIENT_CODES = ['Hung (fault)', 'Reset (fault)', 'Throttling', 'InternalError', 'ServiceUnavailable'];

/**
 * How long (real seconds) the sandbox lets each relay live. Backoff doubles from 1 s, so an attempt that fails t
 * seconds after its broadcast started is retried by about 2t (plus a 2 s hung call); the last fault falls inside the
 * storm, so a create that took effect while its answer was lost is looked up again by 2 × storm + a few seconds. The
 * relay must still exist then: the provider lists only live tasks, and a relay already ended at EndTime looks like
 * "never created" and is created again (a CI run on two busy cores met exactly that when relays lived 15 s).
 */
const relaySeconds = (size: ChaosContext['size']) => 2 * SIZES[size].stormSeconds + 20;

/**
 * The workflow's view of each window: StartTime in 5 min, EndTime in 45 min. The sandbox plays it `timeScale`×
 * faster, so the relay ends after relaySeconds of real time.
 */
const WINDOW_START_MS = 5 * 60_000;
const WINDOW_END_MS = 45 * 60_000;
const timeScale = (size: ChaosContext['size']) => Math.floor(WINDOW_END_MS / 1000 / relaySeconds(size));
/**
 * Creation starts at once (the lead time covers the whole wait). The workflow's clock is real time while the
 * sandbox's runs faster, so the relay exits up to 45 real minutes "before" EndTime; a reconcile tolerance of one hour
 * (the most validation allows) keeps that compressed exit a normal end (the tolerance only matters for lost
 * callbacks, which this scenario does not inject).
 */
const window = (now: number) =>
  relayRequest(now, WINDOW_START_MS, WINDOW_END_MS - WINDOW_START_MS, {
    leadTimeSeconds: 3_600,
    reconcileAfterSeconds: 3_600,
  });

const COMPLETED: Expectation = { state: 'Completed', ran: true };

interface Settled {
  outcome: BroadcastOutcome;
  expect: Expectation;
}

/** One permanent-error case, measured. */
export interface PermanentCase {
  name: string;
  code: string;
  /** Calls the sandbox answered with that code. */
  attempts: number;
  /** Answers a fail-fast broadcast gets: the refused call, plus the compensation's lookup when it is refused too. */
  expectedAttempts: number;
  outcome: BroadcastOutcome;
  /** Tasks of this broadcast still alive after it failed. */
  leftAlive: number;
}

export interface ProviderFaultsResult {
  report: ChaosReport;
  transientCalls: number;
  transientFaults: Record<string, number>;
  createdThen500: number;
  adopted: number;
  permanent: PermanentCase[];
}

/** Waves start this far apart without waiting for each other, so one slow retry tail does not delay the next. */
const WAVE_GAP_MS = 10_000;

async function transientRounds(
  chaos: ChaosEnv,
  stack: RelayStack,
  ctx: ChaosContext
): Promise<{ settled: Settled[]; stormEnd: number }> {
  const { rounds, broadcastsPerRound, stormSeconds } = SIZES[ctx.size];
  return stack.run(async () => {
    stack.sandbox.setFaults(TRANSIENT_FAULTS);
    const stormEnd = Date.now() + stormSeconds * 1000;
    const calm = setTimeout(() => stack.sandbox.setFaults({}), stormSeconds * 1000);
    try {
      const waves = await Promise.all(
        Array.from({ length: rounds }, async (_, index) => {
          const round = index + 1;
          await new Promise((r) => setTimeout(r, index * WAVE_GAP_MS));
          const now = Date.now();
          const handles = await Promise.all(
            Array.from({ length: broadcastsPerRound }, () =>
              chaos.startBroadcast(stack, window(now), `transient-r${round}`)
            )
          );
          const outcomes = await Promise.all(handles.map(settle));
          ctx.log(`provider-faults: wave ${round}/${rounds}: ${outcomes.map((o) => o.status.state).join(' ')}`);
          return outcomes.map((outcome): Settled => ({ outcome, expect: COMPLETED }));
        })
      );
      return { settled: waves.flat(), stormEnd };
    } finally {
      clearTimeout(calm);
      stack.sandbox.setFaults({});
    }
  });
}

/** Calls answered with `code` (by one action, or by any). */
const answered = (sandbox: RunningSandbox, action: string | undefined, code: string) =>
  callsByCode(sandbox, action)[code] ?? 0;

function permanentCase(
  sandbox: RunningSandbox,
  name: string,
  action: string | undefined,
  code: string,
  outcome: BroadcastOutcome,
  expectedAttempts = 1
): PermanentCase {
  return {
    name,
    code,
    attempts: answered(sandbox, action, code),
    expectedAttempts,
    outcome,
    leftAlive: tasksOf(sandbox, outcome.workflowId).filter((t) => !t.deleted).length,
  };
}

/**
 * Targeted cases, one after the other on one sandbox: a create that always takes effect and answers 500 (the
 * broadcast must adopt its task), a create the provider rejects as an invalid parameter, and a restart refused as
 * Forbidden.RAM once the relay runs (the task exists: compensation must delete it).
 */
async function targetedCases(chaos: ChaosEnv, stack: RelayStack, ctx: ChaosContext) {
  const { sandbox } = stack;
  return stack.run(async () => {
    sandbox.setFaults({ createThenFailRate: 1 });
    const ambiguous = await settle(
      await chaos.startBroadcast(stack, relayRequest(Date.now(), 2_000, 3_000, { leadTimeSeconds: 1 }), 'ambiguous')
    );
    ctx.log(`provider-faults: create-then-500 → ${ambiguous.status.state}`);

    sandbox.setFaults({ errorRates: { InvalidParameter: 1 }, actions: ['CreateLivePullToPush'] });
    const rejected = await settle(
      await chaos.startBroadcast(stack, relayRequest(Date.now(), 2_000, 5_000, { leadTimeSeconds: 1 }), 'rejected')
    );
    ctx.log(`provider-faults: InvalidParameter on create → ${rejected.status.state}`);

    sandbox.setFaults({});
    const forbiddenRequest = relayRequest(Date.now(), 1_000, 30_000, {
      leadTimeSeconds: 1,
      restartPolicy: { maxRestarts: 2 },
    });
    forbiddenRequest.relay = { ...forbiddenRequest.relay!, RetryCount: 0 }; // a pull failure goes Offline at once
    const handle = await chaos.startBroadcast(stack, forbiddenRequest, 'forbidden');
    const running = await waitForStatus(handle, inState('Running'), 'the relay running', 30_000);
    sandbox.setFaults({ errorRates: { 'Forbidden.RAM': 1 }, actions: ['RestartLivePullToPush'] });
    sandbox.failTask(running.taskId ?? '', 'pull'); // Offline: the restart policy calls Restart, which is refused
    const forbidden = await settle(handle);
    sandbox.setFaults({});
    ctx.log(`provider-faults: Forbidden.RAM on restart → ${forbidden.status.state}`);
    return {
      ambiguous,
      permanent: [
        permanentCase(sandbox, 'create rejected', 'CreateLivePullToPush', 'InvalidParameter', rejected),
        permanentCase(sandbox, 'restart forbidden while running', 'RestartLivePullToPush', 'Forbidden.RAM', forbidden),
      ],
    };
  });
}

/** A worker whose access key the provider does not know: every call is refused, nothing can be created. */
async function unknownKeyCase(chaos: ChaosEnv, stack: RelayStack, ctx: ChaosContext): Promise<PermanentCase> {
  return stack.run(async () => {
    const outcome = await settle(
      await chaos.startBroadcast(stack, relayRequest(Date.now(), 2_000, 5_000, { leadTimeSeconds: 1 }), 'bad-key')
    );
    ctx.log(`provider-faults: unknown access key → ${outcome.status.state}`);
    // Two refusals: the lookup before creating, and the compensation's lookup of a task that may exist.
    return permanentCase(stack.sandbox, 'unknown access key', undefined, 'InvalidAccessKeyId.NotFound', outcome, 2);
  });
}

export async function runProviderFaults(ctx: ChaosContext): Promise<ProviderFaultsResult> {
  const chaos = await startChaosEnv();
  try {
    const callbacks = await chaos.callbackService();
    const withCallbacks = { callbackBaseUrl: callbacks.url };
    const transientStack = await chaos.relayStack('transient', {
      ...withCallbacks,
      sandbox: { timeScale: timeScale(ctx.size) },
    });
    const targetedStack = await chaos.relayStack('targeted', withCallbacks);
    // The sandbox knows only another key than the one the stack signs with.
    const badKeyStack = await chaos.relayStack('bad-key', {
      ...withCallbacks,
      sandbox: { accessKeys: { 'some-other-key-id': 'some-other-secret' } },
    });
    const [{ settled: transient, stormEnd }, targeted, badKey] = await Promise.all([
      transientRounds(chaos, transientStack, ctx),
      targetedCases(chaos, targetedStack, ctx),
      unknownKeyCase(chaos, badKeyStack, ctx),
    ]);

    const sandbox = transientStack.sandbox;
    const codes = callsByCode(sandbox);
    const transientFaults = Object.fromEntries(TRANSIENT_CODES.map((c) => [c, codes[c] ?? 0]));
    const transientCalls = sandbox.calls().length;
    const stormCalls = sandbox.calls().filter((c) => Date.parse(c.at) < stormEnd).length;
    const faultCount = Object.values(transientFaults).reduce((a, b) => a + b, 0);
    // Every task comes from a create that answered 200 or from one that took effect and then answered 500.
    const createdThen500 = sandbox.tasks().length - (callsByCode(sandbox, 'CreateLivePullToPush').OK ?? 0);
    const adoptedNote = (o: BroadcastOutcome) =>
      o.status.transitions.some((t) => t.note === 'adopted an existing task');
    const adopted = transient.filter((s) => adoptedNote(s.outcome)).length;

    const permanent = [...targeted.permanent, badKey];
    const permanentExpect = (p: PermanentCase): Settled => ({
      outcome: p.outcome,
      expect: { state: 'Failed', failureMentions: p.code },
    });
    const audits = [
      auditRelays(sandbox, transient),
      auditRelays(targetedStack.sandbox, [
        { outcome: targeted.ambiguous, expect: COMPLETED },
        ...targeted.permanent.map(permanentExpect),
      ]),
      auditRelays(badKeyStack.sandbox, [permanentExpect(badKey)]),
    ];
    const lost = audits.flatMap((a) => a.lost);
    // A permanent error must end the broadcast at once: any retry of the refused call counts as a broken promise.
    const slow = permanent.filter((p) => p.attempts !== p.expectedAttempts);
    const ambiguousAdopted = adoptedNote(targeted.ambiguous);
    const permanentFaults = permanent.reduce((sum, p) => sum + p.attempts, 0);
    const broadcasts = transient.length + 1 + permanent.length;

    const details = [
      `transient part: ${transient.length} broadcasts, ${transientCalls} API calls (${stormCalls} during the ` +
        `${SIZES[ctx.size].stormSeconds} s storm), ${faultCount} answered with a fault: ` +
        `${TRANSIENT_CODES.map((c) => `${c} ${transientFaults[c]}`).join(', ')} (InternalError includes the ` +
        `create-then-500s); faults before the call took effect: ${faultCount - createdThen500} ` +
        `(${((100 * (faultCount - createdThen500)) / Math.max(stormCalls, 1)).toFixed(1)}% of the storm's calls)`,
      `creates that took effect and answered 500: ${createdThen500} (plus 1 targeted); broadcasts that adopted their ` +
        `task: ${adopted} (targeted case adopted: ${ambiguousAdopted ? 'yes' : 'NO'})`,
      `provider tasks created: ${audits[0]!.tasksCreated} for ${transient.length} broadcasts; ` +
        `quota throttling (Throttling.User, not injected): ${codes['Throttling.User'] ?? 0}`,
      ...permanent.map(
        (p) =>
          `permanent · ${p.name}: ${p.outcome.status.state} after ${p.attempts} ${p.code} answer(s), ` +
          `${p.leftAlive} task(s) left alive; reason: ${p.outcome.status.failure ?? '(none)'}`
      ),
      ...lost.map((l) => `LOST ${l.workflowId}: ${l.why}`),
      ...audits.flatMap((a) => a.duplicateDetails),
      ...slow.map((p) => `NOT FAST ${p.name}: ${p.attempts} ${p.code} answers`),
    ];
    return {
      report: {
        counts: {
          runs: SIZES[ctx.size].rounds + 1 + permanent.length,
          faultsInjected: faultCount + 1 + permanentFaults,
          broadcasts,
          duplicates: audits.reduce((sum, a) => sum + a.duplicates, 0),
          orphans: audits.reduce((sum, a) => sum + a.orphans, 0),
          lost: lost.length + slow.length + (ambiguousAdopted ? 0 : 1),
        },
        details,
      },
      transientCalls,
      transientFaults,
      createdThen500,
      adopted,
      permanent,
    };
  } finally {
    await chaos.close();
  }
}

export const providerFaults: ChaosScenario = {
  name: 'provider-faults',
  title: 'Provider faults: 30% transient errors, ambiguous creates, permanent errors',
  method:
    'Broadcasts run against the provider sandbox over HTTP through a fault storm (20 s small, 60 s full, from the ' +
    'first submission; waves of 20 start 10 s apart) in which about 30% of API calls fail: Throttling, ' +
    'InternalError, ServiceUnavailable (8% each), hung requests cut by the 2 s client timeout (5%), connection ' +
    'resets (6%); 30% of the creates that get through take effect and then answer 500. The sandbox plays each ' +
    'relay window faster than real time, so that it ends 2 × storm + 20 s after creation: later than the slowest ' +
    'retry looks for a create whose answer was lost. Correct: every broadcast ' +
    'Completed, its relay created exactly once and run, nothing alive afterwards. Then permanent errors: a create ' +
    'rejected with InvalidParameter, a restart refused with Forbidden.RAM while the relay runs, a worker with an ' +
    'access key the provider does not know. Correct: the broadcast Failed without retrying the refused call (one ' +
    'answer; two with the unknown key, whose compensation lookup is refused too), its failure names the provider ' +
    'code, and no task is left alive. Faults are counted from the codes the sandbox ' +
    'answered; tasks per broadcast and live tasks from the sandbox audit.',
  run: async (ctx) => (await runProviderFaults(ctx)).report,
};
