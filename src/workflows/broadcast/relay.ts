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
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';

import {
  DEFAULT_LEAD_TIME_SECONDS,
  DEFAULT_MAX_RESTARTS,
  DEFAULT_RECONCILE_AFTER_SECONDS,
  DEFAULT_RECONCILE_RUNNING_SECONDS,
  taskNameFor,
  type BroadcastStatus,
  type RelayBroadcastRequest,
  type TaskEvent,
} from '../../shared/broadcast';
import {
  cancelUpdate,
  holdSignal,
  rescheduleUpdate,
  restartUpdate,
  statusQuery,
  stopUpdate,
  taskEventSignal,
} from '../messages';

import {
  apply,
  createLifecycle,
  isFinal,
  nextStep,
  refuseUserRequest,
  type CallResult,
  type Command,
  type Input,
  type Lifecycle,
  type Reply,
  type Step,
  type UserAsk,
  type UserRequest,
} from './lifecycle';
import { describeFailure, providerCaller } from './provider-calls';
import { StatusBoard } from './status-board';
import { assertRequestObject, validatedRequest } from './validate';

/** Continue-as-new past this many history events (or when the server suggests it): weeks of callbacks stay bounded. */
export const HISTORY_EVENT_BUDGET = 2_000;

/** What a run hands to the next one at continue-as-new. */
export interface CarriedRelay {
  lifecycle: Lifecycle;
  inbox: TaskEvent[];
  nextRequestId: number;
}

export async function relayBroadcastWorkflow(
  request: RelayBroadcastRequest,
  carried?: CarriedRelay
): Promise<BroadcastStatus> {
  assertRequestObject(request);
  const info = workflowInfo();
  const call = providerCaller(info.taskQueue);
  const board = new StatusBoard(request.campaignId, carried?.lifecycle.status.transitionCount ?? 0);
  const inbox: TaskEvent[] = carried?.inbox ?? [];
  const pendingReplies = new Map<number, (reply: Reply) => void>();
  let nextRequestId = carried?.nextRequestId ?? 1;
  let l: Lifecycle | undefined = carried?.lifecycle;
  let wakes = 0;
  // Date.now() right after the validation local activity reads differently on replay (the activity's recorded
  // completion time): decisions up to the next wait use the time read before it.
  let frozenNowMs: number | undefined;
  const now = () => frozenNowMs ?? Date.now();

  const provisional = (): BroadcastStatus => ({
    state: 'Scheduled',
    flavour: 'pull-to-push',
    taskName: taskNameFor(info.workflowId),
    startTime: request.relay?.StartTime ?? '',
    endTime: request.relay?.EndTime ?? '',
    restarts: 0,
    transitions: [],
  });
  const dispatch = (input: Input): void => {
    if (!l) return;
    for (const reply of apply(l, input, now())) pendingReplies.get(reply.requestId)?.(reply);
    board.reflect(l.status);
    wakes++;
  };
  const ask = async (request: UserAsk): Promise<BroadcastStatus> => {
    const id = nextRequestId++;
    const reply = new Promise<Reply>((resolve) => pendingReplies.set(id, resolve));
    dispatch({ type: 'user', request: { ...request, id } as UserRequest });
    const { error } = await reply;
    pendingReplies.delete(id);
    if (error) throw ApplicationFailure.nonRetryable(error.message, error.type);
    return (l as Lifecycle).status;
  };
  const refuse = (request: UserAsk): void => {
    const reason = l ? refuseUserRequest(l, request, now()) : 'the broadcast is starting';
    if (reason) throw ApplicationFailure.nonRetryable(reason, 'InvalidBroadcastUpdate');
  };

  setHandler(statusQuery, () => l?.status ?? provisional());
  setHandler(taskEventSignal, (event) => void inbox.push(event));
  setHandler(holdSignal, (held) => dispatch({ type: 'hold', held }));
  setHandler(stopUpdate, () => ask({ kind: 'stop' }), { validator: () => refuse({ kind: 'stop' }) });
  setHandler(restartUpdate, () => ask({ kind: 'restart' }), { validator: () => refuse({ kind: 'restart' }) });
  setHandler(rescheduleUpdate, (changes) => ask({ kind: 'reschedule', changes }), {
    validator: (changes) => refuse({ kind: 'reschedule', changes }),
  });
  setHandler(
    cancelUpdate,
    async ({ reason }) => {
      dispatch({ type: 'cancel', reason: reason ?? 'cancelled by request' });
      await condition(() => l !== undefined && isFinal(l));
      return (l as Lifecycle).status;
    },
    {
      validator: (_input) => {
        if (l && (isFinal(l) || l.ending))
          throw ApplicationFailure.nonRetryable(`broadcast already ${l.status.state}`, 'InvalidBroadcastUpdate');
      },
    }
  );

  if (!l) {
    frozenNowMs = Date.now();
    request = await validatedRequest(request);
    l = createLifecycle(
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
      },
      now()
    );
    dispatch({ type: 'tick' });
  }
  const lifecycle = l;
  const relay = request.relay;
  const region = relay.Region ?? '';
  const taskRef = () => ({ taskId: lifecycle.status.taskId ?? '', region });

  async function perform(command: Command): Promise<CallResult> {
    try {
      const { status, settings } = lifecycle;
      switch (command.kind) {
        case 'create': {
          const window = { StartTime: status.startTime, EndTime: status.endTime };
          const created = await call('ensureRelayTask', 'create pull-to-push task', {
            workflowId: info.workflowId,
            taskName: status.taskName,
            relay: { ...relay, Region: region, ...window },
            ...(command.lookupFirst ? { lookupFirst: true } : {}),
          });
          return { ok: true, ...created };
        }
        case 'describe':
          return {
            ok: true,
            snapshot: await call('describeRelayTask', `${command.why}: DescribeLivePullToPush`, taskRef()),
          };
        case 'restart':
          await call('restartRelayTask', `restart ${status.restarts + 1}/${settings.maxRestarts}`, taskRef());
          return { ok: true };
        case 'userRestart':
          await call('restartRelayTask', 'restart relay (user)', taskRef());
          return { ok: true };
        case 'stop':
          await call('stopRelayTask', 'stop relay (user)', taskRef());
          return { ok: true };
        case 'update':
          await call('updateRelayTask', 'reschedule relay', { ...taskRef(), ...command.changes });
          return { ok: true };
        case 'delete':
          await call(
            'deleteRelayTask',
            command.why === 'pastEnd' ? 'delete task past EndTime' : 'delete relay task (compensation)',
            taskRef()
          );
          return { ok: true };
        case 'deleteOwn':
          await call('deleteOwnRelayTask', 'find and delete relay task (compensation)', {
            workflowId: info.workflowId,
            taskName: status.taskName,
            relay: { ...relay, Region: region },
          });
          return { ok: true };
      }
    } catch (err) {
      return { ok: false, failure: describeFailure(err) };
    }
  }

  /** Runs the lifecycle's steps until it finishes. */
  async function drive(): Promise<Extract<Step, { kind: 'finish' }>> {
    for (;;) {
      for (const event of inbox.splice(0).sort((a, b) => a.eventTime - b.eventTime)) dispatch({ type: 'event', event });
      dispatch({ type: 'tick' });
      const step = nextStep(lifecycle, now());
      if (step.kind === 'finish') return step;
      if (step.kind === 'call') {
        const result = await perform(step.command);
        frozenNowMs = undefined;
        dispatch({ type: 'outcome', command: step.command, result });
        continue;
      }
      if (historyIsLong() && inbox.length === 0 && pendingReplies.size === 0 && allHandlersFinished()) {
        await board.flushed();
        await continueAsNew<typeof relayBroadcastWorkflow>(request, { lifecycle, inbox, nextRequestId });
      }
      const seen = wakes;
      const woken = () => inbox.length > 0 || wakes !== seen;
      if (step.untilMs === undefined) await condition(woken);
      else await condition(woken, Math.max(step.untilMs - now(), 1), { summary: step.summary });
      frozenNowMs = undefined;
    }
  }

  let finish: Extract<Step, { kind: 'finish' }>;
  try {
    finish = await drive();
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // The workflow itself was cancelled (e.g. by its campaign): compensate without being interrupted, then end.
    dispatch({ type: 'cancel', reason: 'workflow cancelled' });
    finish = await CancellationScope.nonCancellable(drive);
    await concluded();
    if (finish.failure) throw ApplicationFailure.nonRetryable(finish.failure.message, finish.failure.type);
    throw err;
  }
  await concluded();
  if (finish.failure) throw ApplicationFailure.nonRetryable(finish.failure.message, finish.failure.type);
  return lifecycle.status;

  async function concluded(): Promise<void> {
    await board.flushed();
    await condition(allHandlersFinished);
  }
}

function historyIsLong(): boolean {
  const { continueAsNewSuggested, historyLength } = workflowInfo();
  return continueAsNewSuggested || historyLength >= HISTORY_EVENT_BUDGET;
}
