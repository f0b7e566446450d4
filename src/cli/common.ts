/** Pieces shared by the client script's commands. */
import { Client, Connection } from '@temporalio/client';

import { resolvePayloadEncryption } from '../codec/setup';
import { loadSettings } from '../config/settings';
import { loadTemporalConnectConfig } from '../temporal/connection';

/** Exit codes: 0 ok, 1 the operation failed, 2 bad input or configuration. */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface Connected {
  client: Client;
  namespace: string;
  close: () => Promise<void>;
}

/**
 * Connects with the envconfig settings; with none, to the `npm start` dev server on 127.0.0.1 at DEV_SERVER_PORT
 * (7233), the port `npm start` itself uses.
 */
export async function connect(): Promise<Connected> {
  const temporal = loadTemporalConnectConfig();
  const settings = loadSettings();
  // Payloads are encrypted with PAYLOAD_ENCRYPTION_KEYS; against the `npm start` dev server, with its development key.
  const encryption = resolvePayloadEncryption(settings, temporal.address ? 'none' : 'read');
  const connection = await Connection.connect({
    ...temporal.connectionOptions,
    address: temporal.address ?? `127.0.0.1:${settings.DEV_SERVER_PORT}`,
  });
  return {
    client: new Client({ connection, namespace: temporal.namespace, dataConverter: encryption.dataConverter }),
    namespace: temporal.namespace,
    close: () => connection.close(),
  };
}

export async function withClient<T>(fn: (c: Connected) => Promise<T>): Promise<T> {
  const connected = await connect();
  try {
    return await fn(connected);
  } finally {
    await connected.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The Web UI the links printed point at: TEMPORAL_UI_URL, or the `npm start` dev server's. */
export function webUiBase(): string {
  return process.env.TEMPORAL_UI_URL ?? `http://127.0.0.1:${process.env.DEV_SERVER_UI_PORT ?? 8233}`;
}
