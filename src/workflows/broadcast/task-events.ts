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
  /** Kinds already applied at `time`: a repeat of one is a duplicate (callbacks may be delivered twice). */
  kindsAtTime: TaskEventKind[];
  /**
   * A command of ours (restart, stop) changed the task after the newest applied callback; its expected reaction
   * (running after a restart, offline after a stop) may carry the same second, even one already seen at it, and wins
   * that tie whatever its stage.
   */
  awaiting?: TaskEventKind;
  /**
   * Workflow time (Unix seconds) of the newest Describe: a callback from before it is older news than what Describe
   * said. Assumption: the provider's clock and ours agree to within a second.
   */
  describedAt?: number;
}

export function emptyWatermark(): EventWatermark {
  return { time: Number.MIN_SAFE_INTEGER, kindsAtTime: [] };
}

/** Records that we changed the task: its reaction, `expected`, may tie with the last callback and must win. */
export function noteCommand(watermark: EventWatermark, expected: TaskEventKind): void {
  watermark.awaiting = expected;
}

/** Records a Describe answer: callbacks stamped before it no longer change the state. */
export function noteDescribe(watermark: EventWatermark, atSeconds: number): void {
  watermark.describedAt = Math.max(watermark.describedAt ?? Number.MIN_SAFE_INTEGER, atSeconds);
}

/** Describe found the task after an exit was reported: that report was wrong and must not win later ties. */
export function forgetExit(watermark: EventWatermark): void {
  watermark.kindsAtTime = watermark.kindsAtTime.filter((kind) => kind !== 'exit');
}

/**
 * Whether an event changes the task's state, updating the watermark when it does. Describe results (stamped with
 * workflow time, not the provider's clock) are the provider's present state: always applied, never moving the
 * callback watermark.
 */
export function acceptEvent(watermark: EventWatermark, event: TaskEvent, taskId: string | undefined): EventOutcome {
  if (!taskId || event.taskId !== taskId) return 'foreign';
  if (event.source === 'describe') return 'applied';
  if (event.eventTime < watermark.time || event.eventTime < (watermark.describedAt ?? Number.MIN_SAFE_INTEGER)) {
    return 'stale';
  }
  if (event.eventTime > watermark.time) {
    watermark.time = event.eventTime;
    watermark.kindsAtTime = [event.kind];
    watermark.awaiting = undefined;
    return 'applied';
  }
  const seen = watermark.kindsAtTime.includes(event.kind);
  const isReaction = watermark.awaiting === event.kind;
  if (seen && !isReaction) return 'duplicate';
  const newest = watermark.kindsAtTime[watermark.kindsAtTime.length - 1];
  // After a command, anything new at this second is the provider's answer to it; otherwise the later stage wins.
  const wins = watermark.awaiting !== undefined || newest === undefined || STAGE[event.kind] > STAGE[newest];
  if (!wins) return 'stale';
  // The reaction opens a new epoch within the second: a failure right after it (a restart onto a source that is still
  // dead fails within the second) must not be taken for a duplicate of the failure before the command. The price: a
  // duplicate of that earlier failure, delivered after the reaction, reads as a new one.
  if (watermark.awaiting !== undefined) watermark.kindsAtTime = [event.kind];
  else watermark.kindsAtTime.push(event.kind);
  watermark.awaiting = undefined;
  return 'applied';
}
