/**
 * An event campaign: hundreds to hundreds of thousands of broadcasts (`<campaignId>/<entryKey>`), started in batches
 * by an activity with bounded concurrency. Entries arrive through the `addEntries` update in chunks (a 10,000-entry
 * file does not fit in one payload), with backpressure.
 *
 * History stays small at any size: broadcasts are top-level workflows carrying the CampaignId search attribute (no
 * parent link for continue-as-new to break), each reports to the campaign once, when it ends; pause, resume and
 * cancel reach them through one activity, not one event per broadcast. The campaign continues-as-new whenever its
 * history grows. What it carries is bounded (./campaign/bounded.ts: the entries not started yet and counts, not one
 * state per broadcast); live states (Running, Recovering…) are each broadcast's own, visible through its
 * BroadcastState search attribute.
 *
 * Versions: runs that began before the `campaign-bounded-state` patch replay on the frozen ./campaign/legacy.ts and
 * finish that run there; the run they continue as starts on the bounded code, which accepts their carried state.
 */
import { patched } from '@temporalio/workflow';

import type { CampaignStatus } from './campaign-messages';
import { boundedCampaignRun } from './campaign/bounded';
import type { CampaignInput, LegacyCarriedState } from './campaign/input';
import { legacyCampaignRun } from './campaign/legacy';

export type { CampaignInput, CampaignOptions } from './campaign/input';

export const BOUNDED_STATE_PATCH = 'campaign-bounded-state';

export async function campaignWorkflow(input: CampaignInput): Promise<CampaignStatus> {
  // First thing in every run: a run recorded before the patch has no marker here and replays the frozen code.
  if (patched(BOUNDED_STATE_PATCH)) return boundedCampaignRun(input);
  return legacyCampaignRun(input as CampaignInput & { carried?: LegacyCarriedState });
}
