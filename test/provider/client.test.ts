/**
 * Client behaviour the sandbox cannot provoke (unreadable success answers, odd error bodies, echoed credentials) and
 * the exact request shape, against a scripted local HTTP server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { LiveClient, type LiveClientOptions } from '../../src/provider/client';
import { DEFAULT_ENDPOINT, endpointFor, parseEndpoint } from '../../src/provider/endpoints';
import { ProviderError } from '../../src/provider/errors';
import { EMPTY_BODY_SHA256 } from '../../src/provider/signing';

const SECRET = 'client-test-secret-value';
const TOKEN = 'client-test-sts-token';

interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** Answers with whatever `reply` returns for the request; remembers the last request. */
async function startScriptedServer() {
  let reply: (req: http.IncomingMessage) => Reply = () => ({ status: 200, body: '{}' });
  let last: http.IncomingMessage | undefined;
  let connections = 0;
  const server = http.createServer((req, res) => {
    last = req;
    req.resume();
    req.on('end', () => {
      const { status, body, headers } = reply(req);
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    port,
    answer(fn: (req: http.IncomingMessage) => Reply) {
      reply = fn;
    },
    last: () => last,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('LiveClient response handling', () => {
  let server: Awaited<ReturnType<typeof startScriptedServer>>;
  let live: LiveClient;

  function makeClient(options: Partial<LiveClientOptions> = {}) {
    return new LiveClient({
      accessKeyId: 'id',
      accessKeySecret: SECRET,
      securityToken: TOKEN,
      region: 'cn-beijing',
      endpoint: server.url,
      ...options,
    });
  }

  beforeAll(async () => {
    server = await startScriptedServer();
    live = makeClient();
  });
  afterAll(async () => {
    await live.close();
    await server.close();
  });

  const describeTask = () => live.describeLivePullToPush({ TaskId: 't-1' });
  const failureOf = async (promise: Promise<unknown>) => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e
    );
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  };

  it('sends the official wire format: GET /?params, empty body, signed x-acs headers', async () => {
    server.answer(() => ({ status: 200, body: JSON.stringify({ RequestId: 'r', TaskId: 't-1', TaskStatus: 1 }) }));
    await describeTask();
    const req = server.last()!;
    expect(req.method).toBe('GET');
    expect(req.url).toBe('/?Region=cn-beijing&TaskId=t-1');
    expect(req.headers).toMatchObject({
      host: `127.0.0.1:${server.port}`,
      'x-acs-action': 'DescribeLivePullToPush',
      'x-acs-version': '2016-11-01',
      'x-acs-content-sha256': EMPTY_BODY_SHA256,
      'x-acs-security-token': TOKEN,
      'x-acs-accesskey-id': 'id',
      accept: 'application/json',
    });
    expect(req.headers['x-acs-date']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(req.headers.authorization).toMatch(/^ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host;x-acs-accesskey-id;/);
  });

  it('keeps connections alive: sequential calls reuse the pool’s connections', async () => {
    server.answer(() => ({ status: 200, body: JSON.stringify({ RequestId: 'r', TaskId: 't-1', TaskStatus: 1 }) }));
    const pooled = makeClient();
    const before = server.connections();
    for (let i = 0; i < 20; i++) await pooled.describeLivePullToPush({ TaskId: 't-1' });
    // Without keep-alive this would be 20; undici may open a second connection while releasing the first.
    expect(server.connections() - before).toBeLessThanOrEqual(2);
    await pooled.close();
  });

  it('a 2xx that is not JSON → MalformedResponse, retryable and ambiguous', async () => {
    server.answer(() => ({ status: 200, body: '<html>proxy</html>' }));
    expect(await failureOf(describeTask())).toMatchObject({
      code: 'MalformedResponse',
      kind: 'retryable',
      ambiguous: true,
      httpStatus: 200,
    });
  });

  it('a 2xx without the fields we rely on → MalformedResponse naming them', async () => {
    server.answer(() => ({ status: 200, body: JSON.stringify({ RequestId: 'r', TaskStatus: 'running' }) }));
    const err = await failureOf(describeTask());
    expect(err).toMatchObject({ code: 'MalformedResponse', requestId: 'r', ambiguous: true });
    expect(err.providerMessage).toContain('TaskId');
    expect(err.providerMessage).toContain('TaskStatus');
  });

  // Seed 000's response: "RetCode ... 0 when normal". A non-zero one is the provider's answer, not a lost one.
  it('a 2xx with a non-zero RetCode → UnexpectedRetCode, the provider’s answer: permanent, not ambiguous', async () => {
    server.answer(() => ({ status: 200, body: JSON.stringify({ RequestId: 'r', RetCode: 5, Description: 'busy' }) }));
    const err = await failureOf(live.deleteLivePullToPush({ TaskId: 't-1' }));
    expect(err).toMatchObject({ code: 'UnexpectedRetCode', kind: 'permanent', ambiguous: false, requestId: 'r' });
    expect(err.providerMessage).toContain('busy');
  });

  it('a 2xx carrying an error Code is an error', async () => {
    server.answer(() => ({
      status: 200,
      body: JSON.stringify({ RequestId: 'r', Code: 'InvalidParameter', Message: 'no' }),
    }));
    expect(await failureOf(describeTask())).toMatchObject({ code: 'InvalidParameter', kind: 'permanent' });
  });

  it('an error answer without a JSON body → HTTP{status}, classified by status', async () => {
    server.answer(() => ({ status: 502, body: 'Bad Gateway' }));
    expect(await failureOf(describeTask())).toMatchObject({
      code: 'HTTP502',
      kind: 'retryable',
      ambiguous: true,
      providerMessage: 'Bad Gateway',
    });
    server.answer(() => ({ status: 429, body: '' }));
    expect(await failureOf(describeTask())).toMatchObject({ code: 'HTTP429', kind: 'throttled', ambiguous: false });
  });

  it('redacts the secret, the STS token and the signature if a server echoes them', async () => {
    server.answer((req) => ({
      status: 400,
      body: JSON.stringify({
        RequestId: 'r',
        Code: 'SignatureDoesNotMatch',
        Message: `server saw ${req.headers.authorization} token ${TOKEN} and key ${SECRET}`,
      }),
    }));
    const err = await failureOf(describeTask());
    const signature = /Signature=([0-9a-f]+)/.exec(String(server.last()?.headers.authorization))?.[1] ?? '';
    expect(signature).toHaveLength(64);
    for (const hidden of [SECRET, TOKEN, signature]) {
      expect(err.message).not.toContain(hidden);
      expect(JSON.stringify(err)).not.toContain(hidden);
    }
    expect(err.message).toContain('[redacted]');
  });

  it('a throwing metrics hook does not fail the call', async () => {
    server.answer(() => ({ status: 200, body: JSON.stringify({ RequestId: 'r', TaskId: 't-1', TaskStatus: 0 }) }));
    const hooked = makeClient({
      onCall: () => {
        throw new Error('metrics down');
      },
    });
    await expect(hooked.describeLivePullToPush({ TaskId: 't-1' })).resolves.toMatchObject({ TaskStatus: 0 });
    await hooked.close();
  });
});

describe('endpoints', () => {
  it('every region goes to live.aliyuncs.com unless an endpoint is given', () => {
    expect(DEFAULT_ENDPOINT).toBe('https://live.aliyuncs.com');
    for (const region of ['cn-shanghai', 'ap-southeast-1', 'cn-shenzhen'])
      expect(endpointFor(region)).toBe(DEFAULT_ENDPOINT);
    expect(endpointFor('cn-shanghai', 'http://127.0.0.1:8480')).toBe('http://127.0.0.1:8480');
  });

  it('signs the host exactly as written: port only when present', () => {
    expect(parseEndpoint('http://127.0.0.1:8480')).toEqual({ origin: 'http://127.0.0.1:8480', host: '127.0.0.1:8480' });
    expect(parseEndpoint('https://live.aliyuncs.com')).toEqual({
      origin: 'https://live.aliyuncs.com',
      host: 'live.aliyuncs.com',
    });
    expect(parseEndpoint('https://live.aliyuncs.com:443/').host).toBe('live.aliyuncs.com:443');
  });

  it.each(['live.aliyuncs.com', 'ftp://x', 'http://u:p@x', 'http://x/path', 'http://x/?a=1'])(
    'rejects %j',
    (endpoint) => {
      expect(() => parseEndpoint(endpoint)).toThrow(/endpoint/);
    }
  );
});
