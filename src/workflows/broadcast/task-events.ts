/**
 * Orders provider task events. Callbacks can be late, duplicated, reordered or lost, and their `EventTime` is whole
 * Unix seconds, so two events of one second tie often. Pure data and functions: the watermark is carried across
 * continue-as-new as plain JSON.
 */
import type { TaskEvent, TaskEventKind } from '../../shared/broadcast';

/** Without a command of ours in between, a tie goes to the later stage of a task's life. */
const STAGE: Record<TaskEventKind, number> = { idle: 0, running: 1, recovering: 2, offline: 3, exit: 4 };

export type EventOutcome = 'applied' | 'duplicate' | 'stale' | 'foreign';

export interface EventWatermark {
  /** EventTime (provider clock, Unix seconds) of the newest applied callback. */
  time: number;
  /** Kinds already applied at `time`, newest last: a repeat of one is a duplicate. */
  kindsAtTime: TaskEventKind[];
  /**
   * A command of ours (restart, stop) changed the task after the newest applied callback: the provider's reaction
   * may carry the same second, and must win that tie whatever its stage.
   */
  commandSince: boolean;
}

export function emptyWatermark(): EventWatermark {
  return { time: Number.MIN_SAFE_INTEGER, kindsAtTime: [], commandSince: false };
}

/** Records that we changed the task (restart, stop): its reaction may tie with the last callback and must win. */
export function noteCommand(watermark: EventWatermark): void {
  watermark.commandSince = true;
}

/**
 * Whether an event changes the task's state, updating the watermark when it does. Describe results (stamped with
 * workflow time, not the provider's clock) are the provider's present state: always applied, never moving the
 * callback watermark.
 */
export function acceptEvent(watermark: EventWatermark, event: TaskEvent, taskId: string | undefined): EventOutcome {
  if (!taskId || event.taskId !== taskId) return 'foreign';
  if (event.source === 'describe') return 'applied';
  if (event.eventTime < watermark.time) return 'stale';
  if (event.eventTime > watermark.time) {
    watermark.time = event.eventTime;
    watermark.kindsAtTime = [event.kind];
    watermark.commandSince = false;
    return 'applied';
  }
  if (watermark.kindsAtTime.includes(event.kind)) return 'duplicate';
  const newest = watermark.kindsAtTime[watermark.kindsAtTime.length - 1];
  const wins = watermark.commandSince || newest === undefined || STAGE[event.kind] > STAGE[newest];
  if (!wins) return 'stale';
  watermark.kindsAtTime.push(event.kind);
  watermark.commandSince = false;
  return 'applied';
}
