/**
 * At run time the provider create queue serves the earliest StartTime first: with a backlog of creates for relays
 * that start later, creates asked afterwards for relays that start sooner go ahead of it, as the sandbox sees them.
 * Real stack: dev server, relay workers, sandbox over HTTP. The backlog forms while no provider worker polls (the
 * workflow worker alone runs), so both groups wait in the create queue before the first is served.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

import { startBroadcast } from '../src/broadcast/start';
import { ensureQuotaOwnerWorkflow } from '../src/provider-quota/election';
import { bundleRelayWorkflows } from '../src/temporal/workflow-bundle';
import { cancelUpdate, statusQuery } from '../src/workflows/messages';

import { relayRequest } from '../testkit/broadcasts';
import { historyOf } from './helpers/histories';
import { startRelayStack, type RelayStack } from '../testkit/relay-stack';
import { createDevEnv } from '../testkit/temporal';

jest.setTimeout(180_000);

const GROUP = 8;

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('create queue order at run time (dev server, relay workers, sandbox)', () => {
  let env: TestWorkflowEnvironment;
  let stack: RelayStack;

  beforeAll(async () => {
    env = await createDevEnv();
    stack = await startRelayStack(env, {
      taskQueue: `create-order-${Date.now().toString(36)}`,
      workflowBundle: await bundleRelayWorkflows(),
      providerRateLimit: 2, // a backlog of 16 creates takes 8 s to drain
    });
  });

  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  it('creates the relays that start sooner first, though their creates were asked for after the others', async () => {
    const { workers, sandbox } = stack;
    const workflowWorker = workers.workflowWorker.run();
    const providerRuns: Promise<void>[] = [];
    try {
      const now = Date.now();
      const start = (id: string, startInMs: number, askInMs: number) =>
        startBroadcast({
          client: env.client,
          taskQueue: stack.taskQueue,
          workflowId: id,
          request: relayRequest(now, startInMs, 3_600_000, {
            leadTimeSeconds: Math.round((startInMs - askInMs) / 1000),
          }),
          defaultRegion: 'cn-shanghai',
        });
      // Later: they start in 20 minutes and ask for their creates first (in 3 s, with ~20 minutes to spare).
      const later = await Promise.all(Array.from({ length: GROUP }, (_, i) => start(`later-${i}`, 1_200_000, 3_000)));
      // Sooner: they start in 4 minutes and ask 4 s after the others (with ~4 minutes to spare).
      const sooner = await Promise.all(Array.from({ length: GROUP }, (_, i) => start(`sooner-${i}`, 240_000, 7_000)));
      const creating = (handles: WorkflowHandle[]) =>
        Promise.all(handles.map((h) => h.query(statusQuery))).then((all) => all.every((s) => s.state === 'Creating'));
      await waitUntil('the later group to ask for its creates', () => creating(later));
      await waitUntil('the sooner group to ask for its creates', () => creating(sooner));

      // Now a quota owner is elected and its provider workers poll: the create queue holds both groups, the later one
      // asked first.
      const ownerWorker = workers.quotaOwnerWorker;
      if (!ownerWorker) throw new Error('the stack runs with an elected quota owner');
      providerRuns.push(ownerWorker.run());
      await ensureQuotaOwnerWorkflow(env.client, stack.taskQueue);
      await waitUntil('every create at the sandbox', () => sandbox.tasks().length === 2 * GROUP);
      const startOf = (startTime: string) => (Date.parse(startTime) - now < 600_000 ? 'sooner' : 'later');
      const order = sandbox.tasks().map((t) => startOf(t.StartTime));
      expect(order).toEqual([...Array<string>(GROUP).fill('sooner'), ...Array<string>(GROUP).fill('later')]);

      // A replay fixture of the create with its priority (RECORD_HISTORIES=1): one broadcast, cancelled to its end.
      const recorded = sooner[0] as WorkflowHandle;
      await recorded.executeUpdate(cancelUpdate, { args: [{ reason: 'replay fixture' }] });
      await recorded.result();
      await historyOf(recorded, 'create-priority');
    } finally {
      workers.shutdown();
      await Promise.all([workflowWorker, ...providerRuns]);
    }
  });
});
