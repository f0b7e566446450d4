/**
 * Starting and steering a campaign's broadcasts, a batch per activity. Broadcasts are top-level workflows (not child workflows)
 * so that they outlive any run of the campaign without a parent link that continue-as-new would break, and so a
 * batch of 100 starts costs the campaign's history 3 events instead of 300. Safe to retry: a broadcast that already
 * exists is reported as such, never started twice.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { heartbeat } from '@temporalio/activity';

import { broadcastStartOptions } from '../broadcast/start';
import type { broadcastWorkflow } from '../workflows/broadcast';
import { campaignBroadcastId, type CampaignEntryInput } from '../workflows/campaign-messages';
import { holdSignal } from '../workflows/messages';

export interface CampaignStartDeps {
  /** A client of the cluster the worker polls. */
  client: Client;
  defaultRegion: string;
}

export interface StartBatchInput {
  campaignId: string;
  taskQueue: string;
  entries: CampaignEntryInput[];
  /** Starts in flight at once. */
  concurrency: number;
  /** The campaign is paused: each broadcast starts held (no task creation until released). */
  hold: boolean;
}

export interface ControlInput {
  workflowIds: string[];
  /** `hold`/`release`: the campaign's pause; `cancel`: every broadcast compensates (deletes its task). */
  action: 'hold' | 'release' | 'cancel';
  concurrency: number;
}

export interface StartOutcome {
  workflowId: string;
  /** `existing`: started earlier (a retried batch or a resubmitted file); it reports its own state. */
  outcome: 'started' | 'existing' | 'failed';
  reason?: string;
}

export function createCampaignActivities(deps: CampaignStartDeps) {
  async function startOne(input: StartBatchInput, entry: CampaignEntryInput): Promise<StartOutcome> {
    const workflowId = campaignBroadcastId(input.campaignId, entry.key);
    const request = { ...entry.request, campaignId: input.campaignId };
    const options = {
      ...broadcastStartOptions(request, { workflowId, taskQueue: input.taskQueue, defaultRegion: deps.defaultRegion }),
      // Never a second broadcast under the same key, even after the first has finished.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    };
    try {
      if (input.hold) {
        // Atomic: the broadcast exists only already held, so a pause can never race its start.
        await deps.client.workflow.signalWithStart<typeof broadcastWorkflow, [boolean]>('broadcastWorkflow', {
          ...options,
          signal: holdSignal,
          signalArgs: [true],
        });
      } else {
        await deps.client.workflow.start<typeof broadcastWorkflow>('broadcastWorkflow', options);
      }
      return { workflowId, outcome: 'started' };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, outcome: 'existing' };
      if (isRejectedRequest(err)) return { workflowId, outcome: 'failed', reason: (err as Error).message };
      throw err; // transient (connection, server busy): the activity is retried, finished starts answer `existing`
    }
  }

  /** Signals or cancels one broadcast; one that has already finished needs nothing. */
  async function controlOne(workflowId: string, action: ControlInput['action']): Promise<boolean> {
    const handle = deps.client.workflow.getHandle<typeof broadcastWorkflow>(workflowId);
    try {
      if (action === 'cancel') await handle.cancel();
      else await handle.signal(holdSignal, action === 'hold');
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  return {
    async startCampaignBroadcasts(input: StartBatchInput): Promise<StartOutcome[]> {
      return mapConcurrently(input.entries, input.concurrency, (entry) => startOne(input, entry));
    },
    /**
     * Pause, resume or cancel many broadcasts through the client: the campaign's history records one activity, not
     * one event per broadcast. Returns how many were still open. Idempotent, so a retry is harmless.
     */
    async controlBroadcasts(input: ControlInput): Promise<number> {
      const reached = await mapConcurrently(input.workflowIds, input.concurrency, (id) => controlOne(id, input.action));
      return reached.filter(Boolean).length;
    },
  };
}

/** Runs `fn` over `items` with at most `concurrency` calls in flight, heartbeating progress; keeps the order. */
async function mapConcurrently<T, R>(items: T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
      heartbeat(index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
  return results;
}

/** The server refused this one request for good (bad argument, ID too long, …): retrying cannot help. */
function isRejectedRequest(err: unknown): boolean {
  // The client wraps the gRPC error in a ServiceError; its cause carries the status code.
  const e = err as { code?: number; cause?: { code?: number } };
  const code = e.code ?? e.cause?.code;
  // gRPC INVALID_ARGUMENT (3) and FAILED_PRECONDITION (9).
  return code === 3 || code === 9;
}
