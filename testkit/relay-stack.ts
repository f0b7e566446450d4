/**
 * The product wired for tests: the provider sandbox over real HTTP, a signed LiveClient pointed at it, the real
 * activities, and the two relay workers (workflows + rate-limited provider queue) on a given Temporal environment.
 */
import type { DataConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';

import { loadSettings, type Settings } from '../src/config/settings';
import { LiveClient, type CallEvent } from '../src/provider/client';
import { ProviderQuotaLease } from '../src/provider-quota/lease';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../src/dev-harness/sandbox';
import { DEFAULT_REGION } from '../src/provider/schemas';
import { WORKFLOWS_PATH } from '../src/temporal/workflow-bundle';
import { createRelayWorkers, type RelayWorkers } from '../src/temporal/relay-workers';

import { teeSdkLog } from './sdk-log-tee';
import { assertNoSecrets, historiesOf, type NamedSecret, type ScannedText } from './secret-scan';

export const TEST_KEY = { id: 'test-key-id', secret: 'test-key-secret-never-logged' };
export const TEST_CALLBACK_SECRET = 'test-callback-secret-never-logged';

export interface RelayStack {
  sandbox: RunningSandbox;
  provider: LiveClient;
  workers: RelayWorkers;
  settings: Settings;
  taskQueue: string;
  /**
   * A second set of workers on the same queues, provider and callbacks (a worker replaced mid-broadcast), optionally
   * with other payload codecs (a key rotation). The caller runs and shuts them down.
   */
  newWorkers(dataConverter?: DataConverter): Promise<RelayWorkers>;
  /** Runs `fn` while both workers poll, then drains them. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Stops the sandbox and provider client, then runs the secret scan over every history of this stack's task queue,
   * the SDK log since the stack started, the suite's structured log (option `logs`) and `extraLogs`: it throws, failing the suite, if a secret of the suite appears anywhere. Call it while the Temporal
   * environment is still up.
   */
  close(extraLogs?: readonly ScannedText[]): Promise<void>;
}

export interface RelayStackOptions {
  taskQueue: string;
  sandbox?: SandboxOptions;
  /** Base URL of a callback service; without it tasks are created with no CallbackUrl. */
  callbackBaseUrl?: string;
  maxCachedWorkflows?: number;
  /** WORKER_STICKY_QUEUE_TIMEOUT_MS of the relay workers. @default the setting's default */
  stickyQueueTimeoutMs?: number;
  /** Provider calls per second for the whole queue. @default 10 (the real quota) */
  providerRateLimit?: number;
  /**
   * The provider queue's server-side activity rate limit, when an experiment wants it apart from the client's quota
   * gate. @default providerRateLimit
   */
  providerQueueRateLimit?: number;
  /** Every provider call the workers make (LiveClient `onCall`), e.g. to measure latency in a bench. */
  onProviderCall?: (event: CallEvent) => void;
  workflowBundle?: { code: string };
  /** Payload codecs (encryption) for the workers and the campaign activities' client. */
  dataConverter?: DataConverter;
  /** The suite's structured-log collector (./log-capture.ts captureLogs()), when it set one up: scanned on close. */
  logs?: { text(): string };
  /** Secrets of the suite beyond the provider and callback secrets (encryption keys, tokens): scanned for on close. */
  secrets?: NamedSecret[];
}

/** Every secret the test stacks use; the scan on close looks for each of them. */
export const STACK_SECRETS: NamedSecret[] = [
  { name: 'provider AccessKey secret', value: TEST_KEY.secret },
  { name: 'callback secret', value: TEST_CALLBACK_SECRET },
];

export async function startRelayStack(env: TestWorkflowEnvironment, options: RelayStackOptions): Promise<RelayStack> {
  const sdkLog = teeSdkLog();
  const sandbox = await startSandbox({
    port: 0,
    accessKeys: { [TEST_KEY.id]: TEST_KEY.secret },
    ...options.sandbox,
  });
  // On the time-skipping server an ever-running owner activity would hold its clock still: this one process calls the
  // provider without an election there (`sole`), as the only worker of its queue.
  const sole = env.supportsTimeSkipping;
  const quotaLease = new ProviderQuotaLease(sole ? { maxUnconfirmedMs: Infinity } : {});
  const provider = new LiveClient({
    accessKeyId: TEST_KEY.id,
    accessKeySecret: TEST_KEY.secret,
    region: DEFAULT_REGION,
    endpoint: sandbox.url,
    timeoutMs: 2_000,
    quotaPerSecond: options.providerRateLimit ?? 10,
    onCall: options.onProviderCall,
    callGuard: quotaLease,
  });
  const settings = loadSettings({
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    WORKER_MAX_CACHED_WORKFLOWS: String(options.maxCachedWorkflows ?? 100),
    WORKER_SHUTDOWN_GRACE_MS: '1000',
    ...(options.stickyQueueTimeoutMs ? { WORKER_STICKY_QUEUE_TIMEOUT_MS: String(options.stickyQueueTimeoutMs) } : {}),
    PROVIDER_RATE_LIMIT_PER_SECOND: String(options.providerQueueRateLimit ?? options.providerRateLimit ?? 10),
  });
  const newWorkers = (dataConverter = options.dataConverter) =>
    createRelayWorkers({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      settings,
      quotaLease,
      quotaOwnership: sole ? 'sole' : 'elect',
      activityDeps: {
        provider,
        callbackBaseUrl: options.callbackBaseUrl,
        callbackSecret: options.callbackBaseUrl ? TEST_CALLBACK_SECRET : undefined,
        defaultRegion: DEFAULT_REGION,
      },
      workflowSource: options.workflowBundle
        ? { workflowBundle: options.workflowBundle }
        : { workflowsPath: WORKFLOWS_PATH },
      dataConverter,
    });
  const workers = await newWorkers();
  // Created workers hold their workflow threads until they have run and stopped: close() runs and stops the ones a test
  // never ran (all of them, or those a test did not run one by one), or they keep the jest worker alive after its suite.
  /**
   * A test's broadcasts are due within seconds: wait until this stack owns the provider quota (election takes a
   * couple of seconds on a dev server) so that the election is not what the test measures.
   */
  const providerCallsAllowed = async () => {
    const deadline = Date.now() + 60_000;
    while (!quotaLease.valid) {
      if (Date.now() > deadline) throw new Error('the relay stack was not elected provider quota owner within 60 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const runUnranWorkers = async () => {
    const all = [workers.workflowWorker, workers.quotaOwnerWorker, await workers.campaignWorker];
    const unran = all.filter((w): w is Worker => w?.getState() === 'INITIALIZED');
    const runs = unran.map((w) => w.run());
    for (const w of unran) w.shutdown();
    await Promise.all(runs);
  };
  return {
    sandbox,
    provider,
    workers,
    newWorkers,
    settings,
    taskQueue: options.taskQueue,
    async run(fn) {
      const running = workers.run();
      try {
        await providerCallsAllowed();
        return await fn();
      } finally {
        workers.shutdown();
        await running;
      }
    },
    async close(extraLogs = []) {
      await runUnranWorkers();
      await provider.close();
      await sandbox.close();
      sdkLog.stop();
      const scanStarted = Date.now();
      assertNoSecrets({
        label: options.taskQueue,
        histories: await historiesOf(env.client, options.taskQueue),
        startedAt: scanStarted,
        logs: [
          sdkLog.text(),
          ...(options.logs ? [{ source: 'log (structured records)', text: options.logs.text() }] : []),
          ...extraLogs,
        ],
        secrets: [...STACK_SECRETS, ...(options.secrets ?? [])],
      });
    },
  };
}
