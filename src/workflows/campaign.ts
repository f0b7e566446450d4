/**
 * An event campaign: hundreds to thousands of broadcasts, each started as a child (`<campaignId>/<entryKey>`) with
 * bounded start concurrency. Entries arrive through the `addEntries` update in chunks (a 10,000-entry file does not
 * fit in one payload). Children are abandoned on close so they outlive each run: the campaign continues-as-new
 * whenever its history grows, carrying only pending entries and one state per broadcast.
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';

import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';

import { FINAL_STATES, type BroadcastState } from '../shared/broadcast';
import { BroadcastStartKey, BroadcastStateKey, CampaignIdKey, RegionKey } from '../shared/search-attributes';

import { broadcastWorkflow } from './broadcast';
import {
  addEntriesUpdate,
  broadcastStateSignal,
  campaignStatusQuery,
  cancelCampaignUpdate,
  pauseUpdate,
  removeEntriesUpdate,
  resumeUpdate,
  type CampaignEntryInput,
  type CampaignStatus,
} from './campaign-messages';
import { holdSignal } from './messages';

export interface CampaignOptions {
  /** Broadcast starts in flight at once. @default 20 */
  maxConcurrentStarts?: number;
  /** Continue-as-new after this many history events. @default 5000 */
  continueAsNewAfterEvents?: number;
  /** Continue-as-new after starting this many children in one run (pending-children limit is 2,000). @default 1000 */
  continueAsNewAfterStarts?: number;
  /** Entries held at once before `addEntries` waits (backpressure). @default 1000 */
  maxPendingEntries?: number;
}

export interface CampaignInput extends CampaignOptions {
  campaignId: string;
  /** State carried over continue-as-new. */
  carried?: CarriedState;
}

interface CarriedState {
  pending: CampaignEntryInput[];
  /** Child workflow ID → last reported state. */
  states: Record<string, BroadcastState>;
  paused: boolean;
  cancelling: boolean;
  sealed: boolean;
  runs: number;
}

const CHUNK = 50;

export async function campaignWorkflow(input: CampaignInput): Promise<CampaignStatus> {
  const { campaignId } = input;
  const maxConcurrentStarts = input.maxConcurrentStarts ?? 20;
  const maxPending = input.maxPendingEntries ?? 1000;
  const carried: CarriedState = input.carried ?? {
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
  let inFlight = 0;
  let startedThisRun = 0;
  let fanOut: Promise<void> = Promise.resolve();
  let continuing = false;

  const childId = (key: string) => `${campaignId}/${key}`;
  const isFinal = (state: BroadcastState) => FINAL_STATES.includes(state);

  function status(): CampaignStatus {
    const counts: Partial<Record<BroadcastState, number>> = {};
    for (const state of Object.values(states)) counts[state] = (counts[state] ?? 0) + 1;
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
      counts,
      total: pending.length + Object.keys(states).length,
      runs: carried.runs,
    };
  }

  function allDone(): boolean {
    return (
      (carried.sealed || carried.cancelling) &&
      pending.length === 0 &&
      inFlight === 0 &&
      Object.values(states).every(isFinal)
    );
  }

  function showDetails(): void {
    const s = status();
    const rows = Object.entries(s.counts)
      .map(([state, n]) => `| ${state} | ${n} |`)
      .join('\n');
    setCurrentDetails(`**${s.phase}** · ${s.total} broadcasts · ${s.pending} not started\n\n| state | count |\n|---|---|\n${rows}`);
  }

  /** Signals (or cancels) children in small batches, so pending external operations stay bounded. */
  async function forEachChild(keys: string[], action: (id: string) => Promise<void>): Promise<void> {
    for (let i = 0; i < keys.length; i += CHUNK) {
      await Promise.all(keys.slice(i, i + CHUNK).map((id) => action(id).catch(() => undefined)));
    }
  }
  const openChildren = (filter: (s: BroadcastState) => boolean) =>
    Object.entries(states)
      .filter(([, s]) => filter(s))
      .map(([id]) => id);

  setHandler(campaignStatusQuery, status);
  setHandler(broadcastStateSignal, ({ workflowId, state }) => {
    // A late report never resurrects a finished broadcast.
    const current = states[workflowId];
    if (current && isFinal(current)) return;
    states[workflowId] = state;
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
    await forEachChild(toCancel, (id) => getExternalWorkflowHandle(id).cancel());
    return { removed, cancelled: toCancel.length };
  });
  setHandler(pauseUpdate, async () => {
    carried.paused = true;
    showDetails();
    await forEachChild(openChildren((s) => s === 'Scheduled'), (id) => getExternalWorkflowHandle(id).signal(holdSignal, true));
    return status();
  });
  setHandler(resumeUpdate, async () => {
    carried.paused = false;
    showDetails();
    await forEachChild(openChildren((s) => s === 'Scheduled'), (id) => getExternalWorkflowHandle(id).signal(holdSignal, false));
    return status();
  });
  setHandler(cancelCampaignUpdate, async () => {
    if (!carried.cancelling) {
      carried.cancelling = true;
      pending.splice(0);
      pendingKeys.clear();
      await forEachChild(openChildren((s) => !isFinal(s)), (id) => getExternalWorkflowHandle(id).cancel());
    }
    await condition(allDone);
    return status();
  });

  async function startOne(entry: CampaignEntryInput): Promise<void> {
    const id = childId(entry.key);
    const spec = entry.request.relay ?? entry.request.legacy;
    states[id] = 'Scheduled';
    try {
      await startChild(broadcastWorkflow, {
        workflowId: id,
        args: [entry.request],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        // Never a second broadcast under the same key, even if an earlier one has finished.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: CampaignIdKey, value: campaignId },
          { key: BroadcastStateKey, value: 'Scheduled' },
          { key: BroadcastStartKey, value: new Date(spec?.StartTime ?? 0) },
          { key: RegionKey, value: entry.request.relay?.Region ?? entry.request.legacy?.RegionId ?? '' },
        ],
        staticSummary: `${campaignId} · ${entry.key}`,
      });
      if (carried.paused) await getExternalWorkflowHandle(id).signal(holdSignal, true);
    } catch (err) {
      // Already started by an earlier run or submission: idempotent, it reports its own state.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) states[id] = 'Failed';
    }
  }

  upsertSearchAttributes([{ key: CampaignIdKey, value: campaignId }]);
  showDetails();
  const continueAfterEvents = input.continueAsNewAfterEvents ?? 5000;
  const continueAfterStarts = input.continueAsNewAfterStarts ?? 1000;
  const shouldContinue = () =>
    startedThisRun >= continueAfterStarts ||
    workflowInfo().historyLength >= continueAfterEvents ||
    workflowInfo().continueAsNewSuggested;

  for (;;) {
    await condition(
      () =>
        allDone() ||
        shouldContinue() ||
        (!carried.paused && !carried.cancelling && pending.length > 0 && inFlight < maxConcurrentStarts)
    );
    if (allDone() || shouldContinue()) break;
    const entry = pending.shift()!;
    pendingKeys.delete(entry.key);
    inFlight++;
    startedThisRun++;
    const started = startOne(entry).finally(() => inFlight--);
    fanOut = Promise.all([fanOut, started]).then(() => undefined);
  }
  await fanOut;
  if (!allDone()) {
    continuing = true;
    // Let in-flight updates finish so none is lost, then hand everything to a fresh run.
    await condition(() => allHandlersFinished());
    await continueAsNew<typeof campaignWorkflow>({ ...input, carried });
  }
  await condition(allHandlersFinished);
  showDetails();
  return status();
}
