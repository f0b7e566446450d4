/**
 * Invalid broadcast requests: every field of the request (src/broadcast/validation.ts, the CreateLivePullToPush and
 * AddLivePullStreamInfoConfig rules of src/provider/schemas.ts) violated in turn — missing, wrong type, out of
 * range, bad URL or protocol, bad or inverted times, too long, unknown, injection-looking, huge — each with the
 * field the rejection must name and the rule it must state. Seeded combinations of independent defects check that
 * one rejection names every bad field at once.
 */
import type { BroadcastRequest } from '../../src/shared/broadcast';
import { isoSeconds } from '../../src/shared/time';

import type { Prng } from '../../testkit/prng';

export type RequestCategory =
  | 'missing'
  | 'wrong-type'
  | 'out-of-range'
  | 'bad-url'
  | 'bad-time'
  | 'too-long'
  | 'unknown-field'
  | 'injection'
  | 'huge-value'
  | 'flavour'
  | 'combined';

/** A violation the rejection must contain: `<field>: <rule>`. */
export interface ExpectedViolation {
  field: string;
  rule: RegExp;
}

export interface RequestCase {
  category: RequestCategory;
  note: string;
  request: unknown;
  expect: ExpectedViolation[];
  /** Survives Temporal's JSON payloads unchanged (no NaN, Infinity or undefined), so the workflow sees it as is. */
  jsonSafe: boolean;
}

type Mutable = Record<string, unknown> & { relay: Record<string, unknown> };

/** A valid live relay one hour from `nowMs`, lasting an hour. */
export function validRequest(nowMs: number): BroadcastRequest {
  return {
    relay: {
      SourceType: 'live',
      SourceProtocol: 'rtmp',
      SourceUrls: ['rtmp://source.example.com/live/feed'],
      DstUrl: 'rtmp://ingest.example.com/app/stream',
      StartTime: isoSeconds(new Date(nowMs + 3_600_000)),
      EndTime: isoSeconds(new Date(nowMs + 7_200_000)),
      RetryInterval: 60,
      RetryCount: 3,
    },
    leadTimeSeconds: 300,
    restartPolicy: { maxRestarts: 2 },
    reconcileAfterSeconds: 60,
    labels: { event: 'cup-final' },
  };
}

const validLegacy = (nowMs: number) => ({
  flavour: 'legacy',
  legacy: {
    DomainName: 'live.example.com',
    AppName: 'app',
    StreamName: 'stream',
    SourceUrl: 'rtmp://source.example.com/live/feed',
    StartTime: isoSeconds(new Date(nowMs + 3_600_000)),
    EndTime: isoSeconds(new Date(nowMs + 7_200_000)),
  },
});

interface Mutation {
  category: RequestCategory;
  note: string;
  expect: ExpectedViolation[];
  apply(request: Mutable, nowMs: number): unknown;
  /** The one field it touches (`relay.DstUrl`, `labels`), when that field's rule depends on no other: such
   * mutations combine freely, one per field. */
  independent?: string;
}

const v = (field: string, rule: RegExp): ExpectedViolation => ({ field, rule });
const set =
  (path: 'relay' | 'top', field: string, value: unknown) =>
  (r: Mutable): unknown => {
    (path === 'relay' ? r.relay : r)[field] = value;
    return r;
  };
const drop =
  (path: 'relay' | 'top', field: string) =>
  (r: Mutable): unknown => {
    delete (path === 'relay' ? r.relay : r)[field];
    return r;
  };
const iso = (nowMs: number, offsetMs: number) => isoSeconds(new Date(nowMs + offsetMs));

const REQUIRED = /is required/;
const A_STRING = /must be a string/;
const AN_INTEGER = /must be an integer|expected int|expected number/;
const RTMP = /must be an rtmp:\/\/ URL/;
const API_TIME = /must be a (UTC time|string) yyyy-MM-ddTHH:mm:ssZ/;
const UNKNOWN = /unknown field/;

function relayField(
  category: RequestCategory,
  field: string,
  value: unknown,
  rule: RegExp,
  note: string,
  independent = false
): Mutation {
  return {
    category,
    note,
    expect: [v(`relay.${field}`, rule)],
    apply: set('relay', field, value),
    ...(independent ? { independent: `relay.${field}` } : {}),
  };
}

function topField(
  category: RequestCategory,
  field: string,
  value: unknown,
  rule: RegExp,
  note: string,
  reported = field
): Mutation {
  return { category, note, expect: [v(reported, rule)], apply: set('top', field, value), independent: field };
}

export const MUTATIONS: Mutation[] = [
  // Missing: each required field, and the relay itself.
  ...['StartTime', 'EndTime', 'SourceType', 'SourceUrls', 'DstUrl'].map((field): Mutation => ({
    category: 'missing',
    note: `no ${field}`,
    expect: [v(`relay.${field}`, REQUIRED)],
    apply: drop('relay', field),
  })),
  {
    category: 'missing',
    note: 'no SourceProtocol for a live source',
    expect: [v('relay.SourceProtocol', /required when SourceType is live/)],
    apply: drop('relay', 'SourceProtocol'),
  },
  { category: 'missing', note: 'no relay', expect: [v('relay', /required/)], apply: drop('top', 'relay') },
  relayField('missing', 'DstUrl', '', REQUIRED, 'empty DstUrl'),
  relayField('missing', 'SourceUrls', [], /1 to 30 sources/, 'no sources'),
  // Wrong types.
  relayField('wrong-type', 'DstUrl', 42, A_STRING, 'DstUrl number', true),
  relayField('wrong-type', 'StartTime', 1767225600, API_TIME, 'StartTime as epoch number'),
  relayField('wrong-type', 'SourceUrls', 'rtmp://source.example.com/live/feed', /list of strings/, 'SourceUrls string'),
  {
    category: 'wrong-type',
    note: 'SourceUrls item number',
    expect: [v('relay.SourceUrls[0]', A_STRING)],
    apply: set('relay', 'SourceUrls', [7]),
  },
  relayField('wrong-type', 'RetryInterval', '60', AN_INTEGER, 'RetryInterval string', true),
  relayField('wrong-type', 'RetryCount', 2.5, AN_INTEGER, 'RetryCount fraction', true),
  relayField('wrong-type', 'Region', 7, /must be one of/, 'Region number', true),
  relayField('wrong-type', 'SourceType', ['live'], /must be one of live, vod, url/, 'SourceType list'),
  topField('wrong-type', 'leadTimeSeconds', '300', /expected number/, 'leadTimeSeconds string'),
  topField('wrong-type', 'restartPolicy', 2, /expected object/, 'restartPolicy number'),
  topField('wrong-type', 'reconcileAfterSeconds', true, /expected number/, 'reconcileAfterSeconds boolean'),
  topField('wrong-type', 'labels', ['a'], /expected record/, 'labels list'),
  topField('wrong-type', 'labels', { stage: 1 }, /expected string/, 'label value number', 'labels.stage'),
  topField('wrong-type', 'campaignId', 12, /expected string/, 'campaignId number'),
  { category: 'wrong-type', note: 'request null', expect: [v('request', /must be an object/)], apply: () => null },
  { category: 'wrong-type', note: 'request string', expect: [v('request', /must be an object/)], apply: () => 'go' },
  {
    category: 'wrong-type',
    note: 'relay string',
    expect: [v('relay', /required for the pull-to-push flavour/)],
    apply: set('top', 'relay', 'rtmp://x'),
  },
  // Out of range.
  relayField('out-of-range', 'RetryInterval', 59, /between 60 and 300/, 'RetryInterval 59', true),
  relayField('out-of-range', 'RetryInterval', 301, /between 60 and 300/, 'RetryInterval 301', true),
  relayField('out-of-range', 'RetryCount', -1, /between 0 and 100/, 'RetryCount -1', true),
  relayField('out-of-range', 'RetryCount', 101, /between 0 and 100/, 'RetryCount 101', true),
  relayField('out-of-range', 'RepeatNumber', -2, /-1 \(loop until EndTime\)/, 'RepeatNumber -2', true),
  relayField('out-of-range', 'FileIndex', -1, /≥ 0/, 'FileIndex -1', true),
  relayField('out-of-range', 'Offset', 0, /> 0/, 'Offset 0', true),
  relayField('out-of-range', 'Region', 'mars-north-1', /must be one of/, 'unknown Region', true),
  relayField('out-of-range', 'SourceType', 'webcam', /must be one of live, vod, url/, 'unknown SourceType'),
  relayField('out-of-range', 'SourceProtocol', 'webrtc', /must be one of rtmp/, 'unknown SourceProtocol'),
  relayField(
    'out-of-range',
    'SourceUrls',
    ['rtmp://a.example.com/l/1', 'rtmp://a.example.com/l/2'],
    /exactly one URL for a live source/,
    'two live sources'
  ),
  relayField(
    'out-of-range',
    'SourceUrls',
    Array.from({ length: 31 }, (_, i) => `rtmp://a.example.com/l/${i}`),
    /1 to 30 sources/,
    '31 sources'
  ),
  topField('out-of-range', 'leadTimeSeconds', -1, /≥ 0/, 'leadTimeSeconds -1'),
  topField('out-of-range', 'leadTimeSeconds', 86_401, /≤ 86400/, 'leadTimeSeconds over a day'),
  topField('out-of-range', 'restartPolicy', { maxRestarts: 21 }, /≤ 20/, 'maxRestarts 21', 'restartPolicy.maxRestarts'),
  topField('out-of-range', 'restartPolicy', { maxRestarts: -1 }, /≥ 0/, 'maxRestarts -1', 'restartPolicy.maxRestarts'),
  topField('out-of-range', 'reconcileAfterSeconds', 9, /≥ 10/, 'reconcileAfterSeconds 9'),
  topField('out-of-range', 'reconcileAfterSeconds', 3_601, /≤ 3600/, 'reconcileAfterSeconds 3601'),
  topField(
    'out-of-range',
    'labels',
    Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])),
    /at most 20 labels/,
    '21 labels'
  ),
  topField('out-of-range', 'campaignId', '', /expected string to have >=1/, 'empty campaignId'),
  // URLs and protocols.
  relayField('bad-url', 'DstUrl', 'http://ingest.example.com/app/s', RTMP, 'DstUrl over http', true),
  relayField('bad-url', 'DstUrl', 'rtmps://ingest.example.com/app/s', RTMP, 'DstUrl rtmps (RTMP only)', true),
  relayField('bad-url', 'DstUrl', 'ingest.example.com/app/s', RTMP, 'DstUrl without scheme', true),
  relayField('bad-url', 'DstUrl', 'rtmp://', RTMP, 'DstUrl without host', true),
  relayField('bad-url', 'DstUrl', 'rtmp://ingest.example.com/app/my stream', RTMP, 'DstUrl with a space', true),
  {
    category: 'bad-url',
    note: 'live source over ftp',
    expect: [v('relay.SourceUrls[0]', /full playback URL/)],
    apply: set('relay', 'SourceUrls', ['ftp://source.example.com/feed']),
  },
  {
    category: 'bad-url',
    note: 'vod source given as a URL',
    expect: [v('relay.SourceUrls[0]', /VOD media ID, not a URL/)],
    apply: (r) => {
      r.relay.SourceType = 'vod';
      delete r.relay.SourceProtocol;
      return r;
    },
  },
  {
    category: 'bad-url',
    note: 'url source over rtmp',
    expect: [v('relay.SourceUrls[0]', /http\(s\) URL/)],
    apply: (r) => {
      r.relay.SourceType = 'url';
      delete r.relay.SourceProtocol;
      return r;
    },
  },
  // Times.
  relayField('bad-time', 'StartTime', 'tomorrow', API_TIME, 'StartTime word'),
  relayField('bad-time', 'StartTime', '2026-13-01T00:00:00Z', API_TIME, 'month 13'),
  relayField('bad-time', 'EndTime', '2027-02-30T00:00:00Z', API_TIME, 'February 30'),
  relayField('bad-time', 'StartTime', '2027-01-01T00:00:00.000Z', API_TIME, 'milliseconds'),
  relayField('bad-time', 'StartTime', '2027-01-01T08:00:00+08:00', API_TIME, 'offset instead of Z'),
  relayField('bad-time', 'StartTime', '2027-01-01 00:00:00', API_TIME, 'space instead of T'),
  {
    category: 'bad-time',
    note: 'EndTime before StartTime',
    expect: [v('relay.EndTime', /later than StartTime/)],
    apply: (r, now) => ((r.relay.EndTime = iso(now, 1_800_000)), r),
  },
  {
    category: 'bad-time',
    note: 'EndTime equal to StartTime',
    expect: [v('relay.EndTime', /later than StartTime/)],
    apply: (r) => ((r.relay.EndTime = r.relay.StartTime), r),
  },
  {
    category: 'bad-time',
    note: 'window in the past',
    expect: [v('relay.EndTime', /later than now/)],
    apply: (r, now) => ((r.relay.StartTime = iso(now, -7_200_000)), (r.relay.EndTime = iso(now, -3_600_000)), r),
  },
  // Too long.
  relayField(
    'too-long',
    'DstUrl',
    `rtmp://ingest.example.com/${'a'.repeat(2_000)}`,
    /at most 2000/,
    'DstUrl over 2000',
    true
  ),
  {
    category: 'too-long',
    note: 'source over 2000',
    expect: [v('relay.SourceUrls[0]', /at most 2000/)],
    apply: set('relay', 'SourceUrls', [`rtmp://source.example.com/${'a'.repeat(2_000)}`]),
  },
  topField('too-long', 'labels', { event: 'x'.repeat(257) }, /≤ 256/, 'label over 256', 'labels.event'),
  topField(
    'too-long',
    'labels',
    { ['k'.repeat(65)]: 'v' },
    /keys must be 1 to 64 characters/,
    'label key over 64',
    'labels'
  ),
  topField('too-long', 'campaignId', 'c'.repeat(129), /<=128/, 'campaignId over 128'),
  // Unknown fields (typos, and fields the relay sets itself).
  topField('unknown-field', 'leadTime', 60, UNKNOWN, 'leadTime typo'),
  topField('unknown-field', 'callbackSecret', 'x', UNKNOWN, 'secret smuggled in'),
  relayField('unknown-field', 'RetryCont', 5, UNKNOWN, 'relay typo', true),
  relayField('unknown-field', 'TaskName', 'mine', /set by the relay/, 'TaskName', true),
  relayField('unknown-field', 'CallbackUrl', 'http://attacker.example.com/', /set by the relay/, 'CallbackUrl', true),
  relayField('unknown-field', 'OwnerId', 1, UNKNOWN, 'OwnerId', true),
  topField(
    'unknown-field',
    'restartPolicy',
    { maxRestarts: 1, backoff: 2 },
    /Unrecognized key/,
    'restartPolicy extra key'
  ),
  // Injection-looking strings, in fields whose rule refuses them.
  relayField('injection', 'Region', "cn-shanghai'; DROP TABLE tasks;--", /must be one of/, 'SQL in Region', true),
  relayField('injection', 'DstUrl', 'rtmp://ingest.example.com/app/$(rm -rf /)', RTMP, 'shell in DstUrl', true),
  relayField('injection', 'DstUrl', 'javascript:alert(1)', RTMP, 'script URL in DstUrl', true),
  relayField('injection', 'StartTime', "2027-01-01T00:00:00Z' OR '1'='1", API_TIME, 'SQL in StartTime'),
  relayField('injection', 'SourceType', '<script>alert(1)</script>', /must be one of/, 'HTML in SourceType'),
  topField('injection', 'flavour', '{{7*7}}', /expected one of/, 'template in flavour'),
  {
    category: 'injection',
    note: '__proto__ key',
    expect: [v('__proto__', UNKNOWN)],
    apply: (r) => JSON.parse(`{"__proto__":{"isAdmin":true},${JSON.stringify(r).slice(1)}`) as unknown,
  },
  // Huge values.
  relayField('huge-value', 'RetryCount', 1e308, /between 0 and 100/, 'RetryCount 1e308', true),
  relayField('huge-value', 'RepeatNumber', Number.MAX_SAFE_INTEGER + 2, AN_INTEGER, 'RepeatNumber past 2^53', true),
  relayField('huge-value', 'FileIndex', Number.NaN, AN_INTEGER, 'FileIndex NaN', true),
  topField('huge-value', 'leadTimeSeconds', Number.POSITIVE_INFINITY, /expected number|≤ 86400/, 'leadTime Infinity'),
  topField('huge-value', 'leadTimeSeconds', 1e12, /≤ 86400/, 'leadTime 1e12'),
  relayField(
    'huge-value',
    'DstUrl',
    `rtmp://ingest.example.com/${'a'.repeat(1 << 20)}`,
    /at most 2000/,
    '1 MiB DstUrl',
    true
  ),
  relayField(
    'huge-value',
    'SourceUrls',
    Array.from({ length: 10_000 }, (_, i) => `rtmp://a.example.com/l/${i}`),
    /1 to 30 sources/,
    '10,000 sources'
  ),
  topField(
    'huge-value',
    'labels',
    Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 'v'])),
    /at most 20 labels/,
    '10,000 labels'
  ),
  // Flavours.
  topField('flavour', 'flavour', 'rtmp', /expected one of "pull-to-push"\|"legacy"/, 'unknown flavour'),
  {
    category: 'flavour',
    note: 'legacy flavour without legacy',
    expect: [v('legacy', /required for the legacy flavour/)],
    apply: set('top', 'flavour', 'legacy'),
  },
  {
    category: 'flavour',
    note: 'pull-to-push with a legacy section too',
    expect: [v('legacy', /not allowed with the pull-to-push flavour/)],
    apply: (r, now) => ({ ...r, legacy: validLegacy(now).legacy }),
  },
  {
    category: 'flavour',
    note: 'legacy window over 7 days',
    expect: [v('legacy.EndTime', /at most 7 days after StartTime/)],
    apply: (_r, now) => {
      const l = validLegacy(now);
      return { ...l, legacy: { ...l.legacy, EndTime: iso(now, 9 * 86_400_000) } };
    },
  },
  {
    category: 'flavour',
    note: 'legacy without StreamName, with a bad SourceUrl',
    expect: [v('legacy.StreamName', REQUIRED), v('legacy.SourceUrl', /rtmp, http\(s\) or srt URLs/)],
    apply: (_r, now) => {
      const l = validLegacy(now);
      const { StreamName: _drop, ...legacy } = l.legacy;
      return { ...l, legacy: { ...legacy, SourceUrl: 'ftp://x/y' } };
    },
  },
  {
    category: 'flavour',
    note: 'legacy with an unknown field',
    expect: [v('legacy.Stream', UNKNOWN)],
    apply: (_r, now) => {
      const l = validLegacy(now);
      return { ...l, legacy: { ...l.legacy, Stream: 'typo' } };
    },
  },
];

const clone = (request: BroadcastRequest): Mutable => JSON.parse(JSON.stringify(request)) as Mutable;
const isJsonSafe = (value: unknown) => {
  try {
    return JSON.stringify(JSON.parse(JSON.stringify(value))) === JSON.stringify(value) && !hasNonFinite(value);
  } catch {
    return false;
  }
};
function hasNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (value && typeof value === 'object') return Object.values(value).some(hasNonFinite);
  return false;
}

/** Every mutation once, then `combined` requests each carrying 2–4 independent defects at once. */
export function requestCorpus(rng: Prng, nowMs: number, combined: number): RequestCase[] {
  const single = MUTATIONS.map((m): RequestCase => {
    const request = m.apply(clone(validRequest(nowMs)), nowMs);
    return { category: m.category, note: m.note, request, expect: m.expect, jsonSafe: isJsonSafe(request) };
  });
  const independent = MUTATIONS.filter((m) => m.independent);
  const combos = Array.from({ length: combined }, (): RequestCase => {
    const picked: Mutation[] = [];
    const want = rng.int(2, 4);
    while (picked.length < want) {
      const m = rng.pick(independent);
      // One defect per field: two values for one field would overwrite each other.
      if (!picked.some((p) => p.independent === m.independent)) picked.push(m);
    }
    let request: unknown = clone(validRequest(nowMs));
    for (const m of picked) request = m.apply(request as Mutable, nowMs);
    return {
      category: 'combined',
      note: picked.map((m) => m.note).join(' + '),
      request,
      expect: picked.flatMap((m) => m.expect),
      jsonSafe: isJsonSafe(request),
    };
  });
  return [...single, ...combos];
}

/** Which expected violations a rejection's list does not contain (field named, rule stated). */
export function missingViolations(violations: readonly string[], expected: readonly ExpectedViolation[]): string[] {
  return expected
    .filter(
      ({ field, rule }) => !violations.some((v) => v.startsWith(`${field}: `) && rule.test(v.slice(field.length + 2)))
    )
    .map(({ field, rule }) => `${field}: ${rule.source}`);
}
