/**
 * relayBroadcastWorkflow with stub provider activities on the time-skipping server: the decisions that need a real
 * workflow (signals racing calls, updates, timers, cancellation), each in milliseconds to a second or two.
 *
 * The first three are the ordering defects of the first workflow version; set RELAY_WORKFLOW_TYPE=broadcastWorkflow
 * to watch them fail on it (it stays registered, frozen, for the broadcasts it started).
 */
import { randomUUID } from 'node:crypto';

import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

import { BroadcastWorkflowTypes, type BroadcastStatus, type RelayBroadcastRequest } from '../src/shared/broadcast';
import { isoSeconds } from '../src/shared/time';
import { bundleRelayWorkflows } from '../src/temporal/workflow-bundle';
import type { relayBroadcastWorkflow } from '../src/workflows/broadcast/relay';
import { cancelUpdate, rescheduleUpdate, statusQuery, stopUpdate, taskEventSignal } from '../src/workflows/messages';

import { callback, relayRequest, waitForStatus } from '../testkit/broadcasts';
import { eventually, providerRefusal, StubProvider, withStubWorkers } from './helpers/stub-relay';
import { createTimeSkippingEnv } from '../testkit/temporal';

const WORKFLOW_TYPE = process.env.RELAY_WORKFLOW_TYPE ?? BroadcastWorkflowTypes.relay;
const HOUR = 3600_000;
type Handle = WorkflowHandle<typeof relayBroadcastWorkflow>;

describe(`${WORKFLOW_TYPE} with stub activities (time-skipping)`, () => {
  let env: TestWorkflowEnvironment;
  let bundle: { code: string };
  let stub: StubProvider;
  let taskQueue: string;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    bundle = await bundleRelayWorkflows();
  });
  afterAll(() => env?.teardown());
  beforeEach(() => {
    stub = new StubProvider();
    taskQueue = `stub-${randomUUID()}`;
  });

  const run = <T>(fn: () => Promise<T>) => withStubWorkers(env, bundle, taskQueue, stub, fn);
  const start = (request: RelayBroadcastRequest): Promise<Handle> =>
    env.client.workflow.start(WORKFLOW_TYPE, { taskQueue, workflowId: `b-${randomUUID()}`, args: [request] });

  /** A relay created at once and Running; returns its handle, status and the second its Running callback carried. */
  async function runningRelay(extra: Partial<RelayBroadcastRequest> = {}) {
    const t0 = await env.currentTimeMs();
    const handle = await start(relayRequest(t0, 60_000, 2 * HOUR, extra));
    const created = await waitForStatus(handle, (s) => s.state === 'Created', 'task created');
    const second = Math.floor(t0 / 1000) + 60;
    await handle.signal(taskEventSignal, callback(created.taskId ?? '', 'running', second));
    await waitForStatus(handle, (s) => s.state === 'Running', 'running');
    return { handle, taskId: created.taskId ?? '', second };
  }
  const settle = () => env.sleep(30_000); // let anything the workflow would still do happen

  it('counts a restart once and stays Running when the Running callback carries the Offline callback’s second', async () => {
    await run(async () => {
      const { handle, taskId, second } = await runningRelay({ restartPolicy: { maxRestarts: 2 } });
      await handle.signal(taskEventSignal, callback(taskId, 'offline', second + 5, 'PushStreamFailed'));
      await eventually(
        () => stub.count('restartRelayTask'),
        (n) => n === 1,
        'the policy restart'
      );
      await handle.signal(taskEventSignal, callback(taskId, 'running', second + 5)); // Unix seconds tie
      await waitForStatus(handle, (s) => s.state === 'Running' && s.restarts === 1, 'running after one restart');
      await settle();
      const status = await handle.query(statusQuery);
      expect(status).toMatchObject({ state: 'Running', restarts: 1 });
      expect(stub.count('restartRelayTask')).toBe(1);
      expect(stub.count('deleteRelayTask')).toBe(0);
      await handle.executeUpdate(cancelUpdate, { args: [{}] });
    });
  });

  it('names the provider’s last reason when restarts run out', async () => {
    await run(async () => {
      const { handle, taskId, second } = await runningRelay({ restartPolicy: { maxRestarts: 0 } });
      await handle.signal(taskEventSignal, callback(taskId, 'offline', second + 5, 'PushStreamFailed'));
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause as Error & { type?: string };
      expect(cause.message).toBe('task went offline (PushStreamFailed) after 0 restart(s)');
      expect(cause.type).toBe('RestartsExhausted');
      expect(stub.count('deleteRelayTask')).toBe(1);
    });
  });

  it('never lets the restart policy undo a stop, even when the Offline arrives while the Stop call is in flight', async () => {
    await run(async () => {
      const { handle, taskId, second } = await runningRelay({ restartPolicy: { maxRestarts: 2 } });
      let release: () => void = () => undefined;
      stub.behaviour.stop = () => new Promise<void>((resolve) => (release = resolve));
      const stopped = handle.executeUpdate(stopUpdate, { args: [] });
      await eventually(
        () => stub.count('stopRelayTask'),
        (n) => n === 1,
        'the Stop call in flight'
      );
      await handle.signal(taskEventSignal, callback(taskId, 'offline', second + 5, 'TriggerByUser'));
      await new Promise((r) => setTimeout(r, 500)); // the workflow sees the Offline before the Stop answer
      release();
      const status = await stopped;
      expect(status.stoppedByUser).toBe(true);
      await settle();
      expect(stub.count('restartRelayTask')).toBe(0);
      expect((await handle.query(statusQuery)).state).toBe('Offline');
      await handle.executeUpdate(cancelUpdate, { args: [{}] });
    });
  });

  it('finds a lost Offline callback with Describe while Running, within reconcileRunningSeconds, and restarts', async () => {
    await run(async () => {
      stub.behaviour.describe = () =>
        stub.count('restartRelayTask') === 0
          ? { found: true, kind: 'offline', reason: 'PullStreamFailed' }
          : { found: true, kind: 'running' };
      const { handle } = await runningRelay({ reconcileRunningSeconds: 60, restartPolicy: { maxRestarts: 2 } });
      await env.sleep(65_000);
      await eventually(
        () => stub.count('restartRelayTask'),
        (n) => n === 1,
        'a restart after the Describe'
      );
      await env.sleep(150_000); // the next reconcile sees it running again
      const status = await waitForStatus(handle, (s) => s.state === 'Running', 'running again');
      expect(status.restarts).toBe(1);
      expect(stub.count('restartRelayTask')).toBe(1);
      await handle.executeUpdate(cancelUpdate, { args: [{}] });
    });
  });

  it('tells the client the real reason and type of a refused update', async () => {
    await run(async () => {
      stub.behaviour.update = async () => {
        throw providerRefusal('EndTime cannot be changed while the task is running');
      };
      const { handle } = await runningRelay();
      const before: BroadcastStatus = await handle.query(statusQuery);
      const later = isoSeconds(Date.parse(before.endTime) + HOUR);
      const err = await handle.executeUpdate(rescheduleUpdate, { args: [{ EndTime: later }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      const cause = (err as WorkflowUpdateFailedError).cause as Error & { type?: string };
      expect(cause.message).toBe('EndTime cannot be changed while the task is running');
      expect(cause.type).toBe('ProviderPermanentError');
      expect((await handle.query(statusQuery)).endTime).toBe(before.endTime);
      await handle.executeUpdate(cancelUpdate, { args: [{}] });
    });
  });

  it('refuses a reschedule to an EndTime already past while it waits for its lead time', async () => {
    await run(async () => {
      const t0 = await env.currentTimeMs();
      const handle = await start(relayRequest(t0, 10 * HOUR, 2 * HOUR));
      const scheduled = await waitForStatus(handle, (s) => s.state === 'Scheduled', 'scheduled');
      await env.sleep(3 * HOUR); // still hours before its lead time
      const past = { StartTime: isoSeconds(t0 + HOUR), EndTime: isoSeconds(t0 + 2 * HOUR) };
      const err = await handle.executeUpdate(rescheduleUpdate, { args: [past] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((err as WorkflowUpdateFailedError).cause?.message).toMatch(/EndTime: must be in the future/);
      expect((await handle.query(statusQuery)).endTime).toBe(scheduled.endTime);
      await handle.executeUpdate(cancelUpdate, { args: [{}] });
    });
  });

  it('deletes the task when the workflow itself is cancelled, and ends cancelled', async () => {
    await run(async () => {
      const { handle } = await runningRelay();
      await handle.cancel();
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect(((err as WorkflowFailedError).cause as Error).name).toBe('CancelledFailure');
      expect(stub.count('deleteRelayTask')).toBe(1);
      expect((await handle.query(statusQuery)).state).toBe('Cancelled');
    });
  });

  /** BroadcastState values the workflow upserted, in order (the start's own value is not an upsert). */
  async function listedStates(handle: Handle): Promise<string[]> {
    const history = await handle.fetchHistory();
    return (history.events ?? []).flatMap((e) => {
      const data =
        e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.BroadcastState?.data;
      return data ? [JSON.parse(Buffer.from(data).toString('utf8')) as string] : [];
    });
  }

  it('never lists Creating in BroadcastState (relayBroadcastWorkflowV2), which status still shows; the frozen type does', async () => {
    await run(async () => {
      const t0 = await env.currentTimeMs();
      const startAs = (type: string): Promise<Handle> =>
        env.client.workflow.start(type, {
          taskQueue,
          workflowId: `b-${randomUUID()}`,
          args: [relayRequest(t0, 60_000, 2 * HOUR)],
        });
      const current = await startAs(BroadcastWorkflowTypes.relay);
      const frozen = await startAs(BroadcastWorkflowTypes.relayV1);
      const handles = [current, frozen];
      for (const handle of handles) await waitForStatus(handle, (s) => s.state === 'Created', 'task created');
      expect((await current.query(statusQuery)).transitions.map((t) => t.state)).toEqual([
        'Scheduled',
        'Creating',
        'Created',
      ]);
      expect(await listedStates(current)).toEqual(['Created']);
      expect(await listedStates(frozen)).toEqual(['Creating', 'Created']);
      for (const handle of handles) await handle.executeUpdate(cancelUpdate, { args: [{}] });
    });
  });
});
