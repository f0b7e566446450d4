/**
 * The campaign's activities against a fake client: how many starts are in flight, in which order batches that share
 * a worker process are served, and what a pause, resume or cancel sends each broadcast.
 */
import { WorkflowNotFoundError, WorkflowUpdateStage, type Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';

import {
  CAMPAIGN_CANCEL_REASON,
  createCampaignActivities,
  type ControlInput,
  type StartBatchInput,
  type StartOutcome,
} from '../src/activities/campaign-broadcasts';
import { cancelUpdate, holdSignal } from '../src/workflows/messages';

import { relayRequest } from '../testkit/broadcasts';

/** A client whose starts each take `ms`, recording the most in flight and the order they completed in. */
function fakeClient(ms: number) {
  const seen = { inFlight: 0, maxInFlight: 0, completed: [] as string[] };
  const client = {
    workflow: {
      async start(_type: string, options: { workflowId: string }) {
        seen.inFlight++;
        seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
        await new Promise((r) => setTimeout(r, ms));
        seen.inFlight--;
        seen.completed.push(options.workflowId);
        return {};
      },
    },
  } as unknown as Client;
  return { client, seen };
}

function batch(campaignId: string, prefix: string, size: number, extra: Partial<StartBatchInput>): StartBatchInput {
  const now = Date.now();
  return {
    campaignId,
    taskQueue: 'q',
    entries: Array.from({ length: size }, (_, i) => ({
      key: `${prefix}${i}`,
      request: relayRequest(now, 3600_000, 60_000),
    })),
    concurrency: 5,
    hold: false,
    ...extra,
  };
}

describe('startCampaignBroadcasts', () => {
  it('without maxInFlight (campaigns started before the pool): each batch has its own `concurrency` lanes', async () => {
    const { client, seen } = fakeClient(5);
    const { startCampaignBroadcasts } = createCampaignActivities({ client, defaultRegion: 'cn-shanghai' });
    const env = new MockActivityEnvironment();
    const outcomes: StartOutcome[][] = await Promise.all([
      env.run<[StartBatchInput], StartOutcome[], typeof startCampaignBroadcasts>(
        startCampaignBroadcasts,
        batch('c1', 'a', 20, {})
      ),
      env.run<[StartBatchInput], StartOutcome[], typeof startCampaignBroadcasts>(
        startCampaignBroadcasts,
        batch('c1', 'b', 20, {})
      ),
    ]);
    expect(outcomes.flat().every((o) => o.outcome === 'started')).toBe(true);
    expect(seen.maxInFlight).toBe(10);
  });

  it('with maxInFlight: batches of one campaign share that many permits, the oldest batch first', async () => {
    const { client, seen } = fakeClient(5);
    const { startCampaignBroadcasts } = createCampaignActivities({ client, defaultRegion: 'cn-shanghai' });
    const env = new MockActivityEnvironment();
    const outcomes: StartOutcome[][] = await Promise.all(
      ['a', 'b', 'c'].map((prefix) =>
        env.run<[StartBatchInput], StartOutcome[], typeof startCampaignBroadcasts>(
          startCampaignBroadcasts,
          batch('c2', prefix, 30, { maxInFlight: 10 })
        )
      )
    );
    expect(outcomes.flat()).toHaveLength(90);
    expect(outcomes.flat().every((o) => o.outcome === 'started')).toBe(true);
    // Never more than the pool, and the pool is kept full (not 5 lanes per batch).
    expect(seen.maxInFlight).toBe(10);
    // Batches end one after another: every start of batch a completes before most of b, b's before most of c.
    const lastOf = (prefix: string) =>
      Math.max(...seen.completed.map((id, i) => (id.startsWith(`c2/${prefix}`) ? i : -1)));
    const firstOf = (prefix: string) => seen.completed.findIndex((id) => id.startsWith(`c2/${prefix}`));
    expect(lastOf('a')).toBeLessThan(lastOf('b'));
    expect(lastOf('b')).toBeLessThan(lastOf('c'));
    expect(firstOf('c')).toBeGreaterThan(lastOf('a') - 10);
  });

  it('keeps the pools of two campaigns apart', async () => {
    const { client, seen } = fakeClient(5);
    const { startCampaignBroadcasts } = createCampaignActivities({ client, defaultRegion: 'cn-shanghai' });
    const env = new MockActivityEnvironment();
    await Promise.all([
      env.run<[StartBatchInput], StartOutcome[], typeof startCampaignBroadcasts>(
        startCampaignBroadcasts,
        batch('c3', 'a', 20, { maxInFlight: 4 })
      ),
      env.run<[StartBatchInput], StartOutcome[], typeof startCampaignBroadcasts>(
        startCampaignBroadcasts,
        batch('c4', 'a', 20, { maxInFlight: 4 })
      ),
    ]);
    expect(seen.maxInFlight).toBe(8);
  });
});

/** A client whose handles record what they are sent; `finished` broadcasts answer as the server does for them. */
function controlClient(finished: string[], failing: Record<string, Error> = {}) {
  const sent: { workflowId: string; call: string; name?: string; options?: unknown; args?: unknown[] }[] = [];
  const refuse = (workflowId: string) => {
    if (failing[workflowId]) throw failing[workflowId];
    if (finished.includes(workflowId)) {
      throw new WorkflowNotFoundError('workflow execution already completed', workflowId, undefined);
    }
  };
  const client = {
    workflow: {
      getHandle(workflowId: string) {
        return {
          async startUpdate(def: { name: string }, options: unknown) {
            refuse(workflowId);
            sent.push({ workflowId, call: 'startUpdate', name: def.name, options });
            return { updateId: 'u', workflowId, result: () => Promise.reject(new Error('the activity must not wait')) };
          },
          async signal(def: { name: string }, ...args: unknown[]) {
            refuse(workflowId);
            sent.push({ workflowId, call: 'signal', name: def.name, args });
          },
          async cancel() {
            refuse(workflowId);
            sent.push({ workflowId, call: 'cancel' });
          },
        };
      },
    },
  } as unknown as Client;
  return { client, sent };
}

describe('controlBroadcasts', () => {
  const control = (client: Client, input: ControlInput) => {
    const { controlBroadcasts } = createCampaignActivities({ client, defaultRegion: 'cn-shanghai' });
    return new MockActivityEnvironment().run<[ControlInput], number, typeof controlBroadcasts>(
      controlBroadcasts,
      input
    );
  };

  it("cancels through the broadcast's cancel update (as `broadcast cancel` does), waiting only until accepted", async () => {
    const { client, sent } = controlClient([]);
    const reached = await control(client, { workflowIds: ['c/a', 'c/b'], action: 'cancel', concurrency: 2 });
    expect(reached).toBe(2);
    expect(sent).toEqual(
      ['c/a', 'c/b'].map((workflowId) => ({
        workflowId,
        call: 'startUpdate',
        name: cancelUpdate.name,
        options: { args: [{ reason: CAMPAIGN_CANCEL_REASON }], waitForStage: WorkflowUpdateStage.ACCEPTED },
      }))
    );
  });

  it('counts a broadcast that has already finished as done, not as a failure', async () => {
    const { client, sent } = controlClient(['c/done']);
    const reached = await control(client, { workflowIds: ['c/done', 'c/open'], action: 'cancel', concurrency: 1 });
    expect(reached).toBe(1);
    expect(sent.map((s) => s.workflowId)).toEqual(['c/open']);
  });

  it('throws any other error, so the activity is retried', async () => {
    const { client } = controlClient([], { 'c/a': new Error('14 UNAVAILABLE: connection lost') });
    await expect(control(client, { workflowIds: ['c/a'], action: 'cancel', concurrency: 1 })).rejects.toThrow(
      'connection lost'
    );
  });

  it('pauses and resumes with the hold signal', async () => {
    const { client, sent } = controlClient([]);
    await control(client, { workflowIds: ['c/a'], action: 'hold', concurrency: 1 });
    await control(client, { workflowIds: ['c/a'], action: 'release', concurrency: 1 });
    expect(sent).toEqual([
      { workflowId: 'c/a', call: 'signal', name: holdSignal.name, args: [true] },
      { workflowId: 'c/a', call: 'signal', name: holdSignal.name, args: [false] },
    ]);
  });
});
