/**
 * The client script for suites, benchmarks and the fault suite: run in this process (`runCli`, `main(argv)` with the
 * target's environment: fast, what most tests use) or as a child process the way a user's shell runs it
 * (`spawnCli`, ts-node over src/client.ts: the smoke tests, benchmarks and the fault suite); and a whole stack for
 * client suites.
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

import { runClientMain, type CliResult } from './cli-in-process';
import { startRelayStack, TEST_CALLBACK_SECRET, type RelayStack } from './relay-stack';
import type { ScannedText } from './secret-scan';
import { createDevEnv } from './temporal';

export type { CliResult } from './cli-in-process';

export const REPO_ROOT = path.resolve(__dirname, '..');

export interface CliTarget {
  /** host:port of the Temporal frontend. */
  address: string;
  namespace?: string;
  taskQueue: string;
  /** Extra environment for the client. */
  env?: Record<string, string>;
  /** A spawned client is killed after this long (an in-process one is bounded by the test's timeout). @default 120_000 */
  timeoutMs?: number;
}

/** Runs the client script with `args` against a target: in this process (runCli) or as a child (spawnCli). */
export type CliRunner = (target: CliTarget, args: string[]) => Promise<CliResult>;

/** The environment of the client: `base`, minus any Temporal profile or cloud setting that could leak in. */
function clientEnv(target: CliTarget, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
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

function recorded(args: string[], result: CliResult): CliResult {
  clientOutputs.push({ source: `client ${args.slice(0, 3).join(' ')}`, text: `${result.stdout}\n${result.stderr}` });
  return result;
}

/**
 * `main(args)` of the client script in this process, with the environment a spawned client would get (one call at a
 * time); resolves with the exit code and both outputs (never rejects on a non-zero exit).
 */
export const runCli: CliRunner = async (target, args) =>
  recorded(args, await runClientMain(args, { env: (current) => clientEnv(target, current), cwd: REPO_ROOT }));

/** `npm run client -- <args>` as a child process; resolves with the exit code and both outputs. */
export const spawnCli: CliRunner = (target, args) =>
  new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/client.ts', ...args],
      {
        cwd: REPO_ROOT,
        env: clientEnv(target, process.env),
        timeout: target.timeoutMs ?? 120_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`client ${args.join(' ')} did not run: ${error.message}\n${stderr}`));
          return;
        }
        resolve(recorded(args, { code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr }));
      }
    );
  });

/** Runs the client and expects exit code 0; the failure message carries both outputs. */
export async function runCliOk(target: CliTarget, args: string[], run: CliRunner = runCli): Promise<CliResult> {
  const result = await run(target, args);
  if (result.code !== 0) {
    throw new Error(
      `client ${args.join(' ')} exited ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`
    );
  }
  return result;
}

/** Runs the client with `--json` appended and parses its output. */
export async function runCliJson<T = unknown>(target: CliTarget, args: string[], run: CliRunner = runCli): Promise<T> {
  const { stdout } = await runCliOk(target, [...args, '--json'], run);
  try {
    return JSON.parse(stdout) as T;
  } catch {
    throw new Error(`client ${args.join(' ')} --json printed no JSON:\n${stdout}`);
  }
}

/** `broadcast start` of a live relay from a fixed source to `rtmp://ingest.example.com/app/<id>`, from flags. */
export function broadcastStartArgs(id: string, start: string, end: string): string[] {
  return [
    'broadcast',
    'start',
    '--id',
    id,
    '--source',
    'rtmp://source.example.com/live/feed',
    '--dst',
    `rtmp://ingest.example.com/app/${id}`,
    '--start',
    start,
    '--end',
    end,
  ];
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
