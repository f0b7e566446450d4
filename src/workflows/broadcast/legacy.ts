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
  isFinalState,
  taskNameFor,
  type BroadcastState,
  type BroadcastStatus,
  type LegacyBroadcastRequest,
} from '../../shared/broadcast';
import {
  cancelUpdate,
  holdSignal,
  rescheduleUpdate,
  restartUpdate,
  sourceUpdate,
  statusQuery,
  stopUpdate,
} from '../messages';

import { recordTransition, rescheduleProblem, scheduledStatus } from './lifecycle';
import { describeFailure, providerCaller, type ProviderCall } from './provider-calls';
import { StatusBoard } from './status-board';
import { DecisionClock, assertRequestObject, validatedRequest } from './validate';

class CancelRequested extends Error {}

/** The legacy broadcast's state, what its handlers change and its steps read. */
class LegacyRun {
  readonly status: BroadcastStatus;
  readonly board: StatusBoard;
  readonly clock = new DecisionClock();
  cancelReason: string | undefined;
  held = false;
  /** Bumped by every signal and update, so waits re-evaluate. */
  changes = 0;

  constructor(request: LegacyBroadcastRequest) {
    this.board = new StatusBoard(request.campaignId);
    this.status = scheduledStatus({
      flavour: 'legacy',
      taskName: taskNameFor(workflowInfo().workflowId),
      startTime: request.legacy?.StartTime ?? '',
      endTime: request.legacy?.EndTime ?? '',
    });
  }

  note(state: BroadcastState, text?: string): void {
    recordTransition(this.status, state, this.clock.now(), text);
    this.board.reflect(this.status);
  }
  get isFinal(): boolean {
    return isFinalState(this.status.state);
  }
  startMs = () => Date.parse(this.status.startTime);
  endMs = () => Date.parse(this.status.endTime);

  /** Waits until `targetMs()` (a reschedule may move it) while `blocked()` holds; throws if cancelled. */
  async waitUntil(targetMs: () => number, summary: string, blocked = () => true): Promise<void> {
    for (;;) {
      if (this.cancelReason) throw new CancelRequested();
      const remaining = targetMs() - this.clock.now();
      if (remaining <= 0 || !blocked()) return;
      const seen = this.changes;
      await condition(() => this.changes !== seen, remaining, { summary });
      this.clock.thaw();
    }
  }

  registerHandlers(): void {
    const refuse = (message: string) => {
      throw ApplicationFailure.nonRetryable(message, FailureTypes.invalidUpdate);
    };
    const cannot = () => refuse('a legacy pull config cannot be stopped or restarted: cancel or reschedule it');
    setHandler(statusQuery, () => this.status);
    setHandler(holdSignal, (hold) => void ((this.held = hold), this.changes++));
    setHandler(stopUpdate, async () => this.status, { validator: cannot });
    setHandler(restartUpdate, async () => this.status, { validator: cannot });
    setHandler(sourceUpdate, async () => this.status, {
      validator: (_input) => refuse('a legacy pull config has no backup sources'),
    });
    setHandler(
      rescheduleUpdate,
      async (input) => {
        if (input.StartTime) this.status.startTime = input.StartTime;
        if (input.EndTime) this.status.endTime = input.EndTime;
        this.note(this.status.state, `rescheduled to ${this.status.startTime} → ${this.status.endTime}`);
        this.changes++;
        return this.status;
      },
      {
        validator: (input) => {
          if (this.isFinal || this.cancelReason) refuse(`broadcast already ${this.status.state}`);
          if (this.status.state !== 'Scheduled') refuse('legacy broadcasts can only be rescheduled before creation');
          // The workflow clock, not the decision clock (frozen until the first wait ends): see RelayRun.refuse.
          const problem = rescheduleProblem({ status: this.status }, input, Date.now());
          if (problem) refuse(problem);
        },
      }
    );
    setHandler(
      cancelUpdate,
      async ({ reason }) => {
        this.cancelReason = reason ?? 'cancelled by request';
        this.changes++;
        await condition(() => this.isFinal);
        return this.status;
      },
      {
        validator: (_input) =>
          void ((this.isFinal || this.cancelReason) && refuse(`broadcast already ${this.status.state}`)),
      }
    );
  }
}

export async function legacyPullWorkflow(request: LegacyBroadcastRequest): Promise<BroadcastStatus> {
  assertRequestObject(request);
  const run = new LegacyRun(request);
  run.registerHandlers();
  const call = providerCaller(workflowInfo().taskQueue);
  let spec = () => ({ ...request.legacy, StartTime: run.status.startTime, EndTime: run.status.endTime });
  try {
    run.clock.freeze();
    const valid = await validatedRequest(request);
    spec = () => ({ ...valid.legacy, StartTime: run.status.startTime, EndTime: run.status.endTime });
    await followSchedule(run, call, spec, (valid.leadTimeSeconds ?? DEFAULT_LEAD_TIME_SECONDS) * 1000);
  } catch (err) {
    await endEarly(run, call, spec, err);
    if (run.status.state === 'Failed') {
      throw ApplicationFailure.nonRetryable(run.status.failure ?? 'failed', failureType(err));
    }
    if (isCancellation(err)) throw err;
  }
  await run.board.flushed();
  await condition(allHandlersFinished);
  return run.status;
}

type LegacySpec = () => LegacyBroadcastRequest['legacy'];

/** Lead time, add the config, check it at StartTime, remove it at EndTime. */
async function followSchedule(run: LegacyRun, call: ProviderCall, spec: LegacySpec, leadMs: number): Promise<void> {
  run.note('Scheduled', `lead time ${leadMs / 1000}s`);
  await run.waitUntil(() => run.startMs() - leadMs, 'wait for lead time');
  if (run.held) run.note('Scheduled', 'held: campaign paused');
  await run.waitUntil(run.endMs, 'held by campaign pause', () => run.held);
  if (run.endMs() <= run.clock.now()) {
    throw ApplicationFailure.nonRetryable(`EndTime ${run.status.endTime} has passed`, FailureTypes.windowPassed);
  }
  run.note('Creating');
  const added = await call('ensureLegacyPullConfig', 'add pull stream config', spec());
  run.clock.thaw();
  run.note('Created', added.adopted ? 'adopted an existing config' : undefined);
  await run.waitUntil(run.startMs, 'wait for StartTime');
  const atStart = await call('describeLegacyPullConfig', 'check pull config', spec());
  if (!atStart.found) {
    throw ApplicationFailure.nonRetryable('pull config disappeared before StartTime', FailureTypes.providerPermanent);
  }
  run.note('Running');
  await run.waitUntil(run.endMs, 'wait for EndTime');
  await call('deleteLegacyPullConfig', 'remove finished pull config', spec());
  run.note('Completed', 'window ended');
}

/** Cancelled or failed: removes the config if one may exist, then records how the broadcast ended. */
async function endEarly(run: LegacyRun, call: ProviderCall, spec: LegacySpec, err: unknown): Promise<void> {
  const cancelled = err instanceof CancelRequested || isCancellation(err);
  let compensationFailure: string | undefined;
  if (!['Scheduled', 'Failed'].includes(run.status.state)) {
    try {
      await CancellationScope.nonCancellable(() =>
        call('deleteLegacyPullConfig', 'delete pull config (compensation)', spec())
      );
    } catch (compensationErr) {
      compensationFailure = describeFailure(compensationErr).message;
    }
  }
  const reason = run.cancelReason ?? 'workflow cancelled';
  if (cancelled && !compensationFailure) run.note('Cancelled', reason);
  else if (cancelled) {
    run.status.failure = `cancelled (${reason}), but compensation failed, a config may be left: ${compensationFailure}`;
    run.note('Failed', run.status.failure);
  } else {
    const left = compensationFailure ? `; compensation failed too, a config may be left: ${compensationFailure}` : '';
    run.status.failure = `${describeFailure(err).message}${left}`;
    run.note('Failed', run.status.failure);
  }
  await run.board.flushed();
  await condition(allHandlersFinished);
}

function failureType(err: unknown): string {
  if (err instanceof CancelRequested || isCancellation(err)) return FailureTypes.compensationFailed;
  return describeFailure(err).type ?? FailureTypes.providerPermanent;
}
