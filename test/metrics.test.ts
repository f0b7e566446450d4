/**
 * `npm start`'s process end to end, scraped: the embedded dev server, sandbox, callback service and worker run a
 * short broadcast, and the Prometheus endpoint shows the project's counters moved (provider calls by action and
 * code, callbacks by outcome, broadcast transitions) next to the SDK's own worker metrics — and no secret.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client, Connection } from '@temporalio/client';

import { startBroadcast } from '../src/broadcast/start';
import { METRIC_NAMES } from '../src/observability/metrics';
import { DEMO_ACCESS_KEY } from '../src/sandbox';

import { relayRequest } from './helpers/broadcasts';
import { freePort } from './helpers/ports';

const ROOT = path.join(__dirname, '..');

/** The value of a metric line whose labels include every `labels` pair (counters may carry a `_total` suffix). */
function metricValue(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{([^}]*)\} ([0-9.e+]+)$/.exec(line);
    if (!match || (match[1] !== name && match[1] !== `${name}_total`)) continue;
    if (Object.entries(labels).every(([k, v]) => match[2]!.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}

describe('metrics endpoint during an npm start run', () => {
  let child: ChildProcess;
  let output = '';
  let dataDir: string;
  let client: Client;
  const ports: Record<string, number> = {};

  beforeAll(async () => {
    for (const name of ['DEV_SERVER_PORT', 'DEV_SERVER_UI_PORT', 'SANDBOX_PORT', 'CALLBACK_PORT', 'METRICS_PORT']) {
      ports[name] = await freePort();
    }
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'relay-metrics-'));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      DEV_SERVER_DB_FILE: path.join(dataDir, 'dev.db'),
      TEMPORAL_TASK_QUEUE: 'metrics-test',
      LOG_LEVEL: 'WARN',
    };
    child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], { cwd: ROOT, env });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        if (output.includes('Worker running')) {
          clearInterval(check);
          resolve();
        }
      }, 100);
      child.once('exit', (code) => {
        clearInterval(check);
        reject(new Error(`npm start exited (${code}) before the worker ran:\n${output}`));
      });
    });
    const connection = await Connection.connect({ address: `127.0.0.1:${ports.DEV_SERVER_PORT}` });
    client = new Client({ connection });
  }, 120_000);

  afterAll(async () => {
    await client?.connection.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('counts provider calls, callbacks and transitions of a real broadcast', async () => {
    const handle = await startBroadcast({
      client,
      taskQueue: 'metrics-test',
      workflowId: `metrics-${Date.now()}`,
      request: relayRequest(Date.now(), 3_000, 4_000),
      defaultRegion: 'cn-shanghai',
    });
    const status = await handle.result();
    expect(status.state).toBe('Completed');

    const response = await fetch(`http://127.0.0.1:${ports.METRICS_PORT}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(metricValue(text, METRIC_NAMES.providerCalls, { action: 'CreateLivePullToPush', code: 'OK' })).toBe(1);
    expect(metricValue(text, METRIC_NAMES.providerCalls, { action: 'DescribeLivePullToPush' })).toBeGreaterThan(0);
    expect(text).toContain(`${METRIC_NAMES.providerLatency}`);
    // The sandbox posts at least the running and exit callbacks; each is delivered as a signal.
    expect(metricValue(text, METRIC_NAMES.callbacks, { outcome: 'delivered' })).toBeGreaterThanOrEqual(2);
    expect(metricValue(text, METRIC_NAMES.broadcastTransitions, { state: 'Running' })).toBe(1);
    expect(metricValue(text, METRIC_NAMES.broadcastTransitions, { state: 'Completed' })).toBe(1);
    // The SDK's own worker metrics share the endpoint.
    expect(text).toMatch(/^temporal_workflow_completed/m);
    expect(text).not.toContain(DEMO_ACCESS_KEY.secret);
  }, 90_000);
});
