/**
 * `npm start`: the whole product on one machine. With no Temporal address configured it runs an embedded dev server
 * (persistent, Web UI on); with no provider credentials it runs the local provider sandbox; then the callback
 * service and the worker. Ctrl-C drains the worker and stops everything it started, in reverse order.
 */
import { Runtime } from '@temporalio/worker';

import { startCallbackService } from './callbacks/service';
import { startConfiguredCodecServer } from './codec/from-settings';
import { resolvePayloadEncryption } from './codec/setup';
import { loadConfiguration, type Configuration } from './config/load';
import { ConfigError, sandboxStateFile, usesSandbox } from './config/settings';
import {
  bannerPrinter,
  configureLogging,
  coreLogForwarding,
  logFormat,
  registerSecrets,
  sdkLogger,
} from './observability/logging';
import { createRelayMetrics, metricsPortTakenMessage, prometheusTelemetry } from './observability/metrics';
import { liveClientFromSettings } from './provider/from-settings';
import { ProviderQuotaLease } from './provider-quota/lease';
import { DEMO_ACCESS_KEY, parseAccessKeys, startSandbox } from './sandbox';
import { campaignTaskQueue } from './shared/broadcast';
import { providerQueuePlan, quotaOwnerTaskQueue } from './shared/provider-queues';
import { describeBinaries, ensureTemporalBinaries } from './temporal/binaries';
import { DevServerError, startDevServer } from './temporal/dev-server';
import { chooseWorkflowSource } from './temporal/workflow-bundle';
import { connectWorker, createRelayWorkers, type RelayWorkers } from './temporal/relay-workers';

/** The demo key pair of the sandbox; printed at start, never valid against the real cloud. */
export const SANDBOX_DEMO_KEY = DEMO_ACCESS_KEY;
/** Used only when no CALLBACK_SECRET is configured outside production; printed as such. */
const DEVELOPMENT_CALLBACK_SECRET = 'development-only-callback-secret';

export interface MainOptions {
  /** Start a dev server and sandbox when nothing else is configured. @default true */
  embedded?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Start-up and shutdown lines: `[relay] …` in text mode, JSON records (message = the line) in json mode. */
const say = bannerPrinter('relay');

/** Signals that stop `npm start`. SIGHUP: the terminal went away. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Thrown inside start-up when a stop signal arrived before the worker ran. */
class StartupCancelled extends Error {
  override readonly name = 'StartupCancelled';
}

export async function runMain(options: MainOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const embedded = options.embedded ?? true;
  // Settings and Temporal connection together: one message lists every bad variable, before anything starts.
  let config: Configuration;
  try {
    config = loadConfiguration(env, { embedded });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { settings, temporal } = config;
  configureLogging({
    format: settings.LOG_FORMAT,
    level: settings.LOG_LEVEL,
    secrets: [
      settings.ALIYUN_ACCESS_KEY_SECRET,
      settings.ALIYUN_SECURITY_TOKEN,
      settings.CALLBACK_SECRET ?? DEVELOPMENT_CALLBACK_SECRET,
    ],
  });
  // Signals are handled here, not by the SDK's Runtime: its handler fires once and then leaves the default action in
  // place, so a second SIGINT (npm forwards the terminal's Ctrl-C, users press it twice) would kill this process
  // before it stopped the dev server, which runs in its own process group and would be left behind.
  Runtime.install({
    logger: sdkLogger(),
    shutdownSignals: [],
    telemetryOptions: {
      ...prometheusTelemetry(settings.METRICS_HOST, settings.METRICS_PORT),
      logging: coreLogForwarding(),
    },
  });
  const metrics = createRelayMetrics();
  if (settings.METRICS_PORT !== 0)
    say(`Metrics:             http://${settings.METRICS_HOST}:${settings.METRICS_PORT}/metrics`);
  const stopping = new AbortController();
  let workers: RelayWorkers | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping.signal.aborted) {
      say(`${signal}: already stopping, please wait`);
      return;
    }
    say(`${signal}: stopping`);
    stopping.abort();
    workers?.shutdown();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  const checkStopping = () => {
    if (stopping.signal.aborted) throw new StartupCancelled('stopped during start-up');
  };
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => say(`stop failed: ${(err as Error).message}`));
  };

  try {
    // Payload encryption: configured keys; with the embedded dev server in development, a per-machine key created in
    // the dev server's data folder, so encryption is on by default and the persisted history stays readable.
    const devServerInDevelopment = embedded && !temporal.address && settings.NODE_ENV !== 'production';
    const encryption = resolvePayloadEncryption(settings, devServerInDevelopment ? 'create' : 'none');
    registerSecrets(settings.PAYLOAD_ENCRYPTION_KEYS, ...encryption.secrets);
    say(encryption.description);
    let codecEndpoint: string | undefined;
    if (embedded && encryption.codec) {
      const codec = await startConfiguredCodecServer(settings, encryption, devServerInDevelopment ? 'create' : 'none');
      if (codec) {
        registerSecrets(codec.token);
        stops.push(() => codec.server.close());
        codecEndpoint = codec.uiEndpoint;
      }
      say(`Codec server:        ${codec?.description ?? 'not started (set CODEC_SERVER_TOKEN to run it)'}`);
    }

    // Temporal: configured cluster, or an embedded dev server.
    let address = temporal.address;
    if (!address) {
      const binaries = await ensureTemporalBinaries({ env });
      checkStopping();
      say(describeBinaries(binaries));
      const server = await startDevServer({
        binaries,
        port: settings.DEV_SERVER_PORT,
        uiPort: settings.DEV_SERVER_UI_PORT,
        dbFile: settings.DEV_SERVER_DB_FILE,
        namespace: temporal.namespace,
        signal: stopping.signal,
        codecEndpoint,
        // Its own banner and errors become records too, so stdout stays one JSON object per line.
        output: logFormat() === 'json' ? bannerPrinter('temporal-dev-server') : undefined,
      });
      stops.push(() => server.stop());
      checkStopping();
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
      // The worker signs with the first configured sandbox pair; the demo pair (printed) when none is configured.
      const configuredKeys = parseAccessKeys(process.env.SANDBOX_ACCESS_KEYS);
      const [sandboxKeyId, sandboxSecret] = Object.entries(configuredKeys ?? {})[0] ?? [
        SANDBOX_DEMO_KEY.id,
        SANDBOX_DEMO_KEY.secret,
      ];
      const sandbox = await startSandbox({
        port: settings.SANDBOX_PORT,
        accessKeys: configuredKeys ?? { [SANDBOX_DEMO_KEY.id]: SANDBOX_DEMO_KEY.secret },
        timeScale: settings.SANDBOX_TIME_SCALE,
        stateFile: sandboxStateFile(settings),
      });
      stops.push(() => sandbox.close());
      checkStopping();
      // Configured sandbox secrets are masked in logs; the demo pair is public (printed below; in the source).
      registerSecrets(...Object.values(configuredKeys ?? {}));
      credentials = { id: sandboxKeyId, secret: sandboxSecret };
      endpoint = sandbox.url;
      say(
        configuredKeys
          ? `Provider sandbox:    ${sandbox.url} (key ${sandboxKeyId} from SANDBOX_ACCESS_KEYS)`
          : `Provider sandbox:    ${sandbox.url} (demo key ${SANDBOX_DEMO_KEY.id} / ${SANDBOX_DEMO_KEY.secret})`
      );
    } else {
      say(`Provider: ${endpoint ?? `Alibaba Cloud (${settings.ALIYUN_REGION})`} as ${settings.ALIYUN_ACCESS_KEY_ID}`);
    }
    // Only the worker of the fleet that owns the provider quota sends provider calls (src/provider-quota).
    const quotaLease = new ProviderQuotaLease();
    const provider = liveClientFromSettings(settings, {
      accessKeyId: credentials.id ?? '',
      accessKeySecret: credentials.secret ?? '',
      endpoint,
      onCall: metrics.onProviderCall,
      callGuard: quotaLease,
    });
    stops.push(() => provider.close());

    const connection = await connectWorker(address, temporal.connectionOptions);
    stops.push(() => connection.close());
    checkStopping();

    // Callback service (also runnable alone with `npm run callbacks`).
    const callbackSecret = settings.CALLBACK_SECRET ?? DEVELOPMENT_CALLBACK_SECRET;
    if (!settings.CALLBACK_SECRET) say('CALLBACK_SECRET not set: using the development-only secret');
    const callbackBaseUrl = settings.CALLBACK_PUBLIC_URL ?? `http://127.0.0.1:${settings.CALLBACK_PORT}`;
    if (embedded) {
      const callbacks = await startCallbackService({
        port: settings.CALLBACK_PORT,
        secret: callbackSecret,
        // Address last: envconfig's options carry `address: undefined` when none is configured.
        connection: { ...temporal.connectionOptions, address },
        namespace: temporal.namespace,
        onOutcome: metrics.onCallback,
        dataConverter: encryption.dataConverter,
      });
      stops.push(() => callbacks.close());
      checkStopping();
      say(`Callback service:    ${callbacks.url} (public base ${callbackBaseUrl})`);
    }

    workers = await createRelayWorkers({
      connection,
      namespace: temporal.namespace,
      settings,
      activityDeps: { provider, callbackBaseUrl, callbackSecret, defaultRegion: settings.ALIYUN_REGION },
      dataConverter: encryption.dataConverter,
      quotaLease,
      workflowSource: chooseWorkflowSource({
        production: settings.NODE_ENV === 'production',
        bundleAtStart: settings.WORKFLOW_BUNDLE_AT_START,
        log: say,
      }),
    });
    // run() marks the workers RUNNING synchronously, so a signal that came during their creation can stop them now.
    const running = workers.run();
    if (stopping.signal.aborted) workers.shutdown();
    else {
      const queue = settings.TEMPORAL_TASK_QUEUE;
      const providerQueues = providerQueuePlan(queue).map((q) => q.taskQueue);
      say(`Worker running on task queues ${queue}, ${campaignTaskQueue(queue)} and ${quotaOwnerTaskQueue(queue)}`);
      say(`Provider calls on ${providerQueues.join(', ')} while this worker owns the provider quota (one per fleet)`);
      say('Ctrl-C drains the worker and stops everything started here.');
    }
    // Resolves once every worker has drained after a stop signal.
    await running;
    say('worker drained');
  } catch (err) {
    if (!(err instanceof StartupCancelled) && !(stopping.signal.aborted && err instanceof DevServerError)) throw err;
    say('stopped during start-up');
  } finally {
    await stopAll();
    for (const signal of STOP_SIGNALS) process.removeListener(signal, onSignal);
    say('stopped');
  }
}

if (require.main === module) {
  runMain().catch((err) => {
    process.stderr.write(`${metricsPortTakenMessage(err) ?? (err instanceof Error ? err.message : String(err))}\n`);
    process.exit(1);
  });
}
