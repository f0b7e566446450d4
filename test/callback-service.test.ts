/**
 * The callback service over real HTTP against a real dev server: tokens, parsing, signalling, and the status codes
 * the provider's retries depend on.
 */
import { randomUUID } from 'node:crypto';

import { Readable } from 'node:stream';

import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { request } from 'undici';

import { startCallbackService, type RunningCallbackService } from '../src/callbacks/service';
import { callbackUrlFor } from '../src/callbacks/tokens';

import { rawExchange } from '../chaos/lib/raw-http';

import { recordedEventsQuery, recordTaskEvents } from './fixtures/workflows';
import { createDevEnv } from '../testkit/temporal';

const SECRET = 'test-callback-secret-0123456789';

describe('callback service', () => {
  let env: TestWorkflowEnvironment;
  let service: RunningCallbackService;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    env = await createDevEnv();
    service = await startCallbackService({ port: 0, secret: SECRET, client: env.client });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'callbacks',
      workflowsPath: require.resolve('./fixtures/workflows'),
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await service?.close();
    await env?.teardown();
  });

  const post = async (url: string, body: string | object) => {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.statusCode, body: (await res.body.json()) as { error?: string; reason?: string } };
  };
  const running1 = { Event: 'LivePullToPushRuning', EventTime: '1767225600', TaskId: 'task-1', TaskStatus: 1 };

  it('signals the workflow named in the URL and answers 200 only once Temporal accepted it', async () => {
    const workflowId = `cb-${randomUUID()}`;
    const handle = await env.client.workflow.start(recordTaskEvents, { taskQueue: 'callbacks', workflowId });
    const url = callbackUrlFor(service.url, SECRET, workflowId);
    expect((await post(url, running1)).status).toBe(200);
    expect(
      (
        await post(url, {
          ...running1,
          Event: 'LivePullToPushOffline',
          EventTime: 1767225700,
          TaskStatus: '3',
          TaskInvalidReason: 'PushStreamFailed',
        })
      ).status
    ).toBe(200);
    expect(await handle.query(recordedEventsQuery)).toEqual([
      { kind: 'running', eventTime: 1767225600, taskId: 'task-1', source: 'callback' },
      { kind: 'offline', eventTime: 1767225700, taskId: 'task-1', source: 'callback', reason: 'PushStreamFailed' },
    ]);
    await handle.terminate();
  });

  it('answers 401/403 for a missing or wrong token, 400 for malformed bodies, 404 for unknown workflows, 413 for huge bodies', async () => {
    const workflowId = `cb-${randomUUID()}`;
    const handle = await env.client.workflow.start(recordTaskEvents, { taskQueue: 'callbacks', workflowId });
    const good = callbackUrlFor(service.url, SECRET, workflowId);
    expect((await post(`${service.url}/callbacks/v1/${workflowId}`, running1)).status).toBe(401);
    expect((await post(callbackUrlFor(service.url, 'another-secret-entirely', workflowId), running1)).status).toBe(403);
    const malformed = await post(good, { ...running1, EventTime: 'soon' });
    expect(malformed).toEqual({
      status: 400,
      body: { error: 'malformed', reason: expect.stringContaining('EventTime') },
    });
    expect((await post(good, '{not json')).status).toBe(400);
    expect((await post(good, { ...running1, padding: 'x'.repeat(100_000) })).status).toBe(413);
    expect((await post(callbackUrlFor(service.url, SECRET, `missing-${randomUUID()}`), running1)).status).toBe(404);
    // None of those reached the workflow.
    expect(await handle.query(recordedEventsQuery)).toEqual([]);
    await handle.terminate();
  });

  it('answers 405 to other methods, 415 to non-JSON content types, 413 to streamed bodies, and HTTP-level 400/431/408', async () => {
    const workflowId = `cb-${randomUUID()}`;
    const handle = await env.client.workflow.start(recordTaskEvents, { taskQueue: 'callbacks', workflowId });
    const good = callbackUrlFor(service.url, SECRET, workflowId);
    const get = await request(good, { method: 'GET' });
    await get.body.dump();
    expect([get.statusCode, get.headers.allow]).toEqual([405, 'POST']);
    // A valid event under a genuine token, but declared as something else: refused unread.
    const xml = await request(good, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: JSON.stringify(running1),
    });
    await xml.body.dump();
    expect(xml.statusCode).toBe(415);
    // Chunked (no Content-Length) past the limit: a 413 answer, not a dropped connection.
    const padded = JSON.stringify({ ...running1, padding: 'x'.repeat(200_000) });
    const streamed = await request(good, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Readable.from([Buffer.from(padded)]),
    });
    await streamed.body.dump();
    expect(streamed.statusCode).toBe(413);
    expect((await rawExchange(service.port, ['NOT HTTP\r\n\r\n'])).status).toBe(400);
    const bigHeader = `POST ${new URL(good).pathname} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
    expect((await rawExchange(service.port, [bigHeader])).status).toBe(431);
    // A slow sender is timed out (5 s for headers), not left holding its socket for Node's 30 s check interval.
    const slow = await rawExchange(service.port, ['POST / HTTP/1.1\r\n', ...Array(60).fill('X-Slow: 1\r\n')], {
      gapMs: 500,
      timeoutMs: 20_000,
    });
    expect(slow.status).toBe(408);
    expect(await handle.query(recordedEventsQuery)).toEqual([]);
    await handle.terminate();
  });

  it('keeps a health endpoint and counts outcomes', async () => {
    const res = await request(`${service.url}/healthz`);
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(service.counts.delivered).toBeGreaterThanOrEqual(2);
    expect(service.counts['bad-token']).toBeGreaterThanOrEqual(1);
  });
});
