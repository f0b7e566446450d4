/**
 * Backup-source failover end to end: dev server, real worker, the provider sandbox failing one source and not the
 * other, real callbacks through the callback service.
 */
import { randomUUID } from 'node:crypto';

import type { TestWorkflowEnvironment } from '@temporalio/testing';

import { startBroadcast } from '../src/broadcast/start';
import { startCallbackService, type RunningCallbackService } from '../src/callbacks/service';
import type { BroadcastStatus } from '../src/shared/broadcast';
import { bundleRelayWorkflows } from '../src/temporal/workflow-bundle';
import { sourceUpdate } from '../src/workflows/messages';

import { relayRequest, waitForStatus } from '../testkit/broadcasts';
import { startRelayStack, TEST_CALLBACK_SECRET, type RelayStack } from '../testkit/relay-stack';
import { countCalls } from '../testkit/sandbox-audit';
import { createDevEnv } from '../testkit/temporal';

describe('backup-source failover (dev server, sandbox, callback service)', () => {
  let env: TestWorkflowEnvironment;
  let callbacks: RunningCallbackService;
  let stack: RelayStack;

  beforeAll(async () => {
    env = await createDevEnv();
    callbacks = await startCallbackService({ port: 0, secret: TEST_CALLBACK_SECRET, client: env.client });
    stack = await startRelayStack(env, {
      taskQueue: `failover-${randomUUID()}`,
      callbackBaseUrl: callbacks.url,
      workflowBundle: await bundleRelayWorkflows(),
    });
  });
  afterAll(async () => {
    await stack?.close();
    await callbacks?.close();
    await env?.teardown();
  });

  it('puts the backup on air when the primary fails, restarts on a push failure, and switches back on request', async () => {
    await stack.run(async () => {
      const request = relayRequest(Date.now(), 3_000, 10 * 60_000, {
        leadTimeSeconds: 1,
        restartPolicy: { maxRestarts: 2 },
        backupSources: ['rtmp://backup.example.com/live/feed'],
      });
      request.relay.RetryCount = 0; // the provider gives up at once: Offline on the first failure
      const primary = request.relay.SourceUrls[0] ?? '';
      const handle = await startBroadcast({
        client: env.client,
        taskQueue: stack.taskQueue,
        workflowId: `failover-${randomUUID()}`,
        request,
        defaultRegion: 'cn-shanghai',
      });
      const running = await waitForStatus(handle, (s) => s.state === 'Running', 'running on the primary');
      const task = () => stack.sandbox.tasks().find((t) => t.TaskId === running.taskId);

      // The primary's encoder dies: the relay fails over without spending a restart.
      stack.sandbox.failSource(primary);
      const onBackup = await waitForStatus(
        handle,
        (s) => s.state === 'Running' && s.source?.active === 1,
        'running on the backup'
      );
      expect(onBackup.restarts).toBe(0);
      expect(onBackup.source).toMatchObject({ label: 'backup 1', why: 'primary: PullStreamFailed' });
      expect(task()?.SourceUrls).toEqual(['rtmp://backup.example.com/live/feed']);

      // The destination refuses the push: a restart on the same source, no switch.
      stack.sandbox.failTask(running.taskId ?? '', 'push');
      const restarted = await waitForStatus(
        handle,
        (s) => s.state === 'Running' && s.restarts === 1,
        'running again after a restart'
      );
      expect(restarted.source?.active).toBe(1);
      expect(task()?.SourceUrls).toEqual(['rtmp://backup.example.com/live/feed']);

      // The primary is back: the user puts it on air again.
      stack.sandbox.healSource(primary);
      const back: BroadcastStatus = await handle.executeUpdate(sourceUpdate, { args: [{ to: 0 }] });
      expect(back.source).toMatchObject({ active: 0, label: 'primary', why: 'chosen by user' });
      expect(task()?.SourceUrls).toEqual([primary]);
      expect(task()?.status).toBe(1);
      expect(countCalls(stack.sandbox, 'CreateLivePullToPush')).toBe(1);
      await handle.cancel();
    });
  });
});
