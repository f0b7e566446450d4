/**
 * `npm run sandbox -- --port N` as a process (the same ts-node command the npm script runs): it prints its URL and
 * key source, serves the official SDK with the keys of SANDBOX_ACCESS_KEYS, refuses a wrong secret, stops cleanly on
 * SIGTERM, and refuses bad arguments with exit code 2.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

import OpenApi, { $OpenApiUtil, OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';

const ROOT = path.resolve(__dirname, '../..');
const TS_NODE = path.join(ROOT, 'node_modules/.bin/ts-node');
const KEY = { id: 'cli-test-id', secret: 'cli-test-secret' };

function runSandbox(args: string[]) {
  const child = spawn(TS_NODE, ['--transpile-only', 'src/bin/sandbox.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, SANDBOX_ACCESS_KEYS: `${KEY.id}:${KEY.secret}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

async function urlOf(run: ReturnType<typeof runSandbox>): Promise<string> {
  const deadline = Date.now() + 50_000;
  for (;;) {
    const match = /sandbox on (http:\/\/[^\s]+)/.exec(run.stdout());
    if (match?.[1]) return match[1];
    if (run.child.exitCode !== null) throw new Error(`sandbox exited: ${run.stderr()}`);
    if (Date.now() > deadline) throw new Error('sandbox did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function listWith(url: string, secret: string, v1: boolean) {
  const client = new OpenApi(
    new $OpenApiUtil.Config({
      accessKeyId: KEY.id,
      accessKeySecret: secret,
      endpoint: new URL(url).host,
      protocol: 'http',
      ...(v1 ? { signatureAlgorithm: 'v2' } : {}),
    })
  );
  const params = new $OpenApiUtil.Params({
    action: 'DescribeLivePullToPushList',
    version: '2016-11-01',
    protocol: 'HTTPS',
    pathname: '/',
    method: 'GET',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  const request = new $OpenApiUtil.OpenApiRequest({ query: OpenApiUtil.query({ Region: 'cn-shanghai' }) });
  return client.callApi(params, request, new $dara.RuntimeOptions({})) as Promise<{
    statusCode: number;
    body: Record<string, unknown>;
  }>;
}

describe('npm run sandbox', () => {
  let running: ChildProcess | undefined;
  afterEach(() => {
    if (running && running.exitCode === null) running.kill('SIGKILL');
    running = undefined;
  });

  it('prints its options with --help and exits 0 without listening', async () => {
    const run = runSandbox(['--help']);
    running = run.child;
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toMatch(/^npm run sandbox -- \[options\]/);
    for (const option of ['--port', '--host', '--time-scale', '--running-event', '--faults', 'SANDBOX_ACCESS_KEYS']) {
      expect(run.stdout()).toContain(option);
    }
    expect(run.stdout()).not.toContain('sandbox on');
  });

  it('serves the official SDK (V3 and V1) with SANDBOX_ACCESS_KEYS, refuses a wrong secret, stops on SIGTERM', async () => {
    const run = runSandbox(['--port', '0', '--time-scale', '60', '--faults', '{"latencyMs":0}']);
    running = run.child;
    const url = await urlOf(run);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(run.stdout()).toContain(`access keys: ${KEY.id} (from SANDBOX_ACCESS_KEYS)`);
    expect(run.stdout()).not.toContain(KEY.secret);
    for (const v1 of [false, true]) {
      const answer = await listWith(url, KEY.secret, v1);
      expect(answer.statusCode).toBe(200);
      expect(answer.body).toMatchObject({ Total: 0, TaskList: [] });
      const err = (await listWith(url, 'wrong', v1).catch((e: unknown) => e)) as { code?: string };
      expect(err.code).toBe('SignatureDoesNotMatch');
    }
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it.each([
    [['--port', 'x']],
    [['--time-scale', '0']],
    [['--running-event', 'Running']],
    [['--faults', '{"hangRate": 3}']],
  ])('refuses %j with exit code 2', async (args) => {
    const run = runSandbox(args);
    running = run.child;
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toMatch(/^--/);
  });
});
