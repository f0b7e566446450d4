/**
 * Our LiveClient against the provider sandbox over real HTTP: all ten actions with V3 and V1 signatures, STS tokens,
 * quota, uniqueness, not-found, auth failures, timeouts and connection failures — and the secret never leaks.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';

import { LiveClient, type CallEvent, type LiveClientOptions } from '../../src/provider/client';
import { ProviderError, ProviderValidationError } from '../../src/provider/errors';
import { startSandbox, type RunningSandbox } from '../../src/dev-harness/sandbox';
import { isoSeconds } from '../../src/shared/time';

import { liveRelay } from './sandbox-helpers';

const KEY = { id: 'provider-test-id', secret: 'provider-test-secret-never-shown' };
const STS_TOKEN = 'sts-token-never-shown-either';
const HOUR = 3600_000;

const at = (offsetMs: number) => isoSeconds(new Date(Date.now() + offsetMs));
let dstCounter = 0;
/** A fresh destination per task: the sandbox, like the service, refuses two tasks pushing to one URL. */
const freshDst = () => `rtmp://push.example.com/app/stream-${process.pid}-${++dstCounter}`;

function liveTask(overrides: Record<string, unknown> = {}) {
  return liveRelay({ TaskName: 'provider test', DstUrl: freshDst(), ...overrides });
}

/** The error a promise rejects with (fails the test if it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected a rejection');
}

function expectNoSecrets(text: string): void {
  expect(text).not.toContain(KEY.secret);
  expect(text).not.toContain(STS_TOKEN);
}

describe('LiveClient against the sandbox', () => {
  let sandbox: RunningSandbox;
  const clients: LiveClient[] = [];
  const events: CallEvent[] = [];

  function client(options: Partial<LiveClientOptions> = {}): LiveClient {
    const created = new LiveClient({
      accessKeyId: KEY.id,
      accessKeySecret: KEY.secret,
      region: 'cn-shanghai',
      endpoint: sandbox.url,
      timeoutMs: 2_000,
      onCall: (event) => events.push(event),
      ...options,
    });
    clients.push(created);
    return created;
  }

  beforeAll(async () => {
    // Quota high here: the quota itself is tested on a sandbox of its own below.
    sandbox = await startSandbox({ port: 0, accessKeys: { [KEY.id]: KEY.secret }, quotaPerSecond: 10_000 });
  });
  afterEach(() => sandbox.setFaults({}));
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sandbox.close();
  });

  describe.each([
    ['V3', { signatureVersion: 'v3' as const }],
    ['V1', { signatureVersion: 'v1' as const }],
    ['V3 with an STS token', { signatureVersion: 'v3' as const, securityToken: STS_TOKEN }],
    ['V1 with an STS token', { signatureVersion: 'v1' as const, securityToken: STS_TOKEN }],
  ])('%s', (_title, options) => {
    it('runs a pull-to-push task through all seven actions', async () => {
      const live = client(options);
      const request = liveTask({ CallbackUrl: 'http://127.0.0.1:9/cb' });
      const created = await live.createLivePullToPush(request);
      expect(created).toEqual(expect.objectContaining({ RetCode: 0, Description: 'OK' }));
      expect(created.TaskId).toMatch(/^[0-9a-f-]{36}$/);
      const ref = { TaskId: created.TaskId };

      // Region defaults from the client options.
      const described = await live.describeLivePullToPush(ref);
      expect(described.TaskStatus).toBe(0);
      expect(described.TaskInfo).toEqual(
        expect.objectContaining({
          TaskId: created.TaskId,
          TaskName: 'provider test',
          DstUrl: request.DstUrl,
          SourceUrls: request.SourceUrls,
          CallbackURL: 'http://127.0.0.1:9/cb',
        })
      );

      const page = await live.describeLivePullToPushList({ DstUrl: request.DstUrl, PageSize: 100 });
      expect(page.TaskList.map((t) => t.TaskId)).toEqual([created.TaskId]);
      expect(page.Total).toBe(1);

      const newEnd = at(3 * HOUR);
      await expect(live.updateLivePullToPush({ ...ref, EndTime: newEnd })).resolves.toEqual(
        expect.objectContaining({ RetCode: 0 })
      );
      expect((await live.describeLivePullToPush(ref)).TaskInfo?.EndTime).toBe(newEnd);

      // Before StartTime, Stop and Restart answer but have no effect.
      await expect(live.stopLivePullToPush(ref)).resolves.toEqual(expect.objectContaining(ref));
      await expect(live.restartLivePullToPush(ref)).resolves.toEqual(expect.objectContaining(ref));
      expect((await live.describeLivePullToPush(ref)).TaskStatus).toBe(0);

      await expect(live.deleteLivePullToPush(ref)).resolves.toEqual(expect.objectContaining({ RetCode: 0 }));
      const gone = await rejectionOf(live.describeLivePullToPush(ref));
      expect(gone).toMatchObject({ code: 'InvalidTaskId.NotFound', kind: 'not-found', httpStatus: 404 });
      expect(gone.requestId).toBeTruthy();
    });

    it('stops and restarts a running task', async () => {
      const live = client(options);
      // StartTime now: the sandbox starts the task at once.
      const { TaskId } = await live.createLivePullToPush(liveTask({ StartTime: at(0) }));
      await waitFor(async () => (await live.describeLivePullToPush({ TaskId })).TaskStatus === 1);
      await live.stopLivePullToPush({ TaskId });
      const stopped = await live.describeLivePullToPush({ TaskId });
      expect(stopped).toMatchObject({ TaskStatus: 3, TaskInvalidReason: 'TriggerByUser' });
      await live.restartLivePullToPush({ TaskId });
      expect((await live.describeLivePullToPush({ TaskId })).TaskStatus).toBe(1);
      await live.deleteLivePullToPush({ TaskId });
    });

    it('runs a legacy pull config through its three actions', async () => {
      const live = client(options);
      const stream = {
        DomainName: 'live.example.com',
        AppName: 'app',
        StreamName: `s-${options.signatureVersion}-${++dstCounter}`,
      };
      const config = {
        ...stream,
        SourceUrl: 'rtmp://origin.example.com/app/s;https://origin.example.com/app/s.flv',
        StartTime: at(HOUR),
        EndTime: at(2 * HOUR),
      };
      await expect(live.addLivePullStreamInfoConfig(config)).resolves.toEqual({ RequestId: expect.any(String) });
      const listed = await live.describeLivePullStreamConfig({ DomainName: stream.DomainName });
      expect(listed.LiveAppRecordList.LiveAppRecord).toContainEqual(expect.objectContaining(config));
      await live.deleteLivePullStreamInfoConfig(stream);
      const after = await live.describeLivePullStreamConfig({ DomainName: stream.DomainName });
      expect(after.LiveAppRecordList.LiveAppRecord.find((r) => r.StreamName === stream.StreamName)).toBeUndefined();
      const gone = await rejectionOf(live.deleteLivePullStreamInfoConfig(stream));
      expect(gone).toMatchObject({ code: 'InvalidConfig.NotFound', kind: 'not-found' });
    });
  });

  it('refuses a second task on the same destination: CodeConfigAlreadyExists, permanent', async () => {
    const live = client();
    const request = liveTask();
    const { TaskId } = await live.createLivePullToPush(request);
    const dup = await rejectionOf(live.createLivePullToPush({ ...request, TaskName: 'other' }));
    expect(dup).toMatchObject({
      code: 'CodeConfigAlreadyExists',
      kind: 'permanent',
      httpStatus: 400,
      ambiguous: false,
    });
    await live.deleteLivePullToPush({ TaskId });
  });

  it('refuses a second legacy config for the same stream: CodeConfigAlreadyExists', async () => {
    const live = client();
    const config = {
      DomainName: 'live.example.com',
      AppName: 'app',
      StreamName: `dup-${++dstCounter}`,
      SourceUrl: 'rtmp://origin.example.com/app/s',
      StartTime: at(HOUR),
      EndTime: at(2 * HOUR),
    };
    await live.addLivePullStreamInfoConfig(config);
    const dup = await rejectionOf(live.addLivePullStreamInfoConfig(config));
    expect(dup).toMatchObject({ code: 'CodeConfigAlreadyExists', kind: 'permanent' });
  });

  it('validates before sending: every violation at once, nothing reaches the provider', async () => {
    const live = client();
    const before = sandbox.calls().length;
    const bad = live.createLivePullToPush(
      liveTask({
        DstUrl: 'http://not-rtmp',
        RetryInterval: 5,
        SourceUrls: ['rtmp://a/b', 'rtmp://c/d'],
        Region: 'mars',
      })
    );
    const err = await bad.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderValidationError);
    const fields = (err as ProviderValidationError).violations.map((v) => v.field);
    expect(fields).toEqual(expect.arrayContaining(['Region', 'DstUrl', 'RetryInterval', 'SourceUrls']));
    expect(sandbox.calls().length).toBe(before);
  });

  it('an unknown TaskId passes the client rules and comes back InvalidTaskId.NotFound', async () => {
    const err = await rejectionOf(client().stopLivePullToPush({ TaskId: 'no-such-task' }));
    expect(err).toMatchObject({ code: 'InvalidTaskId.NotFound', kind: 'not-found', action: 'StopLivePullToPush' });
    expect(err.message).toContain('StopLivePullToPush failed: InvalidTaskId.NotFound (HTTP 404)');
  });

  describe('authentication failures never show the secret', () => {
    it('wrong secret → SignatureDoesNotMatch, permanent', async () => {
      for (const signatureVersion of ['v3', 'v1'] as const) {
        const wrong = client({ accessKeySecret: `${KEY.secret}-wrong`, signatureVersion });
        const err = await rejectionOf(wrong.describeLivePullToPushList());
        expect(err).toMatchObject({ code: 'SignatureDoesNotMatch', kind: 'permanent' });
        expect(err.message).not.toContain(`${KEY.secret}-wrong`);
        expectNoSecrets(`${err.message} ${err.stack} ${JSON.stringify(err)}`);
      }
    });

    it('unknown AccessKeyId → InvalidAccessKeyId.NotFound, permanent (not "gone")', async () => {
      const err = await rejectionOf(client({ accessKeyId: 'nobody' }).describeLivePullToPushList());
      expect(err).toMatchObject({ code: 'InvalidAccessKeyId.NotFound', kind: 'permanent' });
    });

    it('clock far off → InvalidTimeStamp.Expired, permanent', async () => {
      const skewed = client({ clock: () => new Date(Date.now() - 3 * HOUR) });
      const err = await rejectionOf(skewed.describeLivePullToPushList());
      expect(err).toMatchObject({ code: 'InvalidTimeStamp.Expired', kind: 'permanent' });
    });

    it('a replayed nonce → SignatureNonceUsed, permanent', async () => {
      const fixed = client({ nonce: () => `fixed-nonce-${process.pid}` });
      await fixed.describeLivePullToPushList();
      const err = await rejectionOf(fixed.describeLivePullToPushList());
      expect(err).toMatchObject({ code: 'SignatureNonceUsed', kind: 'permanent' });
    });

    it('the client itself shows no secret or token in JSON, toString or inspect', () => {
      const live = client({ securityToken: STS_TOKEN });
      expectNoSecrets(JSON.stringify(live));
      expectNoSecrets(String(live));
      expectNoSecrets(inspect(live, { showHidden: true, depth: 5 }));
      expectNoSecrets(JSON.stringify(events));
      expect(JSON.parse(JSON.stringify(live))).toMatchObject({ accessKeyId: KEY.id, endpoint: sandbox.url });
    });
  });

  describe('transport failures', () => {
    it('a hung request → RequestTimeout, retryable and ambiguous', async () => {
      sandbox.setFaults({ hangRate: 1 });
      const started = Date.now();
      const err = await rejectionOf(client({ timeoutMs: 300 }).describeLivePullToPushList());
      expect(err).toMatchObject({ code: 'RequestTimeout', kind: 'retryable', ambiguous: true });
      expect(Date.now() - started).toBeLessThan(2_000);
      expectNoSecrets(err.message);
    });

    it('a connection reset → ConnectionError, retryable and ambiguous', async () => {
      sandbox.setFaults({ resetRate: 1 });
      const err = await rejectionOf(client().createLivePullToPush(liveTask()));
      expect(err).toMatchObject({ code: 'ConnectionError', kind: 'retryable', ambiguous: true });
      expectNoSecrets(err.message);
    });

    it('a refused connection → ConnectionError, retryable, not ambiguous (nothing was sent)', async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const err = await rejectionOf(client({ endpoint: `http://127.0.0.1:${port}` }).describeLivePullToPushList());
      expect(err).toMatchObject({ code: 'ConnectionError', kind: 'retryable', ambiguous: false });
    });

    it('an injected 500 → InternalError, retryable and ambiguous', async () => {
      sandbox.setFaults({ errorRates: { InternalError: 1 } });
      const err = await rejectionOf(client().describeLivePullToPushList());
      expect(err).toMatchObject({ code: 'InternalError', kind: 'retryable', ambiguous: true, httpStatus: 500 });
    });

    it('a create that took effect but answered 500 is ambiguous, and the task can be found', async () => {
      const live = client();
      const request = liveTask();
      sandbox.setFaults({ createThenFailRate: 1 });
      const err = await rejectionOf(live.createLivePullToPush(request));
      expect(err).toMatchObject({ ambiguous: true, kind: 'retryable' });
      sandbox.setFaults({});
      const page = await live.describeLivePullToPushList({ DstUrl: request.DstUrl });
      expect(page.TaskList).toHaveLength(1);
      await live.deleteLivePullToPush({ TaskId: page.TaskList[0]!.TaskId });
    });
  });

  it('reports every call to the metrics hook, without secrets', async () => {
    events.length = 0;
    const live = client({ securityToken: STS_TOKEN });
    await live.describeLivePullToPushList();
    await rejectionOf(live.describeLivePullToPush({ TaskId: 'missing' }));
    expect(events).toEqual([
      {
        action: 'DescribeLivePullToPushList',
        durationMs: expect.any(Number),
        quotaWaitMs: expect.any(Number),
        code: undefined,
        httpStatus: 200,
      },
      {
        action: 'DescribeLivePullToPush',
        durationMs: expect.any(Number),
        quotaWaitMs: expect.any(Number),
        code: 'InvalidTaskId.NotFound',
        httpStatus: 404,
      },
    ]);
    expectNoSecrets(JSON.stringify(events));
  });
});

describe('quota', () => {
  it('the 11th call within a second → Throttling.User, throttled', async () => {
    const sandbox = await startSandbox({ port: 0, accessKeys: { [KEY.id]: KEY.secret } });
    const live = new LiveClient({
      accessKeyId: KEY.id,
      accessKeySecret: KEY.secret,
      region: 'cn-shanghai',
      endpoint: sandbox.url,
    });
    try {
      const results = await Promise.allSettled(Array.from({ length: 11 }, () => live.describeLivePullToPushList()));
      const rejected = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as ProviderError] : []));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
      expect(rejected).toHaveLength(1);
      expect(rejected[0]).toMatchObject({ code: 'Throttling.User', kind: 'throttled', ambiguous: false });
    } finally {
      await live.close();
      await sandbox.close();
    }
  });

  it('with quotaPerSecond the client waits its turn instead, and reports the wait', async () => {
    const sandbox = await startSandbox({ port: 0, accessKeys: { [KEY.id]: KEY.secret } });
    const events: CallEvent[] = [];
    const live = new LiveClient({
      accessKeyId: KEY.id,
      accessKeySecret: KEY.secret,
      region: 'cn-shanghai',
      endpoint: sandbox.url,
      quotaPerSecond: 10,
      onCall: (event) => events.push(event),
    });
    try {
      const results = await Promise.allSettled(Array.from({ length: 11 }, () => live.describeLivePullToPushList()));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(11);
      const waits = events.map((e) => e.quotaWaitMs).sort((a, b) => a - b);
      // Ten go at once; the 11th takes the first freed slot, a second after its holder's answer.
      expect(waits.slice(0, 10).every((w) => w < 1_000)).toBe(true);
      expect(waits[10]).toBeGreaterThanOrEqual(1_000);
    } finally {
      await live.close();
      await sandbox.close();
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
