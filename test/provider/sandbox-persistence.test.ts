/**
 * The sandbox `npm start` runs keeps its tasks in a state file next to the dev server's database, so a broadcast
 * running across a restart still has its relay: same TaskId, same TaskInfo, its clock running on (what fell due while
 * the sandbox was down happens on restart), its DstUrl still taken. Without a state file nothing is kept.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { sandboxStateFile, loadSettings } from '../../src/config/settings';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/dev-harness/sandbox';

import { officialClient } from './official-sdk';
import { HOUR, KEY, at, freshDst, liveCreateParams, startReceiver, waitFor } from './sandbox-helpers';

let dir: string;
let stateFile: string;
const open: RunningSandbox[] = [];

async function sandboxWithState(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const sandbox = await startSandbox({ port: 0, accessKeys: { [KEY.id]: KEY.secret }, stateFile, ...options });
  open.push(sandbox);
  return sandbox;
}

async function restart(sandbox: RunningSandbox, options: SandboxOptions = {}): Promise<RunningSandbox> {
  await sandbox.close();
  return sandboxWithState(options);
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-state-'));
  stateFile = path.join(dir, 'sandbox-state.json');
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  fs.rmSync(dir, { recursive: true, force: true });
});

const statusOf = (sandbox: RunningSandbox, taskId: string) => sandbox.tasks().find((t) => t.TaskId === taskId)?.status;
const describeTask = (sandbox: RunningSandbox, TaskId: string) =>
  officialClient(sandbox.url, KEY).call('DescribeLivePullToPush', { Region: 'cn-shanghai', TaskId });

it("npm start keeps the state next to the dev server's database", () => {
  const settings = loadSettings({ DEV_SERVER_DB_FILE: '/srv/relay/.data/temporal-dev.db' });
  expect(sandboxStateFile(settings)).toBe('/srv/relay/.data/sandbox-state.json');
});

it('a task and a legacy config survive a restart: same id and TaskInfo, DstUrl still taken', async () => {
  let sandbox = await sandboxWithState();
  const params = liveCreateParams();
  const created = await officialClient(sandbox.url, KEY).call('CreateLivePullToPush', params);
  const taskId = created.body.TaskId as string;
  const legacy = {
    DomainName: 'play.example.com',
    AppName: 'app',
    StreamName: 'kept',
    SourceUrl: 'live.yourdomain.com',
    StartTime: at(HOUR),
    EndTime: at(2 * HOUR),
  };
  await officialClient(sandbox.url, KEY).call('AddLivePullStreamInfoConfig', legacy);

  sandbox = await restart(sandbox);
  const described = await describeTask(sandbox, taskId);
  expect(described.body).toMatchObject({ TaskId: taskId, TaskStatus: 0 });
  expect(described.body.TaskInfo).toMatchObject({ TaskName: params.TaskName, DstUrl: params.DstUrl });
  const again = await officialClient(sandbox.url, KEY).failure('CreateLivePullToPush', {
    ...liveCreateParams(),
    DstUrl: params.DstUrl,
  });
  expect(again.code).toBe('CodeConfigAlreadyExists');
  const configs = await officialClient(sandbox.url, KEY).call('DescribeLivePullStreamConfig', {
    DomainName: 'play.example.com',
  });
  expect(configs.body.LiveAppRecordList).toEqual({ LiveAppRecord: [expect.objectContaining({ StreamName: 'kept' })] });
});

it('what fell due while the sandbox was down happens on restart: started, and its callback sent', async () => {
  const receiver = await startReceiver();
  try {
    let sandbox = await sandboxWithState();
    const startTime = at(2_000);
    const created = await officialClient(sandbox.url, KEY).call(
      'CreateLivePullToPush',
      liveCreateParams({ StartTime: startTime, EndTime: at(HOUR), CallbackUrl: receiver.url })
    );
    const taskId = created.body.TaskId as string;
    await sandbox.close();
    await waitFor(() => Date.now() > Date.parse(startTime) + 100, 'StartTime passed while the sandbox was down');
    expect(receiver.events(taskId)).toEqual([]);

    sandbox = await sandboxWithState();
    await waitFor(() => statusOf(sandbox, taskId) === 1, 'task running');
    expect((await describeTask(sandbox, taskId)).body.TaskStatus).toBe(1);
    await waitFor(() => receiver.events(taskId).length > 0, 'running callback');
    expect(receiver.events(taskId)).toEqual(['LivePullToPushRuning']);
  } finally {
    await receiver.close();
  }
});

it('a task whose EndTime passed while the sandbox was down has exited and is gone', async () => {
  let sandbox = await sandboxWithState();
  const endTime = at(3_000);
  const created = await officialClient(sandbox.url, KEY).call(
    'CreateLivePullToPush',
    liveCreateParams({ StartTime: at(2_000), EndTime: endTime, DstUrl: freshDst() })
  );
  await sandbox.close();
  await waitFor(() => Date.now() > Date.parse(endTime) + 100, 'EndTime passed while the sandbox was down');
  sandbox = await sandboxWithState();
  const err = await officialClient(sandbox.url, KEY).failure('DescribeLivePullToPush', {
    Region: 'cn-shanghai',
    TaskId: created.body.TaskId as string,
  });
  expect(err.code).toBe('InvalidTaskId.NotFound');
});

it('a Recovering task resumes its retries after a restart and goes Offline when they run out', async () => {
  // 3600× clock: the task starts a second after creation, and each 300 s retry takes 83 ms.
  let sandbox = await sandboxWithState({ timeScale: 3600 });
  const created = await officialClient(sandbox.url, KEY).call('CreateLivePullToPush', {
    ...liveCreateParams({ StartTime: at(HOUR), EndTime: at(10 * HOUR) }),
    RetryCount: '3',
    RetryInterval: '300',
  });
  const taskId = created.body.TaskId as string;
  await waitFor(() => statusOf(sandbox, taskId) === 1, 'task running');
  sandbox.failTask(taskId, 'push');
  expect(sandbox.tasks().find((t) => t.TaskId === taskId)?.status).toBe(2);

  sandbox = await restart(sandbox, { timeScale: 3600 });
  expect(sandbox.tasks().find((t) => t.TaskId === taskId)).toMatchObject({ status: 2, retries: 0 });
  await waitFor(() => statusOf(sandbox, taskId) === 3, 'task offline');
  expect((await describeTask(sandbox, taskId)).body.TaskInvalidReason).toBe('PushStreamFailed');
});

it('without a state file (npm run sandbox) nothing is kept', async () => {
  const memory = await startSandbox({ port: 0, accessKeys: { [KEY.id]: KEY.secret } });
  open.push(memory);
  await officialClient(memory.url, KEY).call('CreateLivePullToPush', liveCreateParams());
  expect(fs.readdirSync(dir)).toEqual([]);
});
