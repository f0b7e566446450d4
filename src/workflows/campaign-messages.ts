/** Messages of the campaign workflow. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

import type { BroadcastRequest, BroadcastState, FinalState } from '../shared/broadcast';

export interface CampaignEntryInput {
  key: string;
  request: BroadcastRequest;
}

export interface AddEntriesInput {
  entries: CampaignEntryInput[];
  /** The client has sent everything: the campaign completes once every broadcast has finished. */
  last?: boolean;
  /**
   * The campaign existed before this submission (a resubmitted file): ask the server which of these broadcasts exist
   * already, so they count as duplicates. A first submission need not pay for that.
   */
  checkExisting?: boolean;
}

export interface AddEntriesResult {
  accepted: number;
  /** Keys the campaign already had (a resubmitted file): skipped, so nothing starts twice. */
  duplicates: number;
}

/** What a campaign knows of each broadcast: started, then how it ended (live states are the broadcast's own). */
export type CampaignBroadcastState = 'Started' | FinalState;

export interface CampaignStatus {
  campaignId: string;
  phase: 'receiving' | 'running' | 'paused' | 'cancelling' | 'completed' | 'cancelled';
  /** Entries accepted but not started yet. */
  pending: number;
  /** Broadcasts started: still running (`Started`) or by how they ended. */
  counts: Partial<Record<CampaignBroadcastState, number>>;
  total: number;
  /** Runs so far (continue-as-new keeps the history small). */
  runs: number;
}

export const addEntriesUpdate = defineUpdate<AddEntriesResult, [AddEntriesInput]>('addEntries');
export const removeEntriesUpdate = defineUpdate<{ removed: number; cancelled: number }, [{ keys: string[] }]>(
  'removeEntries'
);
export const pauseUpdate = defineUpdate<CampaignStatus, []>('pause');
export const resumeUpdate = defineUpdate<CampaignStatus, []>('resume');
export const cancelCampaignUpdate = defineUpdate<CampaignStatus, []>('cancel');
export const campaignStatusQuery = defineQuery<CampaignStatus>('campaignStatus');
/** Each broadcast of a campaign reports how it ended (Completed, Failed or Cancelled) to the campaign. */
export const broadcastStateSignal = defineSignal<[{ workflowId: string; state: BroadcastState }]>('broadcastState');

/** The workflow ID of a campaign entry's broadcast: a business key the user can find again. */
export function campaignBroadcastId(campaignId: string, entryKey: string): string {
  return `${campaignId}/${entryKey}`;
}
