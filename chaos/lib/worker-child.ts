/**
 * Entry point of a relay worker in its own process (started by ./worker-process.ts), so a fault scenario can
 * SIGKILL it like a crashed host. Configured like the stand-alone worker (`node lib/worker.js`): the product's
 * settings and TEMPORAL_* variables from the environment, with TEMPORAL_ADDRESS and provider credentials required.
 * Differences, both for start-up speed: the workflow bundle is a file built once by the parent
 * (CHAOS_WORKFLOW_BUNDLE), and no metrics endpoint is served. Prints READY_LINE once both workers poll.
 */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

import { loadConfiguration } from '../../src/config/load';
import { liveClientFromSettings } from '../../src/provider/from-settings';
import { ProviderQuotaLease } from '../../src/provider-quota/lease';
import { connectWorker, createRelayWorkers } from '../../src/temporal/relay-workers';

export const READY_LINE = 'chaos-worker-ready';

async function main(): Promise<void> {
  const bundlePath = process.env.CHAOS_WORKFLOW_BUNDLE;
  if (!bundlePath) throw new Error('CHAOS_WORKFLOW_BUNDLE: required (path of a prebuilt workflow bundle)');
  const { settings, temporal } = loadConfiguration(process.env, { embedded: false });
  // SIGTERM/SIGINT drain the workers (the SDK's default); SIGKILL is the fault under test.
  Runtime.install({ logger: new DefaultLogger(settings.LOG_LEVEL as LogLevel) });
  const quotaLease = new ProviderQuotaLease();
  // The product's client as configured, quota gate included: only the quota owner's calls are sent.
  const provider = liveClientFromSettings(settings, { callGuard: quotaLease });
  const connection = await connectWorker(temporal.address ?? '', temporal.connectionOptions);
  const workers = await createRelayWorkers({
    connection,
    namespace: temporal.namespace,
    settings,
    quotaLease,
    activityDeps: {
      provider,
      callbackBaseUrl: settings.CALLBACK_PUBLIC_URL,
      callbackSecret: settings.CALLBACK_SECRET,
      defaultRegion: settings.ALIYUN_REGION,
    },
    workflowSource: { workflowBundle: { codePath: bundlePath } },
  });
  const running = workers.run();
  process.stdout.write(`${READY_LINE}\n`);
  await running;
  await connection.close();
  await provider.close();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
