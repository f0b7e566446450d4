/**
 * Which task queue each provider activity runs on. The provider's quota is per action, and the server-side rate limit
 * of a task queue is the only fleet-wide limit Temporal has, so the activities whose action has its own budget get a
 * queue of their own: creating relays never waits behind reconciliation. Pure (no Node built-ins, no I/O): workflow
 * code calls providerTaskQueueFor, the worker polls every queue providerQueuePlan lists.
 */
import type { ActionName } from '../provider/schemas';

import { providerTaskQueue } from './broadcast';

/** A provider queue: its name, what runs on it and the action whose budget is its server-side rate limit. */
export interface ProviderQueue {
  taskQueue: string;
  /** Activity names registered on it; `all` for the shared queue. */
  activities: readonly string[] | 'all';
  /** The action whose per-second budget limits the queue; the shared queue takes the default budget. */
  rateAction?: ActionName;
}

/**
 * Activities with a queue of their own, by queue suffix. Each makes one call of `rateAction` per attempt (a retry may
 * add a DescribeLivePullToPushList lookup, which has its own budget in the client's gate).
 */
const DEDICATED: readonly { suffix: string; activity: string; rateAction: ActionName }[] = [
  { suffix: 'provider-create', activity: 'ensureRelayTask', rateAction: 'CreateLivePullToPush' },
  { suffix: 'provider-describe', activity: 'describeRelayTask', rateAction: 'DescribeLivePullToPush' },
];

/**
 * The task queue a workflow on `workflowTaskQueue` sends `activity` to: its dedicated queue if it has one, else the
 * shared `<queue>-provider`.
 */
export function providerTaskQueueFor(workflowTaskQueue: string, activity: string): string {
  const dedicated = DEDICATED.find((d) => d.activity === activity);
  return dedicated ? `${workflowTaskQueue}-${dedicated.suffix}` : providerTaskQueue(workflowTaskQueue);
}

/**
 * Every provider queue a worker must poll. The shared `<queue>-provider` keeps every provider activity: workflows
 * started by older code send all of them there.
 */
export function providerQueuePlan(workflowTaskQueue: string): ProviderQueue[] {
  return [
    { taskQueue: providerTaskQueue(workflowTaskQueue), activities: 'all' },
    ...DEDICATED.map((d) => ({
      taskQueue: `${workflowTaskQueue}-${d.suffix}`,
      activities: [d.activity],
      rateAction: d.rateAction,
    })),
  ];
}

/**
 * The provider quota's owner (src/provider-quota): one workflow per workflow task queue keeps one activity running on
 * this queue, which every worker polls; the worker running it is the only one that polls the provider queues.
 */
export function quotaOwnerTaskQueue(workflowTaskQueue: string): string {
  return `${workflowTaskQueue}-provider-owner`;
}

/** Business key of the owner workflow: one per workflow task queue (and so per fleet sharing an access key). */
export function quotaOwnerWorkflowId(workflowTaskQueue: string): string {
  return `provider-quota-owner/${workflowTaskQueue}`;
}
