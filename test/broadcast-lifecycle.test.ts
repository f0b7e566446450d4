/**
 * The broadcast lifecycle in time-skipping mode: hours of broadcast schedule in seconds of wall time, with the real
 * activities making signed HTTP calls to the provider sandbox. The test plays the provider's callback role by
 * signalling events, and makes the sandbox agree with them through the real API (e.g. deleting a task at EndTime).
 */
import { randomUUID } from 'node:crypto';

import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';

import { createCampaignActivities, type ControlInput } from '../src/activities/campaign-broadcasts';
import { startBroadcast } from '../src/broadcast/start';
import {
  BroadcastWorkflowTypes,
  workflowTypeFor,
  type BroadcastRequest,
  type BroadcastStatus,
} from '../src/shared/broadcast';
import { isoSeconds } from '../src/shared/time';
import { bundleRelayWorkflows } from '../src/temporal/workflow-bundle';
import type { relayBroadcastWorkflow as broadcastWorkflow } from '../src/workflows/broadcast/relay';
import { cancelUpdate, rescheduleUpdate, statusQuery, taskEventSignal } from '../src/workflows/messages';

import { callback, inState, relayRequest, statesOf, waitForStatus } from '../testkit/broadcasts';
import { historyOf } from './helpers/histories';
import { startRelayStack, type RelayStack } from '../testkit/relay-stack';
import { countCalls, liveTasks } from '../testkit/sandbox-audit';
import { seededRandom } from '../testkit/prng';
import { createTimeSkippingEnv } from '../testkit/temporal';

const HOUR = 3600_000;
const FAULT_SEED = 12; // meets Throttling.User and InternalError on both creates and lookups, within ~5 s
type Handle = WorkflowHandle<typeof broadcastWorkflow>;

/** A valid legacy pull request for the window from `startMs` to `endMs`. */
const legacyRequest = (startMs: number, endMs: number): BroadcastRequest => ({
  flavour: 'legacy',
  legacy: {
    DomainName: 'live.example.com',
    AppName: 'app',
    StreamName: `s-${randomUUID().slice(0, 8)}`,
    SourceUrl: 'rtmp://origin.example.com/app/feed',
    StartTime: isoSeconds(new Date(startMs)),
    EndTime: isoSeconds(new Date(endMs)),
  },
  leadTimeSeconds: 300,
});

describe('broadcast lifecycle (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let stack: RelayStack;
  let bundle: { code: string };

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    bundle = await bundleRelayWorkflows();
  });
  afterAll(() => env?.teardown());
  beforeEach(async () => {
    // Seeded faults: the calls of one broadcast come in a fixed order, so each test meets the same faults every run.
    // With Math.random a rare streak of failed retries backed off past the test's timeout (1 s doubling, real time:
    // the time-skipping server skips no time while the test polls a query).
    stack = await startRelayStack(env, {
      taskQueue: `ts-${randomUUID()}`,
      workflowBundle: bundle,
      sandbox: { random: seededRandom(FAULT_SEED).next },
    });
  });
  afterEach(() => stack?.close());

  const now = async () => env.currentTimeMs();
  const start = (request: BroadcastRequest, workflowId = `b-${randomUUID()}`): Promise<Handle> =>
    startBroadcast({
      client: env.client,
      taskQueue: stack.taskQueue,
      workflowId,
      request,
      defaultRegion: 'cn-shanghai',
    });
  /** Starts without client-side validation, as another client might. */
  const startRaw = (request: BroadcastRequest): Promise<Handle> =>
    env.client.workflow.start(workflowTypeFor(request), {
      taskQueue: stack.taskQueue,
      workflowId: `raw-${randomUUID()}`,
      args: [request],
    });
  const failureOf = async (handle: Handle) => {
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    return (err as WorkflowFailedError).cause as Error & { type?: string; nonRetryable?: boolean };
  };
  /** Ends the task the way the provider does at EndTime (deleted), then reports it as the exit callback would. */
  const endTaskAtEndTime = async (handle: Handle, status: BroadcastStatus) => {
    await stack.provider.deleteLivePullToPush({ Region: 'cn-shanghai', TaskId: status.taskId ?? '' });
    await handle.signal(
      taskEventSignal,
      callback(status.taskId ?? '', 'exit', Math.floor((await now()) / 1000), 'OverEndTime')
    );
  };

  it('runs the happy path over hours in seconds of wall time: one task, created at lead time, gone at the end', async () => {
    await stack.run(async () => {
      const wallStart = performance.now();
      const t0 = await now();
      const handle = await start(relayRequest(t0, 3 * HOUR, 2 * HOUR));
      expect((await handle.query(statusQuery)).state).toBe('Scheduled');
      await env.sleep(3 * HOUR - 300_000 - 60_000); // one minute before the lead time
      expect((await handle.query(statusQuery)).state).toBe('Scheduled');
      expect(countCalls(stack.sandbox, 'CreateLivePullToPush')).toBe(0);
      await env.sleep(120_000);
      const created = await waitForStatus(handle, inState('Created'), 'task created at lead time');
      await handle.signal(taskEventSignal, callback(created.taskId ?? '', 'running', Math.floor(t0 / 1000) + 3 * 3600));
      await waitForStatus(handle, inState('Running'), 'running callback applied');
      await env.sleep(2 * HOUR + 240_000); // to EndTime
      await endTaskAtEndTime(handle, created);
      const result = await handle.result();
      expect(result.state).toBe('Completed');
      expect(statesOf(result)).toEqual(['Scheduled', 'Creating', 'Created', 'Running', 'Completed']);
      expect(countCalls(stack.sandbox, 'CreateLivePullToPush')).toBe(1);
      expect(liveTasks(stack.sandbox)).toHaveLength(0);
      await historyOf(handle, 'ts-happy-path');
      process.stdout.write(
        `happy path: 5 h of schedule in ${(performance.now() - wallStart).toFixed(0)} ms wall time\n`
      );
    });
  });

  it('creates at once when the lead time has already passed', async () => {
    await stack.run(async () => {
      const handle = await start(relayRequest(await now(), 60_000, HOUR, { leadTimeSeconds: 300 }));
      const status = await waitForStatus(handle, inState('Created'), 'immediate creation');
      expect(status.taskId).toBeDefined();
      await handle.executeUpdate(cancelUpdate, { args: [{}] });
    });
  });

  it('fails with a clear reason when EndTime has passed, creating nothing', async () => {
    await stack.run(async () => {
      const request = relayRequest(Date.now(), -2 * HOUR, HOUR);
      await expect(start(request)).rejects.toThrow(/EndTime/);
      const failure = await failureOf(await startRaw(request));
      expect(failure.type).toBe('InvalidBroadcastRequest');
      expect(failure.message).toMatch(/EndTime/);
      expect(countCalls(stack.sandbox)).toBe(0);
    });
  });

  it('rejects every invalid field at once, non-retryably, before anything is created', async () => {
    await stack.run(async () => {
      const good = relayRequest(Date.now(), HOUR, HOUR);
      const bad: BroadcastRequest = {
        ...good,
        relay: {
          ...good.relay!,
          DstUrl: 'http://not-rtmp.example.com/x',
          SourceUrls: ['rtmp://a/b', 'rtmp://c/d'],
          RetryInterval: 10,
          StartTime: 'tomorrow',
        },
        leadTimeSeconds: -5,
      };
      await expect(start(bad)).rejects.toThrow(/leadTimeSeconds/);
      const failure = await failureOf(await startRaw({ ...bad, leadTimeSeconds: 60 }));
      expect(failure.type).toBe('InvalidBroadcastRequest');
      for (const field of ['relay.DstUrl', 'relay.SourceUrls', 'relay.RetryInterval', 'relay.StartTime']) {
        expect(failure.message).toContain(field);
      }
      expect(countCalls(stack.sandbox)).toBe(0);
    });
  });

  it('fails (not retries its workflow task forever) when started with no request object at all', async () => {
    await stack.run(async () => {
      const failure = await failureOf(await startRaw(null as unknown as BroadcastRequest));
      expect(failure.type).toBe('InvalidBroadcastRequest');
      expect(failure.message).toContain('request: must be an object');
      expect(countCalls(stack.sandbox)).toBe(0);
    });
  });

  it('cancels before creation without touching the provider', async () => {
    await stack.run(async () => {
      const handle = await start(relayRequest(await now(), 5 * HOUR, HOUR));
      const status = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'event called off' }] });
      expect(status.state).toBe('Cancelled');
      expect((await handle.result()).state).toBe('Cancelled');
      expect(countCalls(stack.sandbox)).toBe(0);
    });
  });

  it('cancels after creation by deleting the task', async () => {
    await stack.run(async () => {
      const handle = await start(relayRequest(await now(), 60_000, HOUR));
      const created = await waitForStatus(handle, inState('Created'), 'creation');
      await handle.cancel(); // Temporal-level cancellation: compensation still runs
      await expect(handle.result()).rejects.toThrow();
      expect((await handle.query(statusQuery)).state).toBe('Cancelled');
      expect(countCalls(stack.sandbox, 'DeleteLivePullToPush')).toBe(1);
      expect(liveTasks(stack.sandbox).map((t) => t.TaskId)).not.toContain(created.taskId);
      await historyOf(handle, 'ts-cancel-after-creation');
    });
  });

  // A campaign cancels its broadcasts with the update `broadcast cancel` sends, never Temporal's cancellation: every
  // broadcast type (the frozen v1 one too) must accept it, or a campaign's cancel would leave that type running.
  it.each(Object.entries(BroadcastWorkflowTypes))(
    'a %s broadcast (%s) cancelled by its campaign ends as `broadcast cancel` ends it: COMPLETED, Cancelled',
    async (kind, workflowType) => {
      await stack.run(async () => {
        const t0 = await now();
        const request = kind === 'legacy' ? legacyRequest(t0 + 60_000, t0 + HOUR) : relayRequest(t0, 60_000, HOUR);
        const handle = await env.client.workflow.start(workflowType, {
          taskQueue: stack.taskQueue,
          workflowId: `by-campaign-${randomUUID()}`,
          args: [request],
        });
        await waitForStatus(handle, inState('Created'), 'creation');
        const { controlBroadcasts } = createCampaignActivities({ client: env.client, defaultRegion: 'cn-shanghai' });
        const reached = await new MockActivityEnvironment().run<[ControlInput], number, typeof controlBroadcasts>(
          controlBroadcasts,
          { workflowIds: [handle.workflowId], action: 'cancel', concurrency: 1 }
        );
        expect(reached).toBe(1);
        expect(((await handle.result()) as BroadcastStatus).state).toBe('Cancelled');
        expect((await handle.describe()).status.name).toBe('COMPLETED');
        const deletes = kind === 'legacy' ? 'DeleteLivePullStreamInfoConfig' : 'DeleteLivePullToPush';
        expect(countCalls(stack.sandbox, deletes)).toBe(1);
      });
    }
  );

  it('a cancel whose compensation is refused ends Failed (CompensationFailed), naming both, not Cancelled', async () => {
    await stack.run(async () => {
      const handle = await start(relayRequest(await now(), 60_000, HOUR));
      const created = await waitForStatus(handle, inState('Created'), 'creation');
      // The key may create but not delete (a RAM policy changed meanwhile): the task cannot be removed.
      stack.sandbox.setFaults({ errorRates: { 'Forbidden.RAM': 1 }, actions: ['DeleteLivePullToPush'] });
      const status = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'event called off' }] });
      expect(status.state).toBe('Failed');
      expect(status.failure).toMatch(
        /^cancelled \(event called off\), but compensation failed, a task may be left: .*Forbidden\.RAM/
      );
      const failure = await failureOf(handle);
      expect(failure.type).toBe('CompensationFailed');
      expect(failure.message).toBe(status.failure);
      const deletes = stack.sandbox.calls().filter((c) => c.action === 'DeleteLivePullToPush');
      expect(deletes.map((c) => c.code)).toEqual(['Forbidden.RAM']); // permanent: not retried
      expect(liveTasks(stack.sandbox).map((t) => t.TaskId)).toEqual([created.taskId]); // and honestly reported
      // Also a replay fixture of the patched cancel path and of a start carrying the BroadcastState memo.
      await historyOf(handle, 'ts-cancel-compensation-refused');
    });
  });

  it('fails fast on a destination owned by someone else, without retrying or leaving anything', async () => {
    await stack.run(async () => {
      const request = relayRequest(await now(), 60_000, HOUR);
      const other = await stack.provider.createLivePullToPush({
        ...request.relay!,
        Region: 'cn-shanghai',
        TaskName: 'someone-else',
      });
      const failure = await failureOf(await start(request));
      expect(failure.type).toBe('DestinationAlreadyInUse');
      expect(failure.message).toMatch(/destination \(DstUrl\) is already used/);
      expect(failure.message).not.toContain(request.relay!.DstUrl); // failure messages are never encrypted
      const attempts = stack.sandbox.calls().filter((c) => c.action === 'CreateLivePullToPush');
      expect(attempts.map((c) => c.code)).toEqual(['OK', 'CodeConfigAlreadyExists']); // theirs, and our single attempt
      expect(liveTasks(stack.sandbox).map((t) => t.TaskId)).toEqual([other.TaskId]);
    });
  });

  it('retries transient errors and still ends with exactly one task', async () => {
    await stack.run(async () => {
      // Every create takes effect but answers 500 (ambiguous); other calls fail now and then.
      stack.sandbox.setFaults({ errorRates: { InternalError: 0.2, 'Throttling.User': 0.1 }, createThenFailRate: 1 });
      const handle = await start(relayRequest(await now(), 60_000, HOUR));
      const created = await waitForStatus(handle, inState('Created'), 'creation through faults', 60_000);
      stack.sandbox.setFaults({});
      const refused = stack.sandbox.calls().filter((c) => c.code === 'InternalError' || c.code === 'Throttling.User');
      expect(refused.length).toBeGreaterThanOrEqual(3); // the faults did happen, on creates and on lookups
      expect(liveTasks(stack.sandbox)).toHaveLength(1);
      expect(liveTasks(stack.sandbox)[0]?.TaskId).toBe(created.taskId);
      await handle.executeUpdate(cancelUpdate, { args: [{}] });
      expect(liveTasks(stack.sandbox)).toHaveLength(0);
    });
  });

  it('restarts an offline relay by policy, then fails and deletes the task when restarts run out', async () => {
    await stack.run(async () => {
      const t0 = await now();
      const handle = await start(relayRequest(t0, 60_000, HOUR, { restartPolicy: { maxRestarts: 1 } }));
      const created = await waitForStatus(handle, inState('Created'), 'creation');
      const taskId = created.taskId ?? '';
      const base = Math.floor(t0 / 1000) + 60;
      await handle.signal(taskEventSignal, callback(taskId, 'running', base));
      await handle.signal(taskEventSignal, callback(taskId, 'offline', base + 10, 'PullStreamFailed'));
      await waitForStatus(handle, (s) => s.restarts === 1, 'first restart');
      expect(countCalls(stack.sandbox, 'RestartLivePullToPush')).toBe(1);
      await handle.signal(taskEventSignal, callback(taskId, 'running', base + 20));
      await handle.signal(taskEventSignal, callback(taskId, 'offline', base + 30, 'PushStreamFailed'));
      const failure = await failureOf(handle);
      expect(failure.type).toBe('RestartsExhausted');
      expect(failure.message).toContain('PushStreamFailed');
      expect(countCalls(stack.sandbox, 'DeleteLivePullToPush')).toBe(1);
      expect(liveTasks(stack.sandbox)).toHaveLength(0);
      await historyOf(handle, 'ts-restarts-exhausted');
    });
  });

  it('reconciles a lost exit callback with Describe and completes', async () => {
    await stack.run(async () => {
      const t0 = await now();
      const handle = await start(relayRequest(t0, 60_000, HOUR));
      const created = await waitForStatus(handle, inState('Created'), 'creation');
      await handle.signal(taskEventSignal, callback(created.taskId ?? '', 'running', Math.floor(t0 / 1000) + 60));
      await waitForStatus(handle, inState('Running'), 'running');
      await env.sleep(HOUR);
      // The provider ends the task at EndTime, but its exit callback never arrives.
      await stack.provider.deleteLivePullToPush({ Region: 'cn-shanghai', TaskId: created.taskId ?? '' });
      const result = await handle.result();
      expect(result.state).toBe('Completed');
      expect(result.lastEvent?.source).toBe('describe');
      const describes = stack.sandbox.calls().filter((c) => c.action === 'DescribeLivePullToPush');
      expect(describes.map((c) => c.code)).toContain('InvalidTaskId.NotFound'); // Describe confirmed it is gone
    });
  });

  it('applies duplicated and reordered callbacks once, by event time', async () => {
    await stack.run(async () => {
      const t0 = await now();
      const handle = await start(relayRequest(t0, 60_000, HOUR));
      const { taskId = '' } = await waitForStatus(handle, inState('Created'), 'creation');
      const base = Math.floor(t0 / 1000) + 60;
      for (const event of [
        callback(taskId, 'running', base),
        callback(taskId, 'running', base), // duplicate
        callback(taskId, 'recovering', base + 20),
        callback(taskId, 'running', base + 10), // arrives after a later event
        callback(taskId, 'recovering', base + 20), // duplicate
      ]) {
        await handle.signal(taskEventSignal, event);
      }
      const status = await waitForStatus(handle, (s) => s.lastEvent?.eventTime === base + 20, 'all callbacks seen');
      expect(status.state).toBe('Recovering');
      expect(statesOf(status)).toEqual(['Scheduled', 'Creating', 'Created', 'Running', 'Recovering']);
      await handle.signal(taskEventSignal, callback(taskId, 'running', base + 30));
      await waitForStatus(handle, inState('Running'), 'recovered');
      await handle.executeUpdate(cancelUpdate, { args: [{}] });
    });
  });

  it('reschedules before creation by moving the timer, and after creation through UpdateLivePullToPush', async () => {
    await stack.run(async () => {
      const t0 = await now();
      const request = relayRequest(t0, 2 * HOUR, HOUR);
      const handle = await start(request);
      const later = isoSeconds(t0 + 4 * HOUR);
      const laterEnd = isoSeconds(t0 + 6 * HOUR);
      await handle.executeUpdate(rescheduleUpdate, { args: [{ StartTime: later, EndTime: laterEnd }] });
      await env.sleep(2 * HOUR);
      expect((await handle.query(statusQuery)).state).toBe('Scheduled'); // the old lead time passed: nothing created
      expect(countCalls(stack.sandbox, 'CreateLivePullToPush')).toBe(0);
      await env.sleep(2 * HOUR);
      await waitForStatus(handle, inState('Created'), 'creation at the new lead time');
      const newEnd = isoSeconds(t0 + 7 * HOUR);
      const updated = await handle.executeUpdate(rescheduleUpdate, { args: [{ EndTime: newEnd }] });
      expect(updated.endTime).toBe(newEnd);
      expect(countCalls(stack.sandbox, 'UpdateLivePullToPush')).toBe(1);
      await expect(handle.executeUpdate(rescheduleUpdate, { args: [{ EndTime: 'soon' }] })).rejects.toThrow();
      await handle.executeUpdate(cancelUpdate, { args: [{}] });
    });
  });

  it('runs the legacy flavour: add the config at lead time, follow it with Describe, delete it at the end', async () => {
    await stack.run(async () => {
      const t0 = await now();
      const handle = await start(legacyRequest(t0 + HOUR, t0 + 3 * HOUR));
      const result = await handle.result();
      expect(statesOf(result)).toEqual(['Scheduled', 'Creating', 'Created', 'Running', 'Completed']);
      expect(countCalls(stack.sandbox, 'AddLivePullStreamInfoConfig')).toBe(1);
      expect(countCalls(stack.sandbox, 'DeleteLivePullStreamInfoConfig')).toBe(1);
      await historyOf(handle, 'ts-legacy');
    });
  });
});
