/**
 * No size ceiling: the campaign workflow driven through 10,000 and 100,000 entries on the time-skipping server, with
 * stub campaign activities (every start succeeds at once; pause, resume and cancel are recorded), the broadcasts'
 * reports sent by the test as each broadcast would send its own. Checks the counts after pause, resume, reports
 * (duplicates included, some across continue-as-new) and cancel, and that the largest continue-as-new input stays
 * under a bound that does not grow with the entry count. Minutes of wall time: `npm run test:all` only.
 */
import { randomUUID } from 'node:crypto';

import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';

import type { CampaignControlInput, StartBatchInput, StartOutcome } from '../src/activities/campaign-broadcasts';
import type { CampaignEntry } from '../src/campaign/file';
import { submitCampaign } from '../src/campaign/submit';
import { campaignTaskQueue } from '../src/shared/broadcast';
import { bundleRelayWorkflows } from '../src/temporal/workflow-bundle';
import type { CampaignInput, campaignWorkflow } from '../src/workflows/campaign';
import {
  broadcastStateSignal,
  campaignBroadcastId,
  campaignStatusQuery,
  cancelCampaignUpdate,
  pauseUpdate,
  resumeUpdate,
  type CampaignStatus,
} from '../src/workflows/campaign-messages';

import { relayRequest } from '../testkit/broadcasts';
import { createTimeSkippingEnv } from '../testkit/temporal';

/**
 * The bound on a continue-as-new input: dominated by the entries waiting (maxPendingEntries, 1,000 by default, about
 * 400 bytes each here) plus the ledger's last reporters (500 IDs); independent of the campaign's size.
 */
const MAX_CARRIED_BYTES = 512 * 1024;

/** Small, so that the campaign continues as new often, reports included. */
const CONTINUE_AFTER_EVENTS = 2000;
/** Reports sent before waiting for the campaign to apply them (see report()). */
const REPORT_CHUNK = 500;

/** Logs the wall time of each phase of a campaign's drive. */
function phaseClock(size: number): (what: string) => void {
  let last = performance.now();
  return (what) => {
    const now = performance.now();
    process.stdout.write(`${size} entries: ${what} in ${((now - last) / 1000).toFixed(1)} s\n`);
    last = now;
  };
}

type Campaign = WorkflowHandle<typeof campaignWorkflow>;

/** Polls (real time) until `done` holds; the error names what it waited for and the last value. */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string, timeoutMs = 10 * 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('campaign size (time-skipping, stub activities)', () => {
  let env: TestWorkflowEnvironment;
  let bundle: { code: string };

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    bundle = await bundleRelayWorkflows();
  });
  afterAll(() => env?.teardown());

  /** Stub campaign activities: starts succeed, controls are recorded. */
  function stubActivities() {
    const controls: CampaignControlInput[] = [];
    const byId: { action: string; workflowIds: string[] }[] = [];
    let starts = 0;
    return {
      controls,
      byId,
      starts: () => starts,
      activities: {
        async startCampaignBroadcasts(input: StartBatchInput): Promise<StartOutcome[]> {
          starts += input.entries.length;
          return input.entries.map((e) => ({
            workflowId: campaignBroadcastId(input.campaignId, e.key),
            outcome: 'started' as const,
          }));
        },
        async controlCampaignBroadcasts(input: CampaignControlInput): Promise<number> {
          controls.push(input);
          return input.startedAtLeast;
        },
        async controlBroadcasts(input: { workflowIds: string[]; action: string }): Promise<number> {
          byId.push(input);
          return input.workflowIds.length;
        },
        async findExistingBroadcasts(): Promise<string[]> {
          return [];
        },
      },
    };
  }

  /**
   * Sends each broadcast's report (as the broadcast would), a chunk at a time; after each chunk, waits until the
   * campaign has applied it and, if its history has reached the threshold, continued as new. Paced, because a
   * continue-as-new only completes in a workflow task during which no new signal arrives: real broadcasts end at the
   * pace of the provider's delete quota (10/s), a loop of signals on this server is a hundred times faster.
   */
  async function report(campaign: Campaign, ids: string[], state: 'Completed' | 'Failed' | 'Cancelled' | 'Running') {
    for (let i = 0; i < ids.length; i += REPORT_CHUNK) {
      const chunk = ids.slice(i, i + REPORT_CHUNK);
      let next = 0;
      const lane = async () => {
        while (next < chunk.length) {
          const workflowId = chunk[next++]!;
          await campaign.signal(broadcastStateSignal, { workflowId, state });
        }
      };
      await Promise.all(Array.from({ length: 8 }, lane));
      await until(
        () => campaign.describe(),
        (d) => d.historyLength < CONTINUE_AFTER_EVENTS || d.status.name !== 'RUNNING',
        'the campaign to continue as new'
      );
    }
  }

  /**
   * What each continue-as-new carried: the input's size in payload bytes, and of that the part that is not the
   * entries waiting (which maxPendingEntries bounds; how many wait at that moment is a matter of timing).
   */
  async function continueAsNewInputs(campaign: Campaign): Promise<{ bytes: number; withoutPending: number }[]> {
    const { EventType } = temporal.api.enums.v1;
    const inputs: { bytes: number; withoutPending: number }[] = [];
    let runId: string | undefined = (await campaign.describe()).runId;
    // Walk back from the last run: each run's first event names the run it continued.
    while (runId) {
      const history: temporal.api.history.v1.IHistory = await env.client.workflow
        .getHandle(campaign.workflowId, runId)
        .fetchHistory();
      const started = history.events?.[0];
      if (started?.eventType !== EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) break;
      const attrs = started.workflowExecutionStartedEventAttributes;
      runId = attrs?.continuedExecutionRunId || undefined;
      const payload = attrs?.input?.payloads?.[0]?.data;
      if (!runId || !payload) continue;
      const input = JSON.parse(Buffer.from(payload).toString('utf8')) as CampaignInput;
      const withoutPending = JSON.stringify({ ...input, carried: { ...input.carried, pending: [] } }).length;
      inputs.push({ bytes: payload.length, withoutPending });
    }
    return inputs;
  }

  async function driveCampaign(size: number) {
    const taskQueue = `size-${randomUUID()}`;
    const stub = stubActivities();
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: campaignTaskQueue(taskQueue),
      workflowBundle: bundle,
      activities: stub.activities,
    });
    return worker.runUntil(async () => {
      const t0 = await env.currentTimeMs();
      const entries: CampaignEntry[] = Array.from({ length: size }, (_, i) => ({
        key: `stage-${i}`,
        line: i + 2,
        request: relayRequest(t0, 3 * 3600_000, 2 * 3600_000),
      }));
      const campaignId = `size-${size}-${randomUUID().slice(0, 8)}`;
      const ids = entries.map((e) => campaignBroadcastId(campaignId, e.key));
      const phase = phaseClock(size);
      const submitted = await submitCampaign({
        client: env.client,
        taskQueue,
        campaignId,
        entries,
        continueAsNewAfterEvents: CONTINUE_AFTER_EVENTS,
      });
      expect(submitted).toEqual({ accepted: size, duplicates: 0 });
      const campaign: Campaign = env.client.workflow.getHandle(campaignId);
      const status = () => campaign.query(campaignStatusQuery);
      await until(status, (s) => s.counts.Started === size, `${size} started`);
      expect(stub.starts()).toBe(size);
      phase('submitted and started');

      const paused = await campaign.executeUpdate(pauseUpdate, { args: [] });
      expect(paused).toMatchObject({ phase: 'paused', pending: 0, total: size, counts: { Started: size } });
      const resumed = await campaign.executeUpdate(resumeUpdate, { args: [] });
      expect(resumed.phase).toBe('running');
      // One control activity each, asked to wait until visibility lists every broadcast started; the broadcasts of
      // a start batch still in flight at the pause are held by ID when it returns.
      expect(stub.controls.map((c) => c.action)).toEqual(['hold', 'release']);
      const heldById = stub.byId.filter((c) => c.action === 'hold').flatMap((c) => c.workflowIds);
      expect(stub.controls[0]!.startedAtLeast + heldById.length).toBe(size);
      expect(stub.controls[1]!.startedAtLeast).toBe(size);

      // Half end Completed, a tenth Failed. The last 200 to complete report again, after the campaign has continued
      // as new (ignored live-state reports grow its history): none counts twice.
      const completed = ids.slice(0, size / 2);
      const failed = ids.slice(size / 2, size / 2 + size / 10);
      await report(campaign, completed, 'Completed');
      const runsBefore = (await status()).runs;
      await report(campaign, ids.slice(size - CONTINUE_AFTER_EVENTS), 'Running');
      await until(status, (s) => s.runs > runsBefore, 'a continue-as-new after the reports');
      await report(campaign, completed.slice(-200), 'Completed');
      await report(campaign, completed.slice(-200), 'Failed');
      await report(campaign, failed, 'Failed');
      phase('reports');
      const reported = await status();
      expect(reported.counts).toEqual({
        Started: size - completed.length - failed.length,
        Completed: completed.length,
        Failed: failed.length,
      });

      // Cancel: the control reaches every running broadcast; each then reports Cancelled.
      const cancelling = campaign.executeUpdate(cancelCampaignUpdate, { args: [] });
      await until(
        async () => stub.controls.length,
        (n) => n === 3,
        'the cancel control'
      );
      expect(stub.controls[2]).toMatchObject({ action: 'cancel', startedAtLeast: size });
      await report(campaign, ids.slice(size / 2 + size / 10), 'Cancelled');
      // The update answers when the campaign has ended, or `cancelling` when it continued as new meanwhile.
      expect(['cancelled', 'cancelling']).toContain((await cancelling).phase);
      const cancelled: CampaignStatus = await campaign.result();
      expect(cancelled).toMatchObject({
        phase: 'cancelled',
        pending: 0,
        total: size,
        counts: {
          Completed: completed.length,
          Failed: failed.length,
          Cancelled: size - completed.length - failed.length,
        },
      });
      phase('cancelled');

      const carried = await continueAsNewInputs(campaign);
      return {
        largest: Math.max(...carried.map((c) => c.bytes)),
        largestWithoutPending: Math.max(...carried.map((c) => c.withoutPending)),
        runs: carried.length + 1,
      };
    });
  }

  it(
    'drives 10,000 and 100,000 entries with bounded carried state',
    async () => {
      const small = await driveCampaign(10_000);
      const large = await driveCampaign(100_000);
      const describe = (r: typeof small) =>
        `${r.largest} B (${r.largestWithoutPending} B without the entries waiting) over ${r.runs} runs`;
      process.stdout.write(
        `largest continue-as-new input: 10,000 entries ${describe(small)}; 100,000 entries ${describe(large)}\n`
      );
      expect(large.runs).toBeGreaterThan(small.runs);
      expect(small.largest).toBeLessThan(MAX_CARRIED_BYTES);
      expect(large.largest).toBeLessThan(MAX_CARRIED_BYTES);
      // Ten times the entries, not ten times the state: what is not a waiting entry stays within 10%.
      expect(large.largestWithoutPending).toBeLessThan(small.largestWithoutPending * 1.1);
    },
    30 * 60_000
  );
});
