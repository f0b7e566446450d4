/**
 * `npm start`'s process end to end, scraped and read: the embedded dev server, sandbox, callback service and worker
 * run a short broadcast; the Prometheus endpoint shows the project's counters moved (provider calls by action and
 * code, callbacks by outcome, broadcast transitions) next to the SDK's own worker metrics, and the process's output
 * is JSON log records that tie the relay to its workflow and provider TaskId — with no secret in either.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client, Connection } from '@temporalio/client';

import { startBroadcast } from '../src/broadcast/start';
import { callbackToken } from '../src/callbacks/tokens';
import { METRIC_NAMES } from '../src/observability/metrics';
import { BroadcastStateKey, TaskIdKey } from '../src/shared/search-attributes';

import { relayRequest } from '../testkit/broadcasts';
import { waitFor } from '../testkit/wait';
import { freePort } from '../testkit/ports';
import { metricValue } from './helpers/prometheus';

const ROOT = path.join(__dirname, '..');
/** The sandbox pair the worker signs with, and the callback secret: configured, so none is printed on purpose. */
const PROVIDER_KEY = { id: 'metrics-test-key', secret: 'metrics-test-provider-secret-never-logged' };
const CALLBACK_SECRET = 'metrics-test-callback-secret-never-logged';

type LogRecord = Record<string, unknown>;

describe('metrics endpoint and logs of an npm start run', () => {
  let child: ChildProcess;
  let output = '';
  let stdout = '';
  let dataDir: string;
  let client: Client;
  const ports: Record<string, number> = {};
  const workflowId = `metrics-${Date.now()}`;
  /** How the broadcast ended, from its search attributes (npm start encrypts payloads: results need its key). */
  let ended: { state?: string; taskId?: string };

  beforeAll(async () => {
    for (const name of [
      'DEV_SERVER_PORT',
      'DEV_SERVER_UI_PORT',
      'SANDBOX_PORT',
      'CALLBACK_PORT',
      'METRICS_PORT',
      'CODEC_SERVER_PORT',
    ]) {
      ports[name] = await freePort();
    }
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'relay-metrics-'));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      DEV_SERVER_DB_FILE: path.join(dataDir, 'dev.db'),
      TEMPORAL_TASK_QUEUE: 'metrics-test',
      LOG_LEVEL: 'INFO',
      LOG_FORMAT: 'json',
      SANDBOX_ACCESS_KEYS: `${PROVIDER_KEY.id}:${PROVIDER_KEY.secret}`,
      CALLBACK_SECRET,
    };
    child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/bin/start.ts'], { cwd: ROOT, env });
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
      stdout += d.toString();
    });
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
    const handle = await startBroadcast({
      client,
      taskQueue: 'metrics-test',
      workflowId,
      request: relayRequest(Date.now(), 3_000, 4_000),
      defaultRegion: 'cn-shanghai',
    });
    const closed = await waitFor(
      'the broadcast to close',
      async () => {
        const description = await handle.describe();
        return description.status.name === 'RUNNING' ? undefined : description;
      },
      90_000
    );
    ended = {
      state: closed.typedSearchAttributes.get(BroadcastStateKey),
      taskId: closed.typedSearchAttributes.get(TaskIdKey),
    };
  }, 180_000);

  afterAll(async () => {
    await client?.connection.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
    // What the process printed, kept for inspection when a check above fails.
    mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
    writeFileSync(path.join(ROOT, 'test-artifacts', 'npm-start-output.txt'), output);
  }, 60_000);

  /** The development key (base64) and codec token npm start wrote next to its database. */
  const devEncryptionSecrets = () => [
    readFileSync(path.join(dataDir, 'payload-encryption-keys'), 'utf8').trim().split(':')[1] ?? '',
    readFileSync(path.join(dataDir, 'codec-server-token'), 'utf8').trim(),
  ];

  it('encrypts by default with a development key of its own, and serves it through the codec server', async () => {
    expect(stdout).toMatch(/payload encryption ON, AES-256-GCM with key ids dev-/);
    for (const file of ['payload-encryption-keys', 'codec-server-token']) {
      expect(statSync(path.join(dataDir, file)).mode & 0o777).toBe(0o600); // owner-only
    }
    // The worker encrypted what it wrote: the create activity's input (which holds the URLs) is ciphertext.
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const scheduled = history.events?.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'ensureRelayTask'
    )?.activityTaskScheduledEventAttributes;
    const payload = scheduled?.input?.payloads?.[0];
    expect(Buffer.from(payload?.metadata?.encoding ?? new Uint8Array()).toString()).toBe('binary/encrypted');
    expect(Buffer.from(payload?.data ?? new Uint8Array()).toString('latin1')).not.toContain('rtmp://');
    // npm start's codec server decodes it for whoever holds the generated token.
    const [, token] = devEncryptionSecrets();
    const body = JSON.stringify({
      payloads: [
        {
          metadata: Object.fromEntries(
            Object.entries(payload?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])
          ),
          data: Buffer.from(payload?.data ?? new Uint8Array()).toString('base64'),
        },
      ],
    });
    const codecUrl = `http://127.0.0.1:${ports.CODEC_SERVER_PORT}/decode`;
    const decoded = await fetch(codecUrl, { method: 'POST', body, headers: { authorization: `Bearer ${token}` } });
    expect(decoded.status).toBe(200);
    const [plain] = ((await decoded.json()) as { payloads: { data: string }[] }).payloads;
    expect(Buffer.from(plain?.data ?? '', 'base64').toString()).toContain('rtmp://');
    expect((await fetch(codecUrl, { method: 'POST', body })).status).toBe(401);
  }, 60_000);

  it('counts provider calls, callbacks and transitions of a real broadcast', async () => {
    expect(ended.state).toBe('Completed');

    const response = await fetch(`http://127.0.0.1:${ports.METRICS_PORT}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(metricValue(text, METRIC_NAMES.providerCalls, { action: 'CreateLivePullToPush', code: 'OK' })).toBe(1);
    expect(metricValue(text, METRIC_NAMES.providerCalls, { action: 'DescribeLivePullToPush' })).toBeGreaterThan(0);
    expect(text).toContain(`${METRIC_NAMES.providerLatency}`);
    expect(text).toContain(`${METRIC_NAMES.providerQuotaWait}`);
    // The sandbox posts at least the running and exit callbacks; each is delivered as a signal.
    expect(metricValue(text, METRIC_NAMES.callbacks, { outcome: 'delivered' })).toBeGreaterThanOrEqual(2);
    expect(metricValue(text, METRIC_NAMES.broadcastTransitions, { state: 'Running' })).toBe(1);
    expect(metricValue(text, METRIC_NAMES.broadcastTransitions, { state: 'Completed' })).toBe(1);
    // The SDK's own worker metrics share the endpoint.
    expect(text).toMatch(/^temporal_workflow_completed/m);
    for (const secret of [PROVIDER_KEY.secret, CALLBACK_SECRET]) expect(text).not.toContain(secret);
  }, 90_000);

  it('logs JSON records that carry the workflowId and the provider TaskId, and no secret', async () => {
    const { taskId } = ended;
    expect(taskId).toMatch(/\S/);
    const records = () => stdout.split('\n').filter((line) => line.length > 0);
    const about = (message: string, fields: LogRecord) => (r: LogRecord) =>
      r.message === message && Object.entries(fields).every(([k, v]) => r[k] === v);
    // The SDK buffers records briefly (core log forwarding), so the last ones may come a moment after the result.
    const parsed = await waitFor('the relay records', async () => {
      const all = records().map((line) => JSON.parse(line) as LogRecord);
      const done = all.some(about('broadcast state changed', { workflowId, state: 'Completed' }));
      return done ? all : undefined;
    });
    // Every stdout line is one JSON record: the banner, the dev server's own lines, the SDK's and ours.
    for (const record of parsed) {
      expect(Object.keys(record).slice(0, 3)).toEqual(['time', 'level', 'message']);
      expect(new Date(String(record.time)).toISOString()).toBe(record.time);
    }
    expect(parsed).toContainEqual(
      expect.objectContaining({ component: 'relay', message: expect.stringMatching(/^Worker running/) })
    );
    // The activity's record: provider TaskId plus the SDK's workflow context.
    expect(parsed).toContainEqual(
      expect.objectContaining({
        message: 'relay task created',
        component: 'activity',
        activityType: 'ensureRelayTask',
        workflowId,
        runId: expect.any(String),
        taskId,
      })
    );
    // The workflow's transitions (replay-safe workflow log) and the callback service's deliveries.
    for (const state of ['Created', 'Running', 'Completed']) {
      expect(parsed).toContainEqual(
        expect.objectContaining({
          message: 'broadcast state changed',
          component: 'workflow',
          workflowId,
          state,
          taskId,
        })
      );
    }
    expect(parsed).toContainEqual(
      expect.objectContaining({
        message: 'callback delivered',
        component: 'callbacks',
        workflowId,
        taskId,
        event: 'running',
      })
    );
    // No secret anywhere in the process's output (stdout and stderr): the keys, nor the callback URL's token, nor the
    // development encryption key and codec token npm start generated.
    const devSecrets = devEncryptionSecrets();
    expect(devSecrets).toHaveLength(2);
    for (const secret of [
      PROVIDER_KEY.secret,
      CALLBACK_SECRET,
      callbackToken(CALLBACK_SECRET, workflowId),
      ...devSecrets,
    ]) {
      expect(output).not.toContain(secret);
    }
  }, 60_000);
});
