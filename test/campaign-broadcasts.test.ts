/**
 * The campaign's start activity against a fake client: how many starts are in flight, and in which order batches
 * that share a worker process are served.
 */
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';

import {
  createCampaignActivities,
  type StartBatchInput,
  type StartOutcome,
} from '../src/activities/campaign-broadcasts';

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
