/**
 * Starting and steering a campaign's broadcasts, a batch per activity. Broadcasts are top-level workflows (not child workflows)
 * so that they outlive any run of the campaign without a parent link that continue-as-new would break, and so a
 * batch of 100 starts costs the campaign's history 3 events instead of 300. Safe to retry: a broadcast that already
 * exists is reported as such, never started twice.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateStage,
  type Client,
} from '@temporalio/client';
import { heartbeat, log, sleep } from '@temporalio/activity';

import { broadcastStartOptions } from '../broadcast/start';
import { BROADCAST_TYPES_QUERY, workflowTypeFor } from '../shared/broadcast';
import { campaignBroadcastId, type CampaignEntryInput } from '../workflows/campaign-messages';
import { cancelUpdate, holdSignal } from '../workflows/messages';

export interface CampaignStartDeps {
  /** A client of the cluster the worker polls. */
  client: Client;
  defaultRegion: string;
}

export interface StartBatchInput {
  campaignId: string;
  taskQueue: string;
  entries: CampaignEntryInput[];
  /** Starts in flight at once (lanes of this batch). */
  concurrency: number;
  /**
   * Starts in flight at once across every batch of this campaign that runs in this worker process (a shared pool of
   * permits, oldest batch first; `concurrency` is then unused): the campaign keeps more batches in flight than the pool
   * serves at once, so that the next batch waits here, ready, instead of behind an activity round trip when a batch
   * ends. Absent (campaigns started before the pool): `concurrency` lanes per batch.
   */
  maxInFlight?: number;
  /** The campaign is paused: each broadcast starts held (no task creation until released). */
  hold: boolean;
  /**
   * When the campaign took these entries (epoch ms, the campaign's workflow time). Given, a broadcast that already
   * exists is `started` when it started at or after this moment (an earlier attempt of this batch started it) and
   * `existing` when it is older (a resubmitted entry). Absent (campaigns before the ledger): every one is `existing`.
   */
  since?: number;
}

export interface ControlInput {
  workflowIds: string[];
  /** `hold`/`release`: the campaign's pause; `cancel`: every broadcast compensates (deletes its task). */
  action: 'hold' | 'release' | 'cancel';
  concurrency: number;
}

/** Pause, resume or cancel every running broadcast of a campaign, found through visibility. */
export interface CampaignControlInput {
  campaignId: string;
  action: ControlInput['action'];
  concurrency: number;
  /**
   * Broadcasts the campaign has started so far: visibility is eventually consistent, so the activity waits (a
   * bounded time) until it lists at least this many, so that none just started is missed.
   */
  startedAtLeast: number;
}

export interface StartOutcome {
  workflowId: string;
  /** `existing`: started earlier (a retried batch or a resubmitted file); it reports its own state. */
  outcome: 'started' | 'existing' | 'failed';
  reason?: string;
}

/** The start options of a campaign entry's broadcast (exported for the campaign-start bench's second baseline). */
export function campaignBroadcastStartOptions(
  input: Pick<StartBatchInput, 'campaignId' | 'taskQueue'>,
  entry: CampaignEntryInput,
  defaultRegion: string
) {
  const workflowId = campaignBroadcastId(input.campaignId, entry.key);
  const request = { ...entry.request, campaignId: input.campaignId };
  return {
    ...broadcastStartOptions(request, { workflowId, taskQueue: input.taskQueue, defaultRegion }),
    // Never a second broadcast under the same key, even after the first has finished.
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
  };
}

/** What a broadcast cancelled by its campaign (a campaign cancel or a removed entry) shows in its transitions. */
export const CAMPAIGN_CANCEL_REASON = 'cancelled by its campaign';

/** How long a control waits for visibility to list every broadcast started so far. */
const VISIBILITY_CATCH_UP_MS = 60_000;
/** Running broadcasts signalled per visibility page. */
const CONTROL_PAGE_SIZE = 1000;

/** Visibility query of a campaign's broadcasts (every broadcast type; the campaign workflow itself excluded). */
export function campaignBroadcastsQuery(campaignId: string): string {
  return `CampaignId = "${campaignId.replace(/["\\]/g, '')}" AND ${BROADCAST_TYPES_QUERY}`;
}

export function createCampaignActivities(deps: CampaignStartDeps) {
  async function startOne(input: StartBatchInput, entry: CampaignEntryInput): Promise<StartOutcome> {
    const options = campaignBroadcastStartOptions(input, entry, deps.defaultRegion);
    const outcome = await startOnce(options.workflowId, async () => {
      if (input.hold) {
        // Atomic: the broadcast exists only already held, so a pause can never race its start.
        await deps.client.workflow.signalWithStart(workflowTypeFor(entry.request), {
          ...options,
          signal: holdSignal,
          signalArgs: [true],
        });
      } else {
        await deps.client.workflow.start(workflowTypeFor(entry.request), options);
      }
    });
    if (outcome.outcome !== 'existing' || input.since === undefined) return outcome;
    const { startTime } = await deps.client.workflow.getHandle(options.workflowId).describe();
    return startTime.getTime() >= input.since ? { ...outcome, outcome: 'started' } : outcome;
  }

  /** The visibility count of a campaign's broadcasts (closed runs that continued as new not counted twice). */
  async function visibleCount(campaignId: string): Promise<number> {
    const query = `${campaignBroadcastsQuery(campaignId)} AND ExecutionStatus != "ContinuedAsNew"`;
    return (await deps.client.workflow.count(query)).count;
  }

  /**
   * Signals or cancels one broadcast; one that has already finished needs nothing. A cancel is the broadcast's
   * `cancel` update, the one `broadcast cancel` sends, so a broadcast ends the same way whoever cancels it (execution
   * COMPLETED, state Cancelled); Temporal's own cancellation would end it CANCELED. Every broadcast type registers the
   * update before its first await (relay, legacy and the frozen v1 alike; test/broadcast-lifecycle.test.ts starts each
   * type), so no type needs Temporal's cancellation instead. The call returns once the broadcast has accepted the
   * cancel, not after its task is deleted, so a 100,000-broadcast cancel does not wait for each compensation. A
   * refusal (the broadcast is already ending) is an outcome the call returns, not an error: nothing more to do.
   */
  async function controlOne(workflowId: string, action: ControlInput['action']): Promise<boolean> {
    const handle = deps.client.workflow.getHandle(workflowId);
    try {
      if (action === 'cancel') {
        await handle.startUpdate(cancelUpdate, {
          args: [{ reason: CAMPAIGN_CANCEL_REASON }],
          waitForStage: WorkflowUpdateStage.ACCEPTED,
        });
      } else await handle.signal(holdSignal, action === 'hold');
      return true;
    } catch (err) {
      // Also the answer for a broadcast that has already finished (`workflow execution already completed`).
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  return {
    async startCampaignBroadcasts(input: StartBatchInput): Promise<StartOutcome[]> {
      if (!input.maxInFlight)
        return mapConcurrently(input.entries, input.concurrency, (entry) => startOne(input, entry));
      // Lanes for the whole pool; the pool serves the oldest batch first, so batches end one after another (never
      // all at once) and the next one fills the permits an ending batch leaves.
      const pool = permitPool(input.campaignId, input.maxInFlight);
      const batch = pool.join();
      try {
        return await mapConcurrently(input.entries, input.maxInFlight, async (entry) => {
          await pool.acquire(batch);
          try {
            return await startOne(input, entry);
          } finally {
            pool.release();
          }
        });
      } finally {
        pool.leave();
      }
    },
    /**
     * Pause, resume or cancel many broadcasts through the client: the campaign's history records one activity, not
     * one event per broadcast. Returns how many were still open. Idempotent, so a retry is harmless.
     */
    async controlBroadcasts(input: ControlInput): Promise<number> {
      const reached = await mapConcurrently(input.workflowIds, input.concurrency, (id) => controlOne(id, input.action));
      return reached.filter(Boolean).length;
    },
    /**
     * Pause, resume or cancel every running broadcast of a campaign, listed through visibility (the campaign does not
     * keep their IDs). Waits until visibility lists as many as the campaign started, then signals each page of
     * running ones. Returns how many were reached. Idempotent, so a retry is harmless.
     */
    async controlCampaignBroadcasts(input: CampaignControlInput): Promise<number> {
      const deadline = Date.now() + VISIBILITY_CATCH_UP_MS;
      for (let visible = await visibleCount(input.campaignId); visible < input.startedAtLeast;) {
        if (Date.now() > deadline) {
          log.warn('visibility lists fewer broadcasts than the campaign started; controlling those listed', {
            visible,
            started: input.startedAtLeast,
          });
          break;
        }
        heartbeat();
        await sleep(500);
        visible = await visibleCount(input.campaignId);
      }
      const query = `${campaignBroadcastsQuery(input.campaignId)} AND ExecutionStatus = "Running"`;
      let reached = 0;
      let page: string[] = [];
      const flush = async () => {
        const done = await mapConcurrently(page, input.concurrency, (id) => controlOne(id, input.action));
        reached += done.filter(Boolean).length;
        page = [];
      };
      for await (const wf of deps.client.workflow.list({ query, pageSize: CONTROL_PAGE_SIZE })) {
        page.push(wf.workflowId);
        if (page.length >= CONTROL_PAGE_SIZE) await flush();
      }
      await flush();
      return reached;
    },
    /** Which of these broadcasts exist already (a resubmitted file): they are not started again. */
    async findExistingBroadcasts(input: { workflowIds: string[]; concurrency: number }): Promise<string[]> {
      const found = await mapConcurrently(input.workflowIds, input.concurrency, async (id) => {
        try {
          await deps.client.workflow.getHandle(id).describe();
          return true;
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return false;
          throw err;
        }
      });
      return input.workflowIds.filter((_, i) => found[i]);
    },
  };
}

interface PermitPool {
  /** A batch starts using the pool: returns its place (older batches are served first). */
  join(): number;
  /** Resolves when a permit is free for `batch`; heartbeats while it waits. */
  acquire(batch: number): Promise<void>;
  release(): void;
  /** A batch has ended: the pool is dropped when no batch uses it. */
  leave(): void;
}

/** The permit pools of the campaigns whose batches run in this process, by campaign ID. */
const pools = new Map<string, PermitPool>();

/**
 * The shared pool of `size` start permits of a campaign's batches in this process (created by the first batch). A
 * freed permit goes to the oldest waiting batch: with equal shares the batches would progress in step and end
 * together, leaving every lane idle while the campaign schedules the next ones.
 */
function permitPool(campaignId: string, size: number): PermitPool {
  const existing = pools.get(campaignId);
  if (existing) return existing;
  let free = size;
  let users = 0;
  let nextBatch = 0;
  const waiting: { batch: number; resolve(): void }[] = [];
  const pool: PermitPool = {
    join() {
      users++;
      return nextBatch++;
    },
    async acquire(batch) {
      if (free > 0 && waiting.length === 0) {
        free--;
        return;
      }
      // A batch waits here only while older batches' starts are in flight; the heartbeat says it is alive.
      const beat = setInterval(() => heartbeat(), 10_000);
      try {
        await new Promise<void>((resolve) => waiting.push({ batch, resolve }));
      } finally {
        clearInterval(beat);
      }
    },
    release() {
      if (waiting.length === 0) {
        free++;
        return;
      }
      let oldest = 0;
      for (let i = 1; i < waiting.length; i++) if (waiting[i]!.batch < waiting[oldest]!.batch) oldest = i;
      waiting.splice(oldest, 1)[0]!.resolve(); // the permit passes straight to it
    },
    leave() {
      if (--users === 0) pools.delete(campaignId);
    },
  };
  pools.set(campaignId, pool);
  return pool;
}

/** Runs `fn` over `items` with at most `concurrency` calls in flight, heartbeating progress; keeps the order. */
async function mapConcurrently<T, R>(items: T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
      heartbeat(index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
  return results;
}

/**
 * Runs `start` (a broadcast's start) once: a broadcast that already exists is `existing`, one the server refuses for
 * good is `failed`; anything transient (connection, server busy) is thrown, so the activity is retried and a start
 * that went through answers `existing`.
 */
export async function startOnce(workflowId: string, start: () => Promise<unknown>): Promise<StartOutcome> {
  try {
    await start();
    return { workflowId, outcome: 'started' };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, outcome: 'existing' };
    if (isRejectedRequest(err)) return { workflowId, outcome: 'failed', reason: (err as Error).message };
    throw err;
  }
}

/** The server refused this one request for good (bad argument, ID too long, …): retrying cannot help. */
function isRejectedRequest(err: unknown): boolean {
  // The client wraps the gRPC error in a ServiceError; its cause carries the status code.
  const e = err as { code?: number; cause?: { code?: number } };
  const code = e.code ?? e.cause?.code;
  // gRPC INVALID_ARGUMENT (3) and FAILED_PRECONDITION (9).
  return code === 3 || code === 9;
}
