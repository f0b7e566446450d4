/**
 * The worker process from start to stop: settings, logging, metrics, signals, payload encryption, the provider
 * client, the Temporal connection and the relay workers; Ctrl-C drains the workers and stops everything started
 * here, in reverse order. The production worker (src/worker.ts) runs it with everything configured; `npm start`
 * (src/bin/start.ts) hands it the local services it starts around the worker (src/dev-harness/local-services.ts).
 */
import { Runtime } from '@temporalio/worker';

import { resolvePayloadEncryption, type DevKeyMode, type PayloadEncryption } from '../codec/setup';
import { loadConfiguration, type Configuration } from '../config/load';
import { ConfigError, usesSandbox } from '../config/settings';
import {
  bannerPrinter,
  configureLogging,
  coreLogForwarding,
  registerSecrets,
  sdkLogger,
} from '../observability/logging';
import {
  createRelayMetrics,
  metricsPortTakenMessage,
  prometheusTelemetry,
  type RelayMetrics,
} from '../observability/metrics';
import { liveClientFromSettings } from '../provider/from-settings';
import { ProviderQuotaLease } from '../provider-quota/lease';
import { campaignTaskQueue } from '../shared/broadcast';
import { providerQueuePlan, quotaOwnerTaskQueue } from '../shared/provider-queues';

import { connectWorker, createRelayWorkers, type RelayWorkers } from './relay-workers';
import { chooseWorkflowSource } from './workflow-bundle';

/** Used only when no CALLBACK_SECRET is configured outside production; printed as such. */
const DEVELOPMENT_CALLBACK_SECRET = 'development-only-callback-secret';

/** Start-up and shutdown lines: `[relay] …` in text mode, JSON records (message = the line) in json mode. */
const say = bannerPrinter('relay');

/** Signals that stop the worker. SIGHUP: the terminal went away. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Thrown inside start-up when a stop signal arrived before the worker ran. */
export class StartupCancelled extends Error {
  override readonly name = 'StartupCancelled';
}

/** What the worker's start-up shares with the local services it starts. */
export interface StartupContext extends Configuration {
  env: NodeJS.ProcessEnv;
  /** Aborted by the first stop signal. */
  signal: AbortSignal;
  /** Adds a step to the stop sequence, which runs in reverse order of registration. */
  onStop(stop: () => Promise<void>): void;
  /** Throws StartupCancelled once a stop signal arrived. */
  checkStopping(): void;
  /** Prints one start-up line. */
  say(line: string): void;
  metrics: RelayMetrics;
}

/** The provider the worker signs its calls to. */
export interface ProviderAccess {
  accessKeyId: string;
  accessKeySecret: string;
  /** Default: the region's Alibaba Cloud endpoint. */
  endpoint?: string;
}

/**
 * Services started around the worker on one machine, for what the environment leaves unconfigured; called in this
 * order, each after the previous one started. The production worker has none: everything it uses is configured.
 */
export interface LocalServices {
  /** Whether a development payload key is created when no keys are configured. */
  payloadKeys(config: Configuration): DevKeyMode;
  /** With encryption on, before Temporal: returns the codec endpoint the Web UI should use, if any. */
  startCodecServer(context: StartupContext, encryption: PayloadEncryption): Promise<string | undefined>;
  /** When no Temporal address is configured: starts a Temporal server and returns its address. */
  startTemporal(context: StartupContext, codecEndpoint: string | undefined): Promise<string>;
  /** When no provider credentials are configured: starts a stand-in provider. */
  startProvider(context: StartupContext): Promise<ProviderAccess>;
  /** Once the worker's connection is open, before the workers run: e.g. the callback service. */
  startCallbackService(context: StartupContext, callbacks: CallbackSetup): Promise<void>;
}

/** What the callback service needs from the worker's start-up. */
export interface CallbackSetup {
  address: string;
  secret: string;
  /** The base URL the provider is told to call back. */
  publicBaseUrl: string;
  encryption: PayloadEncryption;
}

export interface RunWorkerOptions {
  /** Started for what is not configured; without them TEMPORAL_ADDRESS and the provider credentials are required. */
  localServices?: LocalServices;
  env?: NodeJS.ProcessEnv;
}

export async function runWorker(options: RunWorkerOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const local = options.localServices;
  // Settings and Temporal connection together: one message lists every bad variable, before anything starts.
  let config: Configuration;
  try {
    config = loadConfiguration(env, { embedded: local !== undefined });
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
  const stops: (() => Promise<void>)[] = [];
  const context: StartupContext = {
    ...config,
    env,
    signal: stopping.signal,
    onStop: (stop) => stops.push(stop),
    checkStopping: () => {
      if (stopping.signal.aborted) throw new StartupCancelled('stopped during start-up');
    },
    say,
    metrics,
  };
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => say(`stop failed: ${(err as Error).message}`));
  };

  try {
    // Payload encryption: configured keys, or a development key the local services may create.
    const encryption = resolvePayloadEncryption(settings, local?.payloadKeys(config) ?? 'none');
    registerSecrets(settings.PAYLOAD_ENCRYPTION_KEYS, ...encryption.secrets);
    say(encryption.description);
    const codecEndpoint = local && encryption.codec ? await local.startCodecServer(context, encryption) : undefined;

    let address = temporal.address;
    if (address) say(`Temporal: ${address} (namespace ${temporal.namespace})`);
    else address = await requireLocal(local, 'TEMPORAL_ADDRESS').startTemporal(context, codecEndpoint);

    let access: ProviderAccess;
    if (usesSandbox(settings)) access = await requireLocal(local, 'ALIYUN_ACCESS_KEY_ID').startProvider(context);
    else {
      access = {
        accessKeyId: settings.ALIYUN_ACCESS_KEY_ID ?? '',
        accessKeySecret: settings.ALIYUN_ACCESS_KEY_SECRET ?? '',
        endpoint: settings.ALIYUN_ENDPOINT,
      };
      say(
        `Provider: ${settings.ALIYUN_ENDPOINT ?? `Alibaba Cloud (${settings.ALIYUN_REGION})`} as ${access.accessKeyId}`
      );
    }
    // Only the worker of the fleet that owns the provider quota sends provider calls (src/provider-quota).
    const quotaLease = new ProviderQuotaLease();
    const provider = liveClientFromSettings(settings, {
      ...access,
      onCall: metrics.onProviderCall,
      callGuard: quotaLease,
    });
    stops.push(() => provider.close());

    const connection = await connectWorker(address, temporal.connectionOptions);
    stops.push(() => connection.close());
    context.checkStopping();

    const callbackSecret = settings.CALLBACK_SECRET ?? DEVELOPMENT_CALLBACK_SECRET;
    if (!settings.CALLBACK_SECRET) say('CALLBACK_SECRET not set: using the development-only secret');
    const callbackBaseUrl = settings.CALLBACK_PUBLIC_URL ?? `http://127.0.0.1:${settings.CALLBACK_PORT}`;
    await local?.startCallbackService(context, {
      address,
      secret: callbackSecret,
      publicBaseUrl: callbackBaseUrl,
      encryption,
    });

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
    if (!(err instanceof StartupCancelled)) throw err;
    say('stopped during start-up');
  } finally {
    await stopAll();
    for (const signal of STOP_SIGNALS) process.removeListener(signal, onSignal);
    say('stopped');
  }
}

/** loadConfiguration requires the variable when no local services run, so this only guards the types. */
function requireLocal(local: LocalServices | undefined, variable: string): LocalServices {
  if (!local) throw new ConfigError([`${variable}: required for the stand-alone worker`]);
  return local;
}

/** An entry point's last word on a failed start: the port and its variable when the metrics port is taken. */
export function reportStartFailure(err: unknown): never {
  process.stderr.write(`${metricsPortTakenMessage(err) ?? (err instanceof Error ? err.message : String(err))}\n`);
  process.exit(1);
}
