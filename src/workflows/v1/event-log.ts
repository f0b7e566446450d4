/**
 * FROZEN with v1/broadcast.ts (its event ordering drops a restart's same-second Running callback; the current
 * workflows use ../broadcast/task-events.ts).
 *
 * Applies provider task events idempotently and in event-time order. Callbacks can be late, duplicated, reordered
 * or lost; Describe results fill the gaps. Pure logic, deterministic, usable inside the workflow sandbox.
 */
import type { TaskEvent, TaskEventKind } from '../../shared/broadcast';

/** On equal event times, the later stage of a task's life wins. */
const STAGE: Record<TaskEventKind, number> = { idle: 0, running: 1, recovering: 2, offline: 3, exit: 4 };

export type EventOutcome = 'applied' | 'duplicate' | 'stale' | 'foreign';

export class TaskEventLog {
  private readonly seen = new Set<string>();
  private lastCallbackTime = Number.NEGATIVE_INFINITY;
  private lastCallbackKind: TaskEventKind | undefined;
  /** Set once any exit event (even a stale one) arrives; the workflow confirms it with Describe. */
  exitReported = false;
  exitReason: string | undefined;

  /**
   * Decides whether an event changes the task's state. Callback times are the provider's clock, so Describe
   * results (stamped with workflow time) change the state but never move the callback watermark.
   */
  accept(event: TaskEvent, currentTaskId: string | undefined): EventOutcome {
    if (!currentTaskId || event.taskId !== currentTaskId) return 'foreign';
    if (event.kind === 'exit') {
      this.exitReported = true;
      this.exitReason = event.reason ?? this.exitReason;
    }
    if (event.source === 'describe') return 'applied';
    const key = `${event.taskId}|${event.kind}|${event.eventTime}`;
    if (this.seen.has(key)) return 'duplicate';
    this.seen.add(key);
    const older =
      event.eventTime < this.lastCallbackTime ||
      (event.eventTime === this.lastCallbackTime &&
        this.lastCallbackKind !== undefined &&
        STAGE[event.kind] < STAGE[this.lastCallbackKind]);
    if (older) return 'stale';
    this.lastCallbackTime = event.eventTime;
    this.lastCallbackKind = event.kind;
    return 'applied';
  }

  /** A new task (after restart the id stays, after re-creation it changes) starts a fresh exit watch. */
  clearExit(): void {
    this.exitReported = false;
    this.exitReason = undefined;
  }
}
