/** Pieces shared by the client script's commands. */
import { Client, Connection } from '@temporalio/client';

import { clientPayloadEncryption } from '../codec/client-encryption';
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
  /** host:port of the Temporal frontend this client talks to. */
  address: string;
  /** That cluster's Web UI, when known (see webUiBase). */
  uiBase?: string;
  close: () => Promise<void>;
}

/**
 * The Web UI of the cluster the client is connected to: TEMPORAL_UI_URL when set; the `npm start` dev server's own
 * (127.0.0.1:DEV_SERVER_UI_PORT) when no TEMPORAL_ADDRESS is configured; otherwise unknown — never another cluster's.
 */
export function webUiBase(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TEMPORAL_UI_URL) return env.TEMPORAL_UI_URL.replace(/\/+$/, '');
  if (env.TEMPORAL_ADDRESS) return undefined;
  return `http://127.0.0.1:${loadSettings(env).DEV_SERVER_UI_PORT}`;
}

/** `Web UI: <link>`, or says there is none and how to give one. */
export function webUiLine(connected: Pick<Connected, 'address' | 'uiBase'>, link: (base: string) => string): string {
  return connected.uiBase
    ? `Web UI: ${link(connected.uiBase)}`
    : `Web UI: none known for ${connected.address} (set TEMPORAL_UI_URL to your cluster's Web UI)`;
}

/**
 * An error's message followed by its causes': the SDK's "Failed to start Workflow" says nothing by itself, its gRPC
 * cause says why (e.g. `3 INVALID_ARGUMENT: Namespace default has no mapping defined for search attribute …`).
 */
export function withCauses(err: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = err; e instanceof Error && messages.length < 10; e = e.cause) {
    const message = e.message;
    // A cause that only repeats its wrapper's text adds nothing.
    if (!messages.some((m) => m.includes(message))) messages.push(message);
  }
  return messages.join(': ') || String(err);
}

/** A failure of an operation on a cluster: what failed, why (the whole cause chain), and which cluster. */
export class ClusterOperationError extends Error {
  override readonly name = 'ClusterOperationError';
  constructor(what: string, err: unknown, connected: Pick<Connected, 'address' | 'namespace' | 'uiBase'>) {
    super(
      `${what}: ${withCauses(err)}\n(Temporal ${connected.address}, namespace ${connected.namespace}; ` +
        `${webUiLine(connected, (base) => base)})`,
      { cause: err }
    );
  }
}

/**
 * Connects with the envconfig settings; with none, to the `npm start` dev server on 127.0.0.1 at DEV_SERVER_PORT
 * (7233), the port `npm start` itself uses.
 */
export async function connect(): Promise<Connected> {
  const temporal = loadTemporalConnectConfig();
  const settings = loadSettings();
  // Payloads are encrypted with PAYLOAD_ENCRYPTION_KEYS; against the `npm start` dev server, with its development key.
  const encryption = clientPayloadEncryption(settings, temporal.address);
  const address = temporal.address ?? `127.0.0.1:${settings.DEV_SERVER_PORT}`;
  const connection = await Connection.connect({ ...temporal.connectionOptions, address });
  return {
    client: new Client({ connection, namespace: temporal.namespace, dataConverter: encryption.dataConverter }),
    namespace: temporal.namespace,
    address,
    uiBase: webUiBase(),
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
