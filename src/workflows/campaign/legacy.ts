/**
 * FROZEN: the campaign run before the `campaign-bounded-state` patch (docs/patches.md), which carried one state per
 * broadcast over continue-as-new. Runs that began on it replay and finish on it; their next run starts on the bounded
 * code (`./bounded.ts`), which accepts this carried state. Do not change: remove with the patch's old branch.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';

import type { ControlInput, createCampaignActivities } from '../../activities/campaign-broadcasts';
import { isFinalState } from '../../shared/broadcast';
import { CampaignIdKey } from '../../shared/search-attributes';

import {
  addEntriesUpdate,
  broadcastStateSignal,
  campaignBroadcastId,
  campaignStatusQuery,
  cancelCampaignUpdate,
  pauseUpdate,
  removeEntriesUpdate,
  resumeUpdate,
  type CampaignBroadcastState,
  type CampaignEntryInput,
  type CampaignStatus,
} from '../campaign-messages';

import type { CampaignInput, LegacyCarriedState } from './input';

/**
 * Start batches in flight at once, and the starts in flight across them (STARTS_IN_FLIGHT_BATCHES ×
 * maxConcurrentStarts: a pool of permits the batches of a campaign share in one worker process, oldest batch first).
 *
 * Runs recorded before the `campaign-batch-pool` patch keep 2 batches, each with its own maxConcurrentStarts lanes.
 * Why the pool: batches with lanes of their own, started together and of equal size, run in step and end together,
 * so all lanes stand idle for the round trip that schedules the next batches (activity completed → campaign workflow
 * task → activity task). With the pool the oldest batch takes the permits first, so batches end one at a time, and
 * the next batches already wait in the activity for the permits an ending batch frees: at most as many starts in
 * flight as before, without the idle gaps.
 */
const BATCHES_IN_FLIGHT_BEFORE_POOL = 2;
const BATCHES_IN_FLIGHT = 3;
const STARTS_IN_FLIGHT_BATCHES = 2;
const BATCH_POOL_PATCH = 'campaign-batch-pool';

const { startCampaignBroadcasts, controlBroadcasts } = proxyActivities<ReturnType<typeof createCampaignActivities>>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  // Transient failures (server busy, connection lost) are retried; a retried batch is idempotent.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 20 },
});

export async function legacyCampaignRun(
  input: CampaignInput & { carried?: LegacyCarriedState }
): Promise<CampaignStatus> {
  const { campaignId } = input;
  const maxConcurrentStarts = input.maxConcurrentStarts ?? 20;
  const startBatchSize = input.startBatchSize ?? 100;
  const maxPending = input.maxPendingEntries ?? 1000;
  const carried: LegacyCarriedState = input.carried ?? {
    pending: [],
    states: {},
    paused: false,
    cancelling: false,
    sealed: false,
    runs: 0,
  };
  const { pending, states } = carried;
  carried.runs++;
  const pendingKeys = new Set(pending.map((e) => e.key));
  let batchesInFlight = 0;
  let startedThisRun = 0;
  let fanOut: Promise<void> = Promise.resolve();
  let continuing = false;
  // Decided once per run, before any batch: a run that began without the pool replays without it.
  const pooled = patched(BATCH_POOL_PATCH);
  const batchesInFlightLimit = pooled ? BATCHES_IN_FLIGHT : BATCHES_IN_FLIGHT_BEFORE_POOL;

  const childId = (key: string) => campaignBroadcastId(campaignId, key);
  const isFinal = (state: CampaignBroadcastState) => state !== 'Started';

  // Kept alongside `states` so that a report or a condition check costs O(1), not a pass over every broadcast.
  const counts: Partial<Record<CampaignBroadcastState, number>> = {};
  for (const state of Object.values(states)) counts[state] = (counts[state] ?? 0) + 1;
  let broadcastCount = Object.keys(states).length;
  function setState(workflowId: string, state: CampaignBroadcastState): void {
    const previous = states[workflowId];
    if (previous) counts[previous]! -= 1;
    else broadcastCount++;
    if (previous && counts[previous] === 0) delete counts[previous];
    states[workflowId] = state;
    counts[state] = (counts[state] ?? 0) + 1;
  }

  function status(): CampaignStatus {
    const done = allDone();
    return {
      campaignId,
      phase: done
        ? carried.cancelling
          ? 'cancelled'
          : 'completed'
        : carried.cancelling
          ? 'cancelling'
          : carried.paused
            ? 'paused'
            : carried.sealed
              ? 'running'
              : 'receiving',
      pending: pending.length,
      counts: { ...counts },
      total: pending.length + broadcastCount,
      runs: carried.runs,
    };
  }

  function allDone(): boolean {
    return (
      (carried.sealed || carried.cancelling) &&
      pending.length === 0 &&
      batchesInFlight === 0 &&
      (counts.Started ?? 0) === 0
    );
  }

  function showDetails(): void {
    const s = status();
    const rows = Object.entries(s.counts)
      .map(([state, n]) => `| ${state} | ${n} |`)
      .join('\n');
    setCurrentDetails(
      `**${s.phase}** · ${s.total} broadcasts · ${s.pending} not started\n\n| state | count |\n|---|---|\n${rows}`
    );
  }

  const openBroadcasts = () =>
    Object.entries(states)
      .filter(([, state]) => !isFinal(state))
      .map(([id]) => id);
  const control = (workflowIds: string[], action: ControlInput['action']) =>
    workflowIds.length === 0
      ? Promise.resolve(0)
      : controlBroadcasts({ workflowIds, action, concurrency: maxConcurrentStarts });

  setHandler(campaignStatusQuery, status);
  setHandler(broadcastStateSignal, ({ workflowId, state }) => {
    // Only how a broadcast ended counts; a duplicate or late report changes nothing.
    const current = states[workflowId];
    if (!isFinalState(state) || (current && isFinal(current))) return;
    setState(workflowId, state as CampaignBroadcastState);
    showDetails();
  });
  setHandler(
    addEntriesUpdate,
    async ({ entries, last }) => {
      let accepted = 0;
      let duplicates = 0;
      for (const entry of entries) {
        await condition(() => pending.length < maxPending || carried.cancelling || continuing);
        if (carried.cancelling) break;
        if (pendingKeys.has(entry.key) || states[childId(entry.key)] !== undefined) {
          duplicates++;
          continue;
        }
        pendingKeys.add(entry.key);
        pending.push({ key: entry.key, request: { ...entry.request, campaignId } });
        accepted++;
      }
      if (last) carried.sealed = true;
      showDetails();
      return { accepted, duplicates };
    },
    {
      validator: ({ entries }) => {
        if (carried.cancelling) throw ApplicationFailure.nonRetryable('campaign is cancelled', 'CampaignCancelled');
        if (!Array.isArray(entries)) throw ApplicationFailure.nonRetryable('entries: must be a list', 'InvalidEntries');
      },
    }
  );
  setHandler(removeEntriesUpdate, async ({ keys }) => {
    let removed = 0;
    const toCancel: string[] = [];
    for (const key of keys) {
      const index = pending.findIndex((e) => e.key === key);
      if (index >= 0) {
        pending.splice(index, 1);
        pendingKeys.delete(key);
        removed++;
      } else if (states[childId(key)] && !isFinal(states[childId(key)]!)) {
        toCancel.push(childId(key));
      }
    }
    await control(toCancel, 'cancel');
    return { removed, cancelled: toCancel.length };
  });
  setHandler(pauseUpdate, async () => {
    carried.paused = true;
    showDetails();
    await control(openBroadcasts(), 'hold');
    return status();
  });
  setHandler(resumeUpdate, async () => {
    carried.paused = false;
    showDetails();
    await control(openBroadcasts(), 'release');
    return status();
  });
  setHandler(cancelCampaignUpdate, async () => {
    if (!carried.cancelling) {
      carried.cancelling = true;
      pending.splice(0);
      pendingKeys.clear();
      await control(openBroadcasts(), 'cancel');
    }
    await condition(allDone);
    return status();
  });

  /** Starts one batch; afterwards applies a pause or cancel that arrived while it was in flight. */
  async function startBatch(batch: CampaignEntryInput[]): Promise<void> {
    const held = carried.paused;
    let started: string[];
    try {
      const outcomes = await startCampaignBroadcasts({
        campaignId,
        taskQueue: input.broadcastTaskQueue ?? workflowInfo().taskQueue,
        entries: batch,
        concurrency: maxConcurrentStarts,
        ...(pooled ? { maxInFlight: maxConcurrentStarts * STARTS_IN_FLIGHT_BATCHES } : {}),
        hold: held,
      });
      for (const o of outcomes) if (o.outcome === 'failed') setState(o.workflowId, 'Failed');
      started = outcomes.filter((o) => o.outcome !== 'failed').map((o) => o.workflowId);
    } catch {
      // Retries exhausted: whatever this batch did start reports its own state; mark the rest failed.
      for (const entry of batch) if (states[childId(entry.key)] === 'Started') setState(childId(entry.key), 'Failed');
      return;
    }
    showDetails();
    if (carried.cancelling) await control(started, 'cancel');
    else if (carried.paused && !held) await control(started, 'hold');
  }

  upsertSearchAttributes([{ key: CampaignIdKey, value: campaignId }]);
  showDetails();
  const continueAfterEvents = input.continueAsNewAfterEvents ?? 5000;
  const continueAfterStarts = input.continueAsNewAfterStarts ?? 2000;
  const shouldContinue = () =>
    startedThisRun >= continueAfterStarts ||
    workflowInfo().historyLength >= continueAfterEvents ||
    workflowInfo().continueAsNewSuggested;

  for (;;) {
    await condition(
      () =>
        allDone() ||
        shouldContinue() ||
        (!carried.paused && !carried.cancelling && pending.length > 0 && batchesInFlight < batchesInFlightLimit)
    );
    if (allDone() || shouldContinue()) break;
    const batch = pending.splice(0, Math.min(startBatchSize, continueAfterStarts - startedThisRun));
    for (const entry of batch) {
      pendingKeys.delete(entry.key);
      setState(childId(entry.key), 'Started');
    }
    batchesInFlight++;
    startedThisRun += batch.length;
    const started = startBatch(batch).finally(() => {
      batchesInFlight--;
    });
    fanOut = Promise.all([fanOut, started]).then(() => undefined);
  }
  await fanOut;
  if (!allDone()) {
    continuing = true;
    // Let in-flight updates finish so none is lost, then hand everything to a fresh run.
    await condition(() => allHandlersFinished());
    await continueAsNew<(input: CampaignInput) => Promise<CampaignStatus>>({ ...input, carried });
  }
  await condition(allHandlersFinished);
  showDetails();
  return status();
}
