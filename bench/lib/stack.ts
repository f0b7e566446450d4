/**
 * What a bench run stands on: its own Temporal dev server and provider sandbox, and (unless the scenario runs the
 * worker elsewhere, e.g. in a child process to measure it) the real relay workers in this process. Built from the
 * test helpers so benches and tests exercise the same wiring.
 */
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';

import { WORKFLOWS_PATH } from '../../src/temporal/workflow-bundle';
import { startRelayStack, type RelayStack, type RelayStackOptions } from '../../testkit/relay-stack';
import { createDevEnv, type DevEnvOptions } from '../../testkit/temporal';

export interface BenchServer {
  env: TestWorkflowEnvironment;
  client: Client;
  /** host:port of the dev server's frontend, for child processes. */
  address: string;
  namespace: string;
  close(): Promise<void>;
}

export interface BenchStack extends BenchServer {
  relay: RelayStack;
  /** Runs `fn` while the relay workers poll, then drains them. */
  run<T>(fn: () => Promise<T>): Promise<T>;
}

export type BenchStackOptions = Omit<RelayStackOptions, 'taskQueue' | 'workflowBundle'> & {
  /** @default a fresh `bench-<n>-<time>` queue */
  taskQueue?: string;
  /** Dev server options (e.g. extra dynamic config for an experiment). */
  server?: DevEnvOptions;
};

let queueCounter = 0;

/** A task queue no earlier run used (each run also has its own server, so this is for readability in the UI). */
export function benchTaskQueue(prefix = 'bench'): string {
  queueCounter++;
  return `${prefix}-${queueCounter}-${Date.now().toString(36)}`;
}

const bundles = new Map<string, Promise<{ code: string }>>();

/**
 * A workflow bundle, built once per bench process (the product's by default; a scenario's baseline workflows by
 * path): runs then measure the workers, not webpack.
 */
export function benchWorkflowBundle(workflowsPath = WORKFLOWS_PATH): Promise<{ code: string }> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({
      workflowsPath,
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

/** A fresh dev server (in-memory, our search attributes) and a client on it. */
export async function startBenchServer(server: DevEnvOptions = {}): Promise<BenchServer> {
  const env = await createDevEnv(server);
  const client = env.client;
  return {
    env,
    client,
    address: env.address,
    namespace: env.namespace ?? 'default',
    close: () => env.teardown(),
  };
}

/** Dev server + sandbox + relay workers in this process. `close()` stops all three. */
export async function startBenchStack(options: BenchStackOptions = {}): Promise<BenchStack> {
  const { server: serverOptions, ...relayOptions } = options;
  const server = await startBenchServer(serverOptions);
  try {
    const relay = await startRelayStack(server.env, {
      ...relayOptions,
      taskQueue: options.taskQueue ?? benchTaskQueue(),
      workflowBundle: await benchWorkflowBundle(),
    });
    return {
      ...server,
      relay,
      run: (fn) => relay.run(fn),
      async close() {
        // Not relay.close(): its secret scan reads every history of the queue, thousands here; the suites scan.
        await relay.provider.close();
        await relay.sandbox.close();
        await server.close();
      },
    };
  } catch (err) {
    await server.close();
    throw err;
  }
}
