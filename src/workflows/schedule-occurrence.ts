/**
 * The action of every broadcast Schedule: reads the time the Schedule fired for, computes that occurrence's window and
 * starts the ordinary broadcast for it through an activity (idempotent: an existing broadcast is left as it is). A
 * Schedule's action arguments are fixed; this is where each occurrence gets its own StartTime/EndTime.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';

import type { ScheduleActivities, ScheduledStartOutcome } from '../activities/schedule-broadcasts';
import {
  occurrenceBroadcastId,
  occurrenceWindow,
  requestForOccurrence,
  type ScheduledOccurrenceInput,
} from '../schedules/occurrence';

/** Set by the server on every workflow a Schedule starts: the nominal fire time, also when the firing is late. */
const ScheduledStartTimeKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

const { startScheduledBroadcast } = proxyActivities<ScheduleActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '30 seconds' },
});

export async function scheduledBroadcastWorkflow(input: ScheduledOccurrenceInput): Promise<ScheduledStartOutcome> {
  const info = workflowInfo();
  // Started by hand (not by a Schedule): the occurrence is the one that would have fired now.
  const firedAt = info.typedSearchAttributes.get(ScheduledStartTimeKey) ?? info.startTime;
  const window = occurrenceWindow(firedAt, input);
  const workflowId = occurrenceBroadcastId(input.scheduleId, window);
  // A catch-up firing after its occurrence ended: nothing left to broadcast.
  if (Date.parse(window.EndTime) <= Date.now()) return { workflowId, outcome: 'window-passed' };
  const result = await startScheduledBroadcast({
    workflowId,
    taskQueue: input.taskQueue,
    request: requestForOccurrence(input.template, window),
  });
  if (result.outcome === 'failed') {
    // Shown as a failed action on the Schedules page.
    throw ApplicationFailure.nonRetryable(
      `broadcast ${workflowId} was refused: ${result.reason}`,
      'ScheduledStartRefused'
    );
  }
  return result;
}
