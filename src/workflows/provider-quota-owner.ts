/**
 * Elects the one worker process of a fleet that calls the provider (src/provider-quota). The workflow keeps one
 * `holdProviderQuota` activity running on the owner queue, which every worker polls: the worker that runs it is the
 * owner, and Temporal's heartbeat timeout and retries move it to another worker when the owner dies. One per workflow
 * task queue (workflow ID `provider-quota-owner/<queue>`), started by every worker with "use existing".
 *
 * Its history stays small: retries of the activity add no events, and each term (TERM_MS) ends with one completed
 * activity. It continues-as-new when the server suggests it or after TERMS_PER_RUN terms.
 */
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';

import type { createQuotaOwnerActivities } from '../provider-quota/owner';
import { quotaOwnerTaskQueue } from '../shared/provider-queues';
import { HEARTBEAT_TIMEOUT_MS, RETRY_INTERVAL_MS, TERM_MS } from '../shared/quota-owner-timings';

export interface ProviderQuotaOwnerInput {
  /** The workflow task queue whose provider queues the owner polls. */
  workflowTaskQueue: string;
}

const TERMS_PER_RUN = 30;

export async function providerQuotaOwnerWorkflow(input: ProviderQuotaOwnerInput): Promise<never> {
  const { holdProviderQuota } = proxyActivities<ReturnType<typeof createQuotaOwnerActivities>>({
    taskQueue: quotaOwnerTaskQueue(input.workflowTaskQueue),
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    // A term plus the owner's drain when it steps down; heartbeats, not this, detect a dead owner.
    startToCloseTimeout: TERM_MS + 10 * 60_000,
    // Election never gives up: with no worker polling, the activity waits in the queue for the first one.
    retry: { initialInterval: RETRY_INTERVAL_MS, backoffCoefficient: 1, maximumInterval: RETRY_INTERVAL_MS },
  });
  for (let term = 0; term < TERMS_PER_RUN && !workflowInfo().continueAsNewSuggested; term++) {
    await holdProviderQuota({ workflowTaskQueue: input.workflowTaskQueue });
  }
  return continueAsNew<typeof providerQuotaOwnerWorkflow>(input);
}
