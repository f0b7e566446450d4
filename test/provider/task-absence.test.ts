/**
 * Deleted-task detection must not rest on the spelling of the provider's not-found code, which the seeds never state
 * (seed 000 lists no not-found code at all; our sandbox's InvalidTaskId.NotFound is an assumption). A sandbox that
 * answers a missing task with another code checks that the relay activities still conclude "gone", by asking
 * DescribeLivePullToPushList, and that a task still listed is never taken for gone.
 */
import { MockActivityEnvironment } from '@temporalio/testing';

import { createLegacyConfigActivities } from '../../src/activities/legacy-configs';
import { createRelayTaskActivities } from '../../src/activities/relay-tasks';
import type { LiveClient } from '../../src/provider/client';
import { startSandbox, type RunningSandbox } from '../../src/dev-harness/sandbox';

import { HOUR, KEY, at, liveRelay, sandboxClient } from './sandbox-helpers';

/** Neither contains "NotFound": what the service might answer instead. */
const OTHER_SPELLINGS = [
  { code: 'InvalidTaskId.Malformed', status: 400 },
  { code: 'TaskIsNotExist', status: 404 },
];

describe.each(OTHER_SPELLINGS)('a missing task answered $code (HTTP $status)', (notFound) => {
  let sandbox: RunningSandbox;
  let provider: LiveClient;
  let activities: ReturnType<typeof createRelayTaskActivities>;
  const env = new MockActivityEnvironment();
  const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => env.run(fn, ...args);

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, accessKeys: { [KEY.id]: KEY.secret }, quotaPerSecond: 10_000, notFound });
    provider = sandboxClient(sandbox.url);
    activities = createRelayTaskActivities({ provider });
  });
  afterEach(() => sandbox.setFaults({}));
  afterAll(async () => {
    await provider.close();
    await sandbox.close();
  });

  async function newTask() {
    const created = await provider.createLivePullToPush(
      liveRelay({ TaskName: `absence-${Math.random().toString(36).slice(2)}` })
    );
    return { taskId: created.TaskId, region: 'cn-shanghai' };
  }

  it('a deleted task: Describe reports it gone and a second Delete counts as done', async () => {
    const ref = await newTask();
    await expect(run(activities.deleteRelayTask, ref)).resolves.toBe(true);
    await expect(run(activities.describeRelayTask, ref)).resolves.toEqual({ found: false });
    await expect(run(activities.deleteRelayTask, ref)).resolves.toBe(false);
    expect(sandbox.calls().filter((c) => c.action === 'DescribeLivePullToPushList').length).toBeGreaterThan(0);
  });

  it('a task that is still listed is not gone: another permanent refusal stands', async () => {
    const ref = await newTask();
    sandbox.setFaults({ errorRates: { CodeInvalidAliUid: 1 }, actions: ['DescribeLivePullToPush'] });
    await expect(run(activities.describeRelayTask, ref)).rejects.toMatchObject({
      type: 'ProviderPermanentError',
      message: expect.stringContaining('CodeInvalidAliUid'),
    });
  });

  it('when the List fails too, the original error stands (absence is never assumed)', async () => {
    const ref = await newTask();
    sandbox.setFaults({
      errorRates: { CodeInvalidAliUid: 1 },
      actions: ['DeleteLivePullToPush', 'DescribeLivePullToPushList'],
    });
    await expect(run(activities.deleteRelayTask, ref)).rejects.toMatchObject({ type: 'ProviderPermanentError' });
  });

  it('a TaskId the List filter cannot hold is looked up by TaskName when given', async () => {
    const longId = `${'x'.repeat(60)}`;
    await expect(run(activities.describeRelayTask, { taskId: longId, region: 'cn-shanghai' })).rejects.toMatchObject({
      type: 'ProviderPermanentError',
    });
    await expect(
      run(activities.describeRelayTask, { taskId: longId, region: 'cn-shanghai', taskName: 'relay:nothing-here' })
    ).resolves.toEqual({ found: false });
  });

  it('legacy: a config already deleted counts as done', async () => {
    const legacy = createLegacyConfigActivities(provider);
    const spec = {
      DomainName: 'play.example.com',
      AppName: 'app',
      StreamName: `gone-${Math.random().toString(36).slice(2)}`,
      SourceUrl: 'live.yourdomain.com',
      StartTime: at(HOUR),
      EndTime: at(2 * HOUR),
    };
    await run(legacy.ensureLegacyPullConfig, spec);
    await expect(run(legacy.deleteLegacyPullConfig, spec)).resolves.toBe(true);
    await expect(run(legacy.deleteLegacyPullConfig, spec)).resolves.toBe(false);
  });
});
