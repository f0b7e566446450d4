/**
 * A relay that runs for 30 days with a flapping source (a callback every minute): its history stays bounded by
 * continue-as-new, and its state, queries and end survive every run. Stub activities, time-skipping server.
 */
import { randomUUID } from 'node:crypto';

import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

import { BroadcastWorkflowTypes, TRANSITIONS_KEPT } from '../src/shared/broadcast';
import { bundleRelayWorkflows } from '../src/temporal/workflow-bundle';
import { HISTORY_EVENT_BUDGET, type relayBroadcastWorkflow } from '../src/workflows/broadcast/relay';
import { statusQuery, taskEventSignal } from '../src/workflows/messages';

import { callback, relayRequest, waitForStatus } from '../testkit/broadcasts';
import { StubProvider, withStubWorkers } from './helpers/stub-relay';
import { createTimeSkippingEnv } from '../testkit/temporal';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAYS = Number(process.env.LONG_RUN_DAYS ?? 30);

/** Events of every run of a workflow, following continue-as-new from the first run. */
async function historyLengths(env: TestWorkflowEnvironment, workflowId: string, firstRunId: string): Promise<number[]> {
  const lengths: number[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await env.client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
    lengths.push(events.length);
    const last: temporal.api.history.v1.IHistoryEvent | undefined = events[events.length - 1];
    runId =
      last?.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
        ? (last.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined)
        : undefined;
  }
  return lengths;
}

describe('a 30-day relay (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let bundle: { code: string };

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    bundle = await bundleRelayWorkflows();
  });
  afterAll(() => env?.teardown());

  it(
    `keeps every run's history under ${HISTORY_EVENT_BUDGET} events with a callback every minute for ${DAYS} days`,
    async () => {
      const stub = new StubProvider();
      let ended = false;
      stub.behaviour.describe = () => (ended ? { found: false } : { found: true, kind: 'running' });
      const taskQueue = `long-${randomUUID()}`;
      await withStubWorkers(env, bundle, taskQueue, stub, async () => {
        const t0 = await env.currentTimeMs();
        const request = relayRequest(t0, MINUTE, DAYS * 24 * HOUR);
        const handle: WorkflowHandleWithFirstExecutionRunId<typeof relayBroadcastWorkflow> =
          await env.client.workflow.start(BroadcastWorkflowTypes.relay, {
            taskQueue,
            workflowId: `long-${randomUUID()}`,
            args: [request],
          });
        const created = await waitForStatus(handle, (s) => s.state === 'Created', 'created');
        const taskId = created.taskId ?? '';
        const startSecond = Math.floor(t0 / 1000) + 60;
        await env.sleep(MINUTE);
        // The source flaps: Running and Recovering alternate every minute, an hour of callbacks at a time.
        for (let hour = 0; hour < DAYS * 24; hour++) {
          const minutes = Array.from({ length: 60 }, (_, m) => hour * 60 + m);
          for (const m of minutes) {
            const kind = m % 2 === 0 ? 'running' : 'recovering';
            await handle.signal(taskEventSignal, callback(taskId, kind, startSecond + m * 60));
          }
          await env.sleep(HOUR);
        }
        const during = await handle.query(statusQuery);
        expect(['Running', 'Recovering']).toContain(during.state);
        expect(during.transitions.length).toBeLessThanOrEqual(TRANSITIONS_KEPT);
        expect(during.transitionCount).toBeGreaterThan(DAYS * 24 * 60);
        ended = true;
        await handle.signal(taskEventSignal, callback(taskId, 'exit', startSecond + DAYS * 86_400, 'OverEndTime'));
        const result = await handle.result();
        expect(result.state).toBe('Completed');
        expect(result.restarts).toBe(0);
        expect(stub.count('ensureRelayTask')).toBe(1);
        const lengths = await historyLengths(env, handle.workflowId, handle.firstExecutionRunId);
        process.stdout.write(
          `${DAYS}-day relay: ${lengths.length} runs, longest history ${Math.max(...lengths)} events\n`
        );
        expect(lengths.length).toBeGreaterThan(1);
        // Continue-as-new happens at the first wait past the budget: one batch of signals at most beyond it.
        expect(Math.max(...lengths)).toBeLessThanOrEqual(HISTORY_EVENT_BUDGET + 400);
      });
    },
    20 * 60_000
  ); // 43,200 signals: several minutes of wall time
});
