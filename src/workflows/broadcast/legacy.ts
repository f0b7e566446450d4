/**
 * One legacy broadcast (AddLivePullStreamInfoConfig: a scheduled pull into Alibaba's own live center). The provider
 * sends no callbacks for it, so the workflow follows the schedule: add the config at the lead time, check it at
 * StartTime, remove it at EndTime; on cancellation or failure, remove it so nothing is left pulling.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';

import {
  DEFAULT_LEAD_TIME_SECONDS,
  FailureTypes,
  FINAL_STATES,
  taskNameFor,
  type BroadcastState,
  type BroadcastStatus,
  type LegacyBroadcastRequest,
} from '../../shared/broadcast';
import { cancelUpdate, holdSignal, rescheduleUpdate, restartUpdate, statusQuery, stopUpdate } from '../messages';

import { recordTransition, rescheduleProblem } from './lifecycle';
import { describeFailure, providerCaller } from './provider-calls';
import { StatusBoard } from './status-board';
import { DecisionClock, assertRequestObject, validatedRequest } from './validate';

class CancelRequested extends Error {}

export async function legacyPullWorkflow(request: LegacyBroadcastRequest): Promise<BroadcastStatus> {
  assertRequestObject(request);
  const info = workflowInfo();
  const call = providerCaller(info.taskQueue);
  const board = new StatusBoard(request.campaignId);
  const clock = new DecisionClock();
  const status: BroadcastStatus = {
    state: 'Scheduled',
    flavour: 'legacy',
    taskName: taskNameFor(info.workflowId),
    startTime: request.legacy?.StartTime ?? '',
    endTime: request.legacy?.EndTime ?? '',
    restarts: 0,
    transitions: [],
    transitionCount: 0,
  };
  let cancelReason: string | undefined;
  let held = false;
  let changes = 0; // bumped by every signal and update, so waits re-evaluate
  const note = (state: BroadcastState, text?: string) => {
    recordTransition(status, state, clock.now(), text);
    board.reflect(status);
  };
  const isFinal = () => FINAL_STATES.includes(status.state);
  const refuseUpdate = (message: string) => {
    throw ApplicationFailure.nonRetryable(message, FailureTypes.invalidUpdate);
  };

  setHandler(statusQuery, () => status);
  setHandler(holdSignal, (hold) => void ((held = hold), changes++));
  const cannot = () => refuseUpdate('a legacy pull config cannot be stopped or restarted: cancel or reschedule it');
  setHandler(stopUpdate, async () => status, { validator: cannot });
  setHandler(restartUpdate, async () => status, { validator: cannot });
  setHandler(
    rescheduleUpdate,
    async (input) => {
      if (input.StartTime) status.startTime = input.StartTime;
      if (input.EndTime) status.endTime = input.EndTime;
      note(status.state, `rescheduled to ${status.startTime} → ${status.endTime}`);
      changes++;
      return status;
    },
    {
      validator: (input) => {
        if (isFinal() || cancelReason) refuseUpdate(`broadcast already ${status.state}`);
        if (status.state !== 'Scheduled')
          refuseUpdate('legacy broadcasts can only be rescheduled before their config is created');
        const problem = rescheduleProblem({ status }, input, clock.now());
        if (problem) refuseUpdate(problem);
      },
    }
  );
  setHandler(
    cancelUpdate,
    async ({ reason }) => {
      cancelReason = reason ?? 'cancelled by request';
      changes++;
      await condition(isFinal);
      return status;
    },
    { validator: (_input) => void ((isFinal() || cancelReason) && refuseUpdate(`broadcast already ${status.state}`)) }
  );

  /** Waits until `targetMs()` (a reschedule may move it) while `blocked()` holds; throws if cancelled. */
  async function waitUntil(targetMs: () => number, summary: string, blocked = () => true): Promise<void> {
    for (;;) {
      if (cancelReason) throw new CancelRequested();
      const remaining = targetMs() - clock.now();
      if (remaining <= 0 || !blocked()) return;
      const seen = changes;
      await condition(() => changes !== seen, remaining, { summary });
      clock.thaw();
    }
  }
  const startMs = () => Date.parse(status.startTime);
  const endMs = () => Date.parse(status.endTime);

  let spec = () => ({ ...request.legacy, StartTime: status.startTime, EndTime: status.endTime });
  try {
    clock.freeze();
    const valid = await validatedRequest(request);
    spec = () => ({ ...valid.legacy, StartTime: status.startTime, EndTime: status.endTime });
    const leadMs = (valid.leadTimeSeconds ?? DEFAULT_LEAD_TIME_SECONDS) * 1000;
    note('Scheduled', `lead time ${leadMs / 1000}s`);
    await waitUntil(() => startMs() - leadMs, 'wait for lead time');
    if (held) note('Scheduled', 'held: campaign paused');
    await waitUntil(endMs, 'held by campaign pause', () => held);
    if (endMs() <= clock.now()) {
      throw ApplicationFailure.nonRetryable(`EndTime ${status.endTime} has passed`, FailureTypes.windowPassed);
    }
    note('Creating');
    const added = await call('ensureLegacyPullConfig', 'add pull stream config', spec());
    clock.thaw();
    note('Created', added.adopted ? 'adopted an existing config' : undefined);
    await waitUntil(startMs, 'wait for StartTime');
    const atStart = await call('describeLegacyPullConfig', 'check pull config', spec());
    if (!atStart.found) {
      throw ApplicationFailure.nonRetryable('pull config disappeared before StartTime', FailureTypes.providerPermanent);
    }
    note('Running');
    await waitUntil(endMs, 'wait for EndTime');
    await call('deleteLegacyPullConfig', 'remove finished pull config', spec());
    note('Completed', 'window ended');
  } catch (err) {
    const cancelled = err instanceof CancelRequested || isCancellation(err);
    const failure = cancelled ? undefined : describeFailure(err);
    let compensationFailure: string | undefined;
    if (!['Scheduled', 'Failed'].includes(status.state)) {
      try {
        await CancellationScope.nonCancellable(() =>
          call('deleteLegacyPullConfig', 'delete pull config (compensation)', spec())
        );
      } catch (compensationErr) {
        compensationFailure = describeFailure(compensationErr).message;
      }
    }
    if (cancelled && !compensationFailure) note('Cancelled', cancelReason ?? 'workflow cancelled');
    else {
      status.failure = cancelled
        ? `cancelled (${cancelReason ?? 'workflow cancelled'}), but compensation failed, a config may be left: ${compensationFailure}`
        : `${failure?.message}${compensationFailure ? `; compensation failed too, a config may be left: ${compensationFailure}` : ''}`;
      note('Failed', status.failure);
    }
    await board.flushed();
    await condition(allHandlersFinished);
    if (status.state === 'Failed') {
      const type = cancelled ? FailureTypes.compensationFailed : (failure?.type ?? FailureTypes.providerPermanent);
      throw ApplicationFailure.nonRetryable(status.failure ?? 'failed', type);
    }
    if (isCancellation(err)) throw err;
    return status;
  }
  await board.flushed();
  await condition(allHandlersFinished);
  return status;
}
