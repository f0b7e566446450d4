/**
 * Child process of the cold-start scenario: creates the real relay workers (createRelayWorkers) with the workflow
 * source chosen as the worker chooses it (chooseWorkflowSource), runs them, and prints one JSON line with the
 * wall-clock moments (ms since the epoch) the parent needs. Stays up until SIGTERM, so the parent can see the
 * first poll land in history.
 *
 * argv: <address> <namespace> <taskQueue> <prebuilt|bundle> <bundlePath>
 */
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';

import { loadSettings } from '../../src/config/settings';
import { LiveClient } from '../../src/provider/client';
import { chooseWorkflowSource } from '../../src/temporal/workflow-bundle';
import { ProviderQuotaLease } from '../../src/provider-quota/lease';
import { createRelayWorkers } from '../../src/temporal/relay-workers';

async function main(): Promise<void> {
  const [address, namespace, taskQueue, mode, bundlePath] = process.argv.slice(2);
  if (!address || !namespace || !taskQueue || (mode !== 'prebuilt' && mode !== 'bundle') || !bundlePath) {
    throw new Error('usage: cold-start-worker <address> <namespace> <taskQueue> <prebuilt|bundle> <bundlePath>');
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address });
  const settings = loadSettings({ TEMPORAL_TASK_QUEUE: taskQueue, WORKER_SHUTDOWN_GRACE_MS: '1000' });
  // Never called during the measurement: the provider is not reached before a broadcast's lead time.
  const provider = new LiveClient({
    accessKeyId: 'cold-start',
    accessKeySecret: 'cold-start-unused',
    region: settings.ALIYUN_REGION,
    endpoint: 'http://127.0.0.1:9',
    timeoutMs: 1_000,
  });
  // Production insists on the prebuilt bundle; development with WORKFLOW_BUNDLE_AT_START bundles the sources.
  const createAt = Date.now();
  const workflowSource = chooseWorkflowSource({
    production: mode === 'prebuilt',
    bundleAtStart: mode === 'bundle',
    bundlePath,
  });
  const workers = await createRelayWorkers({
    connection,
    namespace,
    settings,
    activityDeps: { provider, defaultRegion: settings.ALIYUN_REGION },
    quotaLease: new ProviderQuotaLease(),
    workflowSource,
  });
  const createdAt = Date.now();
  const running = workers.run();
  process.stdout.write(`${JSON.stringify({ createAt, createdAt, runAt: Date.now() })}\n`);
  process.once('SIGTERM', () => workers.shutdown());
  await running;
  await provider.close();
  await connection.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  }
);
