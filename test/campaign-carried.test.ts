/**
 * A campaign run that continues one from before the `campaign-bounded-state` patch: it receives one state per
 * broadcast as carried then, runs on the bounded code, and counts, deduplicates and completes from it. Time-skipping
 * server, stub campaign activities.
 */
import { randomUUID } from 'node:crypto';

import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';

import type { StartBatchInput, StartOutcome } from '../src/activities/campaign-broadcasts';
import { bundleRelayWorkflows } from '../src/temporal/workflow-bundle';
import { campaignWorkflow, type CampaignInput } from '../src/workflows/campaign';
import { broadcastStateSignal, campaignBroadcastId, campaignStatusQuery } from '../src/workflows/campaign-messages';

import { relayRequest } from '../testkit/broadcasts';
import { eventually } from './helpers/stub-relay';
import { createTimeSkippingEnv } from '../testkit/temporal';

describe('campaign carried state from before the ledger (time-skipping, stub activities)', () => {
  let env: TestWorkflowEnvironment;
  let bundle: { code: string };

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    bundle = await bundleRelayWorkflows();
  });
  afterAll(() => env?.teardown());

  it('turns per-broadcast states into counts, keeps their exact deduplication, and completes', async () => {
    const taskQueue = `carried-${randomUUID()}`;
    const started: string[] = [];
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: {
        async startCampaignBroadcasts(input: StartBatchInput): Promise<StartOutcome[]> {
          return input.entries.map((e) => {
            const workflowId = campaignBroadcastId(input.campaignId, e.key);
            started.push(workflowId);
            return { workflowId, outcome: 'started' };
          });
        },
      },
    });
    await worker.runUntil(async () => {
      const campaignId = `carried-${randomUUID().slice(0, 8)}`;
      const id = (key: string) => campaignBroadcastId(campaignId, key);
      const t0 = await env.currentTimeMs();
      // What a run before the patch handed to continue-as-new: one entry waiting, four broadcasts by state.
      const input: CampaignInput = {
        campaignId,
        carried: {
          pending: [{ key: 'e', request: { ...relayRequest(t0, 3600_000, 3600_000), campaignId } }],
          states: { [id('a')]: 'Started', [id('b')]: 'Completed', [id('c')]: 'Started', [id('d')]: 'Failed' },
          paused: false,
          cancelling: false,
          sealed: true,
          runs: 3,
        },
      };
      const handle = await env.client.workflow.start(campaignWorkflow, {
        taskQueue,
        workflowId: campaignId,
        args: [input],
      });
      const status = () => handle.query(campaignStatusQuery);
      const running = await eventually(status, (s) => started.length === 1 && s.counts.Started === 3, 'e started');
      expect(started).toEqual([id('e')]);
      expect(running).toMatchObject({ phase: 'running', pending: 0, total: 5, runs: 4 });
      expect(running.counts).toEqual({ Started: 3, Completed: 1, Failed: 1 });

      const report = (key: string, state: string) =>
        handle.signal(broadcastStateSignal, { workflowId: id(key), state: state as 'Completed' });
      await report('b', 'Cancelled'); // had ended before the patch: not again
      await report('a', 'Completed');
      await report('a', 'Failed'); // twice
      await report('c', 'Cancelled');
      await report('e', 'Completed');
      const result = await handle.result();
      expect(result).toMatchObject({ phase: 'completed', total: 5, runs: 4 });
      expect(result.counts).toEqual({ Completed: 3, Failed: 1, Cancelled: 1 });
    });
  });
});
