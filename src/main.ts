/**
 * `npm start`: the whole product on one machine. With no Temporal address configured it runs an embedded dev server
 * (persistent, Web UI on); with no provider credentials it runs the local provider sandbox; then the callback
 * service and the worker. Ctrl-C drains the worker and stops everything it started, in reverse order.
 */
import { Runtime, DefaultLogger, type LogLevel } from '@temporalio/worker';

import { startCallbackService } from './callbacks/service';
import { ConfigError, loadSettings, usesSandbox, type Settings } from './config/settings';
import { LiveClient } from './provider/client';
import { DEMO_ACCESS_KEY, startSandbox } from './sandbox';
import { describeBinaries, ensureTemporalBinaries } from './temporal/binaries';
import { loadTemporalConnectConfig } from './temporal/connection';
import { startDevServer } from './temporal/dev-server';
import { chooseWorkflowSource } from './temporal/workflow-bundle';
import { connectWorker, createRelayWorkers } from './worker';

/** The demo key pair of the sandbox; printed at start, never valid against the real cloud. */
export const SANDBOX_DEMO_KEY = DEMO_ACCESS_KEY;
/** Used only when no CALLBACK_SECRET is configured outside production; printed as such. */
const DEVELOPMENT_CALLBACK_SECRET = 'development-only-callback-secret';

export interface MainOptions {
  /** Start a dev server and sandbox when nothing else is configured. @default true */
  embedded?: boolean;
  env?: NodeJS.ProcessEnv;
}

function say(line: string): void {
  process.stdout.write(`[relay] ${line}\n`);
}

export async function runMain(options: MainOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const embedded = options.embedded ?? true;
  let settings: Settings;
  try {
    settings = loadSettings(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  Runtime.install({ logger: new DefaultLogger(settings.LOG_LEVEL as LogLevel) });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => say(`stop failed: ${(err as Error).message}`));
  };

  try {
    // Temporal: configured cluster, or an embedded dev server.
    const temporal = loadTemporalConnectConfig(env);
    let address = temporal.address;
    if (!address) {
      if (!embedded) throw new ConfigError(['TEMPORAL_ADDRESS: required when running the worker alone']);
      const binaries = await ensureTemporalBinaries({ env });
      say(describeBinaries(binaries).replace(/\n/g, '\n[relay] '));
      const server = await startDevServer({
        binaries,
        port: settings.DEV_SERVER_PORT,
        uiPort: settings.DEV_SERVER_UI_PORT,
        dbFile: settings.DEV_SERVER_DB_FILE,
        namespace: temporal.namespace,
      });
      stops.push(() => server.stop());
      address = server.address;
      say(`Temporal dev server: ${address} (namespace ${temporal.namespace}), data in ${settings.DEV_SERVER_DB_FILE}`);
      say(`Temporal Web UI:     ${server.uiUrl}`);
    } else {
      say(`Temporal: ${address} (namespace ${temporal.namespace})`);
    }

    // Provider: the real cloud with credentials, or the local sandbox.
    let credentials = { id: settings.ALIYUN_ACCESS_KEY_ID, secret: settings.ALIYUN_ACCESS_KEY_SECRET };
    let endpoint = settings.ALIYUN_ENDPOINT;
    if (usesSandbox(settings)) {
      if (!embedded) throw new ConfigError(['ALIYUN_ACCESS_KEY_ID / ALIYUN_ACCESS_KEY_SECRET: required']);
      const sandbox = await startSandbox({
        port: settings.SANDBOX_PORT,
        accessKeys: { [SANDBOX_DEMO_KEY.id]: SANDBOX_DEMO_KEY.secret },
        timeScale: settings.SANDBOX_TIME_SCALE,
      });
      stops.push(() => sandbox.close());
      credentials = SANDBOX_DEMO_KEY;
      endpoint = sandbox.url;
      say(`Provider sandbox:    ${sandbox.url} (demo key ${SANDBOX_DEMO_KEY.id} / ${SANDBOX_DEMO_KEY.secret})`);
    } else {
      say(`Provider: ${endpoint ?? `Alibaba Cloud (${settings.ALIYUN_REGION})`} as ${settings.ALIYUN_ACCESS_KEY_ID}`);
    }
    const provider = new LiveClient({
      accessKeyId: credentials.id ?? '',
      accessKeySecret: credentials.secret ?? '',
      securityToken: settings.ALIYUN_SECURITY_TOKEN,
      region: settings.ALIYUN_REGION,
      endpoint,
      signatureVersion: settings.ALIYUN_SIGNATURE_VERSION,
      timeoutMs: settings.ALIYUN_TIMEOUT_MS,
    });
    stops.push(() => provider.close());

    const connection = await connectWorker(address, temporal.connectionOptions);
    stops.push(() => connection.close());

    // Callback service (also runnable alone with `npm run callbacks`).
    const callbackSecret = settings.CALLBACK_SECRET ?? DEVELOPMENT_CALLBACK_SECRET;
    if (!settings.CALLBACK_SECRET) say('CALLBACK_SECRET not set: using the development-only secret');
    const callbackBaseUrl = settings.CALLBACK_PUBLIC_URL ?? `http://127.0.0.1:${settings.CALLBACK_PORT}`;
    if (embedded) {
      const callbacks = await startCallbackService({
        port: settings.CALLBACK_PORT,
        secret: callbackSecret,
        connection: { address, ...temporal.connectionOptions },
        namespace: temporal.namespace,
      });
      stops.push(() => callbacks.close());
      say(`Callback service:    ${callbacks.url} (public base ${callbackBaseUrl})`);
    }

    const workers = await createRelayWorkers({
      connection,
      namespace: temporal.namespace,
      settings,
      activityDeps: { provider, callbackBaseUrl, callbackSecret, defaultRegion: settings.ALIYUN_REGION },
      workflowSource: chooseWorkflowSource({
        production: settings.NODE_ENV === 'production',
        bundleAtStart: settings.WORKFLOW_BUNDLE_AT_START,
        log: say,
      }),
    });
    say(`Worker running on task queues ${settings.TEMPORAL_TASK_QUEUE} and ${settings.TEMPORAL_TASK_QUEUE}-provider`);
    say('Ctrl-C drains the worker and stops everything started here.');
    // The SDK's Runtime shuts the workers down on SIGINT/SIGTERM; run() resolves once they have drained.
    await workers.run();
    say('worker drained');
  } finally {
    await stopAll();
    say('stopped');
  }
}

if (require.main === module) {
  runMain().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
