/**
 * A relay worker (both workers: workflows and the rate-limited provider queue) in a child process that a scenario
 * can SIGKILL at any moment, as a crashed host would die, and start again. See ./worker-child.ts for the child.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

import type { Logger } from '@temporalio/common';

import { PROJECT_ROOT } from '../../src/config/project-root';
import { bundleRelayWorkflows } from '../../src/temporal/workflow-bundle';

import { READY_LINE } from './worker-child';

const CHILD_ENTRY = path.join(__dirname, 'worker-child.ts');

export interface WorkerProcessOptions {
  /**
   * The worker's configuration, as for `node lib/worker.js`: TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE, ALIYUN_ENDPOINT,
   * ALIYUN_ACCESS_KEY_ID/SECRET, CALLBACK_PUBLIC_URL, CALLBACK_SECRET… Passed in the child's environment only.
   */
  env: Record<string, string>;
  /** A file from writeWorkflowBundle(): bundling once saves seconds of CPU on every restart. */
  workflowBundlePath?: string;
  /** Receives the child's output lines (SDK warnings, errors). @default dropped */
  output?: (line: string) => void;
  /** @default 60000 (a loaded machine compiles and connects slowly) */
  readyTimeoutMs?: number;
  /**
   * Another program than ./worker-child.ts, e.g. the production worker (`node lib/worker.js`): its arguments to node
   * and the output line that says it polls. Its workflow bundle is its own (workflowBundlePath is then unused).
   */
  program?: { args: string[]; isReady(line: string): boolean };
}

export interface WorkerProcess {
  pid: number;
  /** False once the process has exited, for whatever reason. */
  isAlive(): boolean;
  /** SIGKILL: no drain, no goodbye to the server; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM: the workers drain as on a normal shutdown; resolves once the process has exited. */
  stop(): Promise<void>;
}

/** Bundles the workflows once into a file that every worker process of a scenario loads. */
export async function writeWorkflowBundle(logger?: Logger): Promise<{ path: string; remove(): void }> {
  const { code } = await bundleRelayWorkflows(logger);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chaos-bundle-'));
  const file = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(file, code);
  return { path: file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts the worker process and resolves once both workers poll; rejects with its last output if it dies first. */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const program = options.program ?? {
    args: ['-r', 'ts-node/register/transpile-only', CHILD_ENTRY],
    isReady: (line: string) => line === READY_LINE,
  };
  const child = spawn(process.execPath, program.args, {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      METRICS_PORT: '0',
      LOG_LEVEL: 'WARN',
      ...options.env,
      ...(options.workflowBundlePath ? { CHAOS_WORKFLOW_BUNDLE: options.workflowBundlePath } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const gone = exited(child).then(() => process.removeListener('exit', killOnExit));
  const recent: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker process not ready after ${options.readyTimeoutMs ?? 60_000} ms`)),
      options.readyTimeoutMs ?? 60_000
    );
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        if (program.isReady(line)) {
          clearTimeout(timer);
          resolve();
          return;
        }
        recent.push(line);
        if (recent.length > 20) recent.shift();
        options.output?.(line);
      });
    }
    void gone.then(() => {
      clearTimeout(timer);
      reject(
        new Error(
          `worker process exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${recent.join('\n')}`
        )
      );
    });
  });
  try {
    await ready;
  } catch (err) {
    child.kill('SIGKILL');
    await gone;
    throw err;
  }
  return {
    pid: child.pid ?? -1,
    isAlive: () => child.exitCode === null && child.signalCode === null,
    async kill() {
      child.kill('SIGKILL');
      await gone;
    },
    async stop() {
      child.kill('SIGTERM');
      await gone;
    },
  };
}
