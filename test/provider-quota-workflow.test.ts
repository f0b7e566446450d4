/**
 * providerQuotaOwnerWorkflow with a stub owner activity (time-skipping server): an owner that steps down is replaced
 * (the activity is retried, every time), terms follow one another, and the run continues-as-new after its terms so
 * its history stays small. Records the `quota-owner-terms` history the replay suite keeps.
 */
import { randomUUID } from 'node:crypto';

import { ApplicationFailure, Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';

import { QUOTA_OWNER_STEPPED_DOWN } from '../src/provider-quota/owner';
import { quotaOwnerTaskQueue, quotaOwnerWorkflowId } from '../src/shared/provider-queues';
import { HEARTBEAT_TIMEOUT_MS } from '../src/shared/quota-owner-timings';
import { bundleRelayWorkflows } from '../src/temporal/workflow-bundle';
import type { providerQuotaOwnerWorkflow } from '../src/workflows/provider-quota-owner';

import { historyOf } from './helpers/histories';
import { createTimeSkippingEnv } from '../testkit/temporal';

describe('providerQuotaOwnerWorkflow (time-skipping, stub owner activity)', () => {
  let env: TestWorkflowEnvironment;
  let bundle: { code: string };

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    bundle = await bundleRelayWorkflows();
  });
  afterAll(() => env?.teardown());

  it('retries an owner that stepped down, runs term after term, and continues-as-new after its terms', async () => {
    const taskQueue = `owner-${randomUUID()}`;
    const calls: { attempt: number; heartbeatTimeoutMs?: number; queue: string }[] = [];
    const activities = {
      async holdProviderQuota(input: { workflowTaskQueue: string }): Promise<void> {
        const { info } = Context.current();
        expect(input.workflowTaskQueue).toBe(taskQueue);
        calls.push({ attempt: info.attempt, heartbeatTimeoutMs: info.heartbeatTimeoutMs, queue: info.taskQueue });
        // The first owner is shut down twice in a row before any term ends.
        if (calls.length <= 2) throw ApplicationFailure.retryable('stepped down: cancelled', QUOTA_OWNER_STEPPED_DOWN);
      },
    };
    const workers = await Promise.all([
      Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle }),
      Worker.create({ connection: env.nativeConnection, taskQueue: quotaOwnerTaskQueue(taskQueue), activities }),
    ]);
    const workflowId = quotaOwnerWorkflowId(taskQueue);
    const running = workers.map((w) => w.run());
    try {
      const handle = await env.client.workflow.start<typeof providerQuotaOwnerWorkflow>('providerQuotaOwnerWorkflow', {
        taskQueue,
        workflowId,
        args: [{ workflowTaskQueue: taskQueue }],
      });
      const firstRun = handle.firstExecutionRunId;
      // 30 terms in the first run, then a new run whose first term is under way.
      for (let i = 0; i < 200 && (await handle.describe()).runId === firstRun; i++) await env.sleep(1_000);
      const latest = await handle.describe();
      expect(latest.runId).not.toBe(firstRun);
      expect(latest.status.name).toBe('RUNNING');
      const firstRunHistory = env.client.workflow.getHandle(workflowId, firstRun);
      expect((await firstRunHistory.describe()).status.name).toBe('CONTINUED_AS_NEW');

      expect(calls.slice(0, 3).map((c) => c.attempt)).toEqual([1, 2, 3]);
      expect(calls.every((c) => c.queue === quotaOwnerTaskQueue(taskQueue))).toBe(true);
      expect(calls[0]?.heartbeatTimeoutMs).toBe(HEARTBEAT_TIMEOUT_MS);
      // Two step-downs (retries: no events) and 30 completed terms in the first run.
      expect(calls.length).toBeGreaterThanOrEqual(32);
      const events = (await firstRunHistory.fetchHistory()).events ?? [];
      expect(events.filter((e) => e.activityTaskCompletedEventAttributes)).toHaveLength(30);
      expect(events.filter((e) => e.activityTaskFailedEventAttributes)).toHaveLength(0);
      await historyOf(firstRunHistory, 'quota-owner-terms');
      await handle.terminate('test over');
    } finally {
      for (const w of workers) w.shutdown();
      await Promise.all(running);
    }
  });
});
