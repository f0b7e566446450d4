/**
 * FROZEN: the first version of the broadcast workflow (type `broadcastWorkflow`, both flavours in one function).
 * Broadcasts it started finish on this code, so it changes only with a patch (docs/patches.md); new broadcasts start
 * `relayBroadcastWorkflow` or `legacyPullWorkflow`. Remove it once no `broadcastWorkflow` execution is open
 * (`WorkflowType = "broadcastWorkflow" AND ExecutionStatus = "Running"` lists none) and its histories leave the
 * replay suite.
 *
 * One broadcast, from request to the end of its relay: validate, wait durably until the lead time, create the
 * provider task (adopting one an earlier attempt created), follow its callbacks (reconciling with Describe when
 * they go quiet), restart it by policy, and delete it on cancellation or failure so nothing is left running.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  metricMeter,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';

import type { Activities } from '../../activities';
import {
  FailureTypes,
  isFinalState,
  providerTaskQueue,
  taskNameFor,
  type BroadcastRequest,
  type BroadcastState,
  type BroadcastStatus,
  type LegacyPullSpec,
  type RelaySpec,
  type TaskEvent,
} from '../../shared/broadcast';
import { BroadcastStateKey, TaskIdKey } from '../../shared/search-attributes';

import { broadcastStateSignal } from '../campaign-messages';
import { TaskEventLog } from './event-log';
import {
  cancelUpdate,
  holdSignal,
  rescheduleUpdate,
  restartUpdate,
  statusQuery,
  stopUpdate,
  taskEventSignal,
} from '../messages';

const { validateBroadcast } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });

/** Provider calls: permanent errors fail fast, throttling and transient errors are retried with backoff. */
function providerOptions(workflowTaskQueue: string): ActivityOptions {
  return {
    taskQueue: providerTaskQueue(workflowTaskQueue),
    startToCloseTimeout: '30 seconds',
    // The activities heartbeat while they run (activities/heartbeat.ts): a call lost with a dead worker is retried
    // after 10 s, not after the 30 s start-to-close timeout.
    heartbeatTimeout: '10 seconds',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 15,
      nonRetryableErrorTypes: [
        FailureTypes.invalidRequest,
        FailureTypes.providerPermanent,
        FailureTypes.destinationTaken,
      ],
    },
  };
}

type ActivityName = keyof Activities;
type Call = <K extends ActivityName>(
  name: K,
  summary: string,
  ...args: Parameters<Activities[K]>
) => Promise<Awaited<ReturnType<Activities[K]>>>;

/** Calls a provider activity with a summary the Web UI shows on the event. */
function providerCaller(workflowTaskQueue: string): Call {
  const options = providerOptions(workflowTaskQueue);
  const activities = proxyActivities<Activities>(options);
  return (name, summary, ...args) => {
    const fn = activities[name] as unknown as {
      executeWithOptions(o: ActivityOptions, a: unknown[]): Promise<never>;
    };
    return fn.executeWithOptions({ ...options, summary }, args);
  };
}

class CancelRequested extends Error {}

/** Patch id: a cancellation whose compensation fails ends Failed (CompensationFailed), naming both. */
const CANCEL_COMPENSATION_PATCH = 'cancel-compensation-failure-ends-failed';

export async function broadcastWorkflow(request: BroadcastRequest): Promise<BroadcastStatus> {
  // Everything below reads the request's fields: a null (or missing) input would fail the workflow task on every
  // attempt and leave the workflow running forever, so it fails the workflow like any other invalid request.
  if (typeof request !== 'object' || request === null) {
    const violations = ['request: must be an object'];
    throw ApplicationFailure.nonRetryable(
      `invalid broadcast request:\n  - ${violations[0]}`,
      FailureTypes.invalidRequest,
      violations
    );
  }
  const info = workflowInfo();
  /** Broadcasts entering each state, on the worker's Prometheus endpoint (nothing is recorded on replay). */
  const transitionsMetric = metricMeter.createCounter('relay_broadcast_transitions', 'transitions', 'state changes');
  const withSummary = providerCaller(info.taskQueue);
  const flavour = request.flavour ?? 'pull-to-push';
  const spec: { StartTime: string; EndTime: string } = (request.relay ?? request.legacy) as RelaySpec | LegacyPullSpec;
  const status: BroadcastStatus = {
    state: 'Scheduled',
    flavour,
    taskName: taskNameFor(info.workflowId),
    startTime: spec?.StartTime ?? '',
    endTime: spec?.EndTime ?? '',
    restarts: 0,
    transitions: [],
  };
  const inbox: TaskEvent[] = [];
  const events = new TaskEventLog();
  let region = request.relay?.Region ?? '';
  let scheduleVersion = 0;
  let cancelReason: string | undefined;
  let stoppedByUser = false;
  let held = false;
  let lastReconcileMs = Date.now();
  let campaignReport: Promise<void> = Promise.resolve();

  const startMs = () => Date.parse(status.startTime);
  const endMs = () => Date.parse(status.endTime);
  const isFinal = () => isFinalState(status.state);
  const taskRef = () => ({ taskId: status.taskId ?? '', region });

  function transition(state: BroadcastState, note?: string): void {
    if (state === status.state && !note) return;
    status.state = state;
    status.transitions.push({ state, at: new Date().toISOString(), ...(note ? { note } : {}) });
    upsertSearchAttributes([{ key: BroadcastStateKey, value: state }]);
    transitionsMetric.withTags({ state }).add(1);
    // Replay-safe: the SDK drops workflow log calls while replaying; it adds workflowId and runId.
    log.info('broadcast state changed', { state, taskId: status.taskId, campaignId: request.campaignId, note });
    const task = status.taskId ? ` · task \`${status.taskId}\`` : '';
    setCurrentDetails(`**${state}**${task}\n\n${status.startTime} → ${status.endTime}${note ? `\n\n${note}` : ''}`);
    if (isFinalState(state)) reportToCampaign(state);
  }

  /** A broadcast of a campaign tells the campaign how it ended (one signal: the campaign's history stays small). */
  function reportToCampaign(state: BroadcastState): void {
    if (!request.campaignId) return;
    const campaign = getExternalWorkflowHandle(request.campaignId);
    campaignReport = campaignReport
      // Non-cancellable: a cancelled broadcast must still report that it ended Cancelled.
      .then(() =>
        CancellationScope.nonCancellable(() =>
          campaign.signal(broadcastStateSignal, { workflowId: info.workflowId, state })
        )
      )
      .catch(() => undefined); // a finished campaign no longer listens: nothing to do
  }

  setHandler(statusQuery, () => status);
  setHandler(taskEventSignal, (event) => {
    inbox.push(event);
  });
  setHandler(holdSignal, (hold) => {
    held = hold;
  });
  setHandler(
    cancelUpdate,
    async ({ reason }) => {
      cancelReason = reason ?? 'cancelled by request';
      await condition(isFinal);
      return status;
    },
    { validator: (_input) => assertNotFinal() }
  );
  setHandler(
    stopUpdate,
    async () => {
      await withSummary('stopRelayTask', 'stop relay', taskRef());
      stoppedByUser = true;
      return status;
    },
    { validator: () => assertState(['Running', 'Recovering'], 'stop') }
  );
  setHandler(
    restartUpdate,
    async () => {
      await withSummary('restartRelayTask', 'restart relay', taskRef());
      stoppedByUser = false;
      return status;
    },
    { validator: () => assertState(['Running', 'Recovering', 'Offline'], 'restart') }
  );
  setHandler(
    rescheduleUpdate,
    async (changes) => {
      if (status.taskId) {
        await withSummary('updateRelayTask', 'reschedule relay', { ...taskRef(), ...changes });
      }
      if (changes.StartTime) status.startTime = changes.StartTime;
      if (changes.EndTime) status.endTime = changes.EndTime;
      scheduleVersion++;
      transition(status.state, `rescheduled to ${status.startTime} → ${status.endTime}`);
      return status;
    },
    { validator: (changes) => validateReschedule(changes) }
  );

  function assertNotFinal(): void {
    if (isFinal())
      throw ApplicationFailure.nonRetryable(`broadcast already ${status.state}`, FailureTypes.invalidUpdate);
  }
  function assertState(allowed: BroadcastState[], what: string): void {
    if (flavour !== 'pull-to-push' || !status.taskId || !allowed.includes(status.state)) {
      throw ApplicationFailure.nonRetryable(
        `cannot ${what} a broadcast in state ${status.state} (allowed: ${allowed.join(', ')})`,
        FailureTypes.invalidUpdate
      );
    }
  }
  function validateReschedule(changes: { StartTime?: string; EndTime?: string }): void {
    assertNotFinal();
    const problems: string[] = [];
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
    for (const field of ['StartTime', 'EndTime'] as const) {
      const value = changes[field];
      if (value !== undefined && (!iso.test(value) || Number.isNaN(Date.parse(value)))) {
        problems.push(`${field}: must be yyyy-MM-ddTHH:mm:ssZ (UTC)`);
      }
    }
    if (changes.StartTime === undefined && changes.EndTime === undefined) problems.push('StartTime/EndTime: give one');
    const start = Date.parse(changes.StartTime ?? status.startTime);
    const end = Date.parse(changes.EndTime ?? status.endTime);
    if (problems.length === 0 && end <= start) problems.push('EndTime: must be later than StartTime');
    if (problems.length === 0 && end <= Date.now()) problems.push('EndTime: must be in the future');
    if (flavour === 'legacy' && status.state !== 'Scheduled') {
      problems.push('legacy broadcasts can only be rescheduled before their config is created');
    }
    if (problems.length > 0) {
      throw ApplicationFailure.nonRetryable(`invalid reschedule: ${problems.join('; ')}`, FailureTypes.invalidUpdate);
    }
  }

  /**
   * The time decisions are made with. Date.now() just after the validation local activity can read later on first
   * execution than on replay (replay takes the completion time recorded with the activity's result): a relay due
   * within that gap got a lead-time timer on replay only, a nondeterminism error found by the worker-killed chaos
   * scenario. So from the validation until the workflow next waits, decisions use the time read before it.
   */
  let frozenNowMs: number | undefined;
  const now = () => frozenNowMs ?? Date.now();

  /** Waits until `targetMs()` (which a reschedule may move), or until cancelled. */
  async function waitUntil(targetMs: () => number, summary: string): Promise<void> {
    for (;;) {
      if (cancelReason) throw new CancelRequested();
      const remaining = targetMs() - now();
      if (remaining <= 0) return;
      const version = scheduleVersion;
      await condition(() => cancelReason !== undefined || scheduleVersion !== version, remaining, { summary });
      frozenNowMs = undefined;
    }
  }

  /** Deletes whatever this broadcast may have created. Runs even when the workflow is being cancelled. */
  async function compensate(): Promise<void> {
    const mayHaveCreated = status.taskId !== undefined || !['Scheduled', 'Failed', 'Cancelled'].includes(status.state);
    if (!mayHaveCreated) return;
    await CancellationScope.nonCancellable(async () => {
      if (flavour === 'legacy' && request.legacy) {
        await withSummary('deleteLegacyPullConfig', 'delete pull config (compensation)', request.legacy);
      } else if (status.taskId) {
        await withSummary('deleteRelayTask', 'delete relay task (compensation)', taskRef());
      } else if (request.relay) {
        // Creation was interrupted: the task may exist without us knowing its id.
        await withSummary('deleteOwnRelayTask', 'find and delete relay task (compensation)', {
          workflowId: info.workflowId,
          taskName: status.taskName,
          relay: { ...request.relay, Region: region },
        });
      }
    });
  }

  /**
   * Compensation that returns its own failure instead of throwing it. After a failure or a cancel whose compensation
   * fails too (e.g. the access key is refused for every call), the broadcast still ends Failed, with both reasons,
   * instead of failing with the compensation's error and showing its last state (Creating, Running…) forever.
   */
  async function compensateReportingFailure(): Promise<string | undefined> {
    try {
      await compensate();
      return undefined;
    } catch (err) {
      const cause = err instanceof ActivityFailure && err.cause instanceof Error ? err.cause : err;
      return cause instanceof Error ? cause.message : String(cause);
    }
  }

  try {
    // 1. Validate (again: the client did, but the clock has moved and other clients exist).
    frozenNowMs = Date.now();
    const validation = await validateBroadcast(request);
    if (!validation.normalized || validation.violations.length > 0) {
      throw ApplicationFailure.nonRetryable(
        `invalid broadcast request:\n${validation.violations.map((v) => `  - ${v}`).join('\n')}`,
        FailureTypes.invalidRequest,
        validation.violations
      );
    }
    const normalized = validation.normalized;
    region = normalized.relay?.Region ?? normalized.legacy?.RegionId ?? region;
    transition('Scheduled', `lead time ${normalized.leadTimeSeconds}s`);
    if (endMs() <= now()) {
      throw ApplicationFailure.nonRetryable(`EndTime ${status.endTime} has already passed`, FailureTypes.windowPassed);
    }

    // 2. Durable wait until StartTime − lead time (at once if that moment is past).
    const leadMs = (normalized.leadTimeSeconds ?? 0) * 1000;
    await waitUntil(() => startMs() - leadMs, 'wait for lead time');
    if (held) {
      transition('Scheduled', 'held: campaign paused');
      await condition(() => !held || cancelReason !== undefined || now() >= endMs(), Math.max(endMs() - now(), 1), {
        summary: 'held by campaign pause',
      });
      frozenNowMs = undefined;
      if (cancelReason) throw new CancelRequested();
    }
    if (endMs() <= now()) {
      throw ApplicationFailure.nonRetryable(
        `EndTime ${status.endTime} passed while waiting`,
        FailureTypes.windowPassed
      );
    }
    frozenNowMs = undefined;

    if (flavour === 'legacy' && normalized.legacy) {
      await followLegacyConfig({ ...normalized.legacy, StartTime: status.startTime, EndTime: status.endTime });
    } else if (normalized.relay) {
      await followRelayTask(
        { ...normalized.relay, Region: region, StartTime: status.startTime, EndTime: status.endTime },
        normalized.restartPolicy?.maxRestarts ?? 0,
        (normalized.reconcileAfterSeconds ?? 120) * 1000
      );
    }
  } catch (err) {
    if (err instanceof CancelRequested || isCancellation(err)) {
      const cancelled = cancelReason ?? 'workflow cancelled';
      // Histories from before this change failed with the compensation's own error here: they replay that way.
      if (patched(CANCEL_COMPENSATION_PATCH)) {
        const compensationFailure = await compensateReportingFailure();
        if (compensationFailure) {
          // Not Cancelled: a relay may still be running (and billed), which someone must look at.
          status.failure = `cancelled (${cancelled}), but compensation failed, a task may be left: ${compensationFailure}`;
          transition('Failed', status.failure);
          await finish();
          throw ApplicationFailure.nonRetryable(status.failure, FailureTypes.compensationFailed);
        }
      } else {
        await compensate();
      }
      transition('Cancelled', cancelled);
      await finish();
      if (isCancellation(err)) throw err;
      return status;
    }
    // Surface the activity's own failure (type and message), not the ActivityFailure wrapper.
    const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : err;
    status.failure = cause instanceof Error ? cause.message : String(cause);
    const compensationFailure = await compensateReportingFailure();
    if (compensationFailure) status.failure += `; compensation failed too, a task may be left: ${compensationFailure}`;
    transition('Failed', status.failure);
    await finish();
    if (cause instanceof ApplicationFailure) {
      throw ApplicationFailure.create({
        message: status.failure,
        type: cause.type ?? undefined,
        nonRetryable: true,
        details: cause.details as unknown[],
      });
    }
    throw err;
  }
  await finish();
  return status;

  async function finish(): Promise<void> {
    await CancellationScope.nonCancellable(() => campaignReport);
    await condition(allHandlersFinished);
  }

  async function createTask(relay: RelaySpec & { Region: string }): Promise<void> {
    transition('Creating');
    // A reset run (new runId, same originalExecutionRunId) or a later run of the chain may follow one that created.
    const earlierRunMayHaveCreated =
      info.runId !== info.originalExecutionRunId || info.runId !== info.firstExecutionRunId;
    const created = await withSummary('ensureRelayTask', 'create pull-to-push task', {
      workflowId: info.workflowId,
      taskName: status.taskName,
      relay,
      ...(earlierRunMayHaveCreated ? { lookupFirst: true } : {}),
    });
    status.taskId = created.taskId;
    upsertSearchAttributes([{ key: TaskIdKey, value: created.taskId }]);
    transition('Created', created.adopted ? 'adopted an existing task' : undefined);
  }

  async function reconcile(): Promise<void> {
    lastReconcileMs = Date.now();
    const snapshot = await withSummary('describeRelayTask', 'reconcile with DescribeLivePullToPush', taskRef());
    const eventTime = Math.floor(Date.now() / 1000);
    const kind = snapshot.found ? snapshot.kind : 'exit';
    if (kind) inbox.push({ kind, eventTime, taskId: status.taskId ?? '', reason: snapshot.reason, source: 'describe' });
  }

  function applyInbox(): void {
    // Callbacks are applied in event-time order; a batch that arrived together is sorted first.
    const batch = inbox.splice(0).sort((a, b) => a.eventTime - b.eventTime);
    for (const event of batch) {
      const outcome = events.accept(event, status.taskId);
      status.lastEvent = event;
      if (outcome !== 'applied') {
        log.info('task event not applied', {
          outcome,
          kind: event.kind,
          eventTime: event.eventTime,
          taskId: status.taskId,
          eventTaskId: event.taskId,
        });
        continue;
      }
      const next: Partial<Record<TaskEvent['kind'], BroadcastState>> = {
        idle: 'Created',
        running: 'Running',
        recovering: 'Recovering',
        offline: 'Offline',
      };
      const state = next[event.kind];
      if (state && state !== status.state) transition(state, event.reason);
    }
  }

  /** Base of the next reconcile: when a callback should have arrived by now. */
  function nextReconcileMs(reconcileAfterMs: number): number {
    const expected =
      status.state === 'Created'
        ? startMs()
        : status.state === 'Recovering'
          ? Date.parse(status.transitions[status.transitions.length - 1]?.at ?? '') || Date.now()
          : endMs();
    return Math.max(expected, lastReconcileMs) + reconcileAfterMs;
  }

  async function followRelayTask(
    relay: RelaySpec & { Region: string },
    maxRestarts: number,
    reconcileAfterMs: number
  ): Promise<void> {
    if (cancelReason) throw new CancelRequested();
    await createTask(relay);
    // A task still present long after EndTime is deleted: the relay must not outlive its window.
    const hardStopMs = () => endMs() + 10 * reconcileAfterMs;
    for (;;) {
      if (cancelReason) throw new CancelRequested();
      applyInbox();
      if (events.exitReported) {
        await reconcile(); // confirm the exit before completing
        applyInbox();
        const snapshot = status.lastEvent;
        if (snapshot?.source === 'describe' && snapshot.kind === 'exit') {
          const reason = events.exitReason ?? snapshot.reason;
          if (reason === 'TriggerByUser' || Date.now() < endMs() - reconcileAfterMs) {
            throw ApplicationFailure.nonRetryable(
              `task ${status.taskId} exited before EndTime (${reason ?? 'no reason given'})`,
              FailureTypes.providerPermanent
            );
          }
          transition('Completed', reason ?? 'task ended');
          return;
        }
        events.clearExit(); // the provider still has the task: that exit report was stale
      }
      if (status.state === 'Offline' && !stoppedByUser && Date.now() < endMs()) {
        if (status.restarts >= maxRestarts) {
          throw ApplicationFailure.nonRetryable(
            `task went offline (${status.lastEvent?.reason ?? 'unknown reason'}) after ${status.restarts} restart(s)`,
            FailureTypes.restartsExhausted
          );
        }
        await withSummary('restartRelayTask', `restart ${status.restarts + 1}/${maxRestarts}`, taskRef());
        status.restarts++;
        transition('Offline', `restart ${status.restarts}/${maxRestarts} requested`);
        lastReconcileMs = Date.now();
      }
      if (Date.now() >= hardStopMs()) {
        await withSummary('deleteRelayTask', 'delete task past EndTime', taskRef());
        transition('Completed', 'task deleted: still present long after EndTime');
        return;
      }
      const wakeAt = Math.min(nextReconcileMs(reconcileAfterMs), hardStopMs());
      const woke = await condition(
        () => inbox.length > 0 || cancelReason !== undefined,
        Math.max(wakeAt - Date.now(), 1),
        { summary: `await callbacks (${status.state})` }
      );
      if (!woke) await reconcile();
    }
  }

  async function followLegacyConfig(legacy: LegacyPullSpec): Promise<void> {
    if (cancelReason) throw new CancelRequested();
    transition('Creating');
    const added = await withSummary('ensureLegacyPullConfig', 'add pull stream config', legacy);
    transition('Created', added.adopted ? 'adopted an existing config' : undefined);
    // No callbacks exist for this API: follow the schedule and check the config at start and end.
    await waitUntil(startMs, 'wait for StartTime');
    const atStart = await withSummary('describeLegacyPullConfig', 'check pull config', legacy);
    if (!atStart.found) {
      throw ApplicationFailure.nonRetryable('pull config disappeared before StartTime', FailureTypes.providerPermanent);
    }
    transition('Running');
    await waitUntil(endMs, 'wait for EndTime');
    await withSummary('deleteLegacyPullConfig', 'remove finished pull config', legacy);
    transition('Completed', 'window ended');
  }
}
