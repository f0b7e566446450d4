/**
 * A campaign run whose carried state is bounded whatever the campaign's size (since the `campaign-bounded-state`
 * patch): the entries not started yet (at most maxPendingEntries, plus one batch whose start is retried), a few
 * flags, and a ledger of counts (./ledger.ts: started, ended by final state, the last reporters), not one state per
 * broadcast. What needs every broadcast goes to where each broadcast already is:
 *
 * - pause, resume and cancel: one activity lists the campaign's running broadcasts through visibility (each carries
 *   the CampaignId search attribute), after waiting until visibility lists as many as the campaign started; the
 *   broadcasts of a start batch in flight are steered when their batch returns, and those started while paused
 *   start held;
 * - a resubmitted file: keys waiting or in a start in flight are duplicates here; for a resubmission
 *   (`checkExisting`), one activity per chunk asks the server which broadcasts exist; a start that still finds one is
 *   counted as a duplicate, not started (`since`, StartBatchInput);
 * - removeEntries: an entry not waiting any more is cancelled by its broadcast ID;
 * - counts: each broadcast reports once when it ends, applied to the ledger; live states are each broadcast's
 *   BroadcastState, counted through visibility by `campaign status`.
 */
import {
  ApplicationFailure,
  type RetryPolicy,
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
  type CampaignStatus,
} from '../campaign-messages';

import { isLegacyCarried, type CampaignInput, type CarriedState, type PendingEntry } from './input';
import {
  emptyLedger,
  ledgerCounts,
  ledgerFromStates,
  openCount,
  recordReport,
  recordStartOutcome,
  takenCount,
} from './ledger';

/** A resubmitted key held when the resubmission arrived stays a duplicate whatever happens to it meanwhile. */
export const RESUBMIT_HELD_KEYS_PATCH = 'campaign-resubmit-held-keys';

/** Start batches in flight at once; their starts share a pool of STARTS_IN_FLIGHT_BATCHES × maxConcurrentStarts. */
const BATCHES_IN_FLIGHT = 3;
const STARTS_IN_FLIGHT_BATCHES = 2;

type Activities = ReturnType<typeof createCampaignActivities>;
const retry: RetryPolicy = { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 20 };
// Transient failures (server busy, connection lost) are retried; a retried batch is idempotent.
const { startCampaignBroadcasts, controlBroadcasts, findExistingBroadcasts } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry,
});
// Signalling every running broadcast of a 100,000-entry campaign takes minutes; it heartbeats per broadcast.
const { controlCampaignBroadcasts } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '1 minute',
  retry,
});

interface Batch {
  entries: PendingEntry[];
  /** Broadcast IDs removed while their start was in flight: cancelled once it returns. */
  cancelAfterStart: string[];
}

export async function boundedCampaignRun(input: CampaignInput): Promise<CampaignStatus> {
  const { campaignId } = input;
  const maxConcurrentStarts = input.maxConcurrentStarts ?? 20;
  const startBatchSize = input.startBatchSize ?? 100;
  const maxPending = input.maxPendingEntries ?? 1000;
  const carried: CarriedState = fromInput(input.carried);
  const { pending, ledger } = carried;
  carried.runs++;
  const pendingKeys = new Set(pending.map((e) => e.key));
  const inFlight = new Map<string, Batch>(); // entry key → its batch in flight
  let batchesInFlight = 0;
  let startedThisRun = 0;
  let fanOut: Promise<void> = Promise.resolve();
  let continuing = false;

  const childId = (key: string) => campaignBroadcastId(campaignId, key);

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
      // Entries of a start in flight are counted `Started` until their outcome is known.
      counts: withInFlight(ledgerCounts(ledger), inFlight.size),
      total: pending.length + inFlight.size + takenCount(ledger),
      runs: carried.runs,
    };
  }

  function allDone(): boolean {
    return (
      (carried.sealed || carried.cancelling) && pending.length === 0 && batchesInFlight === 0 && openCount(ledger) === 0
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

  const control = (workflowIds: string[], action: ControlInput['action']) =>
    workflowIds.length === 0
      ? Promise.resolve(0)
      : controlBroadcasts({ workflowIds, action, concurrency: maxConcurrentStarts });
  const controlAll = (action: ControlInput['action']) =>
    ledger.started === 0
      ? Promise.resolve(0)
      : controlCampaignBroadcasts({
          campaignId,
          action,
          concurrency: maxConcurrentStarts,
          startedAtLeast: ledger.started,
        });
  const waiting = (key: string) => pendingKeys.has(key) || inFlight.has(key);

  setHandler(campaignStatusQuery, status);
  setHandler(broadcastStateSignal, ({ workflowId, state }) => {
    if (recordReport(ledger, workflowId, state, inFlight.size)) showDetails();
  });
  setHandler(
    addEntriesUpdate,
    async ({ entries, last, checkExisting }) => {
      let accepted = 0;
      let duplicates = 0;
      let existing = new Set<string>();
      // Keys this campaign holds when the resubmission arrives. One of them may be started (or removed) while the
      // handler awaits the existence check or backpressure; it is still a duplicate, not a new entry.
      const heldOnArrival = checkExisting
        ? new Set(entries.filter((e) => waiting(e.key)).map((e) => e.key))
        : undefined;
      if (checkExisting) {
        const unknown = entries.filter((e) => !heldOnArrival?.has(e.key)).map((e) => childId(e.key));
        if (unknown.length > 0) {
          existing = new Set(await findExistingBroadcasts({ workflowIds: unknown, concurrency: maxConcurrentStarts }));
        }
      }
      for (const entry of entries) {
        await condition(() => pending.length < maxPending || carried.cancelling || continuing);
        if (carried.cancelling) break;
        if (waiting(entry.key) || existing.has(childId(entry.key)) || ledger.legacy?.[childId(entry.key)]) {
          duplicates++;
          continue;
        }
        // Runs recorded before the patch accepted such a key again (its second start then found it `existing`).
        if (heldOnArrival?.has(entry.key) && patched(RESUBMIT_HELD_KEYS_PATCH)) {
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
    let cancelled = 0;
    const toCancel: string[] = [];
    for (const key of keys) {
      const index = pendingKeys.has(key) ? pending.findIndex((e) => e.key === key) : -1;
      const batch = inFlight.get(key);
      if (index >= 0) {
        pending.splice(index, 1);
        pendingKeys.delete(key);
        removed++;
      } else if (batch) {
        batch.cancelAfterStart.push(childId(key));
        cancelled++;
      } else {
        toCancel.push(childId(key));
      }
    }
    // One that has ended already, or was never started, is not reached.
    cancelled += await control(toCancel, 'cancel');
    return { removed, cancelled };
  });
  setHandler(pauseUpdate, async () => {
    carried.paused = true;
    showDetails();
    await controlAll('hold');
    return status();
  });
  setHandler(resumeUpdate, async () => {
    carried.paused = false;
    showDetails();
    await controlAll('release');
    return status();
  });
  setHandler(cancelCampaignUpdate, async () => {
    if (!carried.cancelling) {
      carried.cancelling = true;
      pending.splice(0);
      pendingKeys.clear();
      await controlAll('cancel');
    }
    // Waits for the broadcasts' last reports, but never holds up a continue-as-new (100,000 reports would outgrow
    // one run's history): then it answers `cancelling`, and `campaign status` shows the rest.
    await condition(() => allDone() || continuing);
    return status();
  });

  /** Starts one batch; afterwards applies a pause, cancel or removal that arrived while it was in flight. */
  async function startBatch(batch: Batch): Promise<void> {
    const held = carried.paused;
    const since = Math.min(Date.now(), ...batch.entries.map((e) => e.since ?? Infinity));
    let started: string[];
    try {
      const outcomes = await startCampaignBroadcasts({
        campaignId,
        taskQueue: input.broadcastTaskQueue ?? workflowInfo().taskQueue,
        entries: batch.entries.map(({ key, request }) => ({ key, request })),
        concurrency: maxConcurrentStarts,
        maxInFlight: maxConcurrentStarts * STARTS_IN_FLIGHT_BATCHES,
        hold: held,
        since,
      });
      for (const o of outcomes) recordStartOutcome(ledger, o.outcome);
      started = outcomes.filter((o) => o.outcome === 'started').map((o) => o.workflowId);
    } catch {
      // Retries exhausted (a long outage): the batch waits again, first in line. Whatever it did start is found then
      // as started since `since`, so nothing is counted twice or lost.
      if (!carried.cancelling) pending.unshift(...batch.entries.map((e) => ({ ...e, since })));
      for (const e of batch.entries) if (!carried.cancelling) pendingKeys.add(e.key);
      return;
    } finally {
      for (const e of batch.entries) inFlight.delete(e.key);
    }
    showDetails();
    if (carried.cancelling) await control(started, 'cancel');
    else {
      await control(batch.cancelAfterStart, 'cancel');
      if (carried.paused && !held) await control(started, 'hold');
    }
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
        (!carried.paused && !carried.cancelling && pending.length > 0 && batchesInFlight < BATCHES_IN_FLIGHT)
    );
    if (allDone() || shouldContinue()) break;
    const batch: Batch = {
      entries: pending.splice(0, Math.min(startBatchSize, continueAfterStarts - startedThisRun)),
      cancelAfterStart: [],
    };
    for (const entry of batch.entries) {
      pendingKeys.delete(entry.key);
      inFlight.set(entry.key, batch);
    }
    batchesInFlight++;
    startedThisRun += batch.entries.length;
    const started = startBatch(batch).finally(() => {
      batchesInFlight--;
    });
    fanOut = Promise.all([fanOut, started]).then(() => undefined);
  }
  await fanOut;
  if (!allDone()) {
    continuing = true;
    // Let in-flight updates finish so none is lost, then hand everything to a fresh run, unless those updates (a
    // cancel waiting for the last reports) have finished the campaign.
    await condition(() => allHandlersFinished());
    if (!allDone()) await continueAsNew<(input: CampaignInput) => Promise<CampaignStatus>>({ ...input, carried });
  }
  await condition(allHandlersFinished);
  showDetails();
  return status();
}

/** The carried state of the previous run, in this run's shape (a run before the ledger carried per-broadcast states). */
function fromInput(carried: CampaignInput['carried']): CarriedState {
  if (carried === undefined) {
    return { pending: [], ledger: emptyLedger(), paused: false, cancelling: false, sealed: false, runs: 0 };
  }
  if (!isLegacyCarried(carried)) return carried;
  const { states, ...rest } = carried;
  return { ...rest, ledger: ledgerFromStates(states) };
}

function withInFlight(counts: CampaignStatus['counts'], inFlight: number): CampaignStatus['counts'] {
  return inFlight === 0 ? counts : { ...counts, Started: (counts.Started ?? 0) + inFlight };
}
