/**
 * `npm run codec-server` (`node lib/bin/codec-server.js` in docker-compose): the codec server alone, for the Web UI
 * and the CLI. Needs PAYLOAD_ENCRYPTION_KEYS and CODEC_SERVER_TOKEN (or their *_FILE).
 */
import { startConfiguredCodecServer } from '../codec/from-settings';
import { resolvePayloadEncryption } from '../codec/setup';
import { ConfigError, loadSettings } from '../config/settings';
import { bannerPrinter, configureLogging, registerSecrets } from '../observability/logging';

async function run(): Promise<void> {
  const settings = loadSettings();
  configureLogging({
    format: settings.LOG_FORMAT,
    level: settings.LOG_LEVEL,
    secrets: [settings.PAYLOAD_ENCRYPTION_KEYS, settings.CODEC_SERVER_TOKEN],
  });
  const encryption = resolvePayloadEncryption(settings, 'none');
  registerSecrets(...encryption.secrets);
  const started = await startConfiguredCodecServer(settings, encryption, 'none');
  if (!started) throw new ConfigError(['CODEC_SERVER_TOKEN: required to run the codec server']);
  const { server, description } = started;
  const say = bannerPrinter('codec');
  say(encryption.description);
  say(`listening on ${description}`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

run().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
