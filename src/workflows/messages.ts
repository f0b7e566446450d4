/** Signals, queries and updates of the broadcast workflow. Shared by the client, the callback service and tests. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

import type { BroadcastStatus, RescheduleInput, TaskEvent } from '../shared/broadcast';

/** A provider task event, delivered by the callback service. */
export const taskEventSignal = defineSignal<[TaskEvent]>('taskEvent');
/** State, task id, last event and every transition with its time. */
export const statusQuery = defineQuery<BroadcastStatus>('status');
/** Move StartTime/EndTime: before creation it moves the timer, after it calls UpdateLivePullToPush. */
export const rescheduleUpdate = defineUpdate<BroadcastStatus, [RescheduleInput]>('reschedule');
/** Stop a running relay (it stays Offline and is not restarted by the restart policy). */
export const stopUpdate = defineUpdate<BroadcastStatus, []>('stop');
/** Restart a running or stopped relay. */
export const restartUpdate = defineUpdate<BroadcastStatus, []>('restart');
/** Put a source on air: 0 the primary, then the backups in order (relays with backup sources). */
export const sourceUpdate = defineUpdate<BroadcastStatus, [{ to: number }]>('source');
/** Cancel the broadcast: deletes the task if one was created. */
export const cancelUpdate = defineUpdate<BroadcastStatus, [{ reason?: string }]>('cancel');

/** Sent by a campaign while paused: a held broadcast does not create its task until released. */
export const holdSignal = defineSignal<[boolean]>('hold');
