/**
 * Starting the broadcast of one Schedule occurrence (see src/workflows/schedule-occurrence.ts). Safe to retry: a
 * broadcast that already exists is reported as such, never started twice.
 */
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';

import { broadcastStartOptions } from '../broadcast/start';
import { workflowTypeFor, type BroadcastRequest } from '../shared/broadcast';

import { startOnce, type StartOutcome } from './campaign-broadcasts';

export interface ScheduleStartDeps {
  /** A client of the cluster the worker polls. */
  client: Client;
  defaultRegion: string;
}

export interface ScheduledStartInput {
  workflowId: string;
  taskQueue: string;
  request: BroadcastRequest;
}

export type ScheduledStartOutcome = StartOutcome | { workflowId: string; outcome: 'window-passed' };

export function createScheduleActivities(deps: ScheduleStartDeps) {
  return {
    async startScheduledBroadcast(input: ScheduledStartInput): Promise<StartOutcome> {
      const { workflowId, taskQueue, request } = input;
      return startOnce(workflowId, () =>
        deps.client.workflow.start(workflowTypeFor(request), {
          ...broadcastStartOptions(request, { workflowId, taskQueue, defaultRegion: deps.defaultRegion }),
          // One broadcast per occurrence, even after it has finished (a late catch-up firing, a manual trigger).
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        })
      );
    },
  };
}

export type ScheduleActivities = ReturnType<typeof createScheduleActivities>;
