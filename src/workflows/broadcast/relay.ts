/**
 * One pull-to-push broadcast: validate, wait until the lead time, create or adopt the task, follow it, retry or
 * compensate. Every decision is the lifecycle's (./lifecycle.ts); this workflow feeds it inputs (callbacks, user
 * requests, the clock, call outcomes) and carries out its steps.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  workflowInfo,
} from '@temporalio/workflow';

import {
  DEFAULT_LEAD_TIME_SECONDS,
  DEFAULT_MAX_RESTARTS,
  DEFAULT_RECONCILE_AFTER_SECONDS,
  DEFAULT_RECONCILE_RUNNING_SECONDS,
  taskNameFor,
  type BroadcastState,
  type BroadcastStatus,
  type RelayBroadcastRequest,
} from '../../shared/broadcast';

import { createLifecycle, nextStep, scheduledStatus, type Lifecycle, type Step } from './lifecycle';
import { providerCaller } from './provider-calls';
import { performRelayCommand, type RelayCommandContext } from './relay-commands';
import { RelayRun, type CarriedRelay } from './relay-run';
import { DecisionClock, assertRequestObject, validatedRequest } from './validate';

export type { CarriedRelay } from './relay-run';

/** Continue-as-new past this many history events (or when the server suggests it): weeks of callbacks stay bounded. */
export const HISTORY_EVENT_BUDGET = 2_000;

type Finish = Extract<Step, { kind: 'finish' }>;

/**
 * The pull-to-push broadcast new broadcasts start (BroadcastWorkflowTypes.relay). Unlike relayBroadcastWorkflow it
 * does not list the short Creating state in the BroadcastState search attribute (the status query and the Web UI's
 * details still show it): that write, in the task that schedules the create, cost a visibility update per broadcast
 * in a burst of due broadcasts, and the create p99 went from 1.4-1.5x the bare-timer baseline to 1.07-1.11x without it
 * (BENCHMARKS.md, timers). A new type rather than patched(): the SDK's patch marker upserts TemporalChangeVersion in
 * the same task, which costs the same write.
 */
export async function relayBroadcastWorkflowV2(
  request: RelayBroadcastRequest,
  carried?: CarriedRelay
): Promise<BroadcastStatus> {
  return runRelayBroadcast(request, carried, ['Creating']);
}

/**
 * The pull-to-push broadcast before relayBroadcastWorkflowV2, frozen: registered so that the broadcasts it started
 * (and their continue-as-new runs) finish on the code they started with. It lists every state (docs/patches.md).
 */
export async function relayBroadcastWorkflow(
  request: RelayBroadcastRequest,
  carried?: CarriedRelay
): Promise<BroadcastStatus> {
  return runRelayBroadcast(request, carried, []);
}

async function runRelayBroadcast(
  request: RelayBroadcastRequest,
  carried: CarriedRelay | undefined,
  unlisted: readonly BroadcastState[]
): Promise<BroadcastStatus> {
  assertRequestObject(request);
  const info = workflowInfo();
  const clock = new DecisionClock();
  const run = new RelayRun(
    request.campaignId,
    carried,
    () => clock.now(),
    () => provisionalStatus(request),
    unlisted
  );
  run.registerHandlers();
  const call = providerCaller(info.taskQueue);
  // Read when driving starts: `request` is the validated one by then (Region filled in).
  const context = (): RelayCommandContext => ({
    call,
    workflowId: info.workflowId,
    relay: { ...request.relay, Region: request.relay.Region ?? '' },
    status: () => run.status,
    maxRestarts: run.lifecycle?.settings.maxRestarts ?? 0,
    sources: [request.relay.SourceUrls, ...(request.backupSources ?? []).map((url) => [url])],
  });
  try {
    if (!run.lifecycle) {
      clock.freeze();
      request = await validatedRequest(request);
      run.begin(lifecycleFor(request, clock.now()));
    }
    return await conclude(run, await drive(run, context(), clock, request));
  } catch (err) {
    if (!isCancellation(err) || !run.lifecycle) throw err;
    // The workflow itself was cancelled (e.g. by its campaign): compensate without being interrupted, then end.
    run.dispatch({ type: 'cancel', reason: 'workflow cancelled' });
    await conclude(run, await CancellationScope.nonCancellable(() => drive(run, context(), clock, request)));
    throw err;
  }
}

/** Runs the lifecycle's steps until it finishes, continuing as new when the history grows long. */
async function drive(
  run: RelayRun,
  context: RelayCommandContext,
  clock: DecisionClock,
  request: RelayBroadcastRequest
): Promise<Finish> {
  const lifecycle = run.lifecycle as Lifecycle;
  for (;;) {
    run.drainInbox();
    run.dispatch({ type: 'tick' });
    const step = nextStep(lifecycle, clock.now());
    if (step.kind === 'finish') return step;
    if (step.kind === 'call') {
      const result = await performRelayCommand(context, step.command);
      clock.thaw();
      run.dispatch({ type: 'outcome', command: step.command, result });
      continue;
    }
    if (historyIsLong() && run.inbox.length === 0 && run.pendingReplies.size === 0 && allHandlersFinished()) {
      await run.board.flushed();
      await continueAsNew<typeof relayBroadcastWorkflow>(request, {
        lifecycle,
        inbox: run.inbox,
        nextRequestId: run.nextRequestId,
      });
    }
    const seen = run.wakes;
    const woken = () => run.inbox.length > 0 || run.wakes !== seen;
    await condition(woken, Math.max((step.untilMs ?? clock.now()) - clock.now(), 1), { summary: step.summary });
    clock.thaw();
  }
}

/** Ends the workflow as the lifecycle finished: the status, or a failure with its stable type. */
async function conclude(run: RelayRun, finish: Finish): Promise<BroadcastStatus> {
  await run.board.flushed();
  await condition(allHandlersFinished);
  if (finish.failure) throw ApplicationFailure.nonRetryable(finish.failure.message, finish.failure.type);
  return run.status;
}

function lifecycleFor(request: RelayBroadcastRequest, nowMs: number): Lifecycle {
  const info = workflowInfo();
  return createLifecycle(
    {
      taskName: taskNameFor(info.workflowId),
      flavour: 'pull-to-push',
      startTime: request.relay.StartTime,
      endTime: request.relay.EndTime,
    },
    {
      leadTimeMs: (request.leadTimeSeconds ?? DEFAULT_LEAD_TIME_SECONDS) * 1000,
      maxRestarts: request.restartPolicy?.maxRestarts ?? DEFAULT_MAX_RESTARTS,
      reconcileAfterMs: (request.reconcileAfterSeconds ?? DEFAULT_RECONCILE_AFTER_SECONDS) * 1000,
      reconcileRunningMs: (request.reconcileRunningSeconds ?? DEFAULT_RECONCILE_RUNNING_SECONDS) * 1000,
      // A reset run, or a later run of the chain, may follow one that created the task.
      lookupBeforeCreate: info.runId !== info.originalExecutionRunId || info.runId !== info.firstExecutionRunId,
      sourceCount: 1 + (request.backupSources?.length ?? 0),
    },
    nowMs
  );
}

/** What a status query answers before the request has been validated. */
function provisionalStatus(request: RelayBroadcastRequest): BroadcastStatus {
  return scheduledStatus({
    flavour: 'pull-to-push',
    taskName: taskNameFor(workflowInfo().workflowId),
    startTime: request.relay?.StartTime ?? '',
    endTime: request.relay?.EndTime ?? '',
  });
}

function historyIsLong(): boolean {
  const { continueAsNewSuggested, historyLength } = workflowInfo();
  return continueAsNewSuggested || historyLength >= HISTORY_EVENT_BUDGET;
}
