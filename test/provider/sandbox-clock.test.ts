/**
 * The sandbox's task clock, callbacks and fault injection, driven by our LiveClient over real HTTP with callbacks
 * received by a test HTTP server. Time-scaled so that minutes of schedule take milliseconds; every wait is for a
 * condition (with a generous liveness bound), never for a duration.
 */
import { LiveClient } from '../../src/provider/client';
import { ProviderError } from '../../src/provider/errors';
import {
  startSandbox,
  type RunningSandbox,
  type SandboxOptions,
  type SandboxTask,
} from '../../src/dev-harness/sandbox';

import { HOUR, KEY, at, freshDst, plain, startReceiver, waitFor } from './sandbox-helpers';

const SCALE = 600; // one minute of schedule per 100 ms

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

const opened: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const thing of opened.reverse()) await thing.close();
});

async function stack(options: SandboxOptions = {}) {
  const sandbox = await startSandbox({ port: 0, accessKeys: { [KEY.id]: KEY.secret }, timeScale: SCALE, ...options });
  const live = new LiveClient({
    accessKeyId: KEY.id,
    accessKeySecret: KEY.secret,
    region: 'cn-shanghai',
    endpoint: sandbox.url,
    timeoutMs: 5_000,
  });
  opened.push(sandbox, live);
  return { sandbox, live };
}

async function receiver(options: { failFirst?: number } = {}): Promise<Receiver> {
  const r = await startReceiver(options);
  opened.push(r);
  return r;
}

function liveTask(overrides: Record<string, unknown> = {}) {
  return {
    TaskName: 'clock test',
    // 30 s of schedule: 50 ms at this scale (and 30 s if the scale were ignored, past the liveness bound).
    StartTime: at(30_000),
    // 10 h: a minute of real time, longer than any test here needs the task alive.
    EndTime: at(10 * HOUR),
    SourceType: 'live',
    SourceProtocol: 'rtmp',
    SourceUrls: ['rtmp://src.example.com/app/s'],
    DstUrl: freshDst(),
    ...overrides,
  };
}

const taskOf = (sandbox: RunningSandbox, taskId: string): SandboxTask => {
  const task = sandbox.tasks().find((t) => t.TaskId === taskId);
  if (!task) throw new Error(`no task ${taskId}`);
  return task;
};
const statuses = (task: SandboxTask) => task.history.map((h) => h.status);

async function rejectionOf(promise: Promise<unknown>): Promise<ProviderError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('task clock (time-scaled)', () => {
  it('Idle → Running at StartTime → Exit at EndTime and deleted, with a callback for each', async () => {
    const { sandbox, live } = await stack();
    const cb = await receiver();
    // One hour of schedule = 6 s at this scale; EndTime 20 min ahead = 2 s.
    const { TaskId } = await live.createLivePullToPush(liveTask({ EndTime: at(20 * 60_000), CallbackUrl: cb.url }));
    await waitFor(() => taskOf(sandbox, TaskId).deleted, 'task exited');
    const task = taskOf(sandbox, TaskId);
    expect(statuses(task)).toEqual([0, 1, -1]);
    expect(task).toMatchObject({ status: -1, exitReason: 'OverEndTime', exitTime: expect.any(Number) });
    await waitFor(() => cb.events(TaskId).length === 2, 'two callbacks');
    expect(cb.events(TaskId)).toEqual(['LivePullToPushRuning', 'LivePullToPushExit']);

    const [running, exit] = cb.received.filter((r) => r.body.TaskId === TaskId);
    expect(running).toMatchObject({ method: 'POST', path: '/cb', contentType: 'application/json' });
    expect(running!.body).toEqual({
      Event: 'LivePullToPushRuning',
      EventTime: expect.stringMatching(/^\d{10}$/),
      TaskId,
      TaskInfo: expect.objectContaining({ TaskId, StartTime: task.StartTime, DstUrl: task.DstUrl }),
      TaskStatus: 1,
    });
    expect(exit!.body).toMatchObject({
      Event: 'LivePullToPushExit',
      EventTime: String(task.exitTime),
      TaskExitReason: 'OverEndTime',
      TaskExitTime: task.exitTime,
    });
    // Deleted: gone for the API, kept for the audit.
    expect(await rejectionOf(live.describeLivePullToPush({ TaskId }))).toMatchObject({ kind: 'not-found' });
    expect((await live.describeLivePullToPushList({ DstUrl: task.DstUrl })).TaskList).toEqual([]);
  });

  it('the running event spelling is selectable', async () => {
    const { sandbox, live } = await stack({ runningEventSpelling: 'LivePullToPushRunning' });
    const cb = await receiver();
    const { TaskId } = await live.createLivePullToPush(liveTask({ CallbackUrl: cb.url }));
    await waitFor(() => cb.events(TaskId).length === 1, 'running callback');
    expect(cb.events(TaskId)).toEqual(['LivePullToPushRunning']);
    expect(taskOf(sandbox, TaskId).status).toBe(1);
  });

  it('no CallbackUrl, no callbacks', async () => {
    const { sandbox, live } = await stack();
    const { TaskId } = await live.createLivePullToPush(liveTask({ StartTime: at(0) }));
    await waitFor(() => taskOf(sandbox, TaskId).status === 1, 'running');
    await live.deleteLivePullToPush({ TaskId });
    const answer = JSON.parse((await plain(sandbox.url, 'GET', '/_sandbox/tasks')).text) as Array<
      SandboxTask & { deliveries: unknown[] }
    >;
    expect(answer.find((t) => t.TaskId === TaskId)).toMatchObject({ deleted: true, deliveries: [] });
  });
});

describe('failures: Recovering, RetryCount retries RetryInterval apart, then Offline', () => {
  async function runningTask(overrides: Record<string, unknown> = {}, options: SandboxOptions = {}) {
    const { sandbox, live } = await stack(options);
    const cb = await receiver();
    const { TaskId } = await live.createLivePullToPush(
      liveTask({ StartTime: at(0), CallbackUrl: cb.url, ...overrides })
    );
    await waitFor(() => taskOf(sandbox, TaskId).status === 1, 'running');
    return { sandbox, live, cb, TaskId };
  }

  it('a pull failure: Recovering, 3 retries (the default), Offline with PullStreamFailed', async () => {
    const { sandbox, live, cb, TaskId } = await runningTask();
    sandbox.failTask(TaskId, 'pull');
    expect(taskOf(sandbox, TaskId).status).toBe(2);
    await waitFor(() => taskOf(sandbox, TaskId).status === 3, 'offline');
    expect(taskOf(sandbox, TaskId)).toMatchObject({ retries: 3, invalidReason: 'PullStreamFailed' });
    expect(statuses(taskOf(sandbox, TaskId))).toEqual([0, 1, 2, 3]);
    expect(await live.describeLivePullToPush({ TaskId })).toMatchObject({
      TaskStatus: 3,
      TaskInvalidReason: 'PullStreamFailed',
    });
    await waitFor(() => cb.events(TaskId).length === 3, 'callbacks');
    const bodies = cb.received.filter((r) => r.body.TaskId === TaskId).map((r) => r.body);
    expect(bodies.map((b) => [b.Event, b.TaskStatus, b.TaskInvalidReason])).toEqual([
      ['LivePullToPushRuning', 1, undefined],
      ['LivePullToPushRecovering', 2, undefined],
      ['LivePullToPushOffline', 3, 'PullStreamFailed'],
    ]);
  });

  it('RetryCount and RetryInterval from the task; a push failure; the admin endpoint', async () => {
    const { sandbox, TaskId } = await runningTask({ RetryCount: 5, RetryInterval: 300 });
    const answer = await plain(sandbox.url, 'POST', `/_sandbox/tasks/${TaskId}/fail`, '{"kind":"push"}');
    expect(answer.status).toBe(200);
    await waitFor(() => taskOf(sandbox, TaskId).status === 3, 'offline');
    expect(taskOf(sandbox, TaskId)).toMatchObject({ retries: 5, invalidReason: 'PushStreamFailed' });
  });

  it('RetryCount 0: Offline at once', async () => {
    const { sandbox, TaskId } = await runningTask({ RetryCount: 0 });
    sandbox.failTask(TaskId, 'pull');
    expect(taskOf(sandbox, TaskId)).toMatchObject({ status: 3, retries: 0, invalidReason: 'PullStreamFailed' });
  });

  it('a retry that succeeds brings the task back to Running', async () => {
    const { sandbox, cb, TaskId } = await runningTask();
    sandbox.failTask(TaskId, 'pull', { recoverAfterRetries: 2 });
    await waitFor(() => taskOf(sandbox, TaskId).status === 1, 'recovered');
    expect(taskOf(sandbox, TaskId).retries).toBe(2);
    expect(statuses(taskOf(sandbox, TaskId))).toEqual([0, 1, 2, 1]);
    await waitFor(() => cb.events(TaskId).length === 3, 'callbacks');
    expect(cb.events(TaskId)).toEqual(['LivePullToPushRuning', 'LivePullToPushRecovering', 'LivePullToPushRuning']);
  });

  it('only a Running task can fail', async () => {
    const { sandbox, live } = await stack();
    const { TaskId } = await live.createLivePullToPush(liveTask({ StartTime: at(HOUR), EndTime: at(2 * HOUR) }));
    expect(() => sandbox.failTask(TaskId, 'pull')).toThrow(/Idle/);
  });

  it('an Update while Recovering (CallbackUrl) keeps the retry loop going; the next event goes to the new URL', async () => {
    // 300 s RetryInterval at scale 60 = 5 s to send the Update while the task is still Recovering.
    const { sandbox, live, cb, TaskId } = await runningTask({ RetryCount: 1, RetryInterval: 300 }, { timeScale: 60 });
    const second = await receiver();
    sandbox.failTask(TaskId, 'push');
    const blocked = await rejectionOf(live.updateLivePullToPush({ TaskId, EndTime: at(3 * HOUR) }));
    expect(blocked).toMatchObject({ code: 'InvalidParameter' });
    expect(blocked.providerMessage).toContain('EndTime');
    await live.updateLivePullToPush({ TaskId, CallbackUrl: second.url, RepeatNumber: 2 });
    expect(taskOf(sandbox, TaskId).status).toBe(2);
    await waitFor(() => taskOf(sandbox, TaskId).status === 3, 'offline after the update');
    await waitFor(() => second.events(TaskId).length === 1, 'offline callback at the new URL');
    expect(second.events(TaskId)).toEqual(['LivePullToPushOffline']);
    expect(cb.events(TaskId)).toEqual(['LivePullToPushRuning', 'LivePullToPushRecovering']);
  });

  it('Stop during recovery ends the retry loop: Offline (TriggerByUser), and Restart runs again', async () => {
    const { sandbox, live, TaskId } = await runningTask({ RetryCount: 1, RetryInterval: 300 }, { timeScale: 60 });
    sandbox.failTask(TaskId, 'pull');
    await live.stopLivePullToPush({ TaskId });
    expect(taskOf(sandbox, TaskId)).toMatchObject({ status: 3, invalidReason: 'TriggerByUser' });
    await live.restartLivePullToPush({ TaskId });
    expect(taskOf(sandbox, TaskId).status).toBe(1);
    // A second failure runs its own loop to the end: the first (stopped) one must not interfere.
    sandbox.failTask(TaskId, 'push');
    await waitFor(() => taskOf(sandbox, TaskId).status === 3, 'offline');
    expect(taskOf(sandbox, TaskId)).toMatchObject({ retries: 1, invalidReason: 'PushStreamFailed' });
  });
});

describe('Stop, Restart, Update and Delete follow the state rules', () => {
  it('Running: Stop → Offline (TriggerByUser); Restart → Running; Restart of a running task stops then starts', async () => {
    const { sandbox, live } = await stack();
    const cb = await receiver();
    const { TaskId } = await live.createLivePullToPush(liveTask({ StartTime: at(0), CallbackUrl: cb.url }));
    await waitFor(() => taskOf(sandbox, TaskId).status === 1, 'running');
    await live.stopLivePullToPush({ TaskId });
    expect(await live.describeLivePullToPush({ TaskId })).toMatchObject({
      TaskStatus: 3,
      TaskInvalidReason: 'TriggerByUser',
    });
    // Stop of a task that is not running: no effect.
    await live.stopLivePullToPush({ TaskId });
    await live.restartLivePullToPush({ TaskId });
    expect((await live.describeLivePullToPush({ TaskId })).TaskStatus).toBe(1);
    await live.restartLivePullToPush({ TaskId });
    expect(statuses(taskOf(sandbox, TaskId))).toEqual([0, 1, 3, 1, 3, 1]);
    await waitFor(() => cb.events(TaskId).length === 5, 'callbacks');
    const offline = cb.received.find((r) => r.body.TaskId === TaskId && r.body.TaskStatus === 3);
    expect(offline?.body.TaskInvalidReason).toBe('TriggerByUser');
  });

  it('Idle: Stop and Restart have no effect; Update may change the schedule, all or nothing', async () => {
    const { sandbox, live } = await stack();
    const { TaskId } = await live.createLivePullToPush(liveTask({ StartTime: at(HOUR), EndTime: at(2 * HOUR) }));
    const before = { ...taskOf(sandbox, TaskId) };
    await live.stopLivePullToPush({ TaskId });
    await live.restartLivePullToPush({ TaskId });
    expect(taskOf(sandbox, TaskId).status).toBe(0);
    // StartTime after the current EndTime: refused, and neither field changes.
    const refused = await rejectionOf(
      live.updateLivePullToPush({ TaskId, StartTime: at(3 * HOUR), SourceUrls: ['rtmp://other.example.com/a/b'] })
    );
    // EndTime no longer after StartTime: seed 000's code for it.
    expect(refused).toMatchObject({ code: 'InvalidParam.CodeIllegalDuration' });
    expect(taskOf(sandbox, TaskId)).toMatchObject({ StartTime: before.StartTime, SourceUrls: before.SourceUrls });
    const start = at(2 * HOUR);
    const end = at(3 * HOUR);
    await live.updateLivePullToPush({ TaskId, StartTime: start, EndTime: end, FileIndex: 1 });
    expect((await live.describeLivePullToPush({ TaskId })).TaskInfo).toMatchObject({
      StartTime: start,
      EndTime: end,
      FileIndex: 1,
    });
  });

  it('Running: only CallbackUrl and RepeatNumber may change; Offline: StartTime ignored, EndTime applies', async () => {
    const { sandbox, live } = await stack();
    const { TaskId } = await live.createLivePullToPush(liveTask({ StartTime: at(0) }));
    await waitFor(() => taskOf(sandbox, TaskId).status === 1, 'running');
    const endBefore = taskOf(sandbox, TaskId).EndTime;
    const refused = await rejectionOf(live.updateLivePullToPush({ TaskId, EndTime: at(3 * HOUR), RepeatNumber: 1 }));
    expect(refused).toMatchObject({ code: 'InvalidParameter', kind: 'permanent' });
    expect(refused.providerMessage).toContain('EndTime');
    expect(taskOf(sandbox, TaskId)).toMatchObject({ EndTime: endBefore, RepeatNumber: 0 });
    await live.updateLivePullToPush({ TaskId, CallbackUrl: 'http://127.0.0.1:9/new', RepeatNumber: -1 });
    expect(taskOf(sandbox, TaskId)).toMatchObject({ CallbackUrl: 'http://127.0.0.1:9/new', RepeatNumber: -1 });

    await live.stopLivePullToPush({ TaskId });
    const startBefore = taskOf(sandbox, TaskId).StartTime;
    const end = at(5 * HOUR);
    await live.updateLivePullToPush({ TaskId, StartTime: at(4 * HOUR), EndTime: end });
    expect(taskOf(sandbox, TaskId)).toMatchObject({ StartTime: startBefore, EndTime: end, status: 3 });
  });

  it('an Update of EndTime moves the automatic exit', async () => {
    const { sandbox, live } = await stack();
    // Idle with a far start and end; then the end is moved close: the task must exit by itself (scaled: ~0.5 s).
    const { TaskId } = await live.createLivePullToPush(liveTask({ StartTime: at(HOUR), EndTime: at(2 * HOUR) }));
    await live.updateLivePullToPush({ TaskId, StartTime: at(60_000), EndTime: at(5 * 60_000) });
    await waitFor(() => taskOf(sandbox, TaskId).deleted, 'exited at the new EndTime');
    expect(statuses(taskOf(sandbox, TaskId))).toEqual([0, 1, -1]);
    expect(taskOf(sandbox, TaskId).exitReason).toBe('OverEndTime');
  });

  it('Delete of a running task: Exit (TriggerByUser) at once, and it cannot be restarted', async () => {
    const { sandbox, live } = await stack();
    const cb = await receiver();
    const { TaskId } = await live.createLivePullToPush(liveTask({ StartTime: at(0), CallbackUrl: cb.url }));
    await waitFor(() => taskOf(sandbox, TaskId).status === 1, 'running');
    await live.deleteLivePullToPush({ TaskId });
    expect(taskOf(sandbox, TaskId)).toMatchObject({ deleted: true, status: -1, exitReason: 'TriggerByUser' });
    expect(await rejectionOf(live.restartLivePullToPush({ TaskId }))).toMatchObject({ kind: 'not-found' });
    expect(await rejectionOf(live.deleteLivePullToPush({ TaskId }))).toMatchObject({ kind: 'not-found' });
    await waitFor(() => cb.events(TaskId).includes('LivePullToPushExit'), 'exit callback');
    expect(cb.received.find((r) => r.body.Event === 'LivePullToPushExit')?.body).toMatchObject({
      TaskId,
      TaskExitReason: 'TriggerByUser',
    });
  });
});

describe('callback faults', () => {
  /** A task that goes Running and then is deleted: two callbacks, Running then Exit. */
  async function twoEvents(options: SandboxOptions) {
    const { sandbox, live } = await stack(options);
    const cb = await receiver();
    const { TaskId } = await live.createLivePullToPush(liveTask({ StartTime: at(0), CallbackUrl: cb.url }));
    await waitFor(() => taskOf(sandbox, TaskId).status === 1, 'running');
    await live.deleteLivePullToPush({ TaskId });
    return { sandbox, cb, TaskId };
  }

  const deliveriesOf = async (sandbox: RunningSandbox, taskId: string) => {
    const tasks = JSON.parse((await plain(sandbox.url, 'GET', '/_sandbox/tasks')).text) as Array<{
      TaskId: string;
      deliveries: Array<{ event: string; error?: string; status?: number; attempt: number }>;
    }>;
    return tasks.find((t) => t.TaskId === taskId)?.deliveries ?? [];
  };

  it('dropped: nothing is posted, and the audit says so', async () => {
    const { sandbox, cb, TaskId } = await twoEvents({ faults: { callbackDropRate: 1 } });
    await waitFor(async () => (await deliveriesOf(sandbox, TaskId)).length === 2, 'two drop records');
    expect(await deliveriesOf(sandbox, TaskId)).toEqual([
      expect.objectContaining({ event: 'LivePullToPushRuning', error: 'dropped (fault)' }),
      expect.objectContaining({ event: 'LivePullToPushExit', error: 'dropped (fault)' }),
    ]);
    expect(cb.requests()).toBe(0);
  });

  it('duplicated: every callback arrives twice, identical', async () => {
    const { cb, TaskId } = await twoEvents({ faults: { callbackDuplicateRate: 1 } });
    await waitFor(() => cb.events(TaskId).length === 4, 'four callbacks');
    const raws = cb.received.map((r) => r.raw);
    expect(new Set(raws).size).toBe(2);
    expect([...cb.events(TaskId)].sort()).toEqual([
      'LivePullToPushExit',
      'LivePullToPushExit',
      'LivePullToPushRuning',
      'LivePullToPushRuning',
    ]);
  });

  it('reordered: the Running callback arrives after the Exit callback', async () => {
    const { cb, TaskId } = await twoEvents({ faults: { callbackReorder: true } });
    await waitFor(() => cb.events(TaskId).length === 2, 'two callbacks');
    expect(cb.events(TaskId)).toEqual(['LivePullToPushExit', 'LivePullToPushRuning']);
  });

  it('delayed: the state changes now, the callback is still pending', async () => {
    const { sandbox, cb, TaskId } = await twoEvents({ faults: { callbackDelayMs: 600_000 } });
    expect(taskOf(sandbox, TaskId).deleted).toBe(true);
    expect(await deliveriesOf(sandbox, TaskId)).toEqual([]);
    expect(cb.requests()).toBe(0);
  });

  it('a failed delivery is retried (our choice: the real retry policy is unconfirmed)', async () => {
    const { sandbox, live } = await stack();
    const cb = await receiver({ failFirst: 2 });
    const { TaskId } = await live.createLivePullToPush(liveTask({ StartTime: at(0), CallbackUrl: cb.url }));
    await waitFor(() => cb.events(TaskId).length === 1, 'delivered on the third attempt');
    expect(cb.requests()).toBe(3);
    expect((await deliveriesOf(sandbox, TaskId)).map((d) => [d.attempt, d.status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
  });

  it('faults set through the admin endpoint apply to callbacks too', async () => {
    const { sandbox, live } = await stack();
    const cb = await receiver();
    expect((await plain(sandbox.url, 'POST', '/_sandbox/faults', '{"callbackDuplicateRate":1}')).status).toBe(200);
    const { TaskId } = await live.createLivePullToPush(liveTask({ StartTime: at(0), CallbackUrl: cb.url }));
    await waitFor(() => cb.events(TaskId).length === 2, 'duplicate');
    expect(cb.events(TaskId)).toEqual(['LivePullToPushRuning', 'LivePullToPushRuning']);
  });
});

describe('API faults', () => {
  it.each([
    ['InternalError', 500, 'retryable'],
    ['ServiceUnavailable', 503, 'retryable'],
    ['Throttling', 400, 'throttled'],
    ['Throttling.User', 400, 'throttled'],
    ['InvalidParameter', 400, 'permanent'],
  ])('error rate for %s → that code with HTTP %s (%s)', async (code, status, kind) => {
    const { live } = await stack({ faults: { errorRates: { [code]: 1 } } });
    expect(await rejectionOf(live.describeLivePullToPushList())).toMatchObject({ code, httpStatus: status, kind });
  });

  it('error rates apply per code, at their rate (seeded random)', async () => {
    // The sandbox draws once per configured code, in order, and answers the first code whose draw is under its rate.
    const draws = [0.5, 0.9, 0.9, 0.2, 0.9, 0.9];
    const { live } = await stack({
      faults: { errorRates: { 'Throttling.User': 0.6, InternalError: 0.3 } },
      random: () => draws.shift() ?? 0.99,
    });
    expect(await rejectionOf(live.describeLivePullToPushList())).toMatchObject({ code: 'Throttling.User' });
    await expect(live.describeLivePullToPushList()).resolves.toMatchObject({ Total: 0 });
    expect(await rejectionOf(live.describeLivePullToPushList())).toMatchObject({ code: 'Throttling.User' });
    await expect(live.describeLivePullToPushList()).resolves.toMatchObject({ Total: 0 });
  });

  it('added latency beyond the client timeout → RequestTimeout; the call is recorded', async () => {
    const { sandbox } = await stack({ faults: { latencyMs: 60_000 } });
    const impatient = new LiveClient({
      accessKeyId: KEY.id,
      accessKeySecret: KEY.secret,
      region: 'cn-shanghai',
      endpoint: sandbox.url,
      timeoutMs: 200,
    });
    opened.push(impatient);
    expect(await rejectionOf(impatient.describeLivePullToPushList())).toMatchObject({
      code: 'RequestTimeout',
      ambiguous: true,
    });
    expect(sandbox.calls().at(-1)).toMatchObject({ action: 'DescribeLivePullToPushList' });
  });

  it('hung requests and connection resets are recorded as such', async () => {
    const { sandbox } = await stack({ faults: { resetRate: 1 } });
    const live = new LiveClient({
      accessKeyId: KEY.id,
      accessKeySecret: KEY.secret,
      region: 'cn-shanghai',
      endpoint: sandbox.url,
      timeoutMs: 200,
    });
    opened.push(live);
    expect(await rejectionOf(live.describeLivePullToPushList())).toMatchObject({ code: 'ConnectionError' });
    expect(sandbox.calls().at(-1)?.code).toBe('Reset (fault)');
    sandbox.setFaults({ hangRate: 1 });
    expect(await rejectionOf(live.describeLivePullToPushList())).toMatchObject({ code: 'RequestTimeout' });
    expect(sandbox.calls().at(-1)?.code).toBe('Hung (fault)');
  });
});
