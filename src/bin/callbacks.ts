/** `npm run callbacks`: the callback service alone, connected to the configured Temporal cluster. */
import { Runtime } from '@temporalio/worker';

import { startCallbackService } from '../callbacks/service';
import { resolvePayloadEncryption } from '../codec/setup';
import { ConfigError, loadSettings } from '../config/settings';
import { bannerPrinter, configureLogging, coreLogForwarding, sdkLogger } from '../observability/logging';
import { createRelayMetrics, prometheusTelemetry } from '../observability/metrics';
import { loadTemporalConnectConfig } from '../temporal/connection';

async function run(): Promise<void> {
  const settings = loadSettings();
  if (!settings.CALLBACK_SECRET) throw new ConfigError(['CALLBACK_SECRET: required to run the callback service']);
  configureLogging({
    format: settings.LOG_FORMAT,
    level: settings.LOG_LEVEL,
    secrets: [settings.CALLBACK_SECRET, settings.PAYLOAD_ENCRYPTION_KEYS],
  });
  const temporal = loadTemporalConnectConfig();
  const address = temporal.address ?? '127.0.0.1:7233';
  // For the metrics endpoint and the SDK's own log records: this process talks to Temporal through the plain client.
  Runtime.install({
    logger: sdkLogger(),
    telemetryOptions: {
      ...prometheusTelemetry(settings.METRICS_HOST, settings.METRICS_PORT),
      logging: coreLogForwarding(),
    },
  });
  const metrics = createRelayMetrics();
  const service = await startCallbackService({
    port: settings.CALLBACK_PORT,
    host: settings.CALLBACK_HOST ?? (settings.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
    secret: settings.CALLBACK_SECRET,
    connection: { ...temporal.connectionOptions, address },
    namespace: temporal.namespace,
    onOutcome: metrics.onCallback,
    dataConverter: resolvePayloadEncryption(settings, 'none').dataConverter,
  });
  bannerPrinter('callbacks')(`listening on ${service.url}, signalling workflows on ${address}`);
  const stop = () => {
    void service.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

run().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
