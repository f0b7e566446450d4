/**
 * The relay's workers: workflows on TEMPORAL_TASK_QUEUE, campaigns on `<queue>-campaigns`, and — in the one worker of
 * the fleet that owns the provider quota (src/provider-quota) — provider calls on the provider queues
 * (`<queue>-provider` and one per action with a budget of its own, src/shared/provider-queues.ts). The production
 * worker (src/worker.ts) connects them to the configured Temporal cluster; `npm start` (src/bin/start.ts) runs them
 * next to a dev server, sandbox and callbacks.
 */
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import {
  bundleWorkflowCode,
  NativeConnection,
  Runtime,
  Worker,
  type NativeConnectionOptions,
} from '@temporalio/worker';

import { createActivities, type ActivityDeps } from '../activities';
import { createCampaignActivities } from '../activities/campaign-broadcasts';
import { createScheduleActivities } from '../activities/schedule-broadcasts';
import type { Settings } from '../config/settings';
import { actionBudgets, type ActionBudgets } from '../provider/quota-gate';
import { campaignTaskQueue } from '../shared/broadcast';
import { providerQueuePlan, quotaOwnerTaskQueue, type ProviderQueue } from '../shared/provider-queues';
import type { WorkflowSource } from './workflow-bundle';
import type { ProviderQuotaLease } from '../provider-quota/lease';
import { createQuotaOwnerActivities } from '../provider-quota/owner';
import { keepQuotaOwnerWorkflow } from '../provider-quota/election';
import { HEARTBEAT_THROTTLE_MS } from '../shared/quota-owner-timings';

export interface RelayWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  settings: Settings;
  activityDeps: ActivityDeps;
  workflowSource: WorkflowSource;
  /**
   * Payload codecs (encryption, src/codec): applied by the workers to every payload they write or read, and by the
   * client campaign activities start broadcasts with. They run in the worker's main thread, outside the sandbox.
   */
  dataConverter?: DataConverter;
  /**
   * This process's view of owning the provider quota: pass the same lease to the provider client (LiveClient
   * `callGuard`), so that only the elected owner's calls are sent.
   */
  quotaLease: ProviderQuotaLease;
  /**
   * `elect` (production): the fleet elects the one worker that calls the provider (src/provider-quota). `sole`: this
   * process calls the provider from the start, with no election — only for a single worker process on a queue no
   * other worker polls, such as tests on the time-skipping server, whose clock an ever-running owner activity would
   * hold still. The lease must then never lapse (maxUnconfirmedMs: Infinity). @default 'elect'
   */
  quotaOwnership?: 'elect' | 'sole';
}

export interface RelayWorkers {
  workflowWorker: Worker;
  /**
   * Polls the owner queue. While this process runs the owner activity it also polls every provider queue
   * (providerQueuePlan), with workers created for the term and stopped when it steps down. None with `sole`.
   */
  quotaOwnerWorker: Worker | undefined;
  /**
   * Campaign workflows and their start/control activities (`<queue>-campaigns`). Created after the broadcasts'
   * workers, which start polling without waiting for it (see createRelayWorkers).
   */
  campaignWorker: Promise<Worker>;
  /**
   * Runs every worker (the campaign worker as soon as it exists); resolves when all have drained and stopped, and
   * rejects if any failed (the others are then shut down too).
   */
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * Long polls of each provider queue's worker. All workers poll over one connection; with the SDK's default of 10 on
 * each of the provider queues, the workflow worker's tasks were served seconds late (chaos callback-faults lost
 * broadcasts). A queue that dispatches at most its action's budget per second needs few.
 */
const PROVIDER_QUEUE_POLLERS = 2;

/** Campaign workflows kept in the campaign worker's cache. */
const CAMPAIGN_CACHE_SIZE = 50;

export async function createRelayWorkers(options: RelayWorkerOptions): Promise<RelayWorkers> {
  const { connection, namespace, settings } = options;
  const workflowTaskQueue = settings.TEMPORAL_TASK_QUEUE;
  const activities = createActivities(options.activityDeps);
  // Campaigns start their broadcasts through the same connection the worker polls with.
  const client = new Client({ connection, namespace, dataConverter: options.dataConverter });
  const startDeps = { client, defaultRegion: options.activityDeps.defaultRegion };
  const campaignActivities = createCampaignActivities(startDeps);
  // Schedules fire scheduledBroadcastWorkflow on the workflow queue; it starts each occurrence's broadcast from here.
  const scheduleActivities = createScheduleActivities(startDeps);
  const shutdownGraceTime = settings.WORKER_SHUTDOWN_GRACE_MS;
  // Bundling at start (development): once for both workflow workers, not once each.
  const workflowSource: WorkflowSource =
    'workflowsPath' in options.workflowSource
      ? {
          workflowBundle: await bundleWorkflowCode({
            workflowsPath: options.workflowSource.workflowsPath,
            logger: Runtime.instance().logger,
          }),
        }
      : options.workflowSource;
  const budgets = actionBudgets(settings.PROVIDER_RATE_LIMIT_PER_SECOND, settings.PROVIDER_RATE_LIMITS);

  let stopRequested = false;
  /** Tells the quota owner activity to step down as soon as a stop is asked for (src/provider-quota/owner.ts). */
  const stopping = new AbortController();
  let failure: unknown;
  const created: Worker[] = [];
  /** With `sole` ownership: resolves the run's provider-worker part, which then stops them. */
  const stoppedSole: (() => void)[] = [];
  const shutdown = () => {
    stopRequested = true;
    stopping.abort();
    for (const worker of created) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    }
    for (const stop of stoppedSole.splice(0)) stop();
  };
  const failWith = (err: unknown) => {
    failure ??= err;
    shutdown();
  };

  /** The owner's term: a worker per provider queue, each limited server-side to its action's budget. */
  const startProviderWorkers = async (): Promise<() => Promise<void>> => {
    const workers = await Promise.all(
      providerQueuePlan(workflowTaskQueue).map((queue) =>
        Worker.create({
          connection,
          namespace,
          taskQueue: queue.taskQueue,
          activities: activitiesOn(queue, activities),
          maxTaskQueueActivitiesPerSecond: queueRateLimit(queue, budgets, settings),
          maxConcurrentActivityTaskPolls: PROVIDER_QUEUE_POLLERS,
          shutdownGraceTime,
          dataConverter: options.dataConverter,
        })
      )
    );
    let stopping = false;
    const runs = workers.map((worker) =>
      worker.run().catch((err: unknown) => {
        if (!stopping) failWith(err);
      })
    );
    return async () => {
      stopping = true;
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.all(runs);
    };
  };

  const elect = (options.quotaOwnership ?? 'elect') === 'elect';
  const [workflowWorker, quotaOwnerWorker] = await Promise.all([
    Worker.create({
      connection,
      namespace,
      taskQueue: workflowTaskQueue,
      ...workflowSource,
      // Provider activities run only on the provider queues, in the quota owner. Campaign activities here too:
      // campaigns started on this queue by an older client keep working.
      activities: { validateBroadcast: activities.validateBroadcast, ...campaignActivities, ...scheduleActivities },
      maxCachedWorkflows: settings.WORKER_MAX_CACHED_WORKFLOWS,
      stickyQueueScheduleToStartTimeout: settings.WORKER_STICKY_QUEUE_TIMEOUT_MS,
      // Eager dispatch would bypass the provider queue's server-side rate limit (temporalio/temporal#6800).
      maxEagerActivityReservationsPerWorkflowTask: 0,
      shutdownGraceTime,
      dataConverter: options.dataConverter,
    }),
    elect
      ? Worker.create({
          connection,
          namespace,
          taskQueue: quotaOwnerTaskQueue(workflowTaskQueue),
          activities: createQuotaOwnerActivities({
            client,
            lease: options.quotaLease,
            startProviderWorkers,
            stopping: stopping.signal,
          }),
          maxConcurrentActivityTaskExecutions: 1,
          maxConcurrentActivityTaskPolls: 1,
          // The owner's heartbeats must reach the server often: their absence is how a dead owner is detected.
          maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE_MS,
          shutdownGraceTime,
          dataConverter: options.dataConverter,
        })
      : undefined,
  ]);
  created.push(workflowWorker, ...(quotaOwnerWorker ? [quotaOwnerWorker] : []));
  // Each workflow worker loads the bundle into its own V8 context (~150 ms of CPU). The campaign worker loads it after
  // the broadcasts' worker, not beside it: on a restart the broadcasts' timers and callbacks are what is waiting.
  /** `sole` ownership: the provider workers poll from the start until shutdown(). */
  const runAsSoleOwner = async () => {
    options.quotaLease.take();
    const stopProviderWorkers = await startProviderWorkers();
    await new Promise<void>((resolve) => {
      stoppedSole.push(resolve);
      if (stopRequested) resolve();
    });
    options.quotaLease.release();
    await stopProviderWorkers();
  };
  const campaignWorker = Worker.create({
    connection,
    namespace,
    taskQueue: campaignTaskQueue(workflowTaskQueue),
    ...workflowSource,
    activities: campaignActivities,
    // A few campaigns at a time, each a long-lived workflow: a small cache keeps them all.
    maxCachedWorkflows: CAMPAIGN_CACHE_SIZE,
    shutdownGraceTime,
    dataConverter: options.dataConverter,
  });
  // Surfaced by run(); without this a failed creation before run() is called would be an unhandled rejection.
  campaignWorker.catch(() => undefined);
  const runCampaignWorker = async () => {
    const worker = await campaignWorker;
    created.push(worker);
    const running = worker.run();
    // A stop that came while it was being created stops it now (run() marks it RUNNING synchronously).
    if (stopRequested) worker.shutdown();
    await running;
  };
  return {
    workflowWorker,
    quotaOwnerWorker,
    campaignWorker,
    run: async () => {
      const runs = [workflowWorker.run(), runCampaignWorker()];
      let stopEnsuring = () => undefined as void;
      if (quotaOwnerWorker) {
        runs.push(quotaOwnerWorker.run());
        // The owner workflow exists once this worker polls (its first task needs a workflow worker).
        stopEnsuring = await keepQuotaOwnerWorkflow(client, workflowTaskQueue, (err) =>
          Runtime.instance().logger.warn('could not ensure the provider quota owner workflow', {
            error: err instanceof Error ? err.message : String(err),
          })
        ).catch((err: unknown) => {
          failWith(err);
          return () => undefined;
        });
      } else runs.push(runAsSoleOwner());
      // One worker failing (or the campaign worker failing to be created) stops the others, then run() rejects.
      await Promise.all(runs.map((run) => run.catch((err: unknown) => failWith(err))));
      stopEnsuring();
      if (failure !== undefined) throw failure;
    },
    shutdown,
  };
}

/** Server-side activities per second of a provider queue: its action's budget, the default one on the shared queue. */
export function queueRateLimit(queue: ProviderQueue, budgets: ActionBudgets, settings: Settings): number {
  return queue.rateAction ? budgets[queue.rateAction] : settings.PROVIDER_RATE_LIMIT_PER_SECOND;
}

/** The activities a provider queue registers: all of them on the shared queue, its own on a dedicated one. */
export function activitiesOn<T extends object>(queue: ProviderQueue, activities: T): Partial<T> {
  if (queue.activities === 'all') return activities;
  const own = queue.activities;
  return Object.fromEntries(Object.entries(activities).filter(([name]) => own.includes(name))) as Partial<T>;
}

export async function connectWorker(
  address: string,
  connectionOptions: NativeConnectionOptions
): Promise<NativeConnection> {
  return NativeConnection.connect({ ...connectionOptions, address });
}
