/** The provider's request rules (pure functions, no server needed). */
import {
  ACTIONS,
  HTTP_METHODS,
  REGIONS,
  SOURCE_PROTOCOLS,
  formatViolations,
  fromWireParams,
  responseSchemas,
  toWireParams,
  validateRequest,
  type ActionName,
  type Violation,
} from '../../src/provider/schemas';

const now = new Date('2026-01-01T00:00:00Z');

const liveCreate = {
  Region: 'cn-shanghai',
  StartTime: '2026-01-01T01:00:00Z',
  EndTime: '2026-01-01T02:00:00Z',
  SourceType: 'live',
  SourceProtocol: 'rtmp',
  SourceUrls: ['rtmp://src.example.com/app/s'],
  DstUrl: 'rtmp://push.example.com/app/stream',
};
const urlCreate = {
  ...liveCreate,
  SourceType: 'url',
  SourceProtocol: undefined,
  SourceUrls: ['https://media.example.com/a.mp4', 'http://media.example.com/b.flv'],
};
const vodCreate = { ...liveCreate, SourceType: 'vod', SourceProtocol: undefined, SourceUrls: ['5e7d4c3b2a19'] };
const legacyAdd = {
  DomainName: 'live.example.com',
  AppName: 'app',
  StreamName: 'stream',
  SourceUrl: 'rtmp://origin.example.com/app/stream',
  StartTime: '2026-01-01T01:00:00Z',
  EndTime: '2026-01-02T01:00:00Z',
};

function violationsOf(action: ActionName, params: unknown): Violation[] {
  const result = validateRequest(action, params, { now });
  return result.ok ? [] : result.violations;
}

/** The violations of one field only, as `rule` strings. */
function rulesFor(action: ActionName, params: unknown, field: string): string[] {
  return violationsOf(action, params)
    .filter((v) => v.field === field)
    .map((v) => v.rule);
}

describe('action table', () => {
  it('lists the ten actions with the SDK HTTP methods', () => {
    expect(ACTIONS).toHaveLength(10);
    expect(HTTP_METHODS).toEqual({
      CreateLivePullToPush: 'POST',
      UpdateLivePullToPush: 'GET',
      DeleteLivePullToPush: 'GET',
      DescribeLivePullToPush: 'GET',
      DescribeLivePullToPushList: 'GET',
      StopLivePullToPush: 'GET',
      RestartLivePullToPush: 'GET',
      AddLivePullStreamInfoConfig: 'POST',
      DeleteLivePullStreamInfoConfig: 'POST',
      DescribeLivePullStreamConfig: 'POST',
    });
    expect(Object.keys(responseSchemas).sort()).toEqual([...ACTIONS].sort());
  });
});

describe('CreateLivePullToPush', () => {
  it.each([
    ['live', liveCreate],
    ['url', urlCreate],
    ['vod', vodCreate],
  ])('accepts a valid %s request', (_type, request) => {
    expect(violationsOf('CreateLivePullToPush', request)).toEqual([]);
  });

  it('drops unknown parameters from the validated value', () => {
    const result = validateRequest('CreateLivePullToPush', { ...liveCreate, Bogus: 1 }, { now });
    expect(result).toEqual({ ok: true, value: liveCreate });
  });

  it('reports every required field as missing, with the wire name', () => {
    expect(violationsOf('CreateLivePullToPush', {})).toEqual(
      ['Region', 'StartTime', 'EndTime', 'SourceType', 'SourceUrls', 'DstUrl'].map((field) => ({
        field,
        rule: 'is required',
        missing: true,
      }))
    );
  });

  it('treats an empty string as missing for a required field', () => {
    expect(violationsOf('CreateLivePullToPush', { ...liveCreate, DstUrl: '' })).toEqual([
      { field: 'DstUrl', rule: 'is required', missing: true },
    ]);
  });

  it('accepts all five regions (siblings list four) and nothing else', () => {
    for (const Region of REGIONS) expect(violationsOf('CreateLivePullToPush', { ...liveCreate, Region })).toEqual([]);
    expect(rulesFor('CreateLivePullToPush', { ...liveCreate, Region: 'eu-central-1' }, 'Region')).toEqual([
      `must be one of ${REGIONS.join(', ')}`,
    ]);
  });

  it.each([
    '2026-01-01 01:00:00',
    '2026-01-01T01:00:00.000Z',
    '2026-01-01T09:00:00+08:00',
    '2026-02-30T00:00:00Z',
    // Shaped right but no date at all: must be a violation, not a RangeError from toISOString.
    '2026-13-01T00:00:00Z',
    '2026-01-01T25:00:00Z',
    'x',
  ])('rejects the time %j (format is exactly yyyy-MM-ddTHH:mm:ssZ)', (StartTime) => {
    expect(rulesFor('CreateLivePullToPush', { ...liveCreate, StartTime }, 'StartTime')).toEqual([
      'must be a UTC time yyyy-MM-ddTHH:mm:ssZ',
    ]);
  });

  it('requires EndTime later than StartTime', () => {
    const request = { ...liveCreate, EndTime: liveCreate.StartTime };
    expect(rulesFor('CreateLivePullToPush', request, 'EndTime')).toEqual(['must be later than StartTime']);
  });

  it('requires EndTime later than now (now is injectable)', () => {
    const request = { ...liveCreate, StartTime: '2025-12-31T00:00:00Z', EndTime: '2025-12-31T23:59:59Z' };
    expect(rulesFor('CreateLivePullToPush', request, 'EndTime')).toEqual(['must be later than now']);
    const later = validateRequest('CreateLivePullToPush', liveCreate, { now: new Date('2026-01-01T02:00:00Z') });
    expect(later.ok).toBe(false);
  });

  it('does not cap the window at 7 days (dropped from the 2026 text)', () => {
    expect(violationsOf('CreateLivePullToPush', { ...liveCreate, EndTime: '2026-03-01T00:00:00Z' })).toEqual([]);
  });

  it('restricts SourceType to live, vod, url', () => {
    expect(rulesFor('CreateLivePullToPush', { ...liveCreate, SourceType: 'file' }, 'SourceType')).toEqual([
      'must be one of live, vod, url',
    ]);
  });

  it('requires SourceProtocol for live only, from the current and the mid-2025 lists', () => {
    expect(violationsOf('CreateLivePullToPush', { ...liveCreate, SourceProtocol: undefined })).toEqual([
      { field: 'SourceProtocol', rule: 'is required when SourceType is live', missing: true },
    ]);
    for (const SourceProtocol of SOURCE_PROTOCOLS) {
      expect(violationsOf('CreateLivePullToPush', { ...liveCreate, SourceProtocol })).toEqual([]);
    }
    expect(rulesFor('CreateLivePullToPush', { ...liveCreate, SourceProtocol: 'udp' }, 'SourceProtocol')).toHaveLength(
      1
    );
  });

  describe('SourceUrls', () => {
    it('live: exactly one full playback URL', () => {
      const two = { ...liveCreate, SourceUrls: ['rtmp://a/b/c', 'rtmp://d/e/f'] };
      expect(rulesFor('CreateLivePullToPush', two, 'SourceUrls')).toEqual([
        'must hold exactly one URL for a live source',
      ]);
      const notUrl = { ...liveCreate, SourceUrls: ['src-stream'] };
      expect(rulesFor('CreateLivePullToPush', notUrl, 'SourceUrls[0]')).toEqual([
        'must be a full playback URL (rtmp, srt, http(s) or rtsp)',
      ]);
      for (const url of ['srt://a.example.com:9000?streamid=x', 'https://a.example.com/live/s.flv', 'rtsp://a/b']) {
        expect(violationsOf('CreateLivePullToPush', { ...liveCreate, SourceUrls: [url] })).toEqual([]);
      }
    });

    it('vod/url: 1 to 30 items', () => {
      const ids = (n: number) => Array.from({ length: n }, (_, i) => `media${i}`);
      expect(violationsOf('CreateLivePullToPush', { ...vodCreate, SourceUrls: ids(30) })).toEqual([]);
      expect(rulesFor('CreateLivePullToPush', { ...vodCreate, SourceUrls: ids(31) }, 'SourceUrls')).toEqual([
        'must list 1 to 30 sources',
      ]);
      expect(rulesFor('CreateLivePullToPush', { ...urlCreate, SourceUrls: [] }, 'SourceUrls')).toEqual([
        'must list 1 to 30 sources',
      ]);
    });

    it('vod items are media IDs, url items are http(s) URLs, none empty', () => {
      const vod = { ...vodCreate, SourceUrls: ['abc', 'https://x.example.com/a.mp4'] };
      expect(rulesFor('CreateLivePullToPush', vod, 'SourceUrls[1]')).toEqual(['must be a VOD media ID, not a URL']);
      const url = { ...urlCreate, SourceUrls: ['rtmp://x.example.com/a', ''] };
      expect(violationsOf('CreateLivePullToPush', url)).toEqual([
        { field: 'SourceUrls[1]', rule: 'must not be empty', missing: false },
        { field: 'SourceUrls[0]', rule: 'must be an http(s) URL', missing: false },
      ]);
    });

    it('must be a list', () => {
      expect(rulesFor('CreateLivePullToPush', { ...liveCreate, SourceUrls: 'rtmp://a/b/c' }, 'SourceUrls')).toEqual([
        'must be a list of strings',
      ]);
    });
  });

  describe('DstUrl', () => {
    it.each(['rtmps://push.example.com/app/s', 'http://push.example.com/app/s', 'rtmp://', 'rtmp://a b/c'])(
      'rejects %j (RTMP only)',
      (DstUrl) => {
        expect(rulesFor('CreateLivePullToPush', { ...liveCreate, DstUrl }, 'DstUrl')).toEqual([
          'must be an rtmp:// URL',
        ]);
      }
    );

    it('allows up to 2000 characters', () => {
      const base = 'rtmp://push.example.com/app/';
      const at = (n: number) => ({ ...liveCreate, DstUrl: base + 's'.repeat(n - base.length) });
      expect(violationsOf('CreateLivePullToPush', at(2000))).toEqual([]);
      expect(rulesFor('CreateLivePullToPush', at(2001), 'DstUrl')).toEqual(['must be at most 2000 characters']);
    });
  });

  it('CallbackUrl: http(s), at most 2000 characters, empty means none', () => {
    expect(violationsOf('CreateLivePullToPush', { ...liveCreate, CallbackUrl: '' })).toEqual([]);
    expect(
      violationsOf('CreateLivePullToPush', { ...liveCreate, CallbackUrl: 'https://cb.example.com/x?a=1' })
    ).toEqual([]);
    expect(
      rulesFor('CreateLivePullToPush', { ...liveCreate, CallbackUrl: 'ftp://cb.example.com/' }, 'CallbackUrl')
    ).toEqual(['must be an http(s) URL']);
    const long = `https://cb.example.com/${'x'.repeat(2000)}`;
    expect(rulesFor('CreateLivePullToPush', { ...liveCreate, CallbackUrl: long }, 'CallbackUrl')).toContain(
      'must be at most 2000 characters'
    );
  });

  it.each([
    ['RetryInterval', [60, 300], [59, 301, 60.5, '60'], 'must be an integer between 60 and 300 (seconds)'],
    ['RetryCount', [0, 3, 100], [-1, 101], 'must be an integer between 0 and 100'],
    ['RepeatNumber', [-1, 0, 5], [-2], 'must be -1 (loop until EndTime), 0 or a positive count'],
    ['FileIndex', [0, 29], [-1], 'must be an integer ≥ 0'],
    ['Offset', [1, 3600], [0, -5], 'must be an integer > 0 (seconds)'],
  ])('%s accepts %j and rejects %j', (field, good, bad, rule) => {
    for (const value of good)
      expect(rulesFor('CreateLivePullToPush', { ...urlCreate, [field]: value }, field)).toEqual([]);
    for (const value of bad) {
      const rules = rulesFor('CreateLivePullToPush', { ...urlCreate, [field]: value }, field);
      expect(rules.length).toBeGreaterThan(0);
      expect([rule, 'must be an integer']).toEqual(expect.arrayContaining(rules));
    }
  });

  it('caps TaskName at 128 characters (our choice; unconfirmed)', () => {
    expect(violationsOf('CreateLivePullToPush', { ...liveCreate, TaskName: 'n'.repeat(128) })).toEqual([]);
    expect(rulesFor('CreateLivePullToPush', { ...liveCreate, TaskName: 'n'.repeat(129) }, 'TaskName')).toEqual([
      'must be at most 128 characters',
    ]);
  });

  it('reports every violation of one bad request at once, each with its field', () => {
    const bad = {
      Region: 'mars-1',
      StartTime: 'tomorrow',
      EndTime: '2025-06-01T00:00:00Z',
      SourceType: 'live',
      SourceUrls: ['rtmp://a/b', 'rtmp://c/d'],
      DstUrl: 'http://not-rtmp.example.com/x',
      RetryInterval: 10,
      RetryCount: 1.5,
      CallbackUrl: 'mailto:x@example.com',
    };
    const violations = violationsOf('CreateLivePullToPush', bad);
    expect(violations.map((v) => v.field).sort()).toEqual(
      [
        'CallbackUrl',
        'DstUrl',
        'EndTime',
        'Region',
        'RetryCount',
        'RetryInterval',
        'SourceProtocol',
        'SourceUrls',
        'StartTime',
      ].sort()
    );
    const line = formatViolations(violations);
    expect(line).not.toContain('\n');
    for (const v of violations) expect(line).toContain(`${v.field}: ${v.rule}`);
  });

  it('rejects a request that is not an object', () => {
    for (const input of [null, 'x', 42, undefined]) {
      expect(violationsOf('CreateLivePullToPush', input)).toEqual([
        { field: 'request', rule: 'must be an object of parameters', missing: false },
      ]);
    }
  });
});

describe('UpdateLivePullToPush', () => {
  const ref = { Region: 'cn-shanghai', TaskId: 'fd245384-4067-4f91-9d75-9666a6bc9abc' };

  it('needs only Region and TaskId', () => {
    expect(violationsOf('UpdateLivePullToPush', ref)).toEqual([]);
    expect(violationsOf('UpdateLivePullToPush', {}).map((v) => [v.field, v.missing])).toEqual([
      ['Region', true],
      ['TaskId', true],
    ]);
  });

  it('checks the optional fields like Create', () => {
    const bad = { ...ref, EndTime: '2025-01-01T00:00:00Z', SourceUrls: [], Offset: 0, CallbackUrl: 'x' };
    expect(violationsOf('UpdateLivePullToPush', bad).map((v) => v.field)).toEqual([
      'CallbackUrl',
      'SourceUrls',
      'Offset',
      'EndTime',
    ]);
    const inverted = { ...ref, StartTime: '2026-01-02T00:00:00Z', EndTime: '2026-01-01T12:00:00Z' };
    expect(rulesFor('UpdateLivePullToPush', inverted, 'EndTime')).toEqual(['must be later than StartTime']);
  });
});

describe.each([
  'DeleteLivePullToPush',
  'DescribeLivePullToPush',
  'StopLivePullToPush',
  'RestartLivePullToPush',
] as const)('%s', (action) => {
  it('requires Region and TaskId', () => {
    expect(violationsOf(action, { Region: 'cn-beijing', TaskId: 't-1' })).toEqual([]);
    expect(violationsOf(action, { Region: 'cn-beijing' })).toEqual([
      { field: 'TaskId', rule: 'is required', missing: true },
    ]);
    expect(violationsOf(action, { TaskId: 't-1' })).toEqual([{ field: 'Region', rule: 'is required', missing: true }]);
  });
});

describe('DescribeLivePullToPushList', () => {
  it('needs only Region', () => {
    expect(violationsOf('DescribeLivePullToPushList', { Region: 'cn-shanghai' })).toEqual([]);
  });

  it('PageNumber > 0, PageSize 1–100, TaskId filter of letters, digits, _ and - up to 55', () => {
    const good = { Region: 'cn-shanghai', PageNumber: 1, PageSize: 100, TaskId: `a_b-C9${'x'.repeat(49)}` };
    expect(violationsOf('DescribeLivePullToPushList', good)).toEqual([]);
    const bad = { Region: 'cn-shanghai', PageNumber: 0, PageSize: 101, TaskId: `${'x'.repeat(56)}` };
    expect(violationsOf('DescribeLivePullToPushList', bad)).toEqual([
      { field: 'PageNumber', rule: 'must be an integer > 0', missing: false },
      { field: 'PageSize', rule: 'must be an integer between 1 and 100', missing: false },
      { field: 'TaskId', rule: 'must be 1 to 55 letters, digits, _ or -', missing: false },
    ]);
    expect(rulesFor('DescribeLivePullToPushList', { Region: 'cn-shanghai', TaskId: 'a b' }, 'TaskId')).toHaveLength(1);
    expect(rulesFor('DescribeLivePullToPushList', { Region: 'cn-shanghai', PageSize: 0 }, 'PageSize')).toHaveLength(1);
  });
});

describe('AddLivePullStreamInfoConfig (legacy)', () => {
  it('accepts a valid request, with several ;-separated sources', () => {
    expect(violationsOf('AddLivePullStreamInfoConfig', legacyAdd)).toEqual([]);
    const several = { ...legacyAdd, SourceUrl: 'rtmp://a.example.com/x/y;https://b.example.com/x/y.flv;srt://c:9000' };
    expect(violationsOf('AddLivePullStreamInfoConfig', several)).toEqual([]);
  });

  it('requires all six fields', () => {
    expect(violationsOf('AddLivePullStreamInfoConfig', {}).map((v) => [v.field, v.missing])).toEqual(
      ['DomainName', 'AppName', 'StreamName', 'SourceUrl', 'StartTime', 'EndTime'].map((f) => [f, true])
    );
  });

  it.each([
    'ftp://a.example.com/x',
    ';',
    'rtmp://a.example.com/x;not a url',
    'live.example.com/app',
    'a_b.example.com',
  ])('rejects the SourceUrl %j', (SourceUrl) => {
    expect(rulesFor('AddLivePullStreamInfoConfig', { ...legacyAdd, SourceUrl }, 'SourceUrl')).toEqual([
      'must be one or more origins separated by ;: hosts such as live.example.com, or rtmp, http(s) or srt URLs',
    ]);
  });

  it('window at most 7 days, EndTime later than StartTime and now', () => {
    const sevenDays = { ...legacyAdd, EndTime: '2026-01-08T01:00:00Z' };
    expect(violationsOf('AddLivePullStreamInfoConfig', sevenDays)).toEqual([]);
    const tooLong = { ...legacyAdd, EndTime: '2026-01-08T01:00:01Z' };
    expect(rulesFor('AddLivePullStreamInfoConfig', tooLong, 'EndTime')).toEqual([
      'must be at most 7 days after StartTime',
    ]);
    const inverted = { ...legacyAdd, EndTime: legacyAdd.StartTime };
    expect(rulesFor('AddLivePullStreamInfoConfig', inverted, 'EndTime')).toEqual(['must be later than StartTime']);
    const past = { ...legacyAdd, StartTime: '2025-12-30T00:00:00Z', EndTime: '2025-12-31T00:00:00Z' };
    expect(rulesFor('AddLivePullStreamInfoConfig', past, 'EndTime')).toEqual(['must be later than now']);
  });
});

describe('legacy Delete and Describe', () => {
  it('DeleteLivePullStreamInfoConfig requires DomainName, AppName, StreamName', () => {
    expect(violationsOf('DeleteLivePullStreamInfoConfig', { DomainName: 'd', AppName: 'a', StreamName: 's' })).toEqual(
      []
    );
    expect(violationsOf('DeleteLivePullStreamInfoConfig', { DomainName: 'd' }).map((v) => v.field)).toEqual([
      'AppName',
      'StreamName',
    ]);
  });

  it('DescribeLivePullStreamConfig requires DomainName', () => {
    expect(violationsOf('DescribeLivePullStreamConfig', { DomainName: 'd', RegionId: 'cn-shanghai' })).toEqual([]);
    expect(violationsOf('DescribeLivePullStreamConfig', {})).toEqual([
      { field: 'DomainName', rule: 'is required', missing: true },
    ]);
  });
});

describe('wire form', () => {
  const typed: { [A in ActionName]: Record<string, unknown> } = {
    CreateLivePullToPush: {
      ...urlCreate,
      SourceProtocol: undefined,
      TaskName: 'Fête 直播 (final)*!',
      RepeatNumber: -1,
      FileIndex: 0,
      Offset: 15,
      RetryInterval: 60,
      RetryCount: 3,
      CallbackUrl: 'https://cb.example.com/h?t=1',
    },
    UpdateLivePullToPush: { Region: 'cn-shanghai', TaskId: 't', SourceUrls: ['rtmp://a/b/c'], RepeatNumber: 2 },
    DeleteLivePullToPush: { Region: 'cn-shanghai', TaskId: 't' },
    DescribeLivePullToPush: { Region: 'cn-shanghai', TaskId: 't' },
    DescribeLivePullToPushList: { Region: 'cn-shanghai', PageNumber: 3, PageSize: 50, TaskName: 'x' },
    StopLivePullToPush: { Region: 'cn-shanghai', TaskId: 't' },
    RestartLivePullToPush: { Region: 'cn-shanghai', TaskId: 't' },
    AddLivePullStreamInfoConfig: legacyAdd,
    DeleteLivePullStreamInfoConfig: { DomainName: 'd', AppName: 'a', StreamName: 's', RegionId: 'cn-shanghai' },
    DescribeLivePullStreamConfig: { DomainName: 'd' },
  };

  it.each(ACTIONS)('%s: typed → wire → typed round trip', (action) => {
    const valid = validateRequest(action, typed[action], { now });
    if (!valid.ok) throw new Error(formatViolations(valid.violations));
    const wire = toWireParams(action, valid.value);
    for (const value of Object.values(wire)) expect(typeof value).toBe('string');
    expect(fromWireParams(action, wire, { now })).toEqual({ ok: true, value: valid.value });
  });

  it('lists are one JSON array string, integers decimal strings, undefined omitted', () => {
    const valid = validateRequest('CreateLivePullToPush', typed.CreateLivePullToPush, { now });
    if (!valid.ok) throw new Error('invalid');
    const wire = toWireParams('CreateLivePullToPush', valid.value);
    expect(wire.SourceUrls).toBe('["https://media.example.com/a.mp4","http://media.example.com/b.flv"]');
    expect(wire.RepeatNumber).toBe('-1');
    expect(wire.FileIndex).toBe('0');
    expect('SourceProtocol' in wire).toBe(false);
  });

  it('also accepts the SourceUrls.N repeat-list style, in index order', () => {
    const wire = toWireParams('CreateLivePullToPush', urlCreate as never);
    delete wire.SourceUrls;
    const result = fromWireParams(
      'CreateLivePullToPush',
      {
        ...wire,
        'SourceUrls.2': 'https://b.example.com/2.mp4',
        'SourceUrls.10': 'https://b.example.com/10.mp4',
        'SourceUrls.1': 'https://b.example.com/1.mp4',
      },
      { now }
    );
    expect(result.ok && result.value.SourceUrls).toEqual([
      'https://b.example.com/1.mp4',
      'https://b.example.com/2.mp4',
      'https://b.example.com/10.mp4',
    ]);
  });

  it('reports an unparsable list and a non-integer once each, with the other violations', () => {
    const result = fromWireParams(
      'CreateLivePullToPush',
      {
        ...toWireParams('CreateLivePullToPush', liveCreate as never),
        SourceUrls: '[rtmp://a',
        RetryCount: '2.5',
        Region: '',
      },
      { now }
    );
    expect(result).toEqual({
      ok: false,
      violations: [
        {
          field: 'SourceUrls',
          rule: 'must be a JSON array of strings, e.g. ["rtmp://host/app/stream"]',
          missing: false,
        },
        { field: 'Region', rule: 'is required', missing: true },
        { field: 'RetryCount', rule: 'must be an integer', missing: false },
      ],
    });
  });

  it('marks absent required fields as missing, which the service answers Missing{Field}', () => {
    const result = fromWireParams('DescribeLivePullToPush', { Region: 'cn-shanghai' });
    expect(result).toEqual({ ok: false, violations: [{ field: 'TaskId', rule: 'is required', missing: true }] });
  });
});

describe('response schemas (strict on output)', () => {
  it('Describe: TaskInfo with CallbackURL, status from the documented set', () => {
    const body = {
      RequestId: 'r',
      RetCode: 0,
      Description: 'OK',
      TaskId: 't',
      TaskStatus: 3,
      TaskInvalidReason: 'PullStreamFailed',
      TaskInfo: { TaskId: 't', SourceUrls: ['rtmp://a/b/c'], CallbackURL: 'http://cb', SourceProtocol: 'RTMP' },
      SomethingNew: true,
    };
    expect(responseSchemas.DescribeLivePullToPush.safeParse(body).success).toBe(true);
    expect(responseSchemas.DescribeLivePullToPush.safeParse({ ...body, TaskStatus: 7 }).success).toBe(false);
    expect(responseSchemas.DescribeLivePullToPush.safeParse({ ...body, TaskStatus: '1' }).success).toBe(false);
    expect(responseSchemas.DescribeLivePullToPush.safeParse({ ...body, RequestId: undefined }).success).toBe(false);
  });

  it('List: TaskList is a bare array; Total required', () => {
    const parsed = responseSchemas.DescribeLivePullToPushList.parse({ RequestId: 'r', Total: 0 });
    expect(parsed.TaskList).toEqual([]);
    expect(responseSchemas.DescribeLivePullToPushList.safeParse({ RequestId: 'r', TaskList: [] }).success).toBe(false);
  });

  it('Create requires TaskId; legacy Describe reads LiveAppRecordList.LiveAppRecord', () => {
    expect(responseSchemas.CreateLivePullToPush.safeParse({ RequestId: 'r', RetCode: 0 }).success).toBe(false);
    const legacy = responseSchemas.DescribeLivePullStreamConfig.parse({
      RequestId: 'r',
      LiveAppRecordList: { LiveAppRecord: [{ ...legacyAdd, SourceUsing: legacyAdd.SourceUrl }] },
    });
    expect(legacy.LiveAppRecordList.LiveAppRecord[0]?.StreamName).toBe('stream');
    expect(
      responseSchemas.DescribeLivePullStreamConfig.parse({ RequestId: 'r' }).LiveAppRecordList.LiveAppRecord
    ).toEqual([]);
  });
});
