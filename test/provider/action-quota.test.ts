/**
 * The quota is per action. Seed 000, of CreateLivePullToPush: "This API supports up to 10 calls per second per user";
 * each sibling API states its own limit. So Describe traffic at its own limit must not slow creates: not in the
 * client's gate, not in the sandbox, not in the worker's task-queue limits.
 */
import { loadSettings, parseActionBudgets } from '../../src/config/settings';
import { ActionQuotaGates, actionBudgets } from '../../src/provider/quota-gate';
import { ACTIONS } from '../../src/provider/schemas';
import { startSandbox, type RunningSandbox } from '../../src/dev-harness/sandbox';
import { providerTaskQueue } from '../../src/shared/broadcast';
import { providerQueuePlan, providerTaskQueueFor } from '../../src/shared/provider-queues';
import { activitiesOn, queueRateLimit } from '../../src/temporal/relay-workers';

import { officialClient } from './official-sdk';
import { KEY, liveCreateParams, liveRelay, sandboxClient } from './sandbox-helpers';

describe('budgets: one per action, in one table', () => {
  it('every action gets the seed’s 10/s unless given its own', () => {
    expect(actionBudgets()).toEqual(Object.fromEntries(ACTIONS.map((a) => [a, 10])));
    const budgets = actionBudgets(8, { DescribeLivePullStreamConfig: 50 });
    expect(budgets.CreateLivePullToPush).toBe(8);
    expect(budgets.DescribeLivePullStreamConfig).toBe(50);
  });

  it('PROVIDER_RATE_LIMITS sets single actions; every bad entry is named with its rule', () => {
    expect(parseActionBudgets('DescribeLivePullToPush=20, AddLivePullStreamInfoConfig=15,')).toEqual({
      budgets: { DescribeLivePullToPush: 20, AddLivePullStreamInfoConfig: 15 },
      problems: [],
    });
    expect(parseActionBudgets('Describe=3,CreateLivePullToPush=0,StopLivePullToPush=x').problems).toEqual([
      expect.stringMatching(/^"Describe" is not a provider action \(one of CreateLivePullToPush, /),
      'CreateLivePullToPush: must be a whole number of calls per second from 1 to 1000',
      'StopLivePullToPush: must be a whole number of calls per second from 1 to 1000',
    ]);
    expect(() => loadSettings({ PROVIDER_RATE_LIMITS: 'Nope=1' })).toThrow(/PROVIDER_RATE_LIMITS: "Nope" is not/);
    expect(loadSettings({ PROVIDER_RATE_LIMITS: 'DescribeLivePullToPush=20' }).PROVIDER_RATE_LIMITS).toEqual({
      DescribeLivePullToPush: 20,
    });
  });
});

describe('client gate: a slot per action', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('with all 10 Describe slots taken, 10 Creates still go at once; an 11th Describe waits', async () => {
    const gates = new ActionQuotaGates(actionBudgets());
    await Promise.all(Array.from({ length: 10 }, () => gates.acquire('DescribeLivePullToPush')));
    let eleventhDescribe = false;
    void gates.acquire('DescribeLivePullToPush').then(() => (eleventhDescribe = true));
    const creates = await Promise.all(Array.from({ length: 10 }, () => gates.acquire('CreateLivePullToPush')));
    await jest.advanceTimersByTimeAsync(0);
    expect(creates).toHaveLength(10);
    expect(eleventhDescribe).toBe(false);
  });
});

describe('against the sandbox', () => {
  let sandbox: RunningSandbox;
  beforeEach(async () => {
    sandbox = await startSandbox({ port: 0, accessKeys: { [KEY.id]: KEY.secret } });
  });
  afterEach(async () => {
    await sandbox.close();
  });

  it('"up to 10 calls per second per user", per API: 10 Describes and 10 Creates in one burst all pass (official SDK)', async () => {
    const sdk = officialClient(sandbox.url, KEY);
    const created = await sdk.call('CreateLivePullToPush', liveCreateParams());
    const describe = { Region: 'cn-shanghai', TaskId: created.body.TaskId as string };
    const answers = await Promise.allSettled([
      ...Array.from({ length: 10 }, () => sdk.call('DescribeLivePullToPush', describe)),
      ...Array.from({ length: 9 }, () => sdk.call('CreateLivePullToPush', liveCreateParams())),
    ]);
    expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(19);
    expect(sandbox.calls().filter((c) => c.code.startsWith('Throttling'))).toHaveLength(0);
  });

  it('a Describe stuck at its limit (10 unanswered calls holding every slot) does not hold up a Create', async () => {
    // Timeout longer than any test runs: the hung Describes keep their slots throughout.
    const client = sandboxClient(sandbox.url, { timeoutMs: 600_000, quotaPerSecond: 10 });
    try {
      const task = await client.createLivePullToPush(liveRelay());
      sandbox.setFaults({ hangRate: 1, actions: ['DescribeLivePullToPush'] });
      let describesSettled = 0;
      const describes = Array.from({ length: 11 }, () =>
        client.describeLivePullToPush({ TaskId: task.TaskId }).finally(() => describesSettled++)
      );
      describes.forEach((d) => d.catch(() => undefined));
      const created = await client.createLivePullToPush(liveRelay());
      expect(created.RetCode).toBe(0);
      expect(describesSettled).toBe(0);
    } finally {
      // The sandbox's close destroys the hung Describes' connections (they fail); then the client's close waits until
      // its sockets are gone, so the suite leaves none behind.
      await sandbox.close();
      await client.close();
    }
  });
});

describe('server side: creates and reconciliation on task queues of their own', () => {
  const settings = loadSettings({ TEMPORAL_TASK_QUEUE: 'q', PROVIDER_RATE_LIMITS: 'DescribeLivePullToPush=20' });
  const budgets = actionBudgets(settings.PROVIDER_RATE_LIMIT_PER_SECOND, settings.PROVIDER_RATE_LIMITS);

  it('routes ensureRelayTask and describeRelayTask to their own queues, everything else to <queue>-provider', () => {
    expect(providerTaskQueueFor('q', 'ensureRelayTask')).toBe('q-provider-create');
    expect(providerTaskQueueFor('q', 'describeRelayTask')).toBe('q-provider-describe');
    for (const other of ['deleteRelayTask', 'stopRelayTask', 'ensureLegacyPullConfig']) {
      expect(providerTaskQueueFor('q', other)).toBe(providerTaskQueue('q'));
    }
  });

  it('the worker polls every queue, each limited at its action’s budget; the shared queue keeps every activity', () => {
    const activities = { ensureRelayTask: 1, describeRelayTask: 2, deleteRelayTask: 3 };
    expect(
      providerQueuePlan('q').map((queue) => ({
        taskQueue: queue.taskQueue,
        perSecond: queueRateLimit(queue, budgets, settings),
        activities: Object.keys(activitiesOn(queue, activities)),
      }))
    ).toEqual([
      {
        taskQueue: 'q-provider',
        perSecond: 10,
        activities: ['ensureRelayTask', 'describeRelayTask', 'deleteRelayTask'],
      },
      { taskQueue: 'q-provider-create', perSecond: 10, activities: ['ensureRelayTask'] },
      { taskQueue: 'q-provider-describe', perSecond: 20, activities: ['describeRelayTask'] },
    ]);
  });
});
