/**
 * Runs the real client script (`npm run client -- …`, i.e. ts-node over src/client.ts) as a child process against
 * a Temporal server, the way a user's shell would.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { TestWorkflowEnvironment } from '@temporalio/testing';

import { startCallbackService, type RunningCallbackService } from '../src/callbacks/service';
import { isoSecondsRoundedUp } from '../src/shared/time';
import { bundleRelayWorkflows } from '../src/temporal/workflow-bundle';

import { startRelayStack, TEST_CALLBACK_SECRET, type RelayStack } from './relay-stack';
import type { ScannedText } from './secret-scan';
import { createDevEnv } from './temporal';

export const REPO_ROOT = path.resolve(__dirname, '..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliTarget {
  /** host:port of the Temporal frontend. */
  address: string;
  namespace?: string;
  taskQueue: string;
  /** Extra environment for the child. */
  env?: Record<string, string>;
  /** The child is killed after this long. @default 120_000 */
  timeoutMs?: number;
}

/** The environment of the child: the caller's, minus any Temporal profile or cloud setting that could leak in. */
function childEnv(target: CliTarget): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('TEMPORAL_') || key.startsWith('ALIYUN_')) continue;
    env[key] = value;
  }
  return {
    ...env,
    TEMPORAL_ADDRESS: target.address,
    TEMPORAL_NAMESPACE: target.namespace ?? 'default',
    TEMPORAL_TASK_QUEUE: target.taskQueue,
    ALIYUN_REGION: 'cn-shanghai',
    LOG_LEVEL: 'WARN',
    ...target.env,
  };
}

/** Every output of the client script in this suite (jest gives each suite its own modules): the secret scan reads it. */
const clientOutputs: ScannedText[] = [];

/** `npm run client -- <args>`; resolves with the exit code and both outputs (never rejects on a non-zero exit). */
export function runCli(target: CliTarget, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/client.ts', ...args],
      { cwd: REPO_ROOT, env: childEnv(target), timeout: target.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`client ${args.join(' ')} did not run: ${error.message}\n${stderr}`));
          return;
        }
        clientOutputs.push({ source: `client ${args.slice(0, 3).join(' ')}`, text: `${stdout}\n${stderr}` });
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      }
    );
  });
}

/** Runs the client and expects exit code 0; the failure message carries both outputs. */
export async function runCliOk(target: CliTarget, args: string[]): Promise<CliResult> {
  const result = await runCli(target, args);
  if (result.code !== 0) {
    throw new Error(
      `client ${args.join(' ')} exited ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`
    );
  }
  return result;
}

/** Runs the client with `--json` appended and parses its output. */
export async function runCliJson<T = unknown>(target: CliTarget, args: string[]): Promise<T> {
  const { stdout } = await runCliOk(target, [...args, '--json']);
  try {
    return JSON.parse(stdout) as T;
  } catch {
    throw new Error(`client ${args.join(' ')} --json printed no JSON:\n${stdout}`);
  }
}

/** Seconds-precision ISO time `ms` from now, as the provider wants it. */
export function isoIn(ms: number, now = Date.now()): string {
  return isoSecondsRoundedUp(now + ms);
}

/** Everything a client-script suite talks to: dev server, sandbox, callback service, running workers, a temp dir. */
export interface CliStack {
  env: TestWorkflowEnvironment;
  stack: RelayStack;
  callbacks: RunningCallbackService;
  target: CliTarget;
  dir: string;
  close(): Promise<void>;
}

export async function startCliStack(name: string): Promise<CliStack> {
  const env = await createDevEnv();
  const bundle = await bundleRelayWorkflows();
  const callbacks = await startCallbackService({ port: 0, secret: TEST_CALLBACK_SECRET, client: env.client });
  const stack = await startRelayStack(env, {
    taskQueue: `${name}-${randomUUID()}`,
    callbackBaseUrl: callbacks.url,
    workflowBundle: bundle,
  });
  const running = stack.workers.run();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  return {
    env,
    stack,
    callbacks,
    target: { address: env.address, taskQueue: stack.taskQueue },
    dir,
    async close() {
      stack.workers.shutdown();
      await running;
      try {
        await stack.close(clientOutputs); // scans the histories and the client's outputs for secrets
      } finally {
        await callbacks.close();
        await env.teardown();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
