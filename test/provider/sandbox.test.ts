/**
 * The sandbox's front door over real HTTP: the official SDKs (openapi-core V3 and V1, pop-core V1) against it, where
 * the action and parameters are read from, the error body, authentication and validation codes, the quota per key,
 * uniqueness, the List filters and paging, the admin endpoints, and garbage that must not bring it down.
 */
import net from 'node:net';

import OpenApi, { $OpenApiUtil, OpenApiUtil } from '@alicloud/openapi-core';
import RPCClient from '@alicloud/pop-core';
import * as $dara from '@darabonba/typescript';

import type { ActionName } from '../../src/provider/schemas';
import { parseAccessKeys, startSandbox, type RunningSandbox, type SandboxCall } from '../../src/dev-harness/sandbox';
import { isoSeconds } from '../../src/shared/time';

import { HOUR, KEY, at, freshDst, liveCreateParams, plain, rawV1, rawV3 } from './sandbox-helpers';
import { officialParams } from './official-sdk';

const OTHER_KEY = { id: 'sandbox-other-id', secret: 'sandbox-other-secret' };

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    accessKeys: { [KEY.id]: KEY.secret, [OTHER_KEY.id]: OTHER_KEY.secret },
    quotaPerSecond: 10_000,
  });
});
afterEach(() => sandbox.setFaults({}));
afterAll(async () => {
  await sandbox.close();
});

function expectErrorBody(answer: { status: number; json: Record<string, unknown> }, status: number, code: string) {
  expect(answer.status).toBe(status);
  expect(Object.keys(answer.json).sort()).toEqual(['Code', 'HostId', 'Message', 'RequestId']);
  expect(answer.json).toMatchObject({ Code: code, HostId: 'live.aliyuncs.com' });
  expect(answer.json.RequestId).toMatch(/^[0-9A-F-]{36}$/);
  expect(String(answer.json.Message).length).toBeGreaterThan(0);
}

describe('the official SDKs against the sandbox', () => {
  function sdk(v1: boolean, secret = KEY.secret) {
    return new OpenApi(
      new $OpenApiUtil.Config({
        accessKeyId: KEY.id,
        accessKeySecret: secret,
        endpoint: new URL(sandbox.url).host,
        protocol: 'http',
        ...(v1 ? { signatureAlgorithm: 'v2' } : {}),
      })
    );
  }

  async function callSdk(client: OpenApi, action: ActionName, query: Record<string, unknown>) {
    const params = officialParams(action);
    const request = new $OpenApiUtil.OpenApiRequest({ query: OpenApiUtil.query(query) });
    const answer = await client.callApi(params, request, new $dara.RuntimeOptions({}));
    return answer as { statusCode: number; body: Record<string, unknown> };
  }

  // Spaces, !'()*~, non-ASCII and a JSON array: the sandbox must re-encode the decoded values as the SDK signed them.
  const tricky = () =>
    liveCreateParams({
      TaskName: "Fête 直播 (final)*! it's ~ a+b",
      SourceType: 'url',
      SourceProtocol: '',
      SourceUrls: JSON.stringify([
        'https://media.example.com/clips/day_(1)*!.mp4',
        'https://媒体.example.com/片段.flv',
      ]),
      CallbackUrl: 'https://cb.example.com/hook?token=x*y(z)',
    });

  it.each([
    ['V3 (default)', false],
    ['V1 (signatureAlgorithm v2)', true],
  ])('openapi-core %s: accepted with the right secret, every parameter arrives intact', async (_t, v1) => {
    const params = tricky();
    delete (params as Record<string, string | undefined>).SourceProtocol;
    const created = await callSdk(sdk(v1), 'CreateLivePullToPush', params);
    expect(created.statusCode).toBe(200);
    expect(created.body).toMatchObject({ RetCode: 0, Description: 'OK', TaskId: expect.any(String) });
    const taskId = created.body.TaskId as string;
    const described = await callSdk(sdk(v1), 'DescribeLivePullToPush', { Region: 'cn-shanghai', TaskId: taskId });
    expect(described.body.TaskInfo).toMatchObject({
      TaskName: params.TaskName,
      SourceUrls: JSON.parse(params.SourceUrls!) as string[],
      CallbackURL: params.CallbackUrl,
    });
    const call = sandbox.calls().find((c) => c.action === 'DescribeLivePullToPush' && c.status === 200);
    expect(call).toBeDefined();
    expect(sandbox.calls().at(-1)).toMatchObject({ version: v1 ? 'v1' : 'v3', accessKeyId: KEY.id, code: 'OK' });
  });

  it.each([
    ['V3 (default)', false],
    ['V1 (signatureAlgorithm v2)', true],
  ])('openapi-core %s: SignatureDoesNotMatch (HTTP 400) with a wrong secret', async (_t, v1) => {
    const err = (await callSdk(sdk(v1, 'wrong-secret'), 'DescribeLivePullToPushList', {
      Region: 'cn-shanghai',
    }).catch((e: unknown) => e)) as { code?: string; statusCode?: number; data?: Record<string, unknown> };
    expect(err).toMatchObject({ code: 'SignatureDoesNotMatch', statusCode: 400 });
  });

  it.each([['GET' as const], ['POST' as const]])(
    'pop-core (V1, %s; POST puts the parameters in a form body): accepted, and SignatureDoesNotMatch with a wrong secret',
    async (method) => {
      const pop = (secret: string) =>
        new RPCClient({
          accessKeyId: KEY.id,
          accessKeySecret: secret,
          endpoint: sandbox.url,
          apiVersion: '2016-11-01',
        });
      const params = tricky();
      delete (params as Record<string, string | undefined>).SourceProtocol;
      const created = (await pop(KEY.secret).request('CreateLivePullToPush', params, { method })) as {
        TaskId: string;
      };
      expect(created.TaskId).toEqual(expect.any(String));
      const listed = (await pop(KEY.secret).request(
        'DescribeLivePullToPushList',
        { Region: 'cn-shanghai', DstUrl: params.DstUrl },
        { method }
      )) as { TaskList: Array<{ TaskId: string; TaskInfo: { TaskName: string } }> };
      expect(listed.TaskList).toEqual([expect.objectContaining({ TaskId: created.TaskId })]);
      expect(listed.TaskList[0]?.TaskInfo.TaskName).toBe(params.TaskName);
      const err = (await pop('wrong-secret')
        .request('DescribeLivePullToPushList', { Region: 'cn-shanghai' }, { method })
        .catch((e: unknown) => e)) as { code?: string };
      expect(err.code).toBe('SignatureDoesNotMatch');
    }
  );
});

describe('wire format', () => {
  it('V3: the action comes from x-acs-action, parameters from the query', async () => {
    const params = liveCreateParams();
    const answer = await rawV3(sandbox.url, { action: 'CreateLivePullToPush', method: 'POST', query: params });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    const task = sandbox.tasks().find((t) => t.TaskId === answer.json.TaskId);
    expect(task).toMatchObject({ DstUrl: params.DstUrl, SourceUrls: ['rtmp://src.example.com/app/s'] });
  });

  it('V3: parameters from a signed form body', async () => {
    const params = liveCreateParams();
    const answer = await rawV3(sandbox.url, { action: 'CreateLivePullToPush', method: 'POST', form: params });
    expect(answer.status).toBe(200);
    expect(sandbox.tasks().find((t) => t.TaskId === answer.json.TaskId)?.DstUrl).toBe(params.DstUrl);
  });

  it('V1: the action comes from the Action parameter, in the query or a form body', async () => {
    const dst = freshDst();
    const inQuery = await rawV1(sandbox.url, {
      action: 'CreateLivePullToPush',
      method: 'POST',
      params: liveCreateParams({ DstUrl: dst }),
    });
    expect(inQuery.status).toBe(200);
    const inForm = await rawV1(sandbox.url, {
      action: 'DescribeLivePullToPushList',
      method: 'POST',
      asForm: true,
      params: { Region: 'cn-shanghai', DstUrl: dst },
    });
    expect(inForm.status).toBe(200);
    expect(inForm.json.TaskList).toEqual([expect.objectContaining({ TaskId: inQuery.json.TaskId })]);
  });

  it('the legacy SourceUrls.N list style is accepted too', async () => {
    const params = liveCreateParams();
    const { SourceUrls: _json, ...rest } = params;
    const answer = await rawV1(sandbox.url, {
      action: 'CreateLivePullToPush',
      method: 'POST',
      params: { ...rest, 'SourceUrls.1': 'rtmp://src.example.com/app/n1' },
    });
    expect(answer.status).toBe(200);
    expect(sandbox.tasks().find((t) => t.TaskId === answer.json.TaskId)?.SourceUrls).toEqual([
      'rtmp://src.example.com/app/n1',
    ]);
  });

  it('Describe answers the reference fields: status integers, TaskInfo with CallbackURL and the protocol', async () => {
    const params = liveCreateParams({ CallbackUrl: 'http://127.0.0.1:9/cb', RetryCount: '5', RetryInterval: '120' });
    const created = await rawV3(sandbox.url, { action: 'CreateLivePullToPush', method: 'POST', query: params });
    const described = await rawV3(sandbox.url, {
      action: 'DescribeLivePullToPush',
      query: { Region: 'cn-shanghai', TaskId: String(created.json.TaskId) },
    });
    expect(described.json).toMatchObject({
      RetCode: 0,
      Description: 'OK',
      TaskId: created.json.TaskId,
      TaskStatus: 0,
      CurrentFileIndex: 0,
      TaskInfo: {
        TaskId: created.json.TaskId,
        StartTime: params.StartTime,
        EndTime: params.EndTime,
        SourceType: 'live',
        SourceProtocol: 'RTMP',
        SourceUrls: ['rtmp://src.example.com/app/s'],
        DstUrl: params.DstUrl,
        CallbackURL: 'http://127.0.0.1:9/cb',
        RepeatNumber: 0,
        RetryCount: 5,
        RetryInterval: 120,
      },
    });
    expect(described.json).not.toHaveProperty('TaskExitReason');
    expect(described.json).not.toHaveProperty('TaskInvalidReason');
  });
});

describe('authentication and validation errors: {RequestId, HostId, Code, Message} with the service status', () => {
  const list = { Region: 'cn-shanghai' };

  it('unknown AccessKeyId → InvalidAccessKeyId.NotFound, HTTP 404 (V3 and V1)', async () => {
    const nobody = { id: 'nobody', secret: 'x' };
    expectErrorBody(
      await rawV3(sandbox.url, { action: 'DescribeLivePullToPushList', query: list, key: nobody }),
      404,
      'InvalidAccessKeyId.NotFound'
    );
    expectErrorBody(
      await rawV1(sandbox.url, { action: 'DescribeLivePullToPushList', params: list, key: nobody }),
      404,
      'InvalidAccessKeyId.NotFound'
    );
  });

  it('timestamps more than 15 minutes off → InvalidTimeStamp.Expired; 14 minutes pass', async () => {
    const past = isoSeconds(new Date(Date.now() - 16 * 60_000));
    const future = isoSeconds(new Date(Date.now() + 16 * 60_000));
    const near = isoSeconds(new Date(Date.now() - 14 * 60_000));
    for (const date of [past, future]) {
      expectErrorBody(
        await rawV3(sandbox.url, { action: 'DescribeLivePullToPushList', query: list, date }),
        400,
        'InvalidTimeStamp.Expired'
      );
      expectErrorBody(
        await rawV1(sandbox.url, { action: 'DescribeLivePullToPushList', params: list, timestamp: date }),
        400,
        'InvalidTimeStamp.Expired'
      );
    }
    expect((await rawV3(sandbox.url, { action: 'DescribeLivePullToPushList', query: list, date: near })).status).toBe(
      200
    );
  });

  it('a malformed date → InvalidTimeStamp.Format', async () => {
    expectErrorBody(
      await rawV3(sandbox.url, { action: 'DescribeLivePullToPushList', query: list, date: '2026-01-01 00:00:00' }),
      400,
      'InvalidTimeStamp.Format'
    );
  });

  it('a reused nonce → SignatureNonceUsed (V3 and V1), and a failed signature does not use up the nonce', async () => {
    const nonce = `nonce-${process.pid}-${Date.now()}`;
    const wrong = await rawV3(sandbox.url, {
      action: 'DescribeLivePullToPushList',
      query: list,
      nonce,
      key: { id: KEY.id, secret: 'wrong' },
    });
    expectErrorBody(wrong, 400, 'SignatureDoesNotMatch');
    expect((await rawV3(sandbox.url, { action: 'DescribeLivePullToPushList', query: list, nonce })).status).toBe(200);
    expectErrorBody(
      await rawV3(sandbox.url, { action: 'DescribeLivePullToPushList', query: list, nonce }),
      400,
      'SignatureNonceUsed'
    );
    expectErrorBody(
      await rawV1(sandbox.url, {
        action: 'DescribeLivePullToPushList',
        params: { ...list, SignatureNonce: nonce },
      }),
      400,
      'SignatureNonceUsed'
    );
  });

  it('V3 signs the host as received, port included, and every extra x-acs-* header', async () => {
    const { host } = new URL(sandbox.url);
    expect(host).toMatch(/:\d+$/);
    const withoutPort = await rawV3(sandbox.url, {
      action: 'DescribeLivePullToPushList',
      query: list,
      signAs: { host: host.replace(/:\d+$/, '') },
    });
    expectErrorBody(withoutPort, 400, 'SignatureDoesNotMatch');
    const extra = await rawV3(sandbox.url, {
      action: 'DescribeLivePullToPushList',
      query: list,
      headers: { 'x-acs-extra': 'signed' },
    });
    expect(extra.status).toBe(200);
    const extraTampered = await rawV3(sandbox.url, {
      action: 'DescribeLivePullToPushList',
      query: list,
      headers: { 'x-acs-extra': 'sent' },
      signAs: { 'x-acs-extra': 'signed' },
    });
    expectErrorBody(extraTampered, 400, 'SignatureDoesNotMatch');
  });

  it('an x-acs-* header sent but not signed → IncompleteSignature', async () => {
    expectErrorBody(
      await rawV3(sandbox.url, {
        action: 'DescribeLivePullToPushList',
        query: list,
        headers: { 'x-acs-security-token': 'tok' },
        unsigned: ['x-acs-security-token'],
      }),
      400,
      'IncompleteSignature'
    );
  });

  it('no signature at all → IncompleteSignature', async () => {
    expectErrorBody(
      await plain(sandbox.url, 'GET', '/?Action=DescribeLivePullToPushList&Region=cn-shanghai'),
      400,
      'IncompleteSignature'
    );
  });

  it('a tampered parameter → SignatureDoesNotMatch', async () => {
    const answer = await rawV1(sandbox.url, { action: 'DescribeLivePullToPushList', params: list });
    expect(answer.status).toBe(200);
    // Sign one request, send another: re-sign with TaskName, then drop it from the query.
    const params: Record<string, string> = {
      Action: 'DescribeLivePullToPushList',
      Format: 'JSON',
      Version: '2016-11-01',
      AccessKeyId: KEY.id,
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: `tamper-${Date.now()}`,
      SignatureVersion: '1.0',
      Timestamp: isoSeconds(new Date()),
      Region: 'cn-shanghai',
      TaskName: 'a',
    };
    const { signV1 } = await import('../../src/provider/signing');
    params.Signature = signV1('GET', params, KEY.secret);
    params.TaskName = 'b';
    expectErrorBody(
      await plain(sandbox.url, 'GET', `/?${new URLSearchParams(params).toString()}`),
      400,
      'SignatureDoesNotMatch'
    );
  });

  it('the API version must be 2016-11-01: MissingVersion / InvalidVersion', async () => {
    expectErrorBody(
      await rawV3(sandbox.url, { action: 'DescribeLivePullToPushList', query: list, version: null }),
      400,
      'MissingVersion'
    );
    expectErrorBody(
      await rawV3(sandbox.url, { action: 'DescribeLivePullToPushList', query: list, version: '2014-05-26' }),
      400,
      'InvalidVersion'
    );
  });

  it('an unknown action → InvalidAction.NotFound, HTTP 404', async () => {
    expectErrorBody(
      await rawV3(sandbox.url, { action: 'ListLivePullToPush', query: list }),
      404,
      'InvalidAction.NotFound'
    );
  });

  it('a missing required parameter → Missing{Param}, "{Param} is mandatory for this action."', async () => {
    const { Region: _r, ...noRegion } = liveCreateParams();
    const answer = await rawV3(sandbox.url, { action: 'CreateLivePullToPush', method: 'POST', query: noRegion });
    expectErrorBody(answer, 400, 'MissingRegion');
    expect(answer.json.Message).toBe('Region is mandatory for this action.');
    const { DstUrl: _d, ...noDst } = liveCreateParams();
    expectErrorBody(
      await rawV1(sandbox.url, { action: 'CreateLivePullToPush', method: 'POST', params: noDst }),
      400,
      'MissingDstUrl'
    );
    expectErrorBody(await rawV3(sandbox.url, { action: 'DescribeLivePullToPush', query: list }), 400, 'MissingTaskId');
    expectErrorBody(
      await rawV3(sandbox.url, {
        action: 'CreateLivePullToPush',
        method: 'POST',
        query: liveCreateParams({ SourceProtocol: '' }),
      }),
      400,
      'MissingSourceProtocol'
    );
  });

  it('a bad value → InvalidParameter naming every bad field', async () => {
    const answer = await rawV3(sandbox.url, {
      action: 'CreateLivePullToPush',
      method: 'POST',
      query: liveCreateParams({ RetryInterval: '30', DstUrl: 'http://push.example.com/x', Region: 'mars' }),
    });
    expectErrorBody(answer, 400, 'InvalidParameter');
    for (const field of ['RetryInterval', 'DstUrl', 'Region']) expect(answer.json.Message).toContain(field);
    const badList = await rawV3(sandbox.url, {
      action: 'CreateLivePullToPush',
      method: 'POST',
      query: liveCreateParams({ SourceUrls: 'rtmp://not-a-json-array' }),
    });
    expectErrorBody(badList, 400, 'InvalidParameter');
    expect(badList.json.Message).toContain('SourceUrls');
    const pastEnd = await rawV3(sandbox.url, {
      action: 'CreateLivePullToPush',
      method: 'POST',
      query: liveCreateParams({ StartTime: at(-2 * HOUR), EndTime: at(-HOUR) }),
    });
    expectErrorBody(pastEnd, 400, 'InvalidParameter');
    expect(pastEnd.json.Message).toContain('EndTime');
  });
});

describe('quota: 10 calls per second per access key and action', () => {
  it('the 11th call within a second is throttled (Throttling.User, HTTP 400); another key is not', async () => {
    const quota = await startSandbox({
      port: 0,
      accessKeys: { [KEY.id]: KEY.secret, [OTHER_KEY.id]: OTHER_KEY.secret },
    });
    try {
      const list = { Region: 'cn-shanghai' };
      const answers = await Promise.all(
        Array.from({ length: 11 }, () => rawV3(quota.url, { action: 'DescribeLivePullToPushList', query: list }))
      );
      const throttled = answers.filter((a) => a.status !== 200);
      expect(answers.filter((a) => a.status === 200)).toHaveLength(10);
      expect(throttled).toHaveLength(1);
      expectErrorBody(throttled[0]!, 400, 'Throttling.User');
      expect(throttled[0]!.json.Message).toBe('Request was denied due to user flow control.');
      const other = await rawV3(quota.url, { action: 'DescribeLivePullToPushList', query: list, key: OTHER_KEY });
      expect(other.status).toBe(200);
      expect(quota.calls().filter((c) => c.code === 'Throttling.User')).toHaveLength(1);
    } finally {
      await quota.close();
    }
  });
});

describe('uniqueness', () => {
  const create = (params: Record<string, string>, key = KEY) =>
    rawV3(sandbox.url, { action: 'CreateLivePullToPush', method: 'POST', query: params, key });

  it('one live task per DstUrl, whoever owns it; free again once that task is deleted', async () => {
    const params = liveCreateParams();
    const first = await create(params);
    expect(first.status).toBe(200);
    expectErrorBody(await create({ ...params, TaskName: 'other' }), 400, 'CodeConfigAlreadyExists');
    expectErrorBody(await create(params, OTHER_KEY), 400, 'CodeConfigAlreadyExists');
    const deleted = await rawV3(sandbox.url, {
      action: 'DeleteLivePullToPush',
      query: { Region: 'cn-shanghai', TaskId: String(first.json.TaskId) },
    });
    expect(deleted.json).toMatchObject({ RetCode: 0, Description: 'OK' });
    expect((await create(params)).status).toBe(200);
  });

  it('one legacy config per Domain/App/Stream; free again once deleted', async () => {
    const stream = { DomainName: 'live.example.com', AppName: 'app', StreamName: `uniq-${Date.now()}` };
    const config = {
      ...stream,
      SourceUrl: 'rtmp://origin.example.com/a/b',
      StartTime: at(HOUR),
      EndTime: at(2 * HOUR),
    };
    const add = () => rawV1(sandbox.url, { action: 'AddLivePullStreamInfoConfig', method: 'POST', params: config });
    expect((await add()).status).toBe(200);
    expectErrorBody(await add(), 400, 'CodeConfigAlreadyExists');
    // Same domain and app, other stream: fine.
    const other = await rawV1(sandbox.url, {
      action: 'AddLivePullStreamInfoConfig',
      method: 'POST',
      params: { ...config, StreamName: `${stream.StreamName}-2` },
    });
    expect(other.status).toBe(200);
    const removed = await rawV1(sandbox.url, {
      action: 'DeleteLivePullStreamInfoConfig',
      method: 'POST',
      params: stream,
    });
    expect(removed.status).toBe(200);
    expect((await add()).status).toBe(200);
  });

  it('legacy configs: the 7-day window is enforced', async () => {
    const answer = await rawV1(sandbox.url, {
      action: 'AddLivePullStreamInfoConfig',
      method: 'POST',
      params: {
        DomainName: 'live.example.com',
        AppName: 'app',
        StreamName: `long-${Date.now()}`,
        SourceUrl: 'rtmp://origin.example.com/a/b',
        StartTime: at(HOUR),
        EndTime: at(HOUR + 8 * 24 * HOUR),
      },
    });
    expectErrorBody(answer, 400, 'InvalidParameter');
    expect(answer.json.Message).toContain('EndTime');
  });
});

describe('DescribeLivePullToPushList', () => {
  const tag = `list${process.pid}x${Date.now()}`;
  const ids: string[] = [];

  beforeAll(async () => {
    sandbox.reset();
    for (let i = 1; i <= 5; i++) {
      const answer = await rawV3(sandbox.url, {
        action: 'CreateLivePullToPush',
        method: 'POST',
        query: liveCreateParams({
          TaskName: `${tag}-${i % 2 === 0 ? 'even' : 'odd'}-${i}`,
          DstUrl: `rtmp://push.example.com/${tag}/stream-${i}`,
        }),
      });
      ids.push(String(answer.json.TaskId));
    }
    // Same owner, other Region; other owner, same Region: neither is listed.
    await rawV3(sandbox.url, {
      action: 'CreateLivePullToPush',
      method: 'POST',
      query: liveCreateParams({ Region: 'cn-beijing', TaskName: `${tag}-beijing` }),
    });
    await rawV3(sandbox.url, {
      action: 'CreateLivePullToPush',
      method: 'POST',
      query: liveCreateParams({ TaskName: `${tag}-other-owner` }),
      key: OTHER_KEY,
    });
  });

  const list = async (filters: Record<string, string>) => {
    const answer = await rawV3(sandbox.url, {
      action: 'DescribeLivePullToPushList',
      query: { Region: 'cn-shanghai', ...filters },
    });
    expect(answer.status).toBe(200);
    return answer.json as { Total: number; PageNumber: number; PageSize: number; TaskList: Array<{ TaskId: string }> };
  };

  it('defaults: page 1 of 10, the owner’s tasks in the Region, no RetCode', async () => {
    const page = await list({});
    expect(page).toMatchObject({ PageNumber: 1, PageSize: 10, Total: 5 });
    expect(page.TaskList.map((t) => t.TaskId)).toEqual(ids);
    expect(page).not.toHaveProperty('RetCode');
  });

  it('fuzzy TaskName, DstUrl and TaskId filters (substring), combined with AND', async () => {
    expect((await list({ TaskName: 'even' })).TaskList.map((t) => t.TaskId)).toEqual([ids[1], ids[3]]);
    expect((await list({ DstUrl: 'stream-3' })).TaskList.map((t) => t.TaskId)).toEqual([ids[2]]);
    expect((await list({ DstUrl: tag, TaskName: 'odd' })).Total).toBe(3);
    const fragment = ids[4]!.slice(4, 20);
    expect((await list({ TaskId: fragment })).TaskList.map((t) => t.TaskId)).toEqual([ids[4]]);
    expect((await list({ TaskName: 'no-such-name' })).TaskList).toEqual([]);
  });

  it('pages: PageSize and PageNumber, Total counts every match', async () => {
    const second = await list({ PageSize: '2', PageNumber: '2' });
    expect(second).toMatchObject({ PageNumber: 2, PageSize: 2, Total: 5 });
    expect(second.TaskList.map((t) => t.TaskId)).toEqual([ids[2], ids[3]]);
    expect((await list({ PageSize: '2', PageNumber: '3' })).TaskList.map((t) => t.TaskId)).toEqual([ids[4]]);
    expect((await list({ PageSize: '2', PageNumber: '4' })).TaskList).toEqual([]);
  });

  it('deleted tasks are not listed', async () => {
    await rawV3(sandbox.url, { action: 'DeleteLivePullToPush', query: { Region: 'cn-shanghai', TaskId: ids[0]! } });
    const page = await list({ DstUrl: tag });
    expect(page.Total).toBe(4);
    expect(page.TaskList.map((t) => t.TaskId)).not.toContain(ids[0]);
  });

  it('bad paging and filters are InvalidParameter naming the field', async () => {
    for (const [field, value] of [
      ['PageSize', '101'],
      ['PageNumber', '0'],
      ['TaskId', 'has space'],
    ]) {
      const answer = await rawV3(sandbox.url, {
        action: 'DescribeLivePullToPushList',
        query: { Region: 'cn-shanghai', [field!]: value! },
      });
      expectErrorBody(answer, 400, 'InvalidParameter');
      expect(answer.json.Message).toContain(field);
    }
  });

  it("another owner's task, or the wrong Region, is not found", async () => {
    const query = { Region: 'cn-shanghai', TaskId: ids[1]! };
    expectErrorBody(
      await rawV3(sandbox.url, { action: 'DescribeLivePullToPush', query, key: OTHER_KEY }),
      404,
      'InvalidTaskId.NotFound'
    );
    expectErrorBody(
      await rawV3(sandbox.url, { action: 'DescribeLivePullToPush', query: { ...query, Region: 'cn-beijing' } }),
      404,
      'InvalidTaskId.NotFound'
    );
  });
});

describe('admin endpoints', () => {
  it('GET /_sandbox/tasks lists every task, deleted ones too, with state history', async () => {
    const created = await rawV3(sandbox.url, {
      action: 'CreateLivePullToPush',
      method: 'POST',
      query: liveCreateParams(),
    });
    const taskId = String(created.json.TaskId);
    await rawV3(sandbox.url, { action: 'DeleteLivePullToPush', query: { Region: 'cn-shanghai', TaskId: taskId } });
    const answer = await plain(sandbox.url, 'GET', '/_sandbox/tasks');
    expect(answer.status).toBe(200);
    const tasks = JSON.parse(answer.text) as Array<Record<string, unknown>>;
    const task = tasks.find((t) => t.TaskId === taskId);
    expect(task).toMatchObject({
      deleted: true,
      status: -1,
      exitReason: 'TriggerByUser',
      history: [
        expect.objectContaining({ status: 0 }),
        expect.objectContaining({ status: -1, reason: 'TriggerByUser' }),
      ],
    });
  });

  it('GET /_sandbox/calls lists every API call with its outcome', async () => {
    await rawV3(sandbox.url, { action: 'DescribeLivePullToPush', query: { Region: 'cn-shanghai', TaskId: 'nope' } });
    await rawV1(sandbox.url, { action: 'DescribeLivePullToPushList', params: { Region: 'cn-shanghai' } });
    const calls = JSON.parse((await plain(sandbox.url, 'GET', '/_sandbox/calls')).text) as SandboxCall[];
    expect(calls.slice(-2)).toEqual([
      expect.objectContaining({
        action: 'DescribeLivePullToPush',
        version: 'v3',
        accessKeyId: KEY.id,
        code: 'InvalidTaskId.NotFound',
        status: 404,
      }),
      expect.objectContaining({ action: 'DescribeLivePullToPushList', version: 'v1', code: 'OK', status: 200 }),
    ]);
  });

  it('POST /_sandbox/faults sets faults; an invalid configuration is refused and changes nothing', async () => {
    const set = await plain(
      sandbox.url,
      'POST',
      '/_sandbox/faults',
      JSON.stringify({ errorRates: { 'Throttling.User': 1 }, actions: ['DescribeLivePullToPushList'] })
    );
    expect(set.status).toBe(200);
    expectErrorBody(
      await rawV3(sandbox.url, { action: 'DescribeLivePullToPushList', query: { Region: 'cn-shanghai' } }),
      400,
      'Throttling.User'
    );
    // Restricted to List: another action is untouched.
    expectErrorBody(
      await rawV3(sandbox.url, { action: 'DescribeLivePullToPush', query: { Region: 'cn-shanghai', TaskId: 'x' } }),
      404,
      'InvalidTaskId.NotFound'
    );
    for (const bad of ['null', '[]', '{"hangRate": 2}', '{"errorRates": {"X": "always"}}', '{"nope": 1}', '{']) {
      const refused = await plain(sandbox.url, 'POST', '/_sandbox/faults', bad);
      expect(refused.status).toBe(400);
    }
    expectErrorBody(
      await rawV3(sandbox.url, { action: 'DescribeLivePullToPushList', query: { Region: 'cn-shanghai' } }),
      400,
      'Throttling.User'
    );
    expect((await plain(sandbox.url, 'POST', '/_sandbox/faults', '{}')).status).toBe(200);
    expect(
      (await rawV3(sandbox.url, { action: 'DescribeLivePullToPushList', query: { Region: 'cn-shanghai' } })).status
    ).toBe(200);
  });

  it('unknown admin paths answer 404', async () => {
    expect((await plain(sandbox.url, 'GET', '/_sandbox/nothing')).status).toBe(404);
  });
});

describe('bad requests never crash it', () => {
  async function stillServes(): Promise<void> {
    const answer = await rawV3(sandbox.url, { action: 'DescribeLivePullToPushList', query: { Region: 'cn-shanghai' } });
    expect(answer.status).toBe(200);
  }

  it.each<[string, () => Promise<{ status: number }>]>([
    ['malformed percent-encoding', () => plain(sandbox.url, 'GET', '/?Action=%zz&Signature=%&AccessKeyId=%E0%A4%A')],
    [
      'a malformed Authorization header',
      () => plain(sandbox.url, 'GET', '/', undefined, { authorization: 'ACS3-HMAC-SHA256 ,,,=' }),
    ],
    [
      'an Authorization header of another scheme',
      () => plain(sandbox.url, 'GET', '/', undefined, { authorization: 'Bearer x', 'x-acs-action': 'Create' }),
    ],
    ['a body too large', () => plain(sandbox.url, 'POST', '/', 'x'.repeat(200_000))],
    ['a JSON body', () => plain(sandbox.url, 'POST', '/', '{"Action":1}', { 'content-type': 'application/json' })],
    ['a DELETE to the API', () => plain(sandbox.url, 'DELETE', '/?Signature=x')],
    ['a deep path', () => plain(sandbox.url, 'GET', '/a/b/c?x=1')],
    ['garbage to an admin POST', () => plain(sandbox.url, 'POST', '/_sandbox/tasks/x/fail', '{{{')],
    ['null to the fail endpoint', () => plain(sandbox.url, 'POST', '/_sandbox/tasks/%E0%A4%A/fail', 'null')],
    ['fail of an unknown task', () => plain(sandbox.url, 'POST', '/_sandbox/tasks/unknown/fail', '{"kind":"push"}')],
  ])('%s → an error answer, still serving', async (_title, send) => {
    const answer = await send();
    expect(answer.status).toBeGreaterThanOrEqual(400);
    await stillServes();
  });

  it('a V1 request with duplicated parameters, a list where a string belongs, and odd values', async () => {
    const answer = await rawV1(sandbox.url, {
      action: 'CreateLivePullToPush',
      method: 'POST',
      params: liveCreateParams({ SourceUrls: '[1, {"a": 2}, null]', RetryCount: '1e3', TaskName: '\u0000\uffff' }),
    });
    expectErrorBody(answer, 400, 'InvalidParameter');
    await stillServes();
  });

  it('raw bytes that are not HTTP', async () => {
    const { port } = new URL(sandbox.url);
    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.end('\x00\x01 NOT HTTP\r\n\r\n'));
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
      socket.resume();
    });
    await stillServes();
  });
});

describe('SANDBOX_ACCESS_KEYS', () => {
  it('parses id:secret pairs (secrets may contain ":"), and refuses malformed pairs', () => {
    expect(parseAccessKeys('a:1, b:two:parts')).toEqual({ a: '1', b: 'two:parts' });
    expect(parseAccessKeys(undefined)).toBeUndefined();
    expect(parseAccessKeys('')).toBeUndefined();
    expect(() => parseAccessKeys('a:1,broken')).toThrow(/pair 2/);
    expect(() => parseAccessKeys('a:')).toThrow(/pair 1/);
  });
});
