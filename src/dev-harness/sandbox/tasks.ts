/**
 * Pull-to-push tasks and their clock: Idle until StartTime, Running at StartTime, Exit (and deleted) at EndTime;
 * a simulated pull/push failure goes Recovering, retried RetryCount times RetryInterval apart, then Offline.
 * Every state change is POSTed to the task's CallbackUrl (see callbacks.ts). Durations are divided by timeScale.
 */
import { randomUUID } from 'node:crypto';

import { SEED_ERROR_CODES } from '../../provider/errors';
import { ILLEGAL_DURATION_CODE } from '../../provider/schemas';

import { SandboxError } from './auth';

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
  /** Retries made in the current (or last) recovery from a simulated failure. */
  retries: number;
  /** The simulated failure being recovered from (kept so a restored sandbox resumes the retries). */
  failure?: { kind: 'pull' | 'push'; recoverAfterRetries?: number };
  accessKeyId: string;
  history: { status: TaskStatus; at: string; reason?: string }[];
}

/** Who hears of a task's state changes: callbacks.ts's CallbackSender, which POSTs them to the task's CallbackUrl. */
export interface TaskStateListener {
  stateChanged(task: SandboxTask, state: string): void;
  exited(task: SandboxTask): void;
}

/**
 * Whose task, and in which Region. Unconfirmed: how the service answers for another account's task or a different
 * Region is not documented; we answer "not found", the strict choice (code that names the wrong Region here would
 * fail against the cloud too).
 */
export interface Scope {
  owner?: string;
  region?: string;
}

/** Code and HTTP status of a "no such task/config" answer. */
export interface NotFoundAnswer {
  code: string;
  status: number;
}

/**
 * Assumption (seeds silent): the service's not-found codes. These are ours; the relay does not depend on their
 * spelling (it confirms absence with a List lookup), which `SandboxOptions.notFound` lets tests check.
 */
export const DEFAULT_TASK_NOT_FOUND: NotFoundAnswer = { code: 'InvalidTaskId.NotFound', status: 404 };
export const DEFAULT_CONFIG_NOT_FOUND: NotFoundAnswer = { code: 'InvalidConfig.NotFound', status: 404 };

const MAX_TIMER_MS = 2 ** 31 - 1;
const NAMES: Record<TaskStatus, string> = { 0: 'Idle', 1: 'Running', 2: 'Recovering', 3: 'Offline', [-1]: 'Exit' };

export class TaskStore {
  private readonly tasks = new Map<string, SandboxTask>();
  /** Start and end timers of each task. */
  private readonly timers = new Map<string, NodeJS.Timeout[]>();
  /**
   * Retry loops run on their own timers, apart from start/end (an Update re-arms those and must not end a retry
   * loop). Each loop has a generation: Stop, Restart, exit or a new failure turns an older loop into a no-op.
   */
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly retryGeneration = new Map<string, number>();

  constructor(
    private readonly timeScale: number,
    private readonly callbacks: TaskStateListener,
    /** Live tasks one access key may hold; beyond it Create answers CodeNotEnoughResource. @default no limit */
    private readonly maxLiveTasksPerKey = Infinity,
    /** How a missing task is answered (the real code is unconfirmed). @default InvalidTaskId.NotFound, HTTP 404 */
    private readonly notFound: NotFoundAnswer = DEFAULT_TASK_NOT_FOUND,
    /** Called after every change of a task (persistence). @default none */
    private readonly onChange: () => void = () => undefined
  ) {}

  /** Takes back tasks saved by an earlier sandbox: their clocks run on, and what fell due meanwhile happens now. */
  restore(tasks: readonly SandboxTask[]): void {
    for (const task of tasks) {
      this.tasks.set(task.TaskId, task);
      if (task.deleted) continue;
      this.schedule(task);
      if (task.status === 2) this.retryLoop(task);
    }
  }

  all(): SandboxTask[] {
    return [...this.tasks.values()];
  }

  live(): SandboxTask[] {
    return this.all().filter((t) => !t.deleted);
  }

  /** Live tasks in scope, in creation order: what DescribeLivePullToPushList pages through. */
  listed(scope: Scope = {}): SandboxTask[] {
    return this.live().filter((t) => inScope(t, scope));
  }

  get(taskId: string, scope: Scope = {}): SandboxTask {
    const task = this.tasks.get(taskId);
    if (!task || task.deleted || !inScope(task, scope)) {
      throw new SandboxError(this.notFound.code, `The specified task ${taskId} does not exist.`, this.notFound.status);
    }
    return task;
  }

  /** Destination URLs are unique among live tasks of every account: two pushes to one URL make ingest fail. */
  create(params: Record<string, unknown>, accessKeyId: string): SandboxTask {
    const dst = params.DstUrl as string;
    if (this.live().some((t) => t.DstUrl === dst)) {
      throw new SandboxError('CodeConfigAlreadyExists', SEED_ERROR_CODES.CodeConfigAlreadyExists.message);
    }
    // Seed 000: "Exceeded configuration limits or insufficient resources." (the real limit is not stated).
    if (this.listed({ owner: accessKeyId }).length >= this.maxLiveTasksPerKey) {
      throw new SandboxError('CodeNotEnoughResource', SEED_ERROR_CODES.CodeNotEnoughResource.message);
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
      retries: 0,
      accessKeyId,
      history: [{ status: 0, at: new Date().toISOString() }],
    };
    this.tasks.set(task.TaskId, task);
    this.schedule(task);
    this.onChange();
    return task;
  }

  private delay(at: string): number {
    return Math.max(0, (Date.parse(at) - Date.now()) / this.timeScale);
  }

  /** setTimeout fires at once for delays over 2^31-1 ms (~24.8 days): longer waits go in steps. */
  private timer(ms: number, fn: () => void, track: (timer: NodeJS.Timeout) => void): void {
    const timer = setTimeout(
      () => (ms > MAX_TIMER_MS ? this.timer(ms - MAX_TIMER_MS, fn, track) : fn()),
      Math.min(ms, MAX_TIMER_MS)
    );
    timer.unref();
    track(timer);
  }

  private later(task: SandboxTask, ms: number, fn: () => void): void {
    this.timer(ms, fn, (timer) => this.timers.set(task.TaskId, [...(this.timers.get(task.TaskId) ?? []), timer]));
  }

  private clearTimers(task: SandboxTask): void {
    for (const timer of this.timers.get(task.TaskId) ?? []) clearTimeout(timer);
    this.timers.delete(task.TaskId);
  }

  /** (Re)arms the start (if not started yet) and the end of a task from its current StartTime/EndTime. */
  private schedule(task: SandboxTask): void {
    this.clearTimers(task);
    if (task.status === 0) this.later(task, this.delay(task.StartTime), () => this.startPulling(task));
    this.later(task, this.delay(task.EndTime), () => this.exit(task, 'OverEndTime'));
  }

  private setStatus(task: SandboxTask, status: TaskStatus, reason?: string): void {
    if (task.deleted || task.status === status) return;
    task.status = status;
    task.invalidReason = status === 3 ? reason : undefined;
    task.history.push({ status, at: new Date().toISOString(), ...(reason ? { reason } : {}) });
    this.onChange();
    if (status !== 0) this.callbacks.stateChanged(task, NAMES[status]);
  }

  private exit(task: SandboxTask, reason: 'OverEndTime' | 'TriggerByUser'): void {
    if (task.deleted) return;
    this.clearTimers(task);
    this.clearRetries(task);
    task.status = -1;
    task.deleted = true;
    task.exitReason = reason;
    task.exitTime = Math.floor(Date.now() / 1000);
    task.history.push({ status: -1, at: new Date().toISOString(), reason });
    this.onChange();
    this.callbacks.exited(task);
  }

  /** Any live task: Exit (TriggerByUser) and deleted at once; a running task stops and cannot be restarted. */
  delete(taskId: string, scope: Scope = {}): void {
    this.exit(this.get(taskId, scope), 'TriggerByUser');
  }

  /** Running or Recovering → Offline (TriggerByUser); no effect on a task that is not running. */
  stop(taskId: string, scope: Scope = {}): void {
    const task = this.get(taskId, scope);
    if (task.status === 1 || task.status === 2) {
      this.clearRetries(task);
      this.setStatus(task, 3, 'TriggerByUser');
    }
  }

  /** Running, Recovering or Offline tasks start again (a running one is stopped first); no effect before StartTime. */
  restart(taskId: string, scope: Scope = {}): void {
    const task = this.get(taskId, scope);
    if (task.status === 0) return;
    this.clearRetries(task);
    if (task.status === 1 || task.status === 2) this.setStatus(task, 3, 'TriggerByUser');
    this.startPulling(task);
  }

  /** Source URLs that deliver nothing (a dead encoder): tasks pulling from one fail on the pull side. */
  private readonly deadSources = new Set<string>();

  /** A source stops delivering: every running task pulling from it fails (pull), and so does any (re)start onto it. */
  failSource(url: string): void {
    this.deadSources.add(url);
    for (const task of this.tasks.values()) {
      if (task.status === 1 && this.pullsFromDeadSource(task)) this.fail(task.TaskId, 'pull');
    }
  }

  healSource(url: string): void {
    this.deadSources.delete(url);
  }

  private pullsFromDeadSource(task: SandboxTask): boolean {
    return task.SourceUrls.some((url) => this.deadSources.has(url));
  }

  /** Starts a task: Running, or, when its source is dead, the pull retries that end Offline (PullStreamFailed). */
  private startPulling(task: SandboxTask): void {
    if (!this.pullsFromDeadSource(task)) return this.setStatus(task, 1);
    task.failure = { kind: 'pull' };
    task.retries = 0;
    this.setStatus(task, 2);
    this.retryLoop(task);
  }

  private clearRetries(task: SandboxTask): void {
    const timer = this.retryTimers.get(task.TaskId);
    if (timer) clearTimeout(timer);
    this.retryTimers.delete(task.TaskId);
    this.retryGeneration.set(task.TaskId, (this.retryGeneration.get(task.TaskId) ?? 0) + 1);
  }

  /**
   * Simulated pull/push failure of a Running task: Recovering, then RetryCount retries RetryInterval apart, each
   * failing (unless the `recoverAfterRetries`-th succeeds, which brings the task back to Running), then Offline with
   * PullStreamFailed / PushStreamFailed. RetryCount 0: no retry, Offline at once.
   */
  fail(taskId: string, kind: 'pull' | 'push', recoverAfterRetries?: number, scope: Scope = {}): void {
    const task = this.get(taskId, scope);
    if (task.status !== 1) throw new SandboxError('InvalidTaskStatus', `task is ${NAMES[task.status]}, not Running`);
    task.failure = { kind, ...(recoverAfterRetries !== undefined ? { recoverAfterRetries } : {}) };
    task.retries = 0;
    this.setStatus(task, 2);
    this.retryLoop(task);
  }

  /** The retries of a Recovering task, from its current count (a restored task resumes where it was). */
  private retryLoop(task: SandboxTask): void {
    this.clearRetries(task);
    const generation = this.retryGeneration.get(task.TaskId);
    const { kind, recoverAfterRetries } = task.failure ?? { kind: 'pull' };
    const reason = kind === 'pull' ? 'PullStreamFailed' : 'PushStreamFailed';
    const next = (): void => {
      if (task.retries >= task.RetryCount) return this.setStatus(task, 3, reason);
      this.timer(
        (task.RetryInterval * 1000) / this.timeScale,
        () => {
          if (this.retryGeneration.get(task.TaskId) !== generation || task.deleted || task.status !== 2) return;
          this.retryTimers.delete(task.TaskId);
          task.retries++;
          this.onChange();
          if (recoverAfterRetries !== undefined && task.retries >= recoverAfterRetries) this.setStatus(task, 1);
          else next();
        },
        (timer) => this.retryTimers.set(task.TaskId, timer)
      );
    };
    next();
  }

  /**
   * Update under the reference's state rules (both texts agree on these): while running (Recovering included) only
   * CallbackUrl and RepeatNumber may change; StartTime is ignored once the task has started; otherwise every field
   * of the request may change. All or nothing: an update that breaks a rule changes nothing. The error code for a
   * field that may not change in the current state is unconfirmed; we answer InvalidParameter naming the field.
   */
  update(params: Record<string, unknown>, scope: Scope = {}): void {
    const task = this.get(params.TaskId as string, scope);
    const started = task.status !== 0;
    const changes = Object.entries(params).filter(
      ([k, v]) => v !== undefined && !['TaskId', 'Region', 'RegionId', 'OwnerId'].includes(k)
    );
    if (task.status === 1 || task.status === 2) {
      // SourceUrls too: the field's own text says a live source switches at once (reference §2.1), although the
      // state rules list only CallbackUrl and RepeatNumber. Assumption: the field's text is the one that holds.
      const blocked = changes.find(([k]) => !['CallbackUrl', 'RepeatNumber', 'SourceUrls'].includes(k));
      if (blocked) {
        throw new SandboxError('InvalidParameter', `${blocked[0]} cannot be changed while the task is running`);
      }
    }
    const applied = Object.fromEntries(changes.filter(([k]) => !(k === 'StartTime' && started)));
    const next = { ...task, ...applied } as SandboxTask;
    if (Date.parse(next.EndTime) <= Date.parse(next.StartTime)) {
      throw new SandboxError(ILLEGAL_DURATION_CODE, SEED_ERROR_CODES[ILLEGAL_DURATION_CODE].message);
    }
    Object.assign(task, applied);
    this.schedule(task);
    this.onChange();
    if ('SourceUrls' in applied && (task.status === 1 || task.status === 2)) this.switchedSource(task);
  }

  /** A running live task switched source: it pulls the new one at once, failing if that one is dead too. */
  private switchedSource(task: SandboxTask): void {
    if (this.pullsFromDeadSource(task)) {
      if (task.status === 1) this.fail(task.TaskId, 'pull');
    } else if (task.status === 2 && task.failure?.kind === 'pull') {
      this.clearRetries(task);
      this.setStatus(task, 1);
    }
  }

  close(): void {
    for (const task of this.tasks.values()) {
      this.clearTimers(task);
      this.clearRetries(task);
    }
  }

  reset(): void {
    this.close();
    this.tasks.clear();
  }
}

function inScope(task: SandboxTask, scope: Scope): boolean {
  return (
    (scope.owner === undefined || task.accessKeyId === scope.owner) &&
    (scope.region === undefined || task.Region === scope.region)
  );
}
