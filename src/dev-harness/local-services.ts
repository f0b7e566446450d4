/**
 * What `npm start` runs around the worker for whatever the environment leaves unconfigured: the codec server for the
 * Web UI, an embedded Temporal dev server (persistent, Web UI on), the provider sandbox, and the callback service.
 * The worker's own start-up and stop order are in src/temporal/run-worker.ts, which calls these in turn.
 */
import { startCallbackService } from '../callbacks/service';
import { startConfiguredCodecServer } from '../codec/from-settings';
import type { Configuration } from '../config/load';
import { sandboxStateFile } from '../config/settings';
import { bannerPrinter, logFormat, registerSecrets } from '../observability/logging';
import { StartupCancelled, type LocalServices } from '../temporal/run-worker';

import { DEMO_ACCESS_KEY, parseAccessKeys, startSandbox } from './sandbox';
import { describeBinaries, ensureTemporalBinaries } from './temporal/binaries';
import { holdPorts } from './tcp';
import { DevServerError, startDevServer } from './temporal/dev-server';

/**
 * With the embedded dev server in development, a per-machine payload key is created in the dev server's data folder,
 * so encryption is on by default and the persisted history stays readable.
 */
function devServerInDevelopment({ settings, temporal }: Configuration): boolean {
  return !temporal.address && settings.NODE_ENV !== 'production';
}

export const localServices: LocalServices = {
  payloadKeys: (config) => (devServerInDevelopment(config) ? 'create' : 'none'),

  async startCodecServer(context, encryption) {
    const mode = devServerInDevelopment(context) ? 'create' : 'none';
    const codec = await startConfiguredCodecServer(context.settings, encryption, mode);
    if (codec) {
      registerSecrets(codec.token);
      context.onStop(() => codec.server.close());
    }
    context.say(`Codec server:        ${codec?.description ?? 'not started (set CODEC_SERVER_TOKEN to run it)'}`);
    return codec?.uiEndpoint;
  },

  async startTemporal(context, codecEndpoint) {
    const { settings, temporal } = context;
    const binaries = await ensureTemporalBinaries({ env: context.env });
    context.checkStopping();
    context.say(describeBinaries(binaries));
    // The dev server picks random free ports of its own: keep it off the ports of the services started after it.
    const releasePorts = await holdPorts([settings.SANDBOX_PORT, settings.CALLBACK_PORT]);
    const server = await startDevServer({
      binaries,
      port: settings.DEV_SERVER_PORT,
      uiPort: settings.DEV_SERVER_UI_PORT,
      dbFile: settings.DEV_SERVER_DB_FILE,
      namespace: temporal.namespace,
      signal: context.signal,
      codecEndpoint,
      // Its own banner and errors become records too, so stdout stays one JSON object per line.
      output: logFormat() === 'json' ? bannerPrinter('temporal-dev-server') : undefined,
    })
      .catch((err: unknown) => {
        // A stop signal kills the starting server; its failure is then the stop, not an error.
        if (context.signal.aborted && err instanceof DevServerError)
          throw new StartupCancelled('stopped during start-up');
        throw err;
      })
      .finally(releasePorts);
    context.onStop(() => server.stop());
    context.checkStopping();
    context.say(
      `Temporal dev server: ${server.address} (namespace ${temporal.namespace}), data in ${settings.DEV_SERVER_DB_FILE}`
    );
    context.say(`Temporal Web UI:     ${server.uiUrl}`);
    return server.address;
  },

  async startProvider(context) {
    const { settings } = context;
    // The worker signs with the first configured sandbox pair; the demo pair (printed) when none is configured.
    const configuredKeys = parseAccessKeys(context.env.SANDBOX_ACCESS_KEYS);
    const [keyId, secret] = Object.entries(configuredKeys ?? {})[0] ?? [DEMO_ACCESS_KEY.id, DEMO_ACCESS_KEY.secret];
    const sandbox = await startSandbox({
      port: settings.SANDBOX_PORT,
      accessKeys: configuredKeys ?? { [DEMO_ACCESS_KEY.id]: DEMO_ACCESS_KEY.secret },
      timeScale: settings.SANDBOX_TIME_SCALE,
      stateFile: sandboxStateFile(settings),
    });
    context.onStop(() => sandbox.close());
    context.checkStopping();
    // Configured sandbox secrets are masked in logs; the demo pair is public (printed below; in the source).
    registerSecrets(...Object.values(configuredKeys ?? {}));
    context.say(
      configuredKeys
        ? `Provider sandbox:    ${sandbox.url} (key ${keyId} from SANDBOX_ACCESS_KEYS)`
        : `Provider sandbox:    ${sandbox.url} (demo key ${DEMO_ACCESS_KEY.id} / ${DEMO_ACCESS_KEY.secret})`
    );
    return { accessKeyId: keyId, accessKeySecret: secret, endpoint: sandbox.url };
  },

  async startCallbackService(context, { address, secret, publicBaseUrl, encryption }) {
    // Also runnable alone with `npm run callbacks`.
    const callbacks = await startCallbackService({
      port: context.settings.CALLBACK_PORT,
      secret,
      // Address last: envconfig's options carry `address: undefined` when none is configured.
      connection: { ...context.temporal.connectionOptions, address },
      namespace: context.temporal.namespace,
      onOutcome: context.metrics.onCallback,
      dataConverter: encryption.dataConverter,
    });
    context.onStop(() => callbacks.close());
    context.checkStopping();
    context.say(`Callback service:    ${callbacks.url} (public base ${publicBaseUrl})`);
  },
};
