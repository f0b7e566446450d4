/**
 * Submitting a validated campaign plan: start (or reuse) the campaign workflow, then hand it the entries in chunks
 * through the `addEntries` update. Idempotent: a resubmitted file adds nothing the campaign already has.
 */
import {
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';

import { BROADCAST_TYPES_QUERY, campaignTaskQueue } from '../shared/broadcast';
import { CampaignIdKey } from '../shared/search-attributes';
import { addEntriesUpdate, type AddEntriesResult } from '../workflows/campaign-messages';
import type { CampaignOptions } from '../workflows/campaign';

import type { CampaignEntry } from './file';

/** Entries per update: small enough for any payload limit, large enough to keep round trips few. */
export const ENTRIES_PER_UPDATE = 200;

export interface SubmitCampaignOptions extends CampaignOptions {
  client: Client;
  /** The broadcasts' task queue; the campaign itself runs on `campaignTaskQueue(taskQueue)`. */
  taskQueue: string;
  campaignId: string;
  entries: CampaignEntry[];
  onProgress?: (sent: number, result: AddEntriesResult) => void;
}

export class CampaignFinishedError extends Error {
  override readonly name = 'CampaignFinishedError';
}

export async function submitCampaign(options: SubmitCampaignOptions): Promise<AddEntriesResult> {
  const { client, campaignId, entries } = options;
  // Joining a running campaign (a resubmitted file): it asks the server which entries it has started already.
  const joining = await client.workflow
    .getHandle(campaignId)
    .describe()
    .then(
      (d) => d.status.name === 'RUNNING',
      (err: unknown) => {
        // Only "no such campaign" means a first submission; any other error must not pass a resubmission as new.
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    );
  const handle = await client.workflow
    .start('campaignWorkflow', {
      taskQueue: campaignTaskQueue(options.taskQueue),
      workflowId: campaignId,
      args: [
        {
          campaignId,
          broadcastTaskQueue: options.taskQueue,
          maxConcurrentStarts: options.maxConcurrentStarts,
          continueAsNewAfterEvents: options.continueAsNewAfterEvents,
          continueAsNewAfterStarts: options.continueAsNewAfterStarts,
          maxPendingEntries: options.maxPendingEntries,
        },
      ],
      // Same file again: join the running campaign; a finished one is never started twice under one ID.
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [{ key: CampaignIdKey, value: campaignId }],
      staticSummary: `campaign ${campaignId}: ${entries.length} broadcasts`,
    })
    .catch((err: Error) => {
      if (err.name === 'WorkflowExecutionAlreadyStartedError') {
        throw new CampaignFinishedError(`campaign ${campaignId} has already finished; choose a new campaign id (--id)`);
      }
      throw err;
    });
  const total: AddEntriesResult = { accepted: 0, duplicates: 0 };
  for (let i = 0; i < entries.length || i === 0; i += ENTRIES_PER_UPDATE) {
    const chunk = entries.slice(i, i + ENTRIES_PER_UPDATE);
    const last = i + ENTRIES_PER_UPDATE >= entries.length;
    const result = await handle.executeUpdate(addEntriesUpdate, {
      args: [
        {
          entries: chunk.map((e) => ({ key: e.key, request: e.request })),
          last,
          ...(joining ? { checkExisting: true } : {}),
        },
      ],
    });
    total.accepted += result.accepted;
    total.duplicates += result.duplicates;
    options.onProgress?.(Math.min(i + chunk.length, entries.length), total);
  }
  return total;
}

/** A Web UI link to one workflow (a broadcast or a campaign). */
export function workflowWebUiLink(uiBaseUrl: string, namespace: string, workflowId: string): string {
  const ns = encodeURIComponent(namespace);
  return `${uiBaseUrl.replace(/\/+$/, '')}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}`;
}

/** The visibility query of a campaign's broadcasts (the campaign workflow, which has the same CampaignId, left out). */
export function campaignBroadcastsQuery(campaignId: string): string {
  return `CampaignId = "${campaignId.replace(/["\\]/g, '')}" AND ${BROADCAST_TYPES_QUERY}`;
}

/** A Web UI link listing the campaign's broadcasts, and only those. */
export function webUiLink(uiBaseUrl: string, namespace: string, campaignId: string): string {
  const query = encodeURIComponent(campaignBroadcastsQuery(campaignId));
  return `${uiBaseUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${query}`;
}
