/**
 * The official SDKs as the oracle: the same request sent by @alicloud/openapi-core (V3 default, and V1 with
 * `signatureAlgorithm: 'v2'`), by @alicloud/pop-core (V1) and by our LiveClient, each to a local server that captures
 * the exact request. Nonce and date are pinned on both sides, so signatures must be byte-identical.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type Credential from '@alicloud/credentials';
import OpenApi, { $OpenApiUtil, OpenApiUtil } from '@alicloud/openapi-core';
import RPCClient from '@alicloud/pop-core';
import * as $dara from '@darabonba/typescript';

import { LiveClient } from '../../src/provider/client';
import { HTTP_METHODS, type ActionName } from '../../src/provider/schemas';
import { signV1, signV3 } from '../../src/provider/signing';

import { officialParams } from './official-sdk';

const KEY = { id: 'testid', secret: 'testsecret' };
const NONCE = '0123456789abcdef0123456789abcdef';
const DATE = '2026-01-01T00:00:00Z';

interface Captured {
  method: string;
  /** Decoded query and form-body parameters together. */
  params: Record<string, string>;
  headers: http.IncomingHttpHeaders;
}

/** Answers every action with a body that satisfies every response schema, and records each request. */
async function startCaptureServer() {
  const captured: Captured[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://capture');
      const params = Object.fromEntries([...url.searchParams, ...new URLSearchParams(body)]);
      captured.push({ method: req.method ?? '', params, headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          RequestId: 'R1',
          RetCode: 0,
          Description: 'OK',
          TaskId: 't-1',
          TaskStatus: 0,
          Total: 0,
          TaskList: [],
          LiveAppRecordList: { LiveAppRecord: [] },
        })
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    last(): Captured {
      const request = captured.at(-1);
      if (!request) throw new Error('no request captured');
      return request;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Server = Awaited<ReturnType<typeof startCaptureServer>>;

/** A typed request and the PascalCase query the generated SDK would build from it (lists in the "json" style). */
function sdkQuery(request: Record<string, unknown>): Record<string, string> {
  const query: Record<string, unknown> = { ...request };
  for (const [name, value] of Object.entries(request)) {
    if (Array.isArray(value)) query[name] = OpenApiUtil.arrayToStringWithSpecifiedStyle(value, name, 'json');
  }
  return OpenApiUtil.query(query);
}

interface SdkOptions {
  v1?: boolean;
  securityToken?: string;
  /**
   * With plain AccessKey config the SDK also sends (and signs) `x-acs-credentials-provider: static_ak`, a telemetry
   * header our client does not send. A credential provider without a provider name makes the SDK's header set
   * exactly the documented one; the default config is checked separately by re-verifying its signature.
   */
  bareCredential?: boolean;
  /** V1: keep the SDK's own `Format=json` instead of overriding it with our `JSON`. */
  sdkFormat?: boolean;
}

async function callSdk(server: Server, action: ActionName, request: Record<string, unknown>, opts: SdkOptions = {}) {
  const credential = {
    getCredential: async () => ({
      accessKeyId: KEY.id,
      accessKeySecret: KEY.secret,
      securityToken: opts.securityToken,
      type: opts.securityToken ? 'sts' : 'access_key',
    }),
  } as unknown as Credential;
  const config = new $OpenApiUtil.Config({
    ...(opts.bareCredential
      ? { credential }
      : { accessKeyId: KEY.id, accessKeySecret: KEY.secret, securityToken: opts.securityToken }),
    endpoint: `127.0.0.1:${server.port}`,
    protocol: 'http',
    ...(opts.v1 ? { signatureAlgorithm: 'v2' } : {}),
  });
  const client = new OpenApi(config);
  const params = officialParams(action);
  // V1: the SDK defaults Format to "json", pop-core and our client send "JSON"; a query value overrides the default.
  const query = { ...sdkQuery(request), ...(opts.v1 && !opts.sdkFormat ? { Format: 'JSON' } : {}) };
  await client.callApi(params, new $OpenApiUtil.OpenApiRequest({ query }), new $dara.RuntimeOptions({}));
  return server.last();
}

async function callOurs(
  server: Server,
  action: ActionName,
  request: Record<string, unknown>,
  opts: { v1?: boolean; securityToken?: string } = {}
) {
  const client = new LiveClient({
    accessKeyId: KEY.id,
    accessKeySecret: KEY.secret,
    securityToken: opts.securityToken,
    region: 'cn-shanghai',
    endpoint: `http://127.0.0.1:${server.port}`,
    signatureVersion: opts.v1 ? 'v1' : 'v3',
    clock: () => new Date(DATE),
    nonce: () => NONCE,
  });
  try {
    const method = `${action.charAt(0).toLowerCase()}${action.slice(1)}` as 'createLivePullToPush';
    await (client[method] as (r: Record<string, unknown>) => Promise<unknown>).call(client, request);
  } finally {
    await client.close();
  }
  return server.last();
}

const SIGNED_HEADERS = /^(host|content-type|x-acs-.*)$/;
function signedHeaders(request: Captured): Record<string, unknown> {
  return Object.fromEntries(Object.entries(request.headers).filter(([name]) => SIGNED_HEADERS.test(name)));
}

const CASES: Array<[string, ActionName, Record<string, unknown>]> = [
  [
    'Create, live source (the derived vector inputs)',
    'CreateLivePullToPush',
    {
      Region: 'cn-shanghai',
      TaskName: 'test',
      StartTime: '2026-01-01T00:00:00Z',
      EndTime: '2026-01-02T00:00:00Z',
      SourceType: 'live',
      SourceProtocol: 'rtmp',
      SourceUrls: ['rtmp://src.example.com/app/s'],
      DstUrl: 'rtmp://push.example.com/app/stream',
      CallbackUrl: 'http://127.0.0.1:9000/cb',
    },
  ],
  [
    "Create, url source: spaces, !'()*~, non-ASCII, several URLs, integers",
    'CreateLivePullToPush',
    {
      Region: 'ap-southeast-1',
      TaskName: 'Fête 直播 (final)*! a+b ~',
      StartTime: '2026-01-01T10:00:00Z',
      EndTime: '2026-01-01T12:00:00Z',
      SourceType: 'url',
      SourceUrls: [
        'https://media.example.com/clips/day_(1)*!.mp4',
        "https://media.example.com/clips/it's~2.mp4?x=1&y=a%20b",
        'https://媒体.example.com/片段/3.flv',
      ],
      DstUrl: "rtmp://push.example.com/app/stream?auth_key=1-0-0-ab~!'()*",
      RepeatNumber: -1,
      FileIndex: 2,
      Offset: 30,
      RetryInterval: 120,
      RetryCount: 5,
      CallbackUrl: 'https://cb.example.com/hook?token=x*y(z)',
    },
  ],
  [
    'Describe (GET)',
    'DescribeLivePullToPush',
    { Region: 'cn-beijing', TaskId: 'fd245384-4067-4f91-9d75-9666a6bc9abc' },
  ],
  [
    'List (GET) with a non-ASCII fuzzy filter',
    'DescribeLivePullToPushList',
    { Region: 'cn-shanghai', TaskName: '直播 (final)', PageNumber: 2, PageSize: 100 },
  ],
  [
    'Update (GET) with a JSON list',
    'UpdateLivePullToPush',
    { Region: 'cn-shanghai', TaskId: 't-1', SourceUrls: ['rtmp://a.example.com/x/y'], EndTime: '2026-01-03T00:00:00Z' },
  ],
  [
    'legacy Add (POST) with ;-separated sources',
    'AddLivePullStreamInfoConfig',
    {
      DomainName: 'live.example.com',
      AppName: 'app',
      StreamName: 'stream (1)',
      SourceUrl: 'rtmp://a.example.com/x/y;https://b.example.com/x/y.flv',
      StartTime: '2026-01-01T00:00:00Z',
      EndTime: '2026-01-02T00:00:00Z',
    },
  ],
];

describe('our client vs the official SDKs (byte-identical signatures)', () => {
  let server: Server;

  beforeAll(async () => {
    server = await startCaptureServer();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    jest.spyOn(OpenApiUtil, 'getNonce').mockReturnValue(NONCE);
    jest.spyOn(OpenApiUtil, 'getTimestamp').mockReturnValue(DATE);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  describe.each(CASES)('%s', (_title, action, request) => {
    it('V3: same method, parameters, signed headers and Authorization as openapi-core', async () => {
      const sdk = await callSdk(server, action, request, { bareCredential: true });
      const ours = await callOurs(server, action, request);
      expect(ours.method).toBe(HTTP_METHODS[action]);
      expect(ours.method).toBe(sdk.method);
      expect(ours.params).toEqual(sdk.params);
      expect(signedHeaders(ours)).toEqual(signedHeaders(sdk));
      expect(ours.headers.authorization).toMatch(/^ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;/);
      expect(ours.headers.authorization).toBe(sdk.headers.authorization);
    });

    it('V3: the SDK default config (telemetry header included) re-verifies with our signV3', async () => {
      const sdk = await callSdk(server, action, request);
      expect(sdk.headers['x-acs-credentials-provider']).toBe('static_ak');
      const names = /SignedHeaders=([^,]*)/.exec(sdk.headers.authorization ?? '')?.[1]?.split(';') ?? [];
      const { authorization } = signV3({
        method: sdk.method,
        pathname: '/',
        query: sdk.params,
        headers: Object.fromEntries(names.map((n) => [n, sdk.headers[n]])),
        hashedPayload: String(sdk.headers['x-acs-content-sha256']),
        accessKeyId: KEY.id,
        accessKeySecret: KEY.secret,
      });
      expect(authorization).toBe(sdk.headers.authorization);
    });

    it('V1: same parameters and Signature as openapi-core with signatureAlgorithm v2', async () => {
      const sdk = await callSdk(server, action, request, { v1: true });
      const ours = await callOurs(server, action, request, { v1: true });
      expect(ours.method).toBe(sdk.method);
      expect(ours.params).toEqual(sdk.params);
      expect(ours.params.Signature).toMatch(/^[A-Za-z0-9+/]{27}=$/);
      expect(ours.params.Signature).toBe(sdk.params.Signature);
    });

    it('V1: the SDK default (Format=json) re-verifies with our signV1', async () => {
      const sdk = await callSdk(server, action, request, { v1: true, sdkFormat: true });
      expect(sdk.params.Format).toBe('json');
      expect(signV1(sdk.method, sdk.params, KEY.secret)).toBe(sdk.params.Signature);
    });

    it('V1: same Signature as pop-core', async () => {
      const pop = new RPCClient({
        accessKeyId: KEY.id,
        accessKeySecret: KEY.secret,
        endpoint: `http://127.0.0.1:${server.port}`,
        apiVersion: '2016-11-01',
      });
      // pop-core has no hooks for its nonce and clock, but caller parameters override its defaults.
      const params = { ...sdkQuery(request), Timestamp: DATE, SignatureNonce: NONCE };
      await pop.request(action, params, { method: HTTP_METHODS[action] });
      const popRequest = server.last();
      const ours = await callOurs(server, action, request, { v1: true });
      expect(ours.params).toEqual(popRequest.params);
      expect(ours.params.Signature).toBe(popRequest.params.Signature);
    });
  });

  describe('STS security token', () => {
    const [, action, request] = CASES[0]!;

    it('V3: x-acs-security-token and x-acs-accesskey-id signed as openapi-core does', async () => {
      const sdk = await callSdk(server, action, request, { bareCredential: true, securityToken: 'sts-token-abc' });
      const ours = await callOurs(server, action, request, { securityToken: 'sts-token-abc' });
      expect(ours.headers['x-acs-security-token']).toBe('sts-token-abc');
      expect(signedHeaders(ours)).toEqual(signedHeaders(sdk));
      expect(ours.headers.authorization).toBe(sdk.headers.authorization);
    });

    it('V1: SecurityToken parameter signed as openapi-core does', async () => {
      const sdk = await callSdk(server, action, request, { v1: true, securityToken: 'sts-token-abc' });
      const ours = await callOurs(server, action, request, { v1: true, securityToken: 'sts-token-abc' });
      expect(ours.params.SecurityToken).toBe('sts-token-abc');
      expect(ours.params).toEqual(sdk.params);
    });
  });
});
