/** The codec server as `npm start` and `npm run codec-server` run it: port, host, token and origins from settings. */
import type { Settings } from '../config/settings';
import { ConfigError } from '../config/errors';

import { startCodecServer, type RunningCodecServer } from './server';
import { resolveCodecServerToken, type DevKeyMode, type PayloadEncryption } from './setup';

export interface ConfiguredCodecServer {
  server: RunningCodecServer;
  /**
   * What to give the Web UI as its codec endpoint: the server's URL with the token as first path segment (the Web UI
   * cannot send a header of its own). A secret: never print it.
   */
  uiEndpoint: string;
  /** One line for the start-up output, without the token. */
  description: string;
  /** The token, for the log redactor. */
  token: string;
}

/** Origins from CODEC_SERVER_CORS_ORIGINS, else the embedded dev server's Web UI under both of its local names. */
export function codecCorsOrigins(settings: Pick<Settings, 'CODEC_SERVER_CORS_ORIGINS' | 'DEV_SERVER_UI_PORT'>) {
  if (settings.CODEC_SERVER_CORS_ORIGINS) {
    return settings.CODEC_SERVER_CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean);
  }
  return [`http://127.0.0.1:${settings.DEV_SERVER_UI_PORT}`, `http://localhost:${settings.DEV_SERVER_UI_PORT}`];
}

/** Starts the codec server; undefined when there is no token (CODEC_SERVER_TOKEN, or the development one). */
export async function startConfiguredCodecServer(
  settings: Settings,
  encryption: PayloadEncryption,
  devToken: DevKeyMode
): Promise<ConfiguredCodecServer | undefined> {
  if (!encryption.codec) throw new ConfigError(['PAYLOAD_ENCRYPTION_KEYS: the codec server needs the keys']);
  const { token, description } = resolveCodecServerToken(settings, devToken);
  if (!token) return undefined;
  const origins = codecCorsOrigins(settings);
  const server = await startCodecServer({
    codec: encryption.codec,
    token,
    allowedOrigins: origins,
    port: settings.CODEC_SERVER_PORT,
    host: settings.CODEC_SERVER_HOST ?? (settings.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
  });
  return {
    server,
    uiEndpoint: `${server.url}/${token}`,
    token,
    description: `${server.url} (token from ${description}; browsers from ${origins.join(', ')})`,
  };
}
