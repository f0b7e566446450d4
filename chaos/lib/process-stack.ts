/**
 * The product in separate pieces a scenario can break one at a time: a Temporal dev server with a persisted SQLite
 * database on a fixed port (so it can be stopped and started again on the same port and file), the provider sandbox
 * and the callback service in this process, and relay workers in child processes (./worker-process.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

import { Client, Connection } from '@temporalio/client';
import { DefaultLogger } from '@temporalio/worker';

import { startCallbackService, type RunningCallbackService } from '../../src/callbacks/service';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/dev-harness/sandbox';
import { ensureTemporalBinaries } from '../../src/dev-harness/temporal/binaries';
import { startDevServer, type RunningDevServer } from '../../src/dev-harness/temporal/dev-server';
import { freePort } from '../../testkit/ports';
import { TEST_CALLBACK_SECRET, TEST_KEY } from '../../testkit/relay-stack';

import { startProviderGate, type ProviderGate } from './provider-gate';
import { startWorkerProcess, writeWorkflowBundle, type WorkerProcess } from './worker-process';

export interface ProcessStack {
  client: Client;
  sandbox: RunningSandbox;
  /** What the workers call instead of the sandbox directly: it can hold an answer while a fault is injected. */
  providerGate: ProviderGate;
  callbacks: RunningCallbackService;
  taskQueue: string;
  /** Starts another relay worker process on the stack's queues. */
  startWorker(): Promise<WorkerProcess>;
  /** Stops the dev server (SIGTERM, as an operator would) and starts it again on the same port and database. */
  restartServer(): Promise<void>;
  close(): Promise<void>;
}

export interface ProcessStackOptions {
  label: string;
  sandbox?: SandboxOptions;
  /** Extra worker settings (e.g. PROVIDER_RATE_LIMIT_PER_SECOND). */
  workerEnv?: Record<string, string>;
  log(line: string): void;
}

export async function startProcessStack(options: ProcessStackOptions): Promise<ProcessStack> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `chaos-${options.label}-`));
    closers.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const binaries = await ensureTemporalBinaries({ log: options.log });
    const serverOptions = {
      binaries,
      port: await freePort(),
      uiPort: await freePort(),
      dbFile: path.join(dir, 'temporal.db'),
      output: (line: string) => options.log(`temporal: ${line}`),
    };
    let server: RunningDevServer = await startDevServer(serverOptions);
    closers.push(() => server.stop());
    const connection = await Connection.connect({ address: server.address });
    closers.push(() => connection.close());
    const client = new Client({ connection, namespace: server.namespace });

    const sandbox = await startSandbox({ port: 0, accessKeys: { [TEST_KEY.id]: TEST_KEY.secret }, ...options.sandbox });
    closers.push(() => sandbox.close());
    const providerGate = await startProviderGate(sandbox.url);
    closers.push(() => providerGate.close());
    const quiet = new DefaultLogger('WARN', (entry) => options.log(`${entry.level} ${entry.message}`));
    const callbacks = await startCallbackService({ port: 0, secret: TEST_CALLBACK_SECRET, client, logger: quiet });
    closers.push(() => callbacks.close());
    const bundle = await writeWorkflowBundle(quiet);
    closers.push(async () => bundle.remove());

    const taskQueue = `chaos-${options.label}-${randomUUID().slice(0, 8)}`;
    const workers = new Set<WorkerProcess>();
    closers.push(async () => {
      for (const worker of workers) await worker.kill();
    });
    return {
      client,
      sandbox,
      providerGate,
      callbacks,
      taskQueue,
      async startWorker() {
        const worker = await startWorkerProcess({
          workflowBundlePath: bundle.path,
          env: {
            TEMPORAL_ADDRESS: server.address,
            TEMPORAL_NAMESPACE: server.namespace,
            TEMPORAL_TASK_QUEUE: taskQueue,
            ALIYUN_ENDPOINT: providerGate.url,
            ALIYUN_ACCESS_KEY_ID: TEST_KEY.id,
            ALIYUN_ACCESS_KEY_SECRET: TEST_KEY.secret,
            ALIYUN_TIMEOUT_MS: '5000',
            CALLBACK_PUBLIC_URL: callbacks.url,
            CALLBACK_SECRET: TEST_CALLBACK_SECRET,
            WORKER_SHUTDOWN_GRACE_MS: '1000',
            ...options.workerEnv,
          },
          output: (line) => options.log(`worker: ${line}`),
        });
        workers.add(worker);
        const kill = worker.kill.bind(worker);
        const stop = worker.stop.bind(worker);
        return {
          pid: worker.pid,
          isAlive: () => worker.isAlive(),
          kill: () => kill().finally(() => workers.delete(worker)),
          stop: () => stop().finally(() => workers.delete(worker)),
        };
      },
      async restartServer() {
        await server.stop();
        server = await startDevServer(serverOptions);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
