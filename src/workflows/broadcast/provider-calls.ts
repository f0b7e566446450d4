/**
 * Provider activities as the broadcast workflows call them: on the provider task queue (whose rate limit is the
 * fleet-wide quota), with retries for transient errors and none for permanent ones, and a summary on each event so
 * the Web UI says what every call was for. Creates carry a task priority: the earliest StartTime first.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  proxyActivities,
  type ActivityOptions,
} from '@temporalio/workflow';

import type { Activities } from '../../activities';
import { FailureTypes, providerTaskQueue } from '../../shared/broadcast';
import { createPriorityKey } from '../../shared/create-priority';
import { providerTaskQueueFor } from '../../shared/provider-queues';

function providerOptions(workflowTaskQueue: string): ActivityOptions {
  return {
    taskQueue: providerTaskQueue(workflowTaskQueue),
    startToCloseTimeout: '30 seconds',
    // The activities heartbeat while they run: a call lost with a dead worker is retried after 10 s, not 30 s.
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
export type ProviderCall = <K extends ActivityName>(
  name: K,
  summary: string,
  ...args: Parameters<Activities[K]>
) => Promise<Awaited<ReturnType<Activities[K]>>>;

/**
 * Calls a provider activity on its provider queue (creates and Describes have queues of their own, so each action's
 * quota is its own: src/shared/provider-queues.ts), with a summary the Web UI shows on its event.
 */
export function providerCaller(workflowTaskQueue: string): ProviderCall {
  const options = providerOptions(workflowTaskQueue);
  const activities = proxyActivities<Activities>(options);
  return (name, summary, ...args) => {
    const fn = activities[name] as unknown as { executeWithOptions(o: ActivityOptions, a: unknown[]): Promise<never> };
    const priority =
      name === 'ensureRelayTask' ? createPriority(args[0] as Parameters<Activities['ensureRelayTask']>[0]) : undefined;
    return fn.executeWithOptions(
      {
        ...options,
        taskQueue: providerTaskQueueFor(workflowTaskQueue, name),
        summary,
        ...(priority ? { priority } : {}),
      },
      args
    );
  };
}

/**
 * The create queue serves the earliest StartTime first (src/shared/create-priority.ts). No patch: a priority is an
 * activity option like a timeout, and replay matches a scheduled activity to its command by activity id and type
 * only (sdk-core activity_state_machine), so histories recorded without it replay unchanged, and a running relay
 * that has still to ask for its create simply asks with a priority.
 */
function createPriority(input: Parameters<Activities['ensureRelayTask']>[0]): ActivityOptions['priority'] {
  // Workflow time (deterministic): how soon the relay starts as the create is asked for.
  return { priorityKey: createPriorityKey(Date.parse(input.relay.StartTime), Date.now()) };
}

/** The failure a call ended with, as the user should read it: the activity's own message and type, not the wrapper. */
export function describeFailure(err: unknown): { message: string; type?: string } {
  if (isCancellation(err)) throw err; // cancellation is not a provider answer: the workflow handles it
  const cause = err instanceof ActivityFailure && err.cause instanceof Error ? err.cause : err;
  const type = cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
  return { message: cause instanceof Error ? cause.message : String(cause), ...(type ? { type } : {}) };
}
