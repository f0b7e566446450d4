/**
 * The SDK runtime's records in-process, through test/helpers/log-capture.ts (what a suite's secret scan reads): a
 * broadcast created and then cancelled by the real workers against the sandbox leaves activity records with the
 * workflow context and the provider TaskId, and its workflow transitions, in the captured records — and the stack's
 * secret scan passes on them.
 */
import { randomUUID } from 'node:crypto';

import type { TestWorkflowEnvironment } from '@temporalio/testing';

import { startBroadcast } from '../src/broadcast/start';
import { cancelUpdate } from '../src/workflows/messages';

import { inState, relayRequest, waitForStatus } from '../testkit/broadcasts';
import { captureLogs } from './helpers/log-capture';
import { startRelayStack, TEST_KEY } from '../testkit/relay-stack';
import { createTimeSkippingEnv } from '../testkit/temporal';

const logs = captureLogs('INFO');

describe('captured SDK records of a relay stack', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  }, 60_000);
  afterAll(() => env?.teardown());

  it('carry workflowId, runId and the provider TaskId, and no secret', async () => {
    const stack = await startRelayStack(env, { taskQueue: `logs-${randomUUID()}` });
    const workflowId = `logs-${randomUUID()}`;
    const status = await stack.run(async () => {
      const handle = await startBroadcast({
        client: env.client,
        taskQueue: stack.taskQueue,
        workflowId,
        request: relayRequest(await env.currentTimeMs(), 60_000, 3_600_000, { leadTimeSeconds: 300 }),
        defaultRegion: 'cn-shanghai',
      });
      await waitForStatus(handle, inState('Created'), 'the task to be created');
      return handle.executeUpdate(cancelUpdate, { args: [{ reason: 'log capture test' }] });
    });
    expect(status.state).toBe('Cancelled');
    const records = logs.records();
    const context = { workflowId, runId: expect.any(String), taskId: status.taskId };
    for (const [message, activityType] of [
      ['relay task created', 'ensureRelayTask'],
      ['relay task deleted', 'deleteRelayTask'],
    ]) {
      expect(records).toContainEqual(
        expect.objectContaining({ message, component: 'activity', activityType, level: 'INFO', ...context })
      );
    }
    for (const state of ['Created', 'Cancelled']) {
      expect(records).toContainEqual(
        expect.objectContaining({ message: 'broadcast state changed', component: 'workflow', state, ...context })
      );
    }
    expect(logs.text()).not.toContain(TEST_KEY.secret);
    // The stack's own scan (histories and these records) for every secret the suite used.
    await stack.close([{ source: 'captured records', text: logs.text() }]);
  }, 90_000);
});
