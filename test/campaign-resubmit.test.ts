/**
 * A resubmitted file while the campaign is still starting the first one (time-skipping server, stub activities).
 *
 * Invariant: an entry the campaign already holds when a resubmission arrives is reported as a duplicate and never
 * handed to a second start, even when its start completes while the resubmission's update is still being handled.
 * CI found the opposite under load: the update and the start batch's completion landed in one workflow task, and the
 * three keys in flight came back `accepted`. Here the interleaving is forced: the existence check of the one new key
 * returns only after the first start batch has completed.
 */
import { randomUUID } from 'node:crypto';

import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';

import type { StartBatchInput, StartOutcome } from '../src/activities/campaign-broadcasts';
import type { CampaignEntry } from '../src/campaign/file';
import { submitCampaign } from '../src/campaign/submit';
import { campaignTaskQueue } from '../src/shared/broadcast';
import { bundleRelayWorkflows } from '../src/temporal/workflow-bundle';
import { campaignBroadcastId, campaignStatusQuery } from '../src/workflows/campaign-messages';

import { relayRequest } from '../testkit/broadcasts';
import { historyOf } from './helpers/histories';
import { createTimeSkippingEnv } from '../testkit/temporal';
import { waitFor } from '../testkit/wait';

/** A promise with its resolver, for ordering the stubs. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('campaign resubmission (time-skipping, stub activities)', () => {
  let env: TestWorkflowEnvironment;
  let bundle: { code: string };

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    bundle = await bundleRelayWorkflows();
  });
  afterAll(() => env?.teardown());

  it('counts keys held on arrival as duplicates even when their start completes during the update', async () => {
    const taskQueue = `resubmit-${randomUUID()}`;
    const campaignId = `resubmit-${randomUUID().slice(0, 8)}`;
    const started: string[] = [];
    const startMayReturn = gate();
    const firstBatchReturned = gate();
    const activities = {
      async startCampaignBroadcasts(input: StartBatchInput): Promise<StartOutcome[]> {
        if (started.length === 0) await startMayReturn.opened;
        started.push(...input.entries.map((e) => e.key));
        // Reported after this function returns, i.e. after the completion reaches the server.
        setTimeout(firstBatchReturned.open, 500);
        return input.entries.map((e) => ({
          workflowId: campaignBroadcastId(input.campaignId, e.key),
          outcome: 'started' as const,
        }));
      },
      async findExistingBroadcasts(): Promise<string[]> {
        // The resubmission is waiting on this check: let the first batch finish before answering.
        startMayReturn.open();
        await firstBatchReturned.opened;
        return [];
      },
      async controlCampaignBroadcasts(): Promise<number> {
        return 0;
      },
      async controlBroadcasts(input: { workflowIds: string[] }): Promise<number> {
        return input.workflowIds.length;
      },
    };
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: campaignTaskQueue(taskQueue),
      workflowBundle: bundle,
      activities,
    });
    await worker.runUntil(async () => {
      const t0 = await env.currentTimeMs();
      const entry = (key: string, line: number): CampaignEntry => ({
        key,
        line,
        request: relayRequest(t0, 3 * 3600_000, 3600_000),
      });
      const first = [entry('k0', 2), entry('k1', 3), entry('k2', 4)];
      expect(await submitCampaign({ client: env.client, taskQueue, campaignId, entries: first })).toEqual({
        accepted: 3,
        duplicates: 0,
      });
      const again = await submitCampaign({
        client: env.client,
        taskQueue,
        campaignId,
        entries: [...first, entry('k3', 5)],
      });
      expect(again).toEqual({ accepted: 1, duplicates: 3 });

      const campaign = env.client.workflow.getHandle(campaignId);
      await waitFor('every entry started', async () => {
        const status = await campaign.query(campaignStatusQuery);
        return status.pending === 0 && status.counts.Started === 4 ? status : undefined;
      });
      // Each key was handed to a start once.
      expect([...started].sort()).toEqual(['k0', 'k1', 'k2', 'k3']);
      expect((await campaign.query(campaignStatusQuery)).total).toBe(4);
      // No broadcast exists to report its end: the campaign would wait for them forever.
      await campaign.terminate('test done');
      // After the patch: replayed by test/replay.test.ts (campaign-resubmit-before-held-keys is the same run before it).
      await historyOf(campaign, 'campaign-resubmit-held-keys');
    });
  });
});
