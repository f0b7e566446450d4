/**
 * End to end over HTTP with the dev server: real worker, real provider sandbox (its own task clock), real callbacks
 * through the callback service. Also: a worker replaced mid-broadcast, and histories free of secrets.
 */
import { randomUUID } from 'node:crypto';

import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

import { startBroadcast } from '../src/broadcast/start';
import { startCallbackService, type RunningCallbackService } from '../src/callbacks/service';
import { callbackToken } from '../src/callbacks/tokens';
import { bundleRelayWorkflows } from '../src/temporal/workflow-bundle';

import { inState, relayRequest, statesOf, waitForStatus } from '../testkit/broadcasts';
import { decodedHistoryText, historyOf } from './helpers/histories';
import { startRelayStack, TEST_CALLBACK_SECRET, TEST_KEY, type RelayStack } from '../testkit/relay-stack';
import { countCalls, liveTasks, tasksCreated } from '../testkit/sandbox-audit';
import { createDevEnv } from '../testkit/temporal';

describe('broadcast end to end (dev server, sandbox, callback service)', () => {
  let env: TestWorkflowEnvironment;
  let callbacks: RunningCallbackService;
  let stack: RelayStack;
  let bundle: { code: string };

  beforeAll(async () => {
    env = await createDevEnv();
    bundle = await bundleRelayWorkflows();
    callbacks = await startCallbackService({ port: 0, secret: TEST_CALLBACK_SECRET, client: env.client });
  });
  afterAll(async () => {
    await callbacks?.close();
    await env?.teardown();
  });
  beforeEach(async () => {
    stack = await startRelayStack(env, {
      taskQueue: `e2e-${randomUUID()}`,
      callbackBaseUrl: callbacks.url,
      workflowBundle: bundle,
      maxCachedWorkflows: 0, // every workflow task replays its history: a determinism check on each step
    });
  });
  afterEach(() => stack?.close());

  const start = (request: Parameters<typeof startBroadcast>[0]['request'], workflowId = `e2e-${randomUUID()}`) =>
    startBroadcast({
      client: env.client,
      taskQueue: stack.taskQueue,
      workflowId,
      request,
      defaultRegion: 'cn-shanghai',
    });

  it('completes a few-second broadcast through real callbacks, leaving exactly one task, none running', async () => {
    const handle = await stack.run(async () => {
      const h = await start(relayRequest(Date.now(), 3_000, 4_000, { leadTimeSeconds: 1 }));
      const result = await h.result();
      expect(result.state).toBe('Completed');
      expect(statesOf(result)).toEqual(['Scheduled', 'Creating', 'Created', 'Running', 'Completed']);
      return h;
    });
    expect(tasksCreated(stack.sandbox)).toHaveLength(1);
    expect(liveTasks(stack.sandbox)).toHaveLength(0);
    expect(callbacks.counts.delivered).toBeGreaterThanOrEqual(2); // running and exit at least

    const history = decodedHistoryText(await historyOf(handle, 'e2e-happy-path'));
    expect(history).toContain('ensureRelayTask'); // the scan really reads the history
    for (const secret of [
      TEST_KEY.secret,
      TEST_CALLBACK_SECRET,
      callbackToken(TEST_CALLBACK_SECRET, handle.workflowId),
    ]) {
      expect(history).not.toContain(secret);
    }
  });

  it('survives its worker being replaced while it waits for callbacks: it completes with one task', async () => {
    const workflowId = `e2e-restart-${randomUUID()}`;
    const handle = await stack.run(async () => {
      const h = await start(relayRequest(Date.now(), 2_000, 6_000, { leadTimeSeconds: 1 }), workflowId);
      await waitForStatus(h, inState('Running'), 'running before the worker stops');
      return h;
    }); // workers drained and stopped here
    const replacement = await stack.newWorkers();
    const running = replacement.run();
    try {
      const result = await handle.result();
      expect(result.state).toBe('Completed');
    } finally {
      replacement.shutdown();
      await running;
    }
    expect(countCalls(stack.sandbox, 'CreateLivePullToPush')).toBe(1);
    expect(tasksCreated(stack.sandbox)).toHaveLength(1);
    expect(liveTasks(stack.sandbox)).toHaveLength(0);
    await historyOf(handle, 'e2e-worker-replaced');
  });

  it('after a reset to before creation, the new run looks its task up first and adopts it: never a second create', async () => {
    await stack.run(async () => {
      const handle = await start(relayRequest(Date.now(), 60_000, 60_000, { leadTimeSeconds: 300 }));
      const created = await waitForStatus(handle, inState('Created'), 'creation');
      const { events } = await handle.fetchHistory();
      const { EventType } = temporal.api.enums.v1;
      const firstTaskDone = events?.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
      const { runId } = await env.client.workflowService.resetWorkflowExecution({
        namespace: env.namespace ?? 'default',
        workflowExecution: { workflowId: handle.workflowId },
        workflowTaskFinishEventId: firstTaskDone?.eventId,
        reason: 'test: reset to before creation',
        requestId: randomUUID(),
      });
      const resetRun = env.client.workflow.getHandle(handle.workflowId, runId ?? undefined);
      const adopted = await waitForStatus(
        resetRun,
        (s) => s.state === 'Created' && s.transitions.some((t) => t.note === 'adopted an existing task'),
        'the reset run adopting the task'
      );
      expect(adopted.taskId).toBe(created.taskId);
      // The first run created; the reset run only looked up (whether the provider would refuse a second create for
      // the same DstUrl is unconfirmed, so it is never asked to).
      const actions = stack.sandbox.calls().map((c) => c.action);
      expect(actions).toEqual(['CreateLivePullToPush', 'DescribeLivePullToPushList']);
      await resetRun.cancel();
      await waitForStatus(resetRun, inState('Cancelled'), 'cancellation');
      expect(tasksCreated(stack.sandbox)).toHaveLength(1);
      expect(liveTasks(stack.sandbox)).toHaveLength(0);
    });
  });
});
