/**
 * Pull-to-push tasks and their clock: Idle until StartTime, Running at StartTime, Exit (and deleted) at EndTime;
 * a simulated pull/push failure goes Recovering, retried RetryCount times RetryInterval apart, then Offline.
 * Every state change is POSTed to the task's CallbackUrl (see callbacks.ts). Durations are divided by timeScale.
 */
import { randomUUID } from 'node:crypto';

import { SandboxError } from './auth';
import type { CallbackSender } from './callbacks';

export type TaskStatus = 0 | 1 | 2 | 3 | -1;

export interface SandboxTask {
  TaskId: string;
  TaskName: string;
  Region: string;
  StartTime: string;
  EndTime: string;
  SourceType: string;
  SourceProtocol?: string;
  SourceUrls: string[];
  DstUrl: string;
  CallbackUrl?: string;
  RepeatNumber: number;
  FileIndex: number;
  Offset: number;
  RetryCount: number;
  RetryInterval: number;
  status: TaskStatus;
  invalidReason?: string;
  exitReason?: string;
  exitTime?: number;
  deleted: boolean;
  accessKeyId: string;
  history: { status: TaskStatus; at: string; reason?: string }[];
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const NAMES: Record<TaskStatus, string> = { 0: 'Idle', 1: 'Running', 2: 'Recovering', 3: 'Offline', [-1]: 'Exit' };

export class TaskStore {
  private readonly tasks = new Map<string, SandboxTask>();
  private readonly timers = new Map<string, NodeJS.Timeout[]>();

  constructor(
    private readonly timeScale: number,
    private readonly callbacks: CallbackSender
  ) {}

  all(): SandboxTask[] {
    return [...this.tasks.values()];
  }

  live(): SandboxTask[] {
    return this.all().filter((t) => !t.deleted);
  }

  get(taskId: string): SandboxTask {
    const task = this.tasks.get(taskId);
    if (!task || task.deleted) {
      throw new SandboxError('InvalidTaskId.NotFound', `The specified task ${taskId} does not exist.`, 404);
    }
    return task;
  }

  create(params: Record<string, unknown>, accessKeyId: string): SandboxTask {
    const dst = params.DstUrl as string;
    if (this.live().some((t) => t.DstUrl === dst)) {
      throw new SandboxError('CodeConfigAlreadyExists', 'Code Config Already Exists');
    }
    const task: SandboxTask = {
      TaskId: randomUUID(),
      TaskName: (params.TaskName as string | undefined) ?? '',
      Region: params.Region as string,
      StartTime: params.StartTime as string,
      EndTime: params.EndTime as string,
      SourceType: params.SourceType as string,
      SourceProtocol: params.SourceProtocol as string | undefined,
      SourceUrls: params.SourceUrls as string[],
      DstUrl: dst,
      CallbackUrl: params.CallbackUrl as string | undefined,
      RepeatNumber: (params.RepeatNumber as number | undefined) ?? 0,
      FileIndex: (params.FileIndex as number | undefined) ?? 0,
      Offset: (params.Offset as number | undefined) ?? 0,
      RetryCount: (params.RetryCount as number | undefined) ?? 3,
      RetryInterval: (params.RetryInterval as number | undefined) ?? 60,
      status: 0,
      deleted: false,
      accessKeyId,
      history: [{ status: 0, at: new Date().toISOString() }],
    };
    this.tasks.set(task.TaskId, task);
    this.schedule(task);
    return task;
  }

  private delay(at: string): number {
    return Math.max(0, (Date.parse(at) - Date.now()) / this.timeScale);
  }

  private later(task: SandboxTask, ms: number, fn: () => void): void {
    // setTimeout fires at once for delays over 2^31-1 ms (~24.8 days): wait in steps instead.
    const step = Math.min(ms, MAX_TIMER_MS);
    const timer = setTimeout(() => (ms > MAX_TIMER_MS ? this.later(task, ms - MAX_TIMER_MS, fn) : fn()), step);
    timer.unref();
    this.timers.set(task.TaskId, [...(this.timers.get(task.TaskId) ?? []), timer]);
  }

  private clearTimers(task: SandboxTask): void {
    for (const timer of this.timers.get(task.TaskId) ?? []) clearTimeout(timer);
    this.timers.delete(task.TaskId);
  }

  /** (Re)arms the start and end of a task from its current StartTime/EndTime. */
  private schedule(task: SandboxTask): void {
    this.clearTimers(task);
    if (task.status === 0) this.later(task, this.delay(task.StartTime), () => this.setStatus(task, 1));
    this.later(task, this.delay(task.EndTime), () => this.exit(task, 'OverEndTime'));
  }

  private setStatus(task: SandboxTask, status: TaskStatus, reason?: string): void {
    if (task.deleted || task.status === status) return;
    task.status = status;
    task.invalidReason = status === 3 ? reason : undefined;
    task.history.push({ status, at: new Date().toISOString(), ...(reason ? { reason } : {}) });
    if (status !== 0) this.callbacks.stateChanged(task, NAMES[status]);
  }

  private exit(task: SandboxTask, reason: 'OverEndTime' | 'TriggerByUser'): void {
    if (task.deleted) return;
    this.clearTimers(task);
    task.status = -1;
    task.deleted = true;
    task.exitReason = reason;
    task.exitTime = Math.floor(Date.now() / 1000);
    task.history.push({ status: -1, at: new Date().toISOString(), reason });
    this.callbacks.exited(task);
  }

  delete(taskId: string): void {
    this.exit(this.get(taskId), 'TriggerByUser');
  }

  stop(taskId: string): void {
    const task = this.get(taskId);
    if (task.status === 1 || task.status === 2) {
      this.clearRetries(task);
      this.setStatus(task, 3, 'TriggerByUser');
    }
  }

  /** Running or stopped tasks start again (a running one is interrupted first); no effect before StartTime. */
  restart(taskId: string): void {
    const task = this.get(taskId);
    if (task.status === 0) return;
    this.clearRetries(task);
    if (task.status === 1 || task.status === 2) this.setStatus(task, 3, 'TriggerByUser');
    this.setStatus(task, 1);
  }

  private readonly retrying = new Set<string>();
  private clearRetries(task: SandboxTask): void {
    this.retrying.delete(task.TaskId);
  }

  /** Simulated pull/push failure: Recovering, RetryCount retries RetryInterval apart, then Offline (or recovery). */
  fail(taskId: string, kind: 'pull' | 'push', recoverAfterRetries?: number): void {
    const task = this.get(taskId);
    if (task.status !== 1) throw new SandboxError('InvalidTaskStatus', `task is ${NAMES[task.status]}, not Running`);
    this.setStatus(task, 2);
    this.retrying.add(task.TaskId);
    let attempt = 0;
    const retry = () => {
      if (!this.retrying.has(task.TaskId) || task.deleted || task.status !== 2) return;
      attempt++;
      if (recoverAfterRetries !== undefined && attempt >= recoverAfterRetries) {
        this.retrying.delete(task.TaskId);
        this.setStatus(task, 1);
      } else if (attempt >= task.RetryCount) {
        this.retrying.delete(task.TaskId);
        this.setStatus(task, 3, kind === 'pull' ? 'PullStreamFailed' : 'PushStreamFailed');
      } else {
        this.later(task, (task.RetryInterval * 1000) / this.timeScale, retry);
      }
    };
    this.later(task, (task.RetryInterval * 1000) / this.timeScale, retry);
  }

  /** Update under the service's state rules: while running only CallbackUrl and RepeatNumber may change. */
  update(params: Record<string, unknown>): void {
    const task = this.get(params.TaskId as string);
    const changes = Object.entries(params).filter(
      ([k, v]) => v !== undefined && !['TaskId', 'Region', 'RegionId', 'OwnerId'].includes(k)
    );
    if (task.status === 1 || task.status === 2) {
      const blocked = changes.find(([k]) => !['CallbackUrl', 'RepeatNumber'].includes(k));
      if (blocked) {
        throw new SandboxError('InvalidParameter', `${blocked[0]} cannot be changed while the task is running`);
      }
    }
    const started = task.status !== 0;
    for (const [k, v] of changes) {
      if (k === 'StartTime' && started) continue; // ignored once the task has started
      (task as unknown as Record<string, unknown>)[k] = v;
    }
    if (Date.parse(task.EndTime) <= Date.parse(task.StartTime)) {
      throw new SandboxError('InvalidParameter', 'EndTime must be later than StartTime');
    }
    if (task.status === 0) this.schedule(task);
    else {
      this.clearTimers(task);
      this.later(task, this.delay(task.EndTime), () => this.exit(task, 'OverEndTime'));
    }
  }

  close(): void {
    for (const task of this.tasks.values()) this.clearTimers(task);
    this.retrying.clear();
  }

  reset(): void {
    this.close();
    this.tasks.clear();
  }
}
