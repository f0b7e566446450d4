/**
 * The product wired for tests: the provider sandbox over real HTTP, a signed LiveClient pointed at it, the real
 * activities, and the two relay workers (workflows + rate-limited provider queue) on a given Temporal environment.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';

import { loadSettings, type Settings } from '../../src/config/settings';
import { LiveClient } from '../../src/provider/client';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/sandbox';
import { WORKFLOWS_PATH } from '../../src/temporal/workflow-bundle';
import { createRelayWorkers, type RelayWorkers } from '../../src/worker';

export const TEST_KEY = { id: 'test-key-id', secret: 'test-key-secret-never-logged' };
export const TEST_CALLBACK_SECRET = 'test-callback-secret-never-logged';

export interface RelayStack {
  sandbox: RunningSandbox;
  provider: LiveClient;
  workers: RelayWorkers;
  settings: Settings;
  taskQueue: string;
  /** Runs `fn` while both workers poll, then drains them. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface RelayStackOptions {
  taskQueue: string;
  sandbox?: SandboxOptions;
  /** Base URL of a callback service; without it tasks are created with no CallbackUrl. */
  callbackBaseUrl?: string;
  maxCachedWorkflows?: number;
  /** Provider calls per second for the whole queue. @default 10 (the real quota) */
  providerRateLimit?: number;
  workflowBundle?: { code: string };
}

export async function startRelayStack(env: TestWorkflowEnvironment, options: RelayStackOptions): Promise<RelayStack> {
  const sandbox = await startSandbox({
    port: 0,
    accessKeys: { [TEST_KEY.id]: TEST_KEY.secret },
    ...options.sandbox,
  });
  const provider = new LiveClient({
    accessKeyId: TEST_KEY.id,
    accessKeySecret: TEST_KEY.secret,
    region: 'cn-shanghai',
    endpoint: sandbox.url,
    timeoutMs: 2_000,
  });
  const settings = loadSettings({
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    WORKER_MAX_CACHED_WORKFLOWS: String(options.maxCachedWorkflows ?? 100),
    WORKER_SHUTDOWN_GRACE_MS: '1000',
    PROVIDER_RATE_LIMIT_PER_SECOND: String(options.providerRateLimit ?? 10),
  });
  const workers = await createRelayWorkers({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    settings,
    activityDeps: {
      provider,
      callbackBaseUrl: options.callbackBaseUrl,
      callbackSecret: options.callbackBaseUrl ? TEST_CALLBACK_SECRET : undefined,
      defaultRegion: 'cn-shanghai',
    },
    workflowSource: options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH },
  });
  return {
    sandbox,
    provider,
    workers,
    settings,
    taskQueue: options.taskQueue,
    async run(fn) {
      const running = workers.run();
      try {
        return await fn();
      } finally {
        workers.shutdown();
        await running;
      }
    },
    async close() {
      await provider.close();
      await sandbox.close();
    },
  };
}
