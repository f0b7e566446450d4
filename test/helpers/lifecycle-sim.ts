/**
 * A small provider and clock around the pure broadcast lifecycle, for property tests: the lifecycle's calls act on
 * simulated tasks, whose status changes emit callbacks that the test delivers late, twice, out of order or never.
 */
import {
  apply,
  createLifecycle,
  isFinal,
  nextStep,
  type CallResult,
  type Command,
  type Input,
  type Lifecycle,
  type LifecycleSettings,
  type Reply,
  type UserAsk,
} from '../../src/workflows/broadcast/lifecycle';
import { isoSeconds } from '../../src/shared/time';
import type { TaskEvent, TaskEventKind } from '../../src/shared/broadcast';

export const T0 = Date.parse('2026-06-01T20:00:00Z');
const MINUTE = 60_000;

interface SimTask {
  id: string;
  status: TaskEventKind;
  reason?: string;
  /** The source it pulls from (index into the broadcast's sources). */
  source: number;
}

export interface SimOptions {
  settings?: Partial<LifecycleSettings>;
  /** Relay window relative to T0. */
  startInMs?: number;
  durationMs?: number;
  /** Sources: the primary and its backups. @default 1 */
  sources?: number;
}

export type Action =
  | { kind: 'advance'; ms: number }
  | { kind: 'deliver'; index: number }
  | { kind: 'duplicate'; index: number }
  | { kind: 'drop'; index: number }
  | { kind: 'providerFails'; reason: 'PullStreamFailed' | 'PushStreamFailed' | 'UnknownError' | 'RetryTimesOffline' }
  | { kind: 'providerRecovering' }
  | { kind: 'providerRecovers' }
  | { kind: 'strayCallback'; eventKind: TaskEventKind; secondsAgo: number; foreign: boolean }
  /** `racing`: callbacks already sent arrive while the request waits for its call (the workflow drains its inbox). */
  | { kind: 'user'; ask: UserAsk; racing?: boolean }
  | { kind: 'cancel' }
  | { kind: 'hold'; held: boolean }
  | { kind: 'failNextCall'; type: string }
  /** A source stops delivering (the task pulling from it goes Offline, PullStreamFailed), or delivers again. */
  | { kind: 'sourceHealth'; index: number; alive: boolean };

/** What happened, for invariants stated over the whole run. */
export interface SimLog {
  calls: Command[];
  replies: Reply[];
  requestsAsked: number;
  finalStates: string[];
  /** Policy restarts issued while the user's stop stood. */
  policyRestartsWhileStopped: number;
  maxLiveTasks: number;
  maxCallsInOneStep: number;
  /** Policy switches to a source the lifecycle knew dead. */
  switchesToDead: number;
  /** Policy switches away from the user's choice with no pull failure seen since it. */
  choicesOverridden: number;
  /** Policy switches issued for an Offline whose reason is not source-side. */
  switchesOnPushFailure: number;
  /** Most policy actions (restart or switch) spent with no new provider observation between them. */
  maxPolicyActionsPerObservation: number;
}

export class LifecycleSim {
  now = T0;
  readonly l: Lifecycle;
  readonly tasks = new Map<string, SimTask>();
  /** Callbacks the provider sent, not yet delivered. */
  readonly pending: TaskEvent[] = [];
  readonly log: SimLog = {
    calls: [],
    replies: [],
    requestsAsked: 0,
    finalStates: [],
    policyRestartsWhileStopped: 0,
    maxLiveTasks: 0,
    maxCallsInOneStep: 0,
    switchesToDead: 0,
    choicesOverridden: 0,
    switchesOnPushFailure: 0,
    maxPolicyActionsPerObservation: 0,
  };
  /** Sources the provider cannot pull from. */
  readonly deadAtProvider = new Set<number>();
  private userChoice: { source: number; pullFailureSince: boolean } | undefined;
  private policyActionsSinceObservation = 0;
  private nextTaskId = 1;
  private nextRequestId = 1;
  private failNext: string | undefined;
  private lastEventSecond = 0;

  constructor(options: SimOptions = {}) {
    const start = T0 + (options.startInMs ?? 10 * MINUTE);
    const end = start + (options.durationMs ?? 60 * MINUTE);
    this.l = createLifecycle(
      {
        taskName: 'relay:sim',
        flavour: 'pull-to-push',
        startTime: isoSeconds(new Date(start)),
        endTime: isoSeconds(new Date(end)),
      },
      {
        leadTimeMs: 5 * MINUTE,
        maxRestarts: 2,
        reconcileAfterMs: 2 * MINUTE,
        reconcileRunningMs: 5 * MINUTE,
        lookupBeforeCreate: false,
        sourceCount: options.sources ?? 1,
        ...options.settings,
      },
      this.now
    );
    this.input({ type: 'tick' });
  }

  get startMs(): number {
    return Date.parse(this.l.status.startTime);
  }
  get endMs(): number {
    return Date.parse(this.l.status.endTime);
  }
  liveTasks(): SimTask[] {
    return [...this.tasks.values()].filter((t) => t.status !== 'exit');
  }
  currentTask(): SimTask | undefined {
    return this.l.status.taskId ? this.tasks.get(this.l.status.taskId) : this.liveTasks()[0];
  }

  input(input: Input): void {
    const wasFinal = isFinal(this.l);
    if (input.type === 'event' || (input.type === 'outcome' && input.command.kind === 'describe')) {
      this.policyActionsSinceObservation = 0;
    }
    const seen =
      input.type === 'event'
        ? input.event
        : input.type === 'outcome' && input.result.ok
          ? { kind: input.result.snapshot?.kind, reason: input.result.snapshot?.reason }
          : undefined;
    // A pull failure observed, by callback or Describe.
    if (seen?.kind === 'offline' && seen.reason === 'PullStreamFailed' && this.userChoice) {
      this.userChoice.pullFailureSince = true;
    }
    this.log.replies.push(...apply(this.l, input, this.now));
    if (!wasFinal && isFinal(this.l)) this.log.finalStates.push(this.l.status.state);
  }

  /** Runs the lifecycle's calls until it waits or finishes (as the workflow does between wakes). */
  run(): void {
    let calls = 0;
    for (;;) {
      this.input({ type: 'tick' });
      const step = nextStep(this.l, this.now);
      if (step.kind !== 'call') break;
      calls++;
      if (calls > 50) throw new Error(`call storm: ${JSON.stringify(this.log.calls.slice(-10))}`);
      this.log.calls.push(step.command);
      this.audit(step.command);
      this.input({ type: 'outcome', command: step.command, result: this.perform(step.command) });
      this.log.maxLiveTasks = Math.max(this.log.maxLiveTasks, this.liveTasks().length);
    }
    this.log.maxCallsInOneStep = Math.max(this.log.maxCallsInOneStep, calls);
  }

  /** Checks a command against the failover invariants before it runs. */
  private audit(command: Command): void {
    const policy = command.kind === 'restart' || (command.kind === 'switchSource' && command.requestId === undefined);
    if (command.kind === 'restart' && this.l.status.stoppedByUser) this.log.policyRestartsWhileStopped++;
    if (policy) {
      this.policyActionsSinceObservation++;
      this.log.maxPolicyActionsPerObservation = Math.max(
        this.log.maxPolicyActionsPerObservation,
        this.policyActionsSinceObservation
      );
    }
    if (command.kind !== 'switchSource') return;
    if (command.requestId !== undefined) {
      this.userChoice = { source: command.to, pullFailureSince: false };
      return;
    }
    if (this.l.sources.dead.includes(command.to)) this.log.switchesToDead++;
    if (this.l.offlineReason !== 'PullStreamFailed') this.log.switchesOnPushFailure++;
    if (this.userChoice?.source === this.l.sources.active && !this.userChoice.pullFailureSince) {
      this.log.choicesOverridden++;
    }
  }

  /** A (re)started task runs if its source delivers, else fails on the pull side at once. */
  private startPulling(task: SimTask): void {
    if (this.deadAtProvider.has(task.source)) this.emit(task, 'offline', 'PullStreamFailed');
    else this.emit(task, 'running');
  }

  /** The provider emits a callback for a status change at the current second (delivery is the test's choice). */
  private emit(task: SimTask, kind: TaskEventKind, reason?: string): void {
    task.status = kind;
    task.reason = reason;
    const second = Math.floor(this.now / 1000);
    this.lastEventSecond = second;
    this.pending.push({ kind, eventTime: second, taskId: task.id, source: 'callback', ...(reason ? { reason } : {}) });
  }

  private perform(command: Command): CallResult {
    if (this.failNext) {
      const type = this.failNext;
      this.failNext = undefined;
      return { ok: false, failure: { message: `injected ${type} failure of ${command.kind}`, type } };
    }
    const task = this.l.status.taskId ? this.tasks.get(this.l.status.taskId) : undefined;
    switch (command.kind) {
      case 'create': {
        const id = `task-${this.nextTaskId++}`;
        const created: SimTask = { id, status: 'idle', source: 0 };
        this.tasks.set(id, created);
        if (this.now >= this.startMs) this.startPulling(created);
        return { ok: true, taskId: id, adopted: false };
      }
      case 'describe':
        if (!task || task.status === 'exit') return { ok: true, snapshot: { found: false } };
        return { ok: true, snapshot: { found: true, kind: task.status, reason: task.reason } };
      case 'restart':
      case 'userRestart':
        if (task && task.status !== 'exit' && this.now >= this.startMs) this.startPulling(task);
        return { ok: true };
      case 'switchSource':
        if (!task || task.status === 'exit') return { ok: true };
        task.source = command.to;
        if (
          (command.restart || task.status === 'running' || task.status === 'recovering') &&
          this.now >= this.startMs
        ) {
          this.startPulling(task); // a live source switches at once; a stopped task on its restart
        }
        return { ok: true };
      case 'stop':
        if (task && (task.status === 'running' || task.status === 'recovering'))
          this.emit(task, 'offline', 'TriggerByUser');
        return { ok: true };
      case 'update':
        return { ok: true };
      case 'delete':
        if (task && task.status !== 'exit') this.emit(task, 'exit', 'TriggerByUser');
        return { ok: true };
      case 'deleteOwn':
        for (const t of this.liveTasks()) this.emit(t, 'exit', 'TriggerByUser');
        return { ok: true };
    }
  }

  /** Plays one action, then lets the lifecycle act. */
  play(action: Action): void {
    const task = this.currentTask();
    switch (action.kind) {
      case 'advance':
        this.advance(action.ms);
        break;
      case 'deliver':
      case 'drop':
      case 'duplicate': {
        if (this.pending.length === 0) break;
        const i = action.index % this.pending.length;
        const event = this.pending[i] as TaskEvent;
        if (action.kind !== 'duplicate') this.pending.splice(i, 1);
        if (action.kind !== 'drop') this.input({ type: 'event', event: { ...event } });
        break;
      }
      case 'providerFails':
        if (task && (task.status === 'running' || task.status === 'recovering'))
          this.emit(task, 'offline', action.reason);
        break;
      case 'providerRecovering':
        if (task && task.status === 'running') this.emit(task, 'recovering');
        break;
      case 'providerRecovers':
        if (task && task.status === 'recovering') this.emit(task, 'running');
        break;
      case 'strayCallback': {
        const taskId = action.foreign || !task ? 'someone-else' : task.id;
        const eventTime = Math.max(0, this.lastEventSecond - action.secondsAgo);
        this.input({ type: 'event', event: { kind: action.eventKind, eventTime, taskId, source: 'callback' } });
        break;
      }
      case 'user':
        this.log.requestsAsked++;
        this.input({ type: 'user', request: { ...action.ask, id: this.nextRequestId++ } });
        if (action.racing) {
          for (const event of this.pending.splice(0)) this.input({ type: 'event', event });
        }
        break;
      case 'cancel':
        this.input({ type: 'cancel', reason: 'test cancel' });
        break;
      case 'hold':
        this.input({ type: 'hold', held: action.held });
        break;
      case 'failNextCall':
        this.failNext = action.type;
        break;
      case 'sourceHealth': {
        const index = action.index % Math.max(1, this.l.sources.count);
        if (action.alive) this.deadAtProvider.delete(index);
        else {
          this.deadAtProvider.add(index);
          if (task && task.source === index && (task.status === 'running' || task.status === 'recovering')) {
            this.emit(task, 'offline', 'PullStreamFailed');
          }
        }
        break;
      }
    }
    this.run();
  }

  /** Moves the clock; the provider starts tasks at StartTime and ends them at EndTime, as the real one does. */
  advance(ms: number): void {
    this.now += ms;
    for (const t of this.liveTasks()) {
      if (this.now >= this.endMs) this.emit(t, 'exit', 'OverEndTime');
      else if (this.now >= this.startMs && t.status === 'idle') this.startPulling(t);
    }
    this.run();
  }
}
