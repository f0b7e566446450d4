/**
 * Structured logs without a server: the redaction rules (secret-named fields, configured secret values anywhere,
 * callback URL tokens, secret query parameters), the JSON and text records, the banner, and the SDK logger that
 * flattens workflow/activity context into the record. The end-to-end check (a real `npm start` run's output) is in
 * metrics.test.ts, which shares that process.
 */
import { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { LogTimestamp } from '@temporalio/worker';

import { startCallbackService } from '../src/callbacks/service';
import { callbackToken, callbackUrlFor } from '../src/callbacks/tokens';
import {
  bannerPrinter,
  configureLogging,
  flattenSdkMeta,
  getLogger,
  LogCollector,
  registerSecrets,
  sdkLogger,
} from '../src/observability/logging';
import { isSecretName, MIN_SECRET_LENGTH, REDACTED, Redactor } from '../src/observability/redaction';

const PROVIDER_SECRET = 'provider-secret-value-1234';
const CALLBACK_SECRET = 'callback-secret-value-5678';

describe('redaction', () => {
  it('recognises secret field names and leaves identifiers alone', () => {
    for (const name of [
      'accessKeySecret',
      'ALIYUN_ACCESS_KEY_SECRET',
      'CALLBACK_SECRET',
      'taskToken',
      'securityToken',
      'password',
      'Signature',
      'authorization',
      'credentials',
      'encryptionKey',
      'PAYLOAD_ENCRYPTION_KEYS',
      'keyMaterial',
      'key',
      'auth_key',
    ]) {
      expect([name, isSecretName(name)]).toEqual([name, true]);
    }
    for (const name of ['taskId', 'workflowId', 'runId', 'keyId', 'entryKey', 'accessKeyId', 'activityType', 'state']) {
      expect([name, isSecretName(name)]).toEqual([name, false]);
    }
  });

  it('masks secret-named fields at any depth, keeping their names', () => {
    const redactor = new Redactor();
    expect(
      redactor.redactFields({
        taskId: 'task-1',
        accessKeySecret: 'whatever',
        nested: { list: [{ password: 'p', ok: 1 }], Authorization: 'Bearer x' },
      })
    ).toEqual({
      taskId: 'task-1',
      accessKeySecret: REDACTED,
      nested: { list: [{ password: REDACTED, ok: 1 }], Authorization: REDACTED },
    });
  });

  it('masks configured secret values wherever they occur, longest first', () => {
    const redactor = new Redactor([PROVIDER_SECRET, `${PROVIDER_SECRET}-longer`, 'short', undefined]);
    expect(redactor.redactText(`signed with ${PROVIDER_SECRET}-longer and ${PROVIDER_SECRET}.`)).toBe(
      `signed with ${REDACTED} and ${REDACTED}.`
    );
    // Values shorter than the minimum would blank out ordinary words.
    expect('short'.length).toBeLessThan(MIN_SECRET_LENGTH);
    expect(redactor.redactText('a short note')).toBe('a short note');
    expect(redactor.redactFields({ detail: { text: `x${PROVIDER_SECRET}x` } })).toEqual({
      detail: { text: `x${REDACTED}x` },
    });
  });

  it('masks the token of a callback URL and secret query parameters, not the rest of the URL', () => {
    const redactor = new Redactor();
    const url = callbackUrlFor('https://relay.example.com', CALLBACK_SECRET, 'campaign/entry-1');
    const token = callbackToken(CALLBACK_SECRET, 'campaign/entry-1');
    const masked = redactor.redactText(`POST ${url} failed`);
    expect(masked).not.toContain(token);
    expect(masked).toBe(`POST https://relay.example.com/callbacks/v1/campaign%2Fentry-1/${REDACTED} failed`);
    expect(redactor.redactText('rtmp://push.example.com/app/s?auth_key=1700000000-0-0-abcdef&vhost=x')).toBe(
      `rtmp://push.example.com/app/s?auth_key=${REDACTED}&vhost=x`
    );
    expect(redactor.redactText('https://live.aliyuncs.com/?Action=X&Signature=abc%3D&SignatureNonce=n')).toBe(
      `https://live.aliyuncs.com/?Action=X&Signature=${REDACTED}&SignatureNonce=${REDACTED}`
    );
  });

  it('turns errors, bigints, dates and cycles into JSON-safe values, redacted', () => {
    const redactor = new Redactor([PROVIDER_SECRET]);
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const out = redactor.redactFields({
      error: new Error(`refused ${PROVIDER_SECRET}`),
      big: 12n,
      at: new Date(0),
      cyclic,
      fn: () => 1,
    });
    expect(out.error).toMatchObject({ name: 'Error', message: `refused ${REDACTED}` });
    const failure = redactor.redactValue(ApplicationFailure.nonRetryable('destination taken', 'DestinationTaken'));
    expect(failure).toMatchObject({
      name: 'ApplicationFailure',
      type: 'DestinationTaken',
      message: 'destination taken',
    });
    expect(JSON.stringify(out.error)).not.toContain(PROVIDER_SECRET);
    expect(out.big).toBe('12');
    expect(out.at).toBe('1970-01-01T00:00:00.000Z');
    expect(out.cyclic).toEqual({ name: 'loop', self: '[circular]' });
    expect(out.fn).toBeUndefined();
  });
});

describe('log records', () => {
  const collector = new LogCollector();

  beforeEach(() => {
    collector.clear();
    configureLogging({ format: 'json', level: 'INFO', destination: collector, secrets: [PROVIDER_SECRET] });
  });

  it('writes one JSON object per line: time, level, message, then the fields, secrets masked', () => {
    const logger = getLogger('callbacks', { region: 'cn-shanghai' });
    logger.info(`callback delivered (key ${PROVIDER_SECRET})`, { workflowId: 'wf-1', taskId: 'task-1', token: 't' });
    logger.child({ runId: 'run-1' }).warn('callback rejected', { message: 'clash', skipped: undefined });
    logger.debug('below the level');
    const [first, second, ...rest] = collector.records();
    expect(rest).toEqual([]);
    expect(Object.keys(first ?? {}).slice(0, 3)).toEqual(['time', 'level', 'message']);
    expect(new Date(String(first?.time)).toISOString()).toBe(first?.time);
    expect(first).toMatchObject({
      level: 'INFO',
      message: `callback delivered (key ${REDACTED})`,
      component: 'callbacks',
      region: 'cn-shanghai',
      workflowId: 'wf-1',
      taskId: 'task-1',
      token: REDACTED,
    });
    expect(second).toMatchObject({
      level: 'WARN',
      message: 'callback rejected',
      runId: 'run-1',
      'field.message': 'clash',
    });
    expect(second).not.toHaveProperty('skipped');
    expect(collector.text()).not.toContain(PROVIDER_SECRET);
  });

  it('masks values registered later, and keeps masking earlier ones after reconfiguration', () => {
    const key = 'encryption-key-material-base64==';
    registerSecrets(key);
    configureLogging({ level: 'DEBUG' });
    getLogger('codec').debug(`loaded ${key} and ${PROVIDER_SECRET}`);
    expect(collector.records()[0]?.message).toBe(`loaded ${REDACTED} and ${REDACTED}`);
  });

  it('prints the banner as `[prefix] line` in text mode and as records in json mode, at any level', () => {
    configureLogging({ level: 'ERROR' });
    bannerPrinter('relay')('Temporal Web UI:     http://127.0.0.1:8233\nsecond line');
    expect(collector.records()).toMatchObject([
      { level: 'INFO', message: 'Temporal Web UI:     http://127.0.0.1:8233', component: 'relay' },
      { level: 'INFO', message: 'second line', component: 'relay' },
    ]);
    collector.clear();
    configureLogging({ format: 'text' });
    bannerPrinter('relay')('Worker running on task queues q and q-provider');
    expect(collector.text()).toBe('[relay] Worker running on task queues q and q-provider\n');
  });

  it('writes a human line per record in text mode, redacted the same way', () => {
    configureLogging({ format: 'text' });
    getLogger('activity').info('relay task created', { taskId: 'task-1', note: 'two words', accessKeySecret: 'x' });
    expect(collector.text()).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO {2}relay task created component=activity taskId=task-1 note="two words" accessKeySecret=\[redacted\]\n$/
    );
  });

  it('flattens the SDK context of workflow and activity records into the record', () => {
    expect(
      flattenSdkMeta({
        sdkComponent: 'activity',
        workflowId: 'wf-1',
        workflowRunId: 'run-1',
        activityType: 'ensureRelayTask',
        taskToken: 'capability',
        taskId: 'task-1',
      })
    ).toEqual({
      component: 'activity',
      runId: 'run-1',
      workflowId: 'wf-1',
      activityType: 'ensureRelayTask',
      taskId: 'task-1',
    });
    const logger = sdkLogger();
    const at = 1_700_000_000_123n * 1_000_000n;
    logger.info('broadcast state changed', {
      [LogTimestamp]: at,
      sdkComponent: 'workflow',
      workflowId: 'wf-1',
      runId: 'run-1',
      state: 'Running',
      taskId: 'task-1',
    });
    logger.debug('dropped: below INFO', { [LogTimestamp]: at });
    expect(collector.records()).toEqual([
      {
        time: new Date(1_700_000_000_123).toISOString(),
        level: 'INFO',
        message: 'broadcast state changed',
        component: 'workflow',
        workflowId: 'wf-1',
        runId: 'run-1',
        state: 'Running',
        taskId: 'task-1',
      },
    ]);
  });
});

describe('callback service records', () => {
  const collector = new LogCollector();

  beforeEach(() => {
    collector.clear();
    configureLogging({ format: 'json', level: 'INFO', destination: collector, secrets: [CALLBACK_SECRET] });
  });

  it('logs each rejected request with its outcome and workflowId, never its token or query', async () => {
    // These requests are refused before any signal, so the client's lazy connection is never opened.
    const service = await startCallbackService({ port: 0, secret: CALLBACK_SECRET, client: new Client() });
    try {
      const wrongToken = 'not-the-right-token-0123456789';
      const refused = await fetch(`${service.url}/callbacks/v1/wf-1/${wrongToken}?auth_key=query-secret-value`, {
        method: 'POST',
        body: '{}',
      });
      expect(refused.status).toBe(403);
      const valid = callbackUrlFor(service.url, CALLBACK_SECRET, 'wf-2');
      const malformed = await fetch(valid, { method: 'POST', body: '{"Event":"LivePullToPushRunning"}' });
      expect(malformed.status).toBe(400);
    } finally {
      await service.close();
    }
    expect(collector.records()).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'callback rejected',
        component: 'callbacks',
        outcome: 'bad-token',
        status: 403,
        workflowId: 'wf-1',
      }),
      expect.objectContaining({
        level: 'WARN',
        message: 'callback rejected',
        outcome: 'malformed',
        status: 400,
        workflowId: 'wf-2',
        reason: expect.any(String),
      }),
    ]);
    for (const secret of ['not-the-right-token', 'query-secret-value', callbackToken(CALLBACK_SECRET, 'wf-2')]) {
      expect(collector.text()).not.toContain(secret);
    }
  });
});
