/**
 * Every rule the two seed documents state (CreateLivePullToPush, seed 000; AddLivePullStreamInfoConfig, seed 003),
 * quoted, and checked in the three places that enforce them: the official SDK against the sandbox (the wire), our
 * LiveClient, and the broadcast request validation. Where a seed is silent the project is lenient.
 */
import { validateBroadcastRequest } from '../../src/broadcast/validation';
import type { LiveClient } from '../../src/provider/client';
import {
  ProviderError,
  ProviderValidationError,
  SEED_ERROR_CODES,
  classifyProviderError,
} from '../../src/provider/errors';
import { startSandbox, type RunningSandbox } from '../../src/dev-harness/sandbox';

import { officialClient } from './official-sdk';
import { HOUR, KEY, at, freshDst, liveCreateParams, liveRelay, sandboxClient } from './sandbox-helpers';

let sandbox: RunningSandbox;
let live: LiveClient;
let sdk: ReturnType<typeof officialClient>;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, accessKeys: { [KEY.id]: KEY.secret }, quotaPerSecond: 10_000 });
  live = sandboxClient(sandbox.url);
  sdk = officialClient(sandbox.url, KEY);
});
afterEach(() => sandbox.setFaults({}));
afterAll(async () => {
  await live.close();
  await sandbox.close();
});

const relayOf = liveRelay;
const validate = (request: unknown) => validateBroadcastRequest(request, { defaultRegion: 'cn-shanghai' });

async function clientFailure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err as Error
  );
  if (!outcome) throw new Error('expected the call to fail');
  return outcome;
}

describe('seed 000: "The value of start time should be less than the value of end time."', () => {
  const inverted = { StartTime: at(2 * HOUR), EndTime: at(HOUR) };
  const equal = { StartTime: at(HOUR), EndTime: at(HOUR) };

  it.each([
    ['StartTime after EndTime', inverted],
    ['StartTime equal to EndTime', equal],
  ])('%s: the sandbox answers InvalidParam.CodeIllegalDuration (HTTP 400) to the official SDK', async (_t, times) => {
    const err = await sdk.failure('CreateLivePullToPush', liveCreateParams(times));
    expect(err).toMatchObject({ code: 'InvalidParam.CodeIllegalDuration', statusCode: 400 });
    expect(err.data?.Message).toBe('The value of start time should be less than the value of end time.');
  });

  it('Update with EndTime not after StartTime gets the same code', async () => {
    const created = await sdk.call('CreateLivePullToPush', liveCreateParams());
    const TaskId = created.body.TaskId as string;
    const err = await sdk.failure('UpdateLivePullToPush', { Region: 'cn-shanghai', TaskId, ...inverted });
    expect(err).toMatchObject({ code: 'InvalidParam.CodeIllegalDuration', statusCode: 400 });
  });

  it('the client refuses it before sending, with the seed code on the violation; the code is permanent', async () => {
    const err = await clientFailure(live.createLivePullToPush(relayOf(inverted)));
    expect(err).toBeInstanceOf(ProviderValidationError);
    expect((err as ProviderValidationError).violations).toEqual([
      {
        field: 'EndTime',
        rule: 'must be later than StartTime',
        missing: false,
        code: 'InvalidParam.CodeIllegalDuration',
      },
    ]);
    expect(classifyProviderError('InvalidParam.CodeIllegalDuration', 400)).toBe('permanent');
  });

  it('broadcast validation names the field and the rule', () => {
    expect(validate({ relay: relayOf(inverted) }).violations).toEqual(['relay.EndTime: must be later than StartTime']);
  });
});

describe('seed 000: SourceProtocol "is ignored if SourceType is vod or url"', () => {
  it.each([
    ['url', 'mp4', ['https://media.example.com/a.mp4']],
    ['url', 'anything at all', ['https://media.example.com/a.mp4']],
    ['vod', 'rtmp', ['5e7d4c3b2a19']],
    ['vod', 'udp', ['5e7d4c3b2a19']],
  ])('%s + SourceProtocol %j: accepted by the sandbox, the client and validation', async (type, protocol, urls) => {
    const relay = relayOf({ SourceType: type, SourceProtocol: protocol, SourceUrls: urls });
    const created = await sdk.call(
      'CreateLivePullToPush',
      liveCreateParams({
        SourceType: type,
        SourceProtocol: protocol,
        SourceUrls: JSON.stringify(urls),
      })
    );
    expect(created.statusCode).toBe(200);
    await expect(live.createLivePullToPush(relay)).resolves.toMatchObject({ RetCode: 0 });
    expect(validate({ relay: relayOf({ SourceType: type, SourceProtocol: protocol, SourceUrls: urls }) })).toEqual(
      expect.objectContaining({ violations: [] })
    );
  });

  it('a live source still needs a known SourceProtocol (the seed: "Needed only when SourceType=live")', async () => {
    const err = await sdk.failure('CreateLivePullToPush', liveCreateParams({ SourceProtocol: 'udp' }));
    expect(err).toMatchObject({ code: 'InvalidParameter', statusCode: 400 });
    expect(validate({ relay: relayOf({ SourceProtocol: 'udp' }) }).violations).toEqual([
      'relay.SourceProtocol: must be one of rtmp, srt, http-flv, hls, rtsp, flv for a live source',
    ]);
  });
});

describe('seed 003 SourceUrl: "If more than one source site exists, URL is entered and separated by semicolon"', () => {
  const legacy = (SourceUrl: string) => ({
    DomainName: 'play.example.com',
    AppName: 'app',
    StreamName: `s-${Math.random().toString(36).slice(2)}`,
    SourceUrl,
    StartTime: at(HOUR),
    EndTime: at(2 * HOUR),
  });

  it.each([
    // The seed's own example value: a bare origin host.
    'live.yourdomain.com',
    'live.yourdomain.com;backup.yourdomain.com',
    'live.yourdomain.com;',
    'origin.example.com:1935',
    // "Support rtmp, http, and flv formats"
    'rtmp://origin.example.com/app/s;http://origin.example.com/app/s.flv;',
  ])('%j is accepted by the sandbox (official SDK), the client and validation', async (SourceUrl) => {
    const spec = legacy(SourceUrl);
    const added = await sdk.call('AddLivePullStreamInfoConfig', spec);
    expect(added.statusCode).toBe(200);
    await expect(live.addLivePullStreamInfoConfig({ ...legacy(SourceUrl) })).resolves.toEqual(
      expect.objectContaining({ RequestId: expect.any(String) })
    );
    expect(validate({ flavour: 'legacy', legacy: legacy(SourceUrl) }).violations).toEqual([]);
  });

  it('an origin that is neither a host nor a URL is refused, naming the field and the rule', () => {
    expect(validate({ flavour: 'legacy', legacy: legacy('not a host;live.example.com') }).violations).toEqual([
      'legacy.SourceUrl: must be one or more origins separated by ;: hosts such as live.example.com, or rtmp, http(s) or srt URLs',
    ]);
  });
});

describe("seed 000's error codes: each produced by the sandbox and classified on purpose", () => {
  it('the table decides every code of the seed, and the classifier follows it', () => {
    expect(Object.keys(SEED_ERROR_CODES).sort()).toEqual(
      [
        'CodeConfigAlreadyExists',
        'CodeInvalidAliUid',
        'CodeNotEnoughResource',
        'InternalError',
        'InvalidParam.CodeIllegalDuration',
        'InvalidParameter',
      ].sort()
    );
    for (const [code, { kind }] of Object.entries(SEED_ERROR_CODES)) {
      expect([code, classifyProviderError(code, code === 'InternalError' ? 500 : 400)]).toEqual([code, kind]);
    }
  });

  // Each code as the official SDK receives it, then as our client classifies the same answer.
  async function expectSeedCode(
    code: keyof typeof SEED_ERROR_CODES,
    make: () => Promise<unknown>,
    viaSdk: () => Promise<unknown>
  ) {
    const official = (await viaSdk().then(
      () => undefined,
      (err: unknown) => err as { code?: string; data?: Record<string, unknown> }
    ))!;
    expect(official).toMatchObject({ code });
    expect(official.data?.Message).toBe(SEED_ERROR_CODES[code].message);
    const ours = await clientFailure(make());
    expect(ours).toBeInstanceOf(ProviderError);
    expect(ours).toMatchObject({ code, kind: SEED_ERROR_CODES[code].kind, ambiguous: code === 'InternalError' });
  }

  it('CodeConfigAlreadyExists: a second task for one DstUrl', async () => {
    const DstUrl = freshDst();
    await live.createLivePullToPush(relayOf({ DstUrl }));
    await expectSeedCode(
      'CodeConfigAlreadyExists',
      () => live.createLivePullToPush(relayOf({ DstUrl })),
      () => sdk.call('CreateLivePullToPush', liveCreateParams({ DstUrl }))
    );
  });

  it('CodeNotEnoughResource: "Exceeded configuration limits" (a sandbox with a task limit); retried', async () => {
    const limited = await startSandbox({ port: 0, accessKeys: { [KEY.id]: KEY.secret }, maxLiveTasksPerKey: 1 });
    const limitedClient = sandboxClient(limited.url);
    try {
      await limitedClient.createLivePullToPush(relayOf());
      const limitedSdk = officialClient(limited.url, KEY);
      await expectSeedCode(
        'CodeNotEnoughResource',
        () => limitedClient.createLivePullToPush(relayOf()),
        () => limitedSdk.call('CreateLivePullToPush', liveCreateParams())
      );
    } finally {
      await limitedClient.close();
      await limited.close();
    }
  });

  it.each(['CodeInvalidAliUid', 'InternalError'] as const)('%s (injected), with the seed message', async (code) => {
    sandbox.setFaults({ errorRates: { [code]: 1 } });
    await expectSeedCode(
      code,
      () => live.createLivePullToPush(relayOf()),
      () => sdk.call('CreateLivePullToPush', liveCreateParams())
    );
  });

  it('InvalidParameter ("%s.", a parameter error): a bad value, classified permanent', async () => {
    // Sent with the client's validation bypassed: the sandbox's answer, classified.
    const raw = await sdk.failure(
      'CreateLivePullToPush',
      liveCreateParams({ DstUrl: 'http://not-rtmp.example.com/x' })
    );
    expect(raw).toMatchObject({ code: 'InvalidParameter', statusCode: 400 });
    expect(classifyProviderError(raw.code, raw.statusCode)).toBe(SEED_ERROR_CODES.InvalidParameter.kind);
  });
});

describe('seed 000: RegionId, "Common region id" (optional)', () => {
  it('is accepted on the wire, by the client and in a broadcast request', async () => {
    const created = await sdk.call('CreateLivePullToPush', liveCreateParams({ RegionId: 'cn-beijing' }));
    expect(created.statusCode).toBe(200);
    await expect(live.createLivePullToPush(relayOf({ RegionId: 'cn-beijing' }))).resolves.toMatchObject({ RetCode: 0 });
    const result = validate({ relay: relayOf({ RegionId: 'cn-beijing' }) });
    expect(result.violations).toEqual([]);
    expect(result.normalized?.relay).toMatchObject({ RegionId: 'cn-beijing', Region: 'cn-shanghai' });
  });
});
