/**
 * Every worker makes sure the owner workflow of its task queue exists, at start and then every
 * ENSURE_EVERY_MS: "use existing" makes it one workflow however many workers start at once, and a terminated one is
 * started again without an operator. Until it runs, provider calls wait in their queues; nothing else does.
 */
import type { Client } from '@temporalio/client';

import { quotaOwnerWorkflowId } from '../shared/provider-queues';
import type { ProviderQuotaOwnerInput } from '../workflows/provider-quota-owner';

const ENSURE_EVERY_MS = 60_000;

/** The owner workflow's type name, as registered (src/workflows/index.ts). */
export const QUOTA_OWNER_WORKFLOW_TYPE = 'providerQuotaOwnerWorkflow';

export async function ensureQuotaOwnerWorkflow(client: Client, workflowTaskQueue: string): Promise<void> {
  const input: ProviderQuotaOwnerInput = { workflowTaskQueue };
  await client.workflow.start(QUOTA_OWNER_WORKFLOW_TYPE, {
    workflowId: quotaOwnerWorkflowId(workflowTaskQueue),
    taskQueue: workflowTaskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/**
 * Ensures the owner workflow now (rejecting if it cannot: the worker should not run without one) and keeps ensuring
 * it until the returned function is called. Later failures are passed to `onError` and retried at the next tick.
 */
export async function keepQuotaOwnerWorkflow(
  client: Client,
  workflowTaskQueue: string,
  onError: (err: unknown) => void
): Promise<() => void> {
  await ensureQuotaOwnerWorkflow(client, workflowTaskQueue);
  const timer = setInterval(() => {
    ensureQuotaOwnerWorkflow(client, workflowTaskQueue).catch(onError);
  }, ENSURE_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
