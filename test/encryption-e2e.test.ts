/**
 * Payload encryption end to end: real dev server, real workers and sandbox, real callbacks. The raw history (read by
 * a client without the codec) holds no source or destination URL anywhere; a client with the codec and the codec
 * server (with its token) read them back; history written under key A stays readable after key B becomes current;
 * a reader without the key gets an error naming the key id; the dev server's Web UI, pointed at the codec server the
 * way `npm start` does it, shows the URLs decrypted in headless Chromium.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';

import { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { request } from 'undici';

import { startBroadcast } from '../src/broadcast/start';
import { startCallbackService, type RunningCallbackService } from '../src/callbacks/service';
import { AesGcmPayloadCodec } from '../src/codec/encryption-codec';
import type { EncryptionKey } from '../src/codec/keys';
import { startCodecServer, type RunningCodecServer } from '../src/codec/server';
import type { BroadcastRequest } from '../src/shared/broadcast';
import { bundleRelayWorkflows } from '../src/temporal/workflow-bundle';

import { inState, relayRequest, waitForStatus } from '../testkit/broadcasts';
import { startRelayStack, TEST_CALLBACK_SECRET, type RelayStack } from '../testkit/relay-stack';
import { expandedText } from '../testkit/secret-scan';
import { launchChromium } from './helpers/browser';
import { freePort } from '../testkit/ports';
import { createDevEnv } from '../testkit/temporal';

const keyA: EncryptionKey = { id: 'key-a', key: randomBytes(32) };
const keyB: EncryptionKey = { id: 'key-b', key: randomBytes(32) };
const TOKEN = `codec-token-${randomUUID()}`;
const converter = (keys: EncryptionKey[]) => ({ payloadCodecs: [new AesGcmPayloadCodec(keys)] });
const SUITE_SECRETS = [
  ...[keyA, keyB].flatMap((k) => [
    { name: `encryption key ${k.id} (base64)`, value: k.key.toString('base64') },
    { name: `encryption key ${k.id} (hex)`, value: k.key.toString('hex') },
  ]),
  { name: 'codec server token', value: TOKEN },
];

type HistoryJson = { events: Record<string, unknown>[] };

/** The history as a client WITHOUT the codec gets it, in proto JSON (bytes as base64, as the Web UI sends them). */
async function rawHistory(env: TestWorkflowEnvironment, workflowId: string): Promise<HistoryJson> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return temporal.api.history.v1.History.toObject(history as temporal.api.history.v1.History, {
    longs: String,
    bytes: String,
  }) as HistoryJson;
}

/** The workflow input payload of the started event, in proto JSON. */
function startedInput(history: HistoryJson): { metadata: Record<string, string>; data: string } {
  const started = history.events[0]?.workflowExecutionStartedEventAttributes as {
    input: { payloads: { metadata: Record<string, string>; data: string }[] };
  };
  const payload = started.input.payloads[0];
  if (!payload) throw new Error('no input payload in the started event');
  return payload;
}

const urlsOf = (req: BroadcastRequest) => [...(req.relay?.SourceUrls ?? []), req.relay?.DstUrl ?? ''];
/** The hosts and paths alone too: no part of a URL may show, whatever quoting or encoding surrounds it. */
const urlPartsOf = (req: BroadcastRequest) => urlsOf(req).flatMap((u) => [u, new URL(u).pathname, new URL(u).host]);

describe('payload encryption end to end (dev server, workers, callbacks, codec server)', () => {
  let env: TestWorkflowEnvironment;
  let bundle: { code: string };
  let clientA: Client;
  let callbacks: RunningCallbackService;
  let codecServer: RunningCodecServer;
  let stack: RelayStack;
  let uiOrigin: string;

  beforeAll(async () => {
    // The codec server first: the dev server's Web UI is pointed at it, the way `npm start` does it.
    const uiPort = await freePort();
    uiOrigin = `http://127.0.0.1:${uiPort}`;
    // After the rotation: B current, A kept for reading.
    codecServer = await startCodecServer({
      codec: new AesGcmPayloadCodec([keyB, keyA]),
      token: TOKEN,
      allowedOrigins: [uiOrigin],
      port: 0,
    });
    env = await createDevEnv({ uiPort, codecEndpoint: `${codecServer.url}/${TOKEN}` });
    bundle = await bundleRelayWorkflows();
    clientA = new Client({ connection: env.connection, namespace: 'default', dataConverter: converter([keyA]) });
    callbacks = await startCallbackService({ port: 0, secret: TEST_CALLBACK_SECRET, client: clientA });
  });
  afterAll(async () => {
    await codecServer?.close();
    await callbacks?.close();
    await env?.teardown();
  });
  beforeEach(async () => {
    stack = await startRelayStack(env, {
      taskQueue: `enc-${randomUUID()}`,
      callbackBaseUrl: callbacks.url,
      workflowBundle: bundle,
      maxCachedWorkflows: 0, // every task replays the (encrypted) history
      dataConverter: converter([keyA]),
      secrets: SUITE_SECRETS,
    });
  });
  afterEach(() => stack?.close()); // also scans every history of the test for the keys and the token

  const start = (client: Client, req: BroadcastRequest) =>
    startBroadcast({
      client,
      taskQueue: stack.taskQueue,
      workflowId: `enc-${randomUUID()}`,
      request: req,
      defaultRegion: 'cn-shanghai',
    });

  const decodeCall = (payloads: unknown[], headers: Record<string, string>, path = '/decode') =>
    request(`${codecServer.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
      body: JSON.stringify({ payloads }),
    });

  it('keeps every URL out of the raw history; the codec client and the codec server (with its token) read them', async () => {
    const req = relayRequest(Date.now(), 3_000, 4_000, { leadTimeSeconds: 1 });
    const handle = await stack.run(async () => {
      const h = await start(clientA, req);
      expect((await h.result()).state).toBe('Completed');
      return h;
    });

    const raw = await rawHistory(env, handle.workflowId);
    const text = expandedText(JSON.stringify(raw));
    expect(raw.events.length).toBeGreaterThan(10);
    expect(text).toContain('ensureRelayTask'); // the scan reads the whole history…
    expect(text).toContain('binary/encrypted'); // …with payload metadata decoded
    for (const part of urlPartsOf(req)) expect(text).not.toContain(part);

    // A client with the codec sees the request, and the Web UI summary, in clear.
    const decoded = await clientA.workflow.getHandle(handle.workflowId).describe();
    expect(await decoded.staticSummary()).toContain(req.relay?.DstUrl);
    const [input] = await new AesGcmPayloadCodec([keyA]).decode([
      temporal.api.common.v1.Payload.fromObject(startedInput(raw)) as Payload,
    ]);
    expect(defaultPayloadConverter.fromPayload<BroadcastRequest>(input!).relay).toEqual(req.relay);

    // The codec server decodes the same payload, exactly as the Web UI posts it, given the token.
    const payload = startedInput(raw);
    for (const auth of [{ authorization: `Bearer ${TOKEN}` }, {}] as Record<string, string>[]) {
      const res = await decodeCall([payload], auth, Object.keys(auth).length ? '/decode' : `/${TOKEN}/decode`);
      expect(res.statusCode).toBe(200);
      const body = (await res.body.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
      expect(Buffer.from(body.payloads[0]?.metadata.encoding ?? '', 'base64').toString()).toBe('json/plain');
      expect(JSON.parse(Buffer.from(body.payloads[0]?.data ?? '', 'base64').toString()).relay).toEqual(req.relay);
    }
    for (const auth of [{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: TOKEN }] as Record<
      string,
      string
    >[]) {
      const res = await decodeCall([payload], auth);
      expect(res.statusCode).toBe(401);
      expect(await res.body.text()).not.toContain('rtmp://');
    }
    expect((await decodeCall([payload], {}, '/wrong-token-0123456789/decode')).statusCode).toBe(401);

    // The Web UI's CORS preflight: allowed for its origin only, without a token (browsers send none with it).
    const preflight = (origin: string) =>
      request(`${codecServer.url}/${TOKEN}/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-namespace',
        },
      });
    const allowed = await preflight(uiOrigin);
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(uiOrigin);
    expect(String(allowed.headers['access-control-allow-headers'])).toMatch(/X-Namespace/i);
    expect((await preflight('https://evil.example.com')).statusCode).toBe(403);
    const fromElsewhere = await decodeCall([payload], { origin: 'https://evil.example.com' }, `/${TOKEN}/decode`);
    expect(fromElsewhere.statusCode).toBe(403);
  });

  it('rotates keys: a broadcast begun under key A completes on workers whose current key is B; a reader without A is told which key it lacks', async () => {
    const req = relayRequest(Date.now(), 2_000, 6_000, { leadTimeSeconds: 1 });
    const handle = await stack.run(async () => {
      const h = await start(clientA, req);
      await waitForStatus(h, inState('Running'), 'running under key A');
      return h;
    });
    // Rotation: B first (encrypts), A kept (decrypts the history so far). The cache is off, so every task replays it.
    const rotated = await stack.newWorkers(converter([keyB, keyA]));
    const running = rotated.run();
    const clientBA = new Client({ connection: env.connection, dataConverter: converter([keyB, keyA]) });
    try {
      expect((await clientBA.workflow.getHandle(handle.workflowId).result()).state).toBe('Completed');
    } finally {
      rotated.shutdown();
      await running;
    }
    const raw = JSON.stringify(await rawHistory(env, handle.workflowId));
    const keyIds = new Set(
      [...raw.matchAll(/"encryption-key-id":"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString())
    );
    expect(keyIds).toEqual(new Set(['key-a', 'key-b'])); // both keys wrote part of this history
    for (const part of urlPartsOf(req)) expect(expandedText(raw)).not.toContain(part);

    // Without key A: the payloads A wrote fail with an error naming the key id, in the client and the codec server.
    const clientB = new Client({ connection: env.connection, dataConverter: converter([keyB]) });
    const description = await clientB.workflow.getHandle(handle.workflowId).describe();
    await expect(description.staticSummary()).rejects.toThrow(/key id "key-a", which is not configured/);
    const onlyB = await startCodecServer({
      codec: new AesGcmPayloadCodec([keyB]),
      token: TOKEN,
      allowedOrigins: [],
      port: 0,
    });
    try {
      const res = await request(`${onlyB.url}/decode`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ payloads: [startedInput(JSON.parse(raw) as HistoryJson)] }),
      });
      expect(res.statusCode).toBe(400);
      expect(await res.body.text()).toMatch(/key id \\"key-a\\"/);
    } finally {
      await onlyB.close();
    }
  });

  it('shows the URLs decrypted in the Web UI, which calls the codec server with the token in its endpoint', async () => {
    const req = relayRequest(Date.now(), 3_600_000, 3_600_000); // an hour ahead: it only needs to exist
    const handle = await start(clientA, req); // no worker polls: the started event alone holds the request
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const decodeCalls: number[] = [];
      page.on('response', (res) => {
        if (res.url().startsWith(`${codecServer.url}/`)) decodeCalls.push(res.status());
      });
      await page.goto(`${uiOrigin}/namespaces/default/workflows/${handle.workflowId}`, {
        waitUntil: 'domcontentloaded',
      });
      await page.getByText(req.relay!.DstUrl).first().waitFor({ state: 'visible', timeout: 30_000 });
      expect(decodeCalls.length).toBeGreaterThan(0);
      expect(decodeCalls.every((status) => status === 200 || status === 204)).toBe(true);
      await page.screenshot({ path: path.join(__dirname, '..', 'test-artifacts', 'web-ui-decrypted-input.png') });
    } finally {
      await browser.close();
      await handle.terminate();
    }
  });
});
