/**
 * The broadcasts already scheduled in the namespace whose creates are still to come, read from visibility for the
 * create planner (./create-plan.ts): open broadcast workflows of the same task queue in state Scheduled or Creating,
 * by their BroadcastStart search attribute.
 *
 * Assumptions (README, docs/on-time.md): visibility is eventually consistent, so broadcasts started in the last second
 * or so may be missing and one created a moment ago may still read Scheduled; and at most MAX_SCHEDULED_READ are read
 * (`capped` says when more matched: the verdict then counts fewer than there are). Only broadcasts starting no later
 * than the last of ours are read: the create queue serves the earliest start first, so later ones never delay ours.
 */
import type { Client } from '@temporalio/client';

import { BROADCAST_TYPES_QUERY } from '../shared/broadcast';
import { BroadcastStartKey } from '../shared/search-attributes';
import { isoSeconds } from '../shared/time';

import type { ScheduledCreate } from './create-plan';

export const MAX_SCHEDULED_READ = 20_000;

export interface ScheduledRead {
  creates: ScheduledCreate[];
  /** More matched than MAX_SCHEDULED_READ. */
  capped: boolean;
}

/**
 * The visibility query: broadcasts of `taskQueue` not yet created that start by `untilMs`. The bound is "before the
 * next whole second", not "at most": the dev server's SQLite visibility compares datetimes as text, and a stored
 * `…:31Z` sorts after the query's `…:31.000000000Z` (StartTimes are whole seconds).
 */
export function scheduledCreatesQuery(taskQueue: string, untilMs: number): string {
  const queue = taskQueue.replace(/["\\]/g, '');
  const before = new Date(Math.floor(untilMs / 1000) * 1000 + 1000);
  return (
    `${BROADCAST_TYPES_QUERY} AND ExecutionStatus = "Running" AND TaskQueue = "${queue}" AND ` +
    `BroadcastState IN ("Scheduled", "Creating") AND BroadcastStart < "${isoSeconds(before)}"`
  );
}

/** Reads them; `exclude`: workflow IDs about to be started (a resubmitted file's own broadcasts are not "others"). */
export async function readScheduledCreates(
  client: Client,
  options: { taskQueue: string; untilMs: number; exclude?: ReadonlySet<string> }
): Promise<ScheduledRead> {
  const creates: ScheduledCreate[] = [];
  let read = 0;
  const query = scheduledCreatesQuery(options.taskQueue, options.untilMs);
  for await (const wf of client.workflow.list({ query, pageSize: 1000 })) {
    if (++read > MAX_SCHEDULED_READ) return { creates, capped: true };
    if (options.exclude?.has(wf.workflowId)) continue;
    const start = wf.typedSearchAttributes.get(BroadcastStartKey);
    if (start) creates.push({ startMs: start.getTime() });
  }
  return { creates, capped: false };
}
