/**
 * The provider quota holds for any number of workers because one process makes every provider call: the owner.
 * `providerQuotaOwnerWorkflow` keeps one `holdProviderQuota` activity running on the owner queue; the worker that
 * runs it polls the provider queues (and so runs every provider call through its own QuotaGate) until it steps down:
 *
 * - it is shutting down (the SDK cancels the activity): it stops polling, drains, and fails the activity, which
 *   Temporal retries on another worker;
 * - it is dead or cut off: its heartbeats stop, Temporal times the activity out and retries it elsewhere, and its
 *   lease lapses on its own (src/provider-quota/lease.ts) before the next owner makes its first call;
 * - the server's record of the activity no longer names this attempt (timed out, workflow terminated): it stops;
 * - its term ends (TERM_MS): it completes the activity and the workflow elects again.
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

import { quotaOwnerWorkflowId } from '../shared/provider-queues';
import { CONFIRM_EVERY_MS, QUIET_PERIOD_MS, TERM_MS } from '../shared/quota-owner-timings';

import type { ProviderQuotaLease } from './lease';

export interface QuotaOwnerDeps {
  /** Reads the owner workflow's record of its activity. */
  client: Client;
  lease: ProviderQuotaLease;
  /** Starts polling the provider queues; resolves with the function that drains and stops them. */
  startProviderWorkers(): Promise<() => Promise<void>>;
  /** Term length (tests). @default TERM_MS */
  termMs?: number;
  /**
   * Aborted when this worker process starts shutting down: the owner steps down at once. Without it the SDK cancels
   * the activity only once the worker's shutdown grace time has passed, so a stop (Ctrl-C) waited that long and the
   * next owner was elected that much later. @default none
   */
  stopping?: AbortSignal;
}

export interface HoldProviderQuotaInput {
  workflowTaskQueue: string;
}

/** What the server says of this owner attempt. */
export type OwnerRecord = 'current' | 'superseded';

interface PendingActivity {
  activityId?: string | null;
  attempt?: number | null;
  state?: temporal.api.enums.v1.PendingActivityState | null;
}

/**
 * Whether `pending` (the owner workflow's pending activities, run `runId`) still names this attempt as running.
 * Pure: the decision the owner takes every CONFIRM_EVERY_MS.
 */
export function ownerRecord(
  described: { runId: string | null | undefined; pending: readonly PendingActivity[] },
  me: { runId: string; activityId: string; attempt: number }
): OwnerRecord {
  const { PENDING_ACTIVITY_STATE_STARTED: STARTED, PENDING_ACTIVITY_STATE_CANCEL_REQUESTED: CANCEL_REQUESTED } =
    temporal.api.enums.v1.PendingActivityState;
  const running = described.pending.some(
    (p) =>
      p.activityId === me.activityId &&
      p.attempt === me.attempt &&
      (p.state === STARTED || p.state === CANCEL_REQUESTED)
  );
  return described.runId === me.runId && running ? 'current' : 'superseded';
}

type HoldOutcome = 'term ended' | 'superseded' | 'cancelled' | 'worker stopping';

/** Failure type of an owner that stepped down; retried, so another worker is elected. */
export const QUOTA_OWNER_STEPPED_DOWN = 'QuotaOwnerSteppedDown';

export function createQuotaOwnerActivities(deps: QuotaOwnerDeps) {
  const termMs = deps.termMs ?? TERM_MS;
  return {
    async holdProviderQuota(input: HoldProviderQuotaInput): Promise<void> {
      const context = Context.current();
      const { info, log } = context;
      if (!info.workflowExecution) throw new Error('holdProviderQuota runs only for providerQuotaOwnerWorkflow');
      const me = {
        runId: info.workflowExecution.runId,
        activityId: info.activityId,
        attempt: info.attempt,
      };
      const readRecord = async (): Promise<OwnerRecord> => {
        const described = await deps.client.withDeadline(Date.now() + CONFIRM_EVERY_MS * 2, () =>
          deps.client.workflowService.describeWorkflowExecution({
            namespace: info.workflowNamespace,
            execution: { workflowId: quotaOwnerWorkflowId(input.workflowTaskQueue) },
          })
        );
        return ownerRecord(
          { runId: described.workflowExecutionInfo?.execution?.runId, pending: described.pendingActivities ?? [] },
          me
        );
      };
      let stopProviderWorkers: (() => Promise<void>) | undefined;
      let outcome: HoldOutcome = 'superseded';
      try {
        // The previous owner's last calls leave the provider's window before this one's first.
        await sleepUnlessStopping(context, QUIET_PERIOD_MS, deps.stopping);
        if (deps.stopping?.aborted) outcome = 'worker stopping';
        else if ((await readRecord()) === 'current') {
          deps.lease.take();
          stopProviderWorkers = await deps.startProviderWorkers();
          log.info('this worker now owns the provider quota: it polls the provider queues', { attempt: me.attempt });
          outcome = await holdUntilTermEndsOrSuperseded(context, readRecord, deps, termMs);
        } else outcome = 'superseded';
      } catch (err) {
        if (!(err instanceof CancelledFailure)) throw err;
        outcome = 'cancelled';
      } finally {
        deps.lease.release();
        await stopProviderWorkers?.();
        if (stopProviderWorkers) {
          const message = `this worker no longer owns the provider quota: ${outcome}`;
          // A shutdown or a term's end is routine; being superseded means the election moved (worth a look).
          if (outcome === 'superseded') log.warn(message);
          else log.info(message);
        }
      }
      if (outcome !== 'term ended') {
        // An ApplicationFailure, not the CancelledFailure: the workflow did not ask for this, so it must retry.
        throw ApplicationFailure.retryable(`provider quota owner stepped down: ${outcome}`, QUOTA_OWNER_STEPPED_DOWN);
      }
    },
  };
}

/** Heartbeats and confirms the ownership until the term ends or the server's record names another attempt. */
async function holdUntilTermEndsOrSuperseded(
  context: Context,
  readRecord: () => Promise<OwnerRecord>,
  { lease, stopping }: Pick<QuotaOwnerDeps, 'lease' | 'stopping'>,
  termMs: number
): Promise<HoldOutcome> {
  const termEnds = Date.now() + termMs;
  while (Date.now() < termEnds) {
    context.heartbeat();
    await sleepUnlessStopping(context, CONFIRM_EVERY_MS, stopping);
    if (stopping?.aborted) return 'worker stopping';
    let record: OwnerRecord;
    try {
      record = await readRecord();
    } catch {
      continue; // unreachable server: the lease lapses by itself if this lasts
    }
    if (record === 'superseded') return 'superseded';
    lease.confirm();
  }
  return 'term ended';
}

/** The activity's sleep (cancellable as ever), cut short when the worker process starts shutting down. */
async function sleepUnlessStopping(context: Context, ms: number, stopping: AbortSignal | undefined): Promise<void> {
  if (!stopping) return context.sleep(ms);
  if (stopping.aborted) return;
  let onAbort = () => undefined as void;
  const stopped = new Promise<void>((resolve) => {
    onAbort = resolve;
    stopping.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([context.sleep(ms), stopped]);
  } finally {
    stopping.removeEventListener('abort', onAbort);
  }
}
