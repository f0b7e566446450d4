/**
 * Types and constants shared by the broadcast workflow, its activities, the client and the callback service.
 * Imported by workflow code, so: no Node built-ins, no zod, no I/O.
 */

/** The states of a broadcast that has not ended, in lifecycle order (the BroadcastState search attribute's values). */
export const LIVE_STATES = ['Scheduled', 'Creating', 'Created', 'Running', 'Recovering', 'Offline'] as const;
/** How a broadcast ends: it never leaves one of these. */
export const FINAL_STATES = ['Completed', 'Failed', 'Cancelled'] as const;

export type LiveState = (typeof LIVE_STATES)[number];
export type FinalState = (typeof FINAL_STATES)[number];
export type BroadcastState = LiveState | FinalState;

export function isFinalState(state: string): state is FinalState {
  return (FINAL_STATES as readonly string[]).includes(state);
}

/** The CreateLivePullToPush fields a broadcaster sets (wire names). Region defaults to the worker's region. */
export interface RelaySpec {
  /** Common region id (seed 000: optional); Region decides where the task runs. */
  RegionId?: string;
  Region?: string;
  StartTime: string;
  EndTime: string;
  SourceType: 'live' | 'vod' | 'url';
  SourceProtocol?: string;
  SourceUrls: string[];
  DstUrl: string;
  RepeatNumber?: number;
  FileIndex?: number;
  Offset?: number;
  RetryInterval?: number;
  RetryCount?: number;
}

/** The legacy AddLivePullStreamInfoConfig fields (pull into Alibaba's own live center; ≤ 7-day window). */
export interface LegacyPullSpec {
  DomainName: string;
  AppName: string;
  StreamName: string;
  SourceUrl: string;
  StartTime: string;
  EndTime: string;
  RegionId?: string;
}

export interface RestartPolicy {
  /** Restarts allowed when the task goes Offline before EndTime. @default 2 */
  maxRestarts: number;
}

/** What every broadcast request may set besides its provider spec. */
export interface BroadcastOptions {
  /** Seconds before StartTime at which the task is created. @default 300 */
  leadTimeSeconds?: number;
  restartPolicy?: RestartPolicy;
  /** Seconds of callback silence (after StartTime, or while Recovering) before asking the provider. @default 120 */
  reconcileAfterSeconds?: number;
  /**
   * Seconds between Describe calls while the relay runs, so a lost Offline callback is found within this interval.
   * Costs one DescribeLivePullToPush per running relay per interval. @default 300
   */
  reconcileRunningSeconds?: number;
  /** Free labels shown in the Web UI. */
  labels?: Record<string, string>;
  campaignId?: string;
}

/** A pull-to-push broadcast (CreateLivePullToPush). */
export interface RelayBroadcastRequest extends BroadcastOptions {
  /** @default 'pull-to-push' */
  flavour?: 'pull-to-push';
  relay: RelaySpec;
  /**
   * Live sources to fail over to, in order, when the one on air fails on the pull side (PullStreamFailed). Each is
   * one source URL of the relay's SourceProtocol. @default none
   */
  backupSources?: string[];
  legacy?: undefined;
}

/** A legacy scheduled pull into Alibaba's own live center (AddLivePullStreamInfoConfig). */
export interface LegacyBroadcastRequest extends BroadcastOptions {
  flavour: 'legacy';
  legacy: LegacyPullSpec;
  relay?: undefined;
}

/** Input of a broadcast workflow. No secrets: credentials and callback keys live only in the worker. */
export type BroadcastRequest = RelayBroadcastRequest | LegacyBroadcastRequest;

/**
 * Workflow types. New broadcasts start `relay` or `legacy`. The frozen ones stay registered so that broadcasts they
 * started finish on their code (docs/patches.md): `broadcastWorkflow`, the first version (both flavours in one
 * function), and `relayBroadcastWorkflow`, which also listed the Creating state in visibility.
 */
export const BroadcastWorkflowTypes = {
  relay: 'relayBroadcastWorkflowV2',
  legacy: 'legacyPullWorkflow',
  relayV1: 'relayBroadcastWorkflow',
  v1: 'broadcastWorkflow',
} as const;

export const BROADCAST_WORKFLOW_TYPE_NAMES: readonly string[] = Object.values(BroadcastWorkflowTypes);

/** The workflow type that runs a request. */
export function workflowTypeFor(request: BroadcastRequest): string {
  // Tolerates unvalidated input (tests and hostile clients start raw requests): the workflow validates it.
  const flavour = (request as { flavour?: unknown } | null | undefined)?.flavour;
  return flavour === 'legacy' ? BroadcastWorkflowTypes.legacy : BroadcastWorkflowTypes.relay;
}

/** Visibility query clause matching broadcasts of every type (the campaign workflow excluded). */
export const BROADCAST_TYPES_QUERY = `WorkflowType IN (${BROADCAST_WORKFLOW_TYPE_NAMES.map((t) => `"${t}"`).join(', ')})`;

export const DEFAULT_LEAD_TIME_SECONDS = 300;
export const DEFAULT_MAX_RESTARTS = 2;
export const DEFAULT_RECONCILE_AFTER_SECONDS = 120;
export const DEFAULT_RECONCILE_RUNNING_SECONDS = 300;

/** A provider task event as delivered by the callback service or read back through Describe. */
export interface TaskEvent {
  /** 'running' | 'recovering' | 'offline' | 'idle' | 'exit' */
  kind: TaskEventKind;
  /** Unix seconds (provider's clock). */
  eventTime: number;
  taskId: string;
  /** Offline reason (TaskInvalidReason) or exit reason (TaskExitReason). */
  reason?: string;
  /** Where it came from: a provider callback or our own Describe. */
  source: 'callback' | 'describe';
}

export type TaskEventKind = 'idle' | 'running' | 'recovering' | 'offline' | 'exit';

/** Provider TaskStatus integers → event kinds. */
export const TASK_STATUS_KINDS: Record<number, TaskEventKind> = {
  0: 'idle',
  1: 'running',
  2: 'recovering',
  3: 'offline',
  [-1]: 'exit',
};

export interface Transition {
  state: BroadcastState;
  at: string;
  note?: string;
}

export interface BroadcastStatus {
  state: BroadcastState;
  flavour: 'pull-to-push' | 'legacy';
  taskId?: string;
  taskName: string;
  startTime: string;
  endTime: string;
  lastEvent?: TaskEvent;
  restarts: number;
  /** The newest transitions (a long relay keeps only the last TRANSITIONS_KEPT); `transitionCount` counts all. */
  transitions: Transition[];
  transitionCount?: number;
  /** The user stopped the relay: the restart policy leaves it alone until the user restarts it. */
  stoppedByUser?: boolean;
  /** The provider's last offline or exit reason (TaskInvalidReason / TaskExitReason). */
  lastReason?: string;
  /** The source on air, once a relay with backup sources has switched: which, of how many, and why. */
  source?: { active: number; label: string; count: number; why: string };
  failure?: string;
}

/** Transitions kept in a status: a relay flapping for weeks must not grow its state without bound. */
export const TRANSITIONS_KEPT = 50;

export interface RescheduleInput {
  StartTime?: string;
  EndTime?: string;
}

/** ApplicationFailure types the workflow and activities use; stable, so callers can match on them. */
export const FailureTypes = {
  invalidRequest: 'InvalidBroadcastRequest',
  windowPassed: 'BroadcastWindowPassed',
  destinationTaken: 'DestinationAlreadyInUse',
  providerPermanent: 'ProviderPermanentError',
  providerRetryable: 'ProviderRetryableError',
  providerThrottled: 'ProviderThrottledError',
  restartsExhausted: 'RestartsExhausted',
  invalidUpdate: 'InvalidBroadcastUpdate',
  /** A cancelled broadcast whose task could not be deleted: it may still run. */
  compensationFailed: 'CompensationFailed',
} as const;

const TASK_NAME_PREFIX = 'relay:';
/**
 * Our cap on TaskName. Assumption: the seeds give no limit. The provider schemas enforce this one (here, not there,
 * because workflow code derives names and cannot import zod).
 */
export const TASK_NAME_MAX_LENGTH = 128;

/** 64-bit FNV-1a over the string's UTF-16 code units, as 16 hex digits: pure and deterministic, for workflow code. */
function fnv1a64Hex(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/**
 * Deterministic provider TaskName for a workflow ID: the idempotency key used to find a task we may have created.
 * `relay:<workflowId>` when that fits the cap (running workflows replay with exactly that name); a longer id (campaign
 * ids make ids of 200+ characters) keeps a readable head and ends in `~` and a hash of the whole id, so the name
 * always fits and stays the same on every retry and replay.
 */
export function taskNameFor(workflowId: string): string {
  const plain = `${TASK_NAME_PREFIX}${workflowId}`;
  if (plain.length <= TASK_NAME_MAX_LENGTH) return plain;
  const suffix = `~${fnv1a64Hex(workflowId)}`;
  let head = plain.slice(0, TASK_NAME_MAX_LENGTH - suffix.length);
  // Never end on half a surrogate pair: a lone surrogate cannot be percent-encoded for the wire.
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  return `${head}${suffix}`;
}

/** Provider calls run on their own task queue so the fleet-wide rate limit applies to them alone. */
export function providerTaskQueue(workflowTaskQueue: string): string {
  return `${workflowTaskQueue}-provider`;
}

/**
 * Campaign workflows run on their own task queue: a campaign's workflow tasks (after each start batch, after each
 * continue-as-new) must not wait behind the thousands of first tasks of the broadcasts it has just started.
 */
export function campaignTaskQueue(workflowTaskQueue: string): string {
  return `${workflowTaskQueue}-campaigns`;
}
