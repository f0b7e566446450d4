/** The campaign workflow's input, and the state its runs carry over continue-as-new. */
import type { CampaignBroadcastState, CampaignEntryInput } from '../campaign-messages';

import type { LedgerState } from './ledger';

export interface CampaignOptions {
  /** Broadcast starts in flight at once (within one batch). @default 20 */
  maxConcurrentStarts?: number;
  /** Broadcasts started by one activity: fewer, larger batches keep the campaign's history small. @default 100 */
  startBatchSize?: number;
  /** Continue-as-new after this many history events. @default 5000 */
  continueAsNewAfterEvents?: number;
  /** Continue-as-new after starting this many broadcasts in one run. @default 2000 */
  continueAsNewAfterStarts?: number;
  /** Entries held at once before `addEntries` waits (backpressure). @default 1000 */
  maxPendingEntries?: number;
}

export interface CampaignInput extends CampaignOptions {
  campaignId: string;
  /** Task queue of the broadcasts. @default the campaign's own (campaigns started before campaigns had a queue) */
  broadcastTaskQueue?: string;
  /** State carried over continue-as-new: one state per broadcast before the ledger, bounded since. */
  carried?: LegacyCarriedState | CarriedState;
}

interface CarriedFlags {
  paused: boolean;
  cancelling: boolean;
  sealed: boolean;
  runs: number;
}

/** Carried by runs before the `campaign-bounded-state` patch (and by the frozen code that replays them). */
export interface LegacyCarriedState extends CarriedFlags {
  pending: CampaignEntryInput[];
  /** Broadcast workflow ID → `Started` until it reports how it ended. */
  states: Record<string, CampaignBroadcastState>;
}

/** An entry waiting to start; `since` when an earlier start of it may have gone through (see StartBatchInput). */
export type PendingEntry = CampaignEntryInput & { since?: number };

/** Carried since the `campaign-bounded-state` patch: bounded whatever the campaign's size. */
export interface CarriedState extends CarriedFlags {
  /** At most maxPendingEntries (plus one batch whose start is retried). */
  pending: PendingEntry[];
  ledger: LedgerState;
}

export function isLegacyCarried(carried: CampaignInput['carried']): carried is LegacyCarriedState {
  return carried !== undefined && 'states' in carried;
}
