/**
 * The life of one pull-to-push broadcast as plain deterministic code: its state, what each input (a provider event,
 * a Describe result, the passing of time, a user's request, the outcome of a provider call) does to it, and which
 * step comes next. No Temporal import: the workflow interprets the steps, tests drive it directly.
 *
 * Rules, in words:
 * - The task is created at StartTime − lead time (at once if that is past), unless a campaign pause holds it.
 * - Provider-changing calls run one at a time; user requests go before the restart policy.
 * - The user's intent is recorded before its call and undone if the call fails: a stopped relay is never restarted
 *   by the policy.
 * - An Offline relay the user did not stop is restarted while the budget lasts, once per observed failure.
 * - Silence is checked with Describe: after StartTime while Created, while Recovering, every
 *   `reconcileRunningMs` while Running, after EndTime.
 * - Failure or cancellation deletes whatever may exist; if that fails too the broadcast ends Failed saying so.
 */
import {
  FailureTypes,
  TRANSITIONS_KEPT,
  isFinalState,
  type BroadcastState,
  type BroadcastStatus,
  type RescheduleInput,
  type TaskEvent,
} from '../../shared/broadcast';
import { API_TIME_FORMAT, API_TIME_PATTERN } from '../../shared/time';

import {
  acceptEvent,
  emptyWatermark,
  forgetExit,
  noteCommand,
  noteDescribe,
  type EventOutcome,
  type EventWatermark,
} from './task-events';
import { failoverTarget, initialSources, isSourceSide, sourceLabel, switchTo, type SourceState } from './sources';

export interface LifecycleSettings {
  leadTimeMs: number;
  maxRestarts: number;
  reconcileAfterMs: number;
  reconcileRunningMs: number;
  /** An earlier run (reset, or the chain's previous run) may have created the task: look it up before creating. */
  lookupBeforeCreate: boolean;
  /** Sources to pull from: the primary and its backups (live relays). @default 1 */
  sourceCount?: number;
}

/** What a user asks of a running broadcast. */
export type UserAsk =
  | { kind: 'stop' }
  | { kind: 'restart' }
  | { kind: 'reschedule'; changes: RescheduleInput }
  /** Put source `to` on air (0 the primary, then the backups). */
  | { kind: 'source'; to: number };
/** A user's ask once accepted for an answer: `id` pairs it with its reply. */
export type UserRequest = UserAsk & { id: number };

export type Command =
  | { kind: 'create'; lookupFirst: boolean }
  | { kind: 'describe'; why: string }
  | { kind: 'restart'; origin: 'policy' }
  | { kind: 'userRestart'; requestId: number }
  | { kind: 'stop'; requestId: number }
  | { kind: 'update'; requestId: number; changes: RescheduleInput }
  /** UpdateLivePullToPush with another source's SourceUrls, then a restart if the task is stopped. */
  | { kind: 'switchSource'; to: number; restart: boolean; requestId?: number }
  | { kind: 'delete'; why: 'compensation' | 'pastEnd' }
  /** Compensation when creation was interrupted: the task may exist without us knowing its id. */
  | { kind: 'deleteOwn' };

export type Step =
  | { kind: 'wait'; untilMs?: number; summary: string }
  | { kind: 'call'; command: Command }
  | { kind: 'finish'; state: 'Completed' | 'Failed' | 'Cancelled'; failure?: { message: string; type: string } };

export interface CallFailure {
  message: string;
  type?: string;
}

export type CallResult =
  | {
      ok: true;
      taskId?: string;
      adopted?: boolean;
      snapshot?: { found: boolean; kind?: TaskEvent['kind']; reason?: string };
    }
  | { ok: false; failure: CallFailure };

export type Input =
  | { type: 'event'; event: TaskEvent }
  | { type: 'tick' }
  | { type: 'hold'; held: boolean }
  | { type: 'cancel'; reason: string }
  | { type: 'user'; request: UserRequest }
  | { type: 'outcome'; command: Command; result: CallResult };

/** The answer owed to a user request: settled once its call (or rejection) is known. */
export interface Reply {
  requestId: number;
  error?: { message: string; type: string };
}

interface Ending {
  outcome: 'Failed' | 'Cancelled';
  message: string;
  type: string;
  /** Compensation is done (or nothing needed it); `compensationFailure` says why it could not be. */
  compensated: boolean;
  compensationFailure?: string;
}

export interface Lifecycle {
  settings: LifecycleSettings;
  status: BroadcastStatus;
  held: boolean;
  /** Noted once, so a held broadcast's transition list does not grow with every wake. */
  heldNoted: boolean;
  /** A restart or stop of ours that the provider has not reacted to yet: no second restart for one failure. */
  awaitingReaction?: { command: 'restart' | 'stop'; atMs: number };
  /** Workflow time of the newest applied event, Describe or call: reconciliation waits measure from it. */
  lastObservationMs: number;
  /** An exit was reported: confirmed (or refuted) by Describe before anything else. */
  exitReported: boolean;
  /** The reported exit's reason (TaskExitReason), used if Describe no longer finds the task. */
  exitReason?: string;
  watermark: EventWatermark;
  /** Accepted user requests, in order, waiting for their call. */
  queue: UserRequest[];
  sources: SourceState;
  /** TaskInvalidReason of the Offline the relay is in (not of an earlier one). */
  offlineReason?: string;
  ending?: Ending;
}

export function isFinal(l: Lifecycle): boolean {
  return isFinalState(l.status.state);
}

type StatusSpec = { taskName: string; flavour: BroadcastStatus['flavour']; startTime: string; endTime: string };

/** A broadcast's status before anything has happened to it. */
export function scheduledStatus(spec: StatusSpec): BroadcastStatus {
  return { state: 'Scheduled', ...spec, restarts: 0, transitions: [], transitionCount: 0 };
}

export function createLifecycle(spec: StatusSpec, settings: LifecycleSettings, nowMs: number): Lifecycle {
  const status = scheduledStatus(spec);
  recordTransition(status, 'Scheduled', nowMs, `lead time ${settings.leadTimeMs / 1000}s`);
  return {
    settings,
    status,
    held: false,
    heldNoted: false,
    lastObservationMs: nowMs,
    exitReported: false,
    watermark: emptyWatermark(),
    queue: [],
    sources: initialSources(settings.sourceCount ?? 1),
  };
}

const startMs = (l: Lifecycle) => Date.parse(l.status.startTime);
const endMs = (l: Lifecycle) => Date.parse(l.status.endTime);
const hardStopMs = (l: Lifecycle) => endMs(l) + 10 * l.settings.reconcileAfterMs;

function transition(l: Lifecycle, state: BroadcastState, nowMs: number, note?: string): void {
  recordTransition(l.status, state, nowMs, note);
}

/** Records a state change (or a note on the current state), keeping the newest TRANSITIONS_KEPT. */
export function recordTransition(status: BroadcastStatus, state: BroadcastState, nowMs: number, note?: string): void {
  if (state === status.state && !note) return;
  status.state = state;
  status.transitions.push({ state, at: new Date(nowMs).toISOString(), ...(note ? { note } : {}) });
  if (status.transitions.length > TRANSITIONS_KEPT) status.transitions.shift();
  status.transitionCount = (status.transitionCount ?? 0) + 1;
}

/** Marks the broadcast as ending: the next steps compensate, then finish. Replies to every queued request. */
function end(l: Lifecycle, outcome: Ending['outcome'], message: string, type: string, replies: Reply[]): void {
  if (l.ending || isFinal(l)) return;
  l.ending = { outcome, message, type, compensated: !mayHaveTask(l) };
  rejectQueue(l, replies, `broadcast is ending: ${message}`);
}

function rejectQueue(l: Lifecycle, replies: Reply[], message: string): void {
  for (const request of l.queue.splice(0)) {
    replies.push({ requestId: request.id, error: { message, type: FailureTypes.invalidUpdate } });
  }
}

/** A task may exist: we hold its id, or a create call may have gone through before it was interrupted. */
function mayHaveTask(l: Lifecycle): boolean {
  return l.status.taskId !== undefined || l.status.state === 'Creating';
}

/** Applies one input; returns the answers now owed to user requests. */
export function apply(l: Lifecycle, input: Input, nowMs: number): Reply[] {
  const replies: Reply[] = [];
  if (isFinal(l)) {
    if (input.type === 'user') replies.push(refusal(input.request.id, `broadcast already ${l.status.state}`));
    return replies;
  }
  switch (input.type) {
    case 'event':
      applyEvent(l, input.event, nowMs, replies);
      break;
    case 'tick':
      break;
    case 'hold':
      l.held = input.held;
      if (!input.held) l.heldNoted = false;
      break;
    case 'cancel':
      end(l, 'Cancelled', input.reason, FailureTypes.compensationFailed, replies);
      break;
    case 'user':
      acceptUserRequest(l, input.request, nowMs, replies);
      break;
    case 'outcome':
      applyOutcome(l, input.command, input.result, nowMs, replies);
      break;
  }
  settle(l, nowMs, replies);
  return replies;
}

function applyEvent(l: Lifecycle, event: TaskEvent, nowMs: number, replies: Reply[]): EventOutcome {
  const outcome = acceptEvent(l.watermark, event, l.status.taskId);
  if (outcome !== 'applied') return outcome;
  l.status.lastEvent = event;
  l.lastObservationMs = nowMs;
  l.awaitingReaction = undefined;
  if (event.reason && (event.kind === 'offline' || event.kind === 'exit')) l.status.lastReason = event.reason;
  if (event.kind === 'offline') l.offlineReason = event.reason;
  if (event.kind === 'exit') {
    if (event.source === 'describe') concludeExit(l, event.reason ?? l.exitReason, nowMs, replies);
    else {
      l.exitReported = true;
      l.exitReason = event.reason ?? l.exitReason;
    }
    return outcome;
  }
  if (event.source === 'describe') {
    // The provider still has the task: that exit report was stale.
    l.exitReported = false;
    l.exitReason = undefined;
    forgetExit(l.watermark);
  }
  const state = ({ idle: 'Created', running: 'Running', recovering: 'Recovering', offline: 'Offline' } as const)[
    event.kind
  ];
  if (state !== l.status.state) transition(l, state, nowMs, event.kind === 'offline' ? event.reason : undefined);
  return outcome;
}

/** The provider no longer has the task: done if the window is over, a failure if it ended early. */
function concludeExit(l: Lifecycle, reason: string | undefined, nowMs: number, replies: Reply[]): void {
  l.exitReported = false;
  l.exitReason = undefined;
  const early = nowMs < endMs(l) - l.settings.reconcileAfterMs;
  if (reason === 'TriggerByUser' || early) {
    const message = `task ${l.status.taskId} exited before EndTime (${reason ?? 'no reason given'})`;
    end(l, 'Failed', message, FailureTypes.providerPermanent, replies);
    if (l.ending) l.ending.compensated = true; // the provider confirmed the task is gone: nothing to delete
    return;
  }
  transition(l, 'Completed', nowMs, reason ?? 'task ended');
}

function refusal(requestId: number, message: string): Reply {
  return { requestId, error: { message, type: FailureTypes.invalidUpdate } };
}

/** Why a user request cannot be accepted now, or undefined. The workflow's update validators ask the same. */
export function refuseUserRequest(l: Lifecycle, request: UserAsk, nowMs: number): string | undefined {
  if (isFinal(l)) return `broadcast already ${l.status.state}`;
  if (l.ending) return `broadcast is ending: ${l.ending.message}`;
  const state = l.status.state;
  const allowed = (states: BroadcastState[], what: string) =>
    l.status.taskId && states.includes(state)
      ? undefined
      : `cannot ${what} a broadcast in state ${state} (allowed: ${states.join(', ')})`;
  switch (request.kind) {
    case 'stop':
      return allowed(['Running', 'Recovering'], 'stop');
    case 'restart':
      return allowed(['Running', 'Recovering', 'Offline'], 'restart');
    case 'reschedule':
      return rescheduleProblem(l, request.changes, nowMs);
    case 'source':
      return (
        sourceProblem(l, request.to) ?? allowed(['Created', 'Running', 'Recovering', 'Offline'], 'switch the source of')
      );
  }
}

function sourceProblem(l: Lifecycle, to: number): string | undefined {
  const { count, active } = l.sources;
  if (count < 2) return 'this broadcast has no backup sources';
  if (!Number.isInteger(to) || to < 0 || to >= count) {
    return `source: must be primary or backup 1${count > 2 ? ` to ${count - 1}` : ''}`;
  }
  if (to === active) return `${sourceLabel(to)} is already on air`;
  return undefined;
}

/** Every problem with a reschedule, in one message; undefined when it is acceptable. */
export function rescheduleProblem(
  l: Pick<Lifecycle, 'status'>,
  changes: RescheduleInput | undefined,
  nowMs: number
): string | undefined {
  const problems: string[] = [];
  const given = changes ?? {};
  for (const field of ['StartTime', 'EndTime'] as const) {
    const value = given[field];
    if (
      value !== undefined &&
      (typeof value !== 'string' || !API_TIME_PATTERN.test(value) || Number.isNaN(Date.parse(value)))
    ) {
      problems.push(`${field}: must be ${API_TIME_FORMAT} (UTC)`);
    }
  }
  if (given.StartTime === undefined && given.EndTime === undefined) problems.push('StartTime/EndTime: give one');
  if (l.status.state === 'Creating') problems.push('the task is being created: try again in a moment');
  if (problems.length === 0) {
    const start = Date.parse(given.StartTime ?? l.status.startTime);
    const end = Date.parse(given.EndTime ?? l.status.endTime);
    if (end <= start) problems.push('EndTime: must be later than StartTime');
    else if (end <= nowMs) problems.push('EndTime: must be in the future');
  }
  return problems.length > 0 ? `invalid reschedule: ${problems.join('; ')}` : undefined;
}

function acceptUserRequest(l: Lifecycle, request: UserRequest, nowMs: number, replies: Reply[]): void {
  const refused = refuseUserRequest(l, request, nowMs);
  if (refused) {
    replies.push(refusal(request.id, refused));
    return;
  }
  if (request.kind === 'reschedule' && !l.status.taskId) {
    applyTimes(l, request.changes, nowMs); // nothing at the provider yet: the timers move, that is all
    replies.push({ requestId: request.id });
    return;
  }
  // Intent first: from now on the restart policy sees what the user asked for.
  if (request.kind === 'stop') l.status.stoppedByUser = true;
  if (request.kind === 'restart') l.status.stoppedByUser = false;
  l.queue.push(request);
}

function applyTimes(l: Lifecycle, changes: RescheduleInput, nowMs: number): void {
  if (changes.StartTime) l.status.startTime = changes.StartTime;
  if (changes.EndTime) l.status.endTime = changes.EndTime;
  transition(l, l.status.state, nowMs, `rescheduled to ${l.status.startTime} → ${l.status.endTime}`);
}

function applyOutcome(l: Lifecycle, command: Command, result: CallResult, nowMs: number, replies: Reply[]): void {
  if (command.kind !== 'describe') l.lastObservationMs = nowMs;
  switch (command.kind) {
    case 'create':
      if (!result.ok)
        return end(l, 'Failed', result.failure.message, result.failure.type ?? FailureTypes.providerPermanent, replies);
      l.status.taskId = result.taskId;
      transition(l, 'Created', nowMs, result.adopted ? 'adopted an existing task' : undefined);
      return;
    case 'describe': {
      if (!result.ok)
        return end(l, 'Failed', result.failure.message, result.failure.type ?? FailureTypes.providerPermanent, replies);
      const snapshot = result.snapshot ?? { found: false };
      const kind = snapshot.found ? snapshot.kind : 'exit';
      const taskId = l.status.taskId ?? '';
      noteDescribe(l.watermark, Math.floor(nowMs / 1000));
      if (kind) {
        applyEvent(
          l,
          { kind, eventTime: Math.floor(nowMs / 1000), taskId, reason: snapshot.reason, source: 'describe' },
          nowMs,
          replies
        );
      }
      l.lastObservationMs = nowMs;
      return;
    }
    case 'restart':
      if (!result.ok)
        return end(l, 'Failed', result.failure.message, result.failure.type ?? FailureTypes.providerPermanent, replies);
      l.status.restarts++;
      l.awaitingReaction = { command: 'restart', atMs: nowMs };
      noteCommand(l.watermark, 'running');
      transition(l, l.status.state, nowMs, `restart ${l.status.restarts}/${l.settings.maxRestarts} requested`);
      return;
    case 'switchSource':
      if (command.requestId !== undefined)
        return applyUserOutcome(l, { ...command, requestId: command.requestId }, result, nowMs, replies);
      if (!result.ok)
        return end(l, 'Failed', result.failure.message, result.failure.type ?? FailureTypes.providerPermanent, replies);
      return applySwitch(l, command, nowMs, `${sourceLabel(l.sources.active)}: ${l.offlineReason}`);
    case 'userRestart':
    case 'stop':
    case 'update':
      return applyUserOutcome(l, command, result, nowMs, replies);
    case 'delete':
    case 'deleteOwn':
      if (l.ending) {
        l.ending.compensated = true;
        if (!result.ok) l.ending.compensationFailure = result.failure.message;
        return;
      }
      if (!result.ok)
        return end(l, 'Failed', result.failure.message, result.failure.type ?? FailureTypes.providerPermanent, replies);
      transition(l, 'Completed', nowMs, 'task deleted: still present long after EndTime');
      return;
  }
}

function applyUserOutcome(
  l: Lifecycle,
  command: Extract<Command, { kind: 'userRestart' | 'stop' | 'update' | 'switchSource' }> & { requestId: number },
  result: CallResult,
  nowMs: number,
  replies: Reply[]
): void {
  l.queue = l.queue.filter((r) => r.id !== command.requestId);
  if (!result.ok) {
    // Undo the intent recorded at acceptance: the provider did not do it.
    if (command.kind === 'stop') l.status.stoppedByUser = false;
    if (command.kind === 'userRestart') l.status.stoppedByUser = true;
    replies.push({
      requestId: command.requestId,
      error: { message: result.failure.message, type: result.failure.type ?? FailureTypes.providerPermanent },
    });
    return;
  }
  if (command.kind === 'update') applyTimes(l, command.changes, nowMs);
  else if (command.kind === 'switchSource') applySwitch(l, command, nowMs, 'chosen by user');
  else {
    l.awaitingReaction = { command: command.kind === 'stop' ? 'stop' : 'restart', atMs: nowMs };
    noteCommand(l.watermark, command.kind === 'stop' ? 'offline' : 'running');
    transition(l, l.status.state, nowMs, command.kind === 'stop' ? 'stopped by user' : 'restarted by user');
  }
  replies.push({ requestId: command.requestId });
}

/** Records a source switch that the provider accepted; a restart with it awaits the provider's reaction. */
function applySwitch(
  l: Lifecycle,
  command: Extract<Command, { kind: 'switchSource' }>,
  nowMs: number,
  why: string
): void {
  switchTo(l.sources, command.to, command.requestId === undefined);
  l.status.source = { active: command.to, label: sourceLabel(command.to), count: l.sources.count, why };
  if (command.restart) {
    l.awaitingReaction = { command: 'restart', atMs: nowMs };
    noteCommand(l.watermark, 'running');
  }
  transition(l, l.status.state, nowMs, `switched to ${sourceLabel(command.to)} (${why})`);
}

/** Decisions that follow from the state and the clock alone; run after every input. */
function settle(l: Lifecycle, nowMs: number, replies: Reply[]): void {
  if (isFinal(l)) return;
  if (l.ending) {
    if (l.ending.compensated) finishEnding(l, nowMs);
    return;
  }
  const state = l.status.state;
  if (state === 'Scheduled') {
    if (endMs(l) <= nowMs) {
      end(l, 'Failed', `EndTime ${l.status.endTime} has passed`, FailureTypes.windowPassed, replies);
      return settle(l, nowMs, replies);
    }
    if (nowMs >= startMs(l) - l.settings.leadTimeMs) {
      if (!l.held) transition(l, 'Creating', nowMs);
      else if (!l.heldNoted) {
        l.heldNoted = true;
        transition(l, 'Scheduled', nowMs, 'held: campaign paused');
      }
    }
    return;
  }
  if (policyRestartDue(l, nowMs) && policyFailover(l) === undefined && l.status.restarts >= l.settings.maxRestarts) {
    const reason = l.status.lastReason ?? 'no reason given';
    end(
      l,
      'Failed',
      `task went offline (${reason}) after ${l.status.restarts} restart(s)`,
      FailureTypes.restartsExhausted,
      replies
    );
    return settle(l, nowMs, replies);
  }
}

function finishEnding(l: Lifecycle, nowMs: number): void {
  const ending = l.ending as Ending;
  const failure = ending.compensationFailure;
  if (ending.outcome === 'Cancelled') {
    if (failure) {
      l.status.failure = `cancelled (${ending.message}), but compensation failed, a task may be left: ${failure}`;
      transition(l, 'Failed', nowMs, l.status.failure);
    } else transition(l, 'Cancelled', nowMs, ending.message);
    return;
  }
  l.status.failure = failure
    ? `${ending.message}; compensation failed too, a task may be left: ${failure}`
    : ending.message;
  transition(l, 'Failed', nowMs, l.status.failure);
}

/**
 * The source to fail over to: the relay went Offline for a source-side reason and another source is not known dead.
 * Otherwise the restart policy applies (push-side failures never switch).
 */
function policyFailover(l: Lifecycle): number | undefined {
  return isSourceSide(l.offlineReason) ? failoverTarget(l.sources) : undefined;
}

/**
 * Restart on Offline (an assumption beyond the provider's documents, README "What the seeds do not say"): a relay
 * Offline on its own, inside its window, is restarted with RestartLivePullToPush while the budget lasts.
 * The relay is Offline on its own (not the user's stop), inside its window, and no restart is awaiting its effect. */
function policyRestartDue(l: Lifecycle, nowMs: number): boolean {
  return (
    l.status.state === 'Offline' &&
    !l.status.stoppedByUser &&
    !l.awaitingReaction &&
    l.queue.length === 0 &&
    nowMs < endMs(l)
  );
}

/** When silence calls for a Describe. */
function reconcileAtMs(l: Lifecycle): number {
  const { reconcileAfterMs, reconcileRunningMs } = l.settings;
  const base = l.lastObservationMs;
  const afterEnd = Math.max(endMs(l), base) + reconcileAfterMs;
  if (l.awaitingReaction) return Math.min(l.awaitingReaction.atMs + reconcileAfterMs, afterEnd);
  switch (l.status.state) {
    case 'Created':
      return Math.max(startMs(l), base) + reconcileAfterMs;
    case 'Recovering':
      return base + reconcileAfterMs;
    default:
      return Math.min(base + reconcileRunningMs, afterEnd);
  }
}

/** The next thing to do. Reads the state only: every change goes through `apply`. */
export function nextStep(l: Lifecycle, nowMs: number): Step {
  if (isFinal(l)) {
    const state = l.status.state as 'Completed' | 'Failed' | 'Cancelled';
    if (state !== 'Failed') return { kind: 'finish', state };
    const type = l.ending?.type ?? FailureTypes.providerPermanent;
    return { kind: 'finish', state, failure: { message: l.status.failure ?? 'failed', type } };
  }
  if (l.ending) {
    if (l.status.taskId) return { kind: 'call', command: { kind: 'delete', why: 'compensation' } };
    return { kind: 'call', command: { kind: 'deleteOwn' } };
  }
  const request = l.queue[0];
  if (request) return { kind: 'call', command: userCommand(l, request) };
  const state = l.status.state;
  if (state === 'Scheduled') {
    const createAt = startMs(l) - l.settings.leadTimeMs;
    return nowMs < createAt
      ? { kind: 'wait', untilMs: createAt, summary: 'wait for lead time' }
      : { kind: 'wait', untilMs: endMs(l), summary: 'held by campaign pause' };
  }
  if (state === 'Creating') {
    return { kind: 'call', command: { kind: 'create', lookupFirst: l.settings.lookupBeforeCreate } };
  }
  if (l.exitReported) return { kind: 'call', command: { kind: 'describe', why: 'confirm exit' } };
  if (policyRestartDue(l, nowMs)) {
    const to = policyFailover(l);
    if (to !== undefined) return { kind: 'call', command: { kind: 'switchSource', to, restart: true } };
    return { kind: 'call', command: { kind: 'restart', origin: 'policy' } };
  }
  if (nowMs >= hardStopMs(l)) return { kind: 'call', command: { kind: 'delete', why: 'pastEnd' } };
  const reconcileAt = reconcileAtMs(l);
  if (nowMs >= reconcileAt) return { kind: 'call', command: { kind: 'describe', why: 'reconcile' } };
  return { kind: 'wait', untilMs: Math.min(reconcileAt, hardStopMs(l)), summary: `await callbacks (${state})` };
}

function userCommand(l: Lifecycle, request: UserRequest): Command {
  switch (request.kind) {
    case 'stop':
      return { kind: 'stop', requestId: request.id };
    case 'restart':
      return { kind: 'userRestart', requestId: request.id };
    case 'reschedule':
      return { kind: 'update', requestId: request.id, changes: request.changes };
    case 'source': {
      // A live task switches at once; a stopped one takes the new source on restart, unless the user stopped it.
      const restart = l.status.state === 'Offline' && !l.status.stoppedByUser;
      return { kind: 'switchSource', to: request.to, restart, requestId: request.id };
    }
  }
}
