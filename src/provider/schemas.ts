/**
 * Request and response rules of the ten ApsaraVideo Live actions, as zod schemas: the single source of truth used by
 * the client (before sending), the sandbox (to answer like the service) and the broadcast validation. Field names are
 * the API's PascalCase wire names, so every violation names the real field.
 *
 * Policy: lenient on input where the reference marks a fact unconfirmed (each such place says so), strict on output
 * (a success body without the fields we rely on is an error, not a silent `undefined`).
 */
import { z } from 'zod';

import { TASK_NAME_MAX_LENGTH } from '../shared/broadcast';
import { API_TIME_FORMAT, API_TIME_PATTERN, isoSeconds } from '../shared/time';
import { formatViolation, type FieldViolation } from '../shared/violations';

export const ACTIONS = [
  'CreateLivePullToPush',
  'UpdateLivePullToPush',
  'DeleteLivePullToPush',
  'DescribeLivePullToPush',
  'DescribeLivePullToPushList',
  'StopLivePullToPush',
  'RestartLivePullToPush',
  'AddLivePullStreamInfoConfig',
  'DeleteLivePullStreamInfoConfig',
  'DescribeLivePullStreamConfig',
] as const;
export type ActionName = (typeof ACTIONS)[number];

/** HTTP method of each action, as in the official generated SDK (`Params.method`). */
export const HTTP_METHODS: Record<ActionName, 'GET' | 'POST'> = {
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
};

// Lenient: the 2026 Create doc lists these five; the sibling APIs (and the mid-2025 Create doc) list only the first
// four. Assumption: a task created in cn-shenzhen is reachable by its siblings, so all actions accept all five.
export const REGIONS = ['ap-southeast-1', 'ap-southeast-5', 'cn-beijing', 'cn-shanghai', 'cn-shenzhen'] as const;
export type Region = (typeof REGIONS)[number];
/** Where tasks run when neither the request nor ALIYUN_REGION names a region. */
export const DEFAULT_REGION: Region = 'cn-shanghai';
export const SOURCE_TYPES = ['live', 'vod', 'url'] as const;
// Lenient: the current list is rtmp, srt, http-flv, hls; the mid-2025 list also had rtsp and flv. Both accepted.
// Checked only for live sources: seed 000 says SourceProtocol "is ignored if SourceType is vod or url".
export const SOURCE_PROTOCOLS = ['rtmp', 'srt', 'http-flv', 'hls', 'rtsp', 'flv'] as const;
/**
 * Task status integers of Describe/List: 0 Idle, 1 Running, 2 Recovering, 3 Offline, -1 Exit. Assumption: no other
 * value exists; an answer with another one is a MalformedResponse (retried), not a state we guess at.
 */
export const TASK_STATUSES = [0, 1, 2, 3, -1] as const;

/** DescribeLivePullToPushList's TaskId filter: letters, digits, `_`, `-`, at most 55 characters. */
export const LIST_TASK_ID_PATTERN = /^[A-Za-z0-9_-]{1,55}$/;
export const MAX_SOURCE_URLS = 30;
export const MAX_URL_LENGTH = 2000;
/** Legacy AddLivePullStreamInfoConfig: StartTime–EndTime at most seven days (confirmed). */
export const MAX_LEGACY_WINDOW_MS = 7 * 24 * 3600_000;
/**
 * Seed 000's code for StartTime ≥ EndTime: "The value of start time should be less than the value of end time." The
 * siblings (Update) state the same rule without a code: assumed to answer the same one.
 */
export const ILLEGAL_DURATION_CODE = 'InvalidParam.CodeIllegalDuration';
/**
 * Assumption (seeds silent): TaskName has no documented length limit; 128 is our cap, and taskNameFor
 * (src/shared/broadcast.ts) always derives a name within it.
 */
export const MAX_TASK_NAME_LENGTH = TASK_NAME_MAX_LENGTH;
// Unconfirmed caps, chosen by us: generous enough for real use, small enough to catch garbage.
const MAX_RETRY_COUNT = 100;
const MAX_TASK_ID_LENGTH = 128;
const MAX_NAME_LENGTH = 255;

// ---------------------------------------------------------------------------------------------------------------
// Field rules
// ---------------------------------------------------------------------------------------------------------------

/** API_TIME_FORMAT exactly, and a real calendar time (no 2026-02-30). */
export function isApiTime(value: string): boolean {
  if (!API_TIME_PATTERN.test(value)) return false;
  const date = new Date(value);
  // Month 13 or hour 25 fit the pattern but are no date (toISOString would throw on them).
  return !Number.isNaN(date.getTime()) && isoSeconds(date) === value;
}

/** A single URL with one of `schemes`, a host, and no whitespace. */
function isUrl(value: string, schemes: readonly string[]): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return schemes.includes(url.protocol.slice(0, -1)) && url.hostname !== '';
  } catch {
    return false;
  }
}

const text = (rule = 'must be a string') => z.string({ error: rule });
const nonEmpty = (max: number) => text().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
// Not `.int()`: its failure aborts the cross-field rules, and one bad request must report every violation at once.
const int = (min: number, max: number, rule: string) =>
  z
    .number({ error: 'must be an integer' })
    .refine(Number.isSafeInteger, 'must be an integer')
    .min(min, rule)
    .max(max, rule);
const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` });
const url = (schemes: readonly string[], rule: string) =>
  text()
    .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
    .refine((v) => isUrl(v, schemes), rule);

const fields = {
  RegionId: text().optional(),
  Region: oneOf(REGIONS),
  OwnerId: int(0, Number.MAX_SAFE_INTEGER, 'must be a non-negative integer').optional(),
  time: text(`must be a string ${API_TIME_FORMAT}`).refine(isApiTime, `must be a UTC time ${API_TIME_FORMAT}`),
  // Unconfirmed: the real TaskId format (UUIDs in every example) is not specified, so any non-empty id is accepted.
  TaskId: nonEmpty(MAX_TASK_ID_LENGTH),
  // Unconfirmed: no documented length limit for TaskName; 128 is ours.
  TaskName: text().max(MAX_TASK_NAME_LENGTH, `must be at most ${MAX_TASK_NAME_LENGTH} characters`),
  // Strict on purpose: the reference says "RTMP only", so rtmps:// (and anything else) is rejected before sending
  // rather than failing later at push time. Assumption: "RTMP" means the rtmp:// scheme.
  DstUrl: url(['rtmp'], 'must be an rtmp:// URL'),
  // An empty CallbackUrl is the documented default meaning "no callbacks".
  CallbackUrl: z.union([z.literal(''), url(['http', 'https'], 'must be an http(s) URL')], {
    error: 'must be an http(s) URL or empty',
  }),
  // Unconfirmed: no per-item length limit is documented; 2000 like DstUrl and CallbackUrl.
  SourceUrls: z
    .array(nonEmpty(MAX_URL_LENGTH), { error: 'must be a list of strings' })
    .min(1, `must list 1 to ${MAX_SOURCE_URLS} sources`)
    .max(MAX_SOURCE_URLS, `must list 1 to ${MAX_SOURCE_URLS} sources`),
  RepeatNumber: int(-1, Number.MAX_SAFE_INTEGER, 'must be -1 (loop until EndTime), 0 or a positive count'),
  FileIndex: int(0, Number.MAX_SAFE_INTEGER, 'must be an integer ≥ 0'),
  Offset: int(1, Number.MAX_SAFE_INTEGER, 'must be an integer > 0 (seconds)'),
  RetryInterval: int(60, 300, 'must be an integer between 60 and 300 (seconds)'),
  // Unconfirmed: the documented default is 3 but no range is given; 0–100 is ours.
  RetryCount: int(0, MAX_RETRY_COUNT, `must be an integer between 0 and ${MAX_RETRY_COUNT}`),
};

// ---------------------------------------------------------------------------------------------------------------
// Cross-field rules. They run even when some fields failed (zod skips refinements after any failure by default),
// so one bad request reports every violation at once; hence they read the partially parsed value defensively.
// ---------------------------------------------------------------------------------------------------------------

type Params = Record<string, unknown>;
type CrossRule = (value: Params, ctx: z.RefinementCtx, now: () => Date) => void;

function withCrossRules<T extends z.ZodObject>(schema: T, now: () => Date, ...rules: CrossRule[]): T {
  return schema.superRefine((value, ctx) => rules.forEach((rule) => rule(value as Params, ctx, now)), {
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  });
}

const timeOf = (value: unknown): number | undefined =>
  typeof value === 'string' && isApiTime(value) ? Date.parse(value) : undefined;

/**
 * EndTime later than now and than StartTime. `orderCode`: the service's code for StartTime ≥ EndTime where a seed
 * states one (the sandbox answers it instead of InvalidParameter).
 */
function scheduleRule(opts: { maxWindowMs?: number; orderCode?: string } = {}): CrossRule {
  const { maxWindowMs, orderCode } = opts;
  return (v, ctx, now) => {
    const start = timeOf(v.StartTime);
    const end = timeOf(v.EndTime);
    if (end === undefined) return;
    // Stated for the legacy API (seed 003) and Update; for Create an assumption: a window already over is refused.
    if (end <= now().getTime()) ctx.addIssue({ code: 'custom', path: ['EndTime'], message: 'must be later than now' });
    if (start === undefined) return;
    if (end <= start) {
      ctx.addIssue({
        code: 'custom',
        path: ['EndTime'],
        message: 'must be later than StartTime',
        ...(orderCode ? { params: { code: orderCode } } : {}),
      });
    } else if (maxWindowMs !== undefined && end - start > maxWindowMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['EndTime'],
        message: `must be at most ${maxWindowMs / 86_400_000} days after StartTime`,
      });
    }
  };
}

// Assumption (lenient): live sources are documented as rtmp/srt/http-flv (hls over http too); rtmps and rtsp are
// accepted as well. `url` sources ("mp4 or http-flv" files) are taken as http(s) URLs, `vod` ones as media IDs.
const LIVE_SOURCE_SCHEMES = ['rtmp', 'rtmps', 'srt', 'http', 'https', 'rtsp'];

const sourceRule: CrossRule = (v, ctx) => {
  // Seed 000: SourceProtocol "is ignored if SourceType is vod or url", so only a live source's value is checked.
  if (v.SourceType === 'live') {
    if (v.SourceProtocol === undefined || v.SourceProtocol === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['SourceProtocol'],
        message: 'is required when SourceType is live',
        params: { missing: true },
      });
    } else if (!(SOURCE_PROTOCOLS as readonly unknown[]).includes(v.SourceProtocol)) {
      ctx.addIssue({
        code: 'custom',
        path: ['SourceProtocol'],
        message: `must be one of ${SOURCE_PROTOCOLS.join(', ')} for a live source`,
      });
    }
  }
  if (!Array.isArray(v.SourceUrls)) return;
  const urls: unknown[] = v.SourceUrls;
  if (v.SourceType === 'live' && urls.length > 1) {
    ctx.addIssue({ code: 'custom', path: ['SourceUrls'], message: 'must hold exactly one URL for a live source' });
  }
  const itemRule: Record<string, [(u: string) => boolean, string] | undefined> = {
    live: [(u) => isUrl(u, LIVE_SOURCE_SCHEMES), 'must be a full playback URL (rtmp, srt, http(s) or rtsp)'],
    vod: [(u) => !u.includes('://'), 'must be a VOD media ID, not a URL'],
    url: [(u) => isUrl(u, ['http', 'https']), 'must be an http(s) URL'],
  };
  const rule = itemRule[String(v.SourceType)];
  if (!rule) return;
  urls.forEach((item, index) => {
    // Empty or non-string items already have their own violation.
    if (typeof item === 'string' && item !== '' && !rule[0](item)) {
      ctx.addIssue({ code: 'custom', path: ['SourceUrls', index], message: rule[1] });
    }
  });
};

/**
 * One origin of the legacy SourceUrl. Seed 003: "Support rtmp, http, and flv formats", with the bare host
 * `live.yourdomain.com` as its own example value; so a bare host (with an optional port) is accepted as well as a full
 * URL. Lenient where the seed is silent: https and srt URLs are accepted too.
 */
function isLegacyOrigin(item: string): boolean {
  if (item.includes('://')) return isUrl(item, ['rtmp', 'http', 'https', 'srt']);
  return /^(?=.{1,253}(:|$))[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d{1,5})?$/.test(
    item
  );
}

/**
 * Seed 003: "If more than one source site exists, URL is entered and separated by semicolon". Empty items (a trailing
 * `;`) carry no origin and are harmless; at least one origin must remain.
 */
export function legacyOrigins(sourceUrl: string): string[] {
  return sourceUrl
    .split(';')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

const legacySourceRule: CrossRule = (v, ctx) => {
  if (typeof v.SourceUrl !== 'string' || v.SourceUrl === '') return;
  const origins = legacyOrigins(v.SourceUrl);
  if (origins.length === 0 || !origins.every(isLegacyOrigin)) {
    ctx.addIssue({
      code: 'custom',
      path: ['SourceUrl'],
      message:
        'must be one or more origins separated by ;: hosts such as live.example.com, or rtmp, http(s) or srt URLs',
    });
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Request schemas
// ---------------------------------------------------------------------------------------------------------------

/** The request schemas with `now` injected (EndTime must be later than now). */
export function buildRequestSchemas(now: () => Date = () => new Date()) {
  const task = { RegionId: fields.RegionId, OwnerId: fields.OwnerId, Region: fields.Region, TaskId: fields.TaskId };
  const stream = {
    RegionId: fields.RegionId,
    OwnerId: fields.OwnerId,
    DomainName: nonEmpty(MAX_NAME_LENGTH),
    AppName: nonEmpty(MAX_NAME_LENGTH),
    StreamName: nonEmpty(MAX_NAME_LENGTH),
  };
  return {
    CreateLivePullToPush: withCrossRules(
      z.object({
        RegionId: fields.RegionId,
        OwnerId: fields.OwnerId,
        Region: fields.Region,
        TaskName: fields.TaskName.optional(),
        StartTime: fields.time,
        EndTime: fields.time,
        SourceType: oneOf(SOURCE_TYPES),
        // Its values are checked by sourceRule, for live sources only.
        SourceProtocol: text().optional(),
        SourceUrls: fields.SourceUrls,
        DstUrl: fields.DstUrl,
        RepeatNumber: fields.RepeatNumber.optional(),
        FileIndex: fields.FileIndex.optional(),
        Offset: fields.Offset.optional(),
        CallbackUrl: fields.CallbackUrl.optional(),
        RetryInterval: fields.RetryInterval.optional(),
        RetryCount: fields.RetryCount.optional(),
      }),
      now,
      sourceRule,
      // Lenient: the mid-2025 text capped the window at 7 days, the 2026 text dropped it; not enforced here.
      scheduleRule({ orderCode: ILLEGAL_DURATION_CODE })
    ),
    UpdateLivePullToPush: withCrossRules(
      z.object({
        ...task,
        CallbackUrl: fields.CallbackUrl.optional(),
        StartTime: fields.time.optional(),
        EndTime: fields.time.optional(),
        // Lenient: the task's SourceType is not part of Update, so only the type-independent list rules apply.
        SourceUrls: fields.SourceUrls.optional(),
        RepeatNumber: fields.RepeatNumber.optional(),
        FileIndex: fields.FileIndex.optional(),
        Offset: fields.Offset.optional(),
      }),
      now,
      scheduleRule({ orderCode: ILLEGAL_DURATION_CODE })
    ),
    DeleteLivePullToPush: z.object(task),
    DescribeLivePullToPush: z.object(task),
    DescribeLivePullToPushList: z.object({
      RegionId: fields.RegionId,
      OwnerId: fields.OwnerId,
      Region: fields.Region,
      PageNumber: int(1, Number.MAX_SAFE_INTEGER, 'must be an integer > 0').optional(),
      PageSize: int(1, 100, 'must be an integer between 1 and 100').optional(),
      TaskId: text().regex(LIST_TASK_ID_PATTERN, 'must be 1 to 55 letters, digits, _ or -').optional(),
      TaskName: fields.TaskName.optional(),
      DstUrl: text().max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`).optional(),
    }),
    StopLivePullToPush: z.object(task),
    RestartLivePullToPush: z.object(task),
    AddLivePullStreamInfoConfig: withCrossRules(
      z.object({
        ...stream,
        SourceUrl: text().min(1, 'must not be empty'),
        StartTime: fields.time,
        EndTime: fields.time,
      }),
      now,
      legacySourceRule,
      // Seed 003 states no code for an inverted window: InvalidParameter.
      scheduleRule({ maxWindowMs: MAX_LEGACY_WINDOW_MS })
    ),
    DeleteLivePullStreamInfoConfig: z.object(stream),
    DescribeLivePullStreamConfig: z.object({
      RegionId: fields.RegionId,
      OwnerId: fields.OwnerId,
      DomainName: nonEmpty(MAX_NAME_LENGTH),
    }),
  } satisfies Record<ActionName, z.ZodObject>;
}

type RequestSchemas = ReturnType<typeof buildRequestSchemas>;

/** The clock of a `validateRequest(…, { now })` call in progress (parsing is synchronous: one at a time). */
let validationNow: Date | undefined;

/**
 * Request schemas against the real clock (what the sandbox validates incoming requests with), or against a
 * caller's `now` during validateRequest. Built once: building the schemas costs far more than checking a request
 * with them, and a campaign file checks thousands of requests.
 */
export const requestSchemas: RequestSchemas = buildRequestSchemas(() => validationNow ?? new Date());

export type RequestOf<A extends ActionName> = z.input<RequestSchemas[A]>;
export type CreateLivePullToPushRequest = RequestOf<'CreateLivePullToPush'>;
export type UpdateLivePullToPushRequest = RequestOf<'UpdateLivePullToPush'>;
export type DeleteLivePullToPushRequest = RequestOf<'DeleteLivePullToPush'>;
export type DescribeLivePullToPushRequest = RequestOf<'DescribeLivePullToPush'>;
export type DescribeLivePullToPushListRequest = RequestOf<'DescribeLivePullToPushList'>;
export type StopLivePullToPushRequest = RequestOf<'StopLivePullToPush'>;
export type RestartLivePullToPushRequest = RequestOf<'RestartLivePullToPush'>;
export type AddLivePullStreamInfoConfigRequest = RequestOf<'AddLivePullStreamInfoConfig'>;
export type DeleteLivePullStreamInfoConfigRequest = RequestOf<'DeleteLivePullStreamInfoConfig'>;
export type DescribeLivePullStreamConfigRequest = RequestOf<'DescribeLivePullStreamConfig'>;

/** Whether the action takes the `Region` parameter (the pull-to-push family) — the client defaults it. */
export function takesRegion(action: ActionName): boolean {
  return 'Region' in requestSchemas[action].shape;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------------

/** `field`: the wire name of the field; list items as `SourceUrls[1]`; `request` for the whole request. */
export interface Violation extends FieldViolation {
  /** The field is required here and absent (or empty): the service answers `Missing{Field}`. */
  missing: boolean;
  /** The service's own error code for this rule, where a seed states one (else InvalidParameter). */
  code?: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; violations: Violation[] };

function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'request';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('');
}

function isRequired(schema: z.ZodObject, field: string): boolean {
  const fieldSchema = schema.shape[field] as z.ZodType | undefined;
  return fieldSchema !== undefined && !fieldSchema.safeParse(undefined).success;
}

function toViolations(schema: z.ZodObject, issues: z.core.$ZodIssue[], input: unknown): Violation[] {
  const given = typeof input === 'object' && input !== null ? (input as Params) : {};
  const violations: Violation[] = [];
  const seen = new Set<string>();
  const missingFields = new Set<string>();
  for (const issue of issues) {
    const top = issue.path[0];
    if (typeof top === 'string' && missingFields.has(top)) continue;
    const absent =
      issue.path.length === 1 && typeof top === 'string' && (given[top] === undefined || given[top] === '');
    const flaggedMissing = issue.code === 'custom' && issue.params?.missing === true;
    if (absent && typeof top === 'string' && (flaggedMissing || isRequired(schema, top))) {
      missingFields.add(top);
      violations.push({ field: top, rule: flaggedMissing ? issue.message : 'is required', missing: true });
      continue;
    }
    const field = fieldName(issue.path);
    const rule =
      issue.path.length === 0 && issue.code === 'invalid_type' ? 'must be an object of parameters' : issue.message;
    if (seen.has(`${field}\n${rule}`)) continue;
    seen.add(`${field}\n${rule}`);
    const code = issue.code === 'custom' && typeof issue.params?.code === 'string' ? issue.params.code : undefined;
    violations.push({ field, rule, missing: false, ...(code ? { code } : {}) });
  }
  return violations;
}

/**
 * Checks a request against the action's rules and reports every violation at once. Unknown parameters are dropped
 * from the returned value (the service ignores them too).
 */
export function validateRequest<A extends ActionName>(
  action: A,
  params: unknown,
  opts: { now?: Date } = {}
): Validation<RequestOf<A>> {
  const schema: z.ZodObject = requestSchemas[action];
  validationNow = opts.now;
  let parsed: ReturnType<typeof schema.safeParse>;
  try {
    parsed = schema.safeParse(params);
  } finally {
    validationNow = undefined;
  }
  if (parsed.success) return { ok: true, value: parsed.data as RequestOf<A> };
  return { ok: false, violations: toViolations(schema, parsed.error.issues, params) };
}

/** One line: `Field: rule; Other: rule`. */
export function formatViolations(violations: readonly Violation[]): string {
  return violations.map(formatViolation).join('; ');
}

// ---------------------------------------------------------------------------------------------------------------
// Wire form (official SDK): every parameter a string in the query; lists as one JSON array string
// ---------------------------------------------------------------------------------------------------------------

type WireKind = 'int' | 'list' | 'text';

function wireKind(action: ActionName, field: string): WireKind {
  const declared = requestSchemas[action].shape[field as never] as z.ZodType | undefined;
  const inner = declared instanceof z.ZodOptional ? declared.unwrap() : declared;
  if (inner instanceof z.ZodNumber) return 'int';
  if (inner instanceof z.ZodArray) return 'list';
  return 'text';
}

/** Typed (validated) request → wire parameters: lists as one JSON array string, integers in decimal, no undefined. */
export function toWireParams<A extends ActionName>(_action: A, typed: RequestOf<A>): Record<string, string> {
  const wire: Record<string, string> = {};
  for (const [name, value] of Object.entries(typed as Params)) {
    if (value === undefined || value === null) continue;
    wire[name] = Array.isArray(value) ? JSON.stringify(value) : String(value);
  }
  return wire;
}

/**
 * Wire parameters (decoded strings) → typed request, then `validateRequest`. Lists are parsed from their JSON array
 * string. Lenient: `SourceUrls.1`, `SourceUrls.2`, … (the repeat-list style @alicloud/pop-core and older SDKs produce
 * for arrays) is accepted too; when both forms are present the JSON one wins.
 */
export function fromWireParams<A extends ActionName>(
  action: A,
  raw: Record<string, string>,
  opts: { now?: Date } = {}
): Validation<RequestOf<A>> {
  const typed: Params = {};
  const unparsable: Violation[] = [];
  const repeated = new Map<string, Map<number, string>>();
  for (const [name, value] of Object.entries(raw)) {
    const item = /^([A-Za-z]+)\.(\d+)$/.exec(name);
    if (item?.[1] && item[2] && wireKind(action, item[1]) === 'list') {
      const items = repeated.get(item[1]) ?? new Map<number, string>();
      repeated.set(item[1], items.set(Number(item[2]), value));
      continue;
    }
    const kind = wireKind(action, name);
    if (kind === 'int') {
      // Not a decimal integer: left as text so the rule reports "must be an integer".
      typed[name] = /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    } else if (kind === 'list') {
      try {
        typed[name] = JSON.parse(value) as unknown;
      } catch {
        unparsable.push({
          field: name,
          rule: 'must be a JSON array of strings, e.g. ["rtmp://host/app/stream"]',
          missing: false,
        });
      }
    } else {
      typed[name] = value;
    }
  }
  for (const [name, items] of repeated) {
    if (typed[name] === undefined && !unparsable.some((v) => v.field === name)) {
      typed[name] = [...items.entries()].sort(([a], [b]) => a - b).map(([, v]) => v);
    }
  }
  const result = validateRequest(action, typed, opts);
  if (unparsable.length === 0) return result;
  const unparsableFields = new Set(unparsable.map((v) => v.field));
  const others = result.ok ? [] : result.violations.filter((v) => !unparsableFields.has(v.field.replace(/\[.*$/, '')));
  return { ok: false, violations: [...unparsable, ...others] };
}

// ---------------------------------------------------------------------------------------------------------------
// Responses. Strict on output: the fields we rely on must be present with the right type. Unknown extra fields are
// kept (`loose`), because the service adds fields without notice and that must not break us. Assumption: the sibling
// APIs answer the shapes of the official SDK's response models (the seeds describe only Create's and Add's).
// ---------------------------------------------------------------------------------------------------------------

const requestId = { RequestId: z.string().min(1) };
// RetCode/Description: documented for Create/Update/Delete/Describe, but optional in the SDK models; a non-zero
// RetCode is rejected by the client, an absent one accepted.
const retCode = { ...requestId, RetCode: z.number().int().optional(), Description: z.string().optional() };
const taskStatus = z.literal(TASK_STATUSES);

export const taskInfoSchema = z
  .object({
    TaskId: z.string().optional(),
    TaskName: z.string().optional(),
    StartTime: z.string().optional(),
    EndTime: z.string().optional(),
    SourceType: z.string().optional(),
    SourceProtocol: z.string().optional(),
    SourceUrls: z.array(z.string()).optional(),
    DstUrl: z.string().optional(),
    /** Capital URL in responses (CallbackUrl in requests). */
    CallbackURL: z.string().optional(),
    RepeatNumber: z.number().int().optional(),
    FileIndex: z.number().int().optional(),
    Offset: z.number().int().optional(),
    RetryCount: z.number().int().optional(),
    RetryInterval: z.number().int().optional(),
  })
  .loose();

const taskState = {
  TaskId: z.string().min(1),
  TaskStatus: taskStatus,
  TaskInvalidReason: z.string().optional(),
  TaskExitReason: z.string().optional(),
  /** Unix seconds. */
  TaskExitTime: z.number().int().optional(),
  CurrentFileIndex: z.number().int().optional(),
  CurrentOffset: z.number().int().optional(),
  TaskInfo: taskInfoSchema.optional(),
};

export const liveAppRecordSchema = z
  .object({
    DomainName: z.string(),
    AppName: z.string(),
    StreamName: z.string(),
    SourceUrl: z.string(),
    SourceUsing: z.string().optional(),
    StartTime: z.string(),
    EndTime: z.string(),
  })
  .loose();

export const responseSchemas = {
  CreateLivePullToPush: z.object({ ...retCode, TaskId: z.string().min(1) }).loose(),
  UpdateLivePullToPush: z.object(retCode).loose(),
  DeleteLivePullToPush: z.object(retCode).loose(),
  DescribeLivePullToPush: z.object({ ...retCode, ...taskState }).loose(),
  DescribeLivePullToPushList: z
    .object({
      ...requestId,
      PageNumber: z.number().int().optional(),
      PageSize: z.number().int().optional(),
      Total: z.number().int(),
      // An empty page may come without the list (common in Alibaba JSON): read as [].
      TaskList: z.array(z.object(taskState).loose()).default([]),
    })
    .loose(),
  StopLivePullToPush: z.object({ ...requestId, TaskId: z.string().min(1) }).loose(),
  RestartLivePullToPush: z.object({ ...requestId, TaskId: z.string().min(1) }).loose(),
  AddLivePullStreamInfoConfig: z.object(requestId).loose(),
  DeleteLivePullStreamInfoConfig: z.object(requestId).loose(),
  DescribeLivePullStreamConfig: z
    .object({
      ...requestId,
      // Absent when the domain has no config: read as an empty list.
      LiveAppRecordList: z
        .object({ LiveAppRecord: z.array(liveAppRecordSchema).default([]) })
        .default({ LiveAppRecord: [] }),
    })
    .loose(),
} satisfies Record<ActionName, z.ZodType>;

export type ResponseOf<A extends ActionName> = z.output<(typeof responseSchemas)[A]>;
export type TaskInfo = z.output<typeof taskInfoSchema>;
export type LiveAppRecord = z.output<typeof liveAppRecordSchema>;
export type CreateLivePullToPushResponse = ResponseOf<'CreateLivePullToPush'>;
export type UpdateLivePullToPushResponse = ResponseOf<'UpdateLivePullToPush'>;
export type DeleteLivePullToPushResponse = ResponseOf<'DeleteLivePullToPush'>;
export type DescribeLivePullToPushResponse = ResponseOf<'DescribeLivePullToPush'>;
export type DescribeLivePullToPushListResponse = ResponseOf<'DescribeLivePullToPushList'>;
export type StopLivePullToPushResponse = ResponseOf<'StopLivePullToPush'>;
export type RestartLivePullToPushResponse = ResponseOf<'RestartLivePullToPush'>;
export type AddLivePullStreamInfoConfigResponse = ResponseOf<'AddLivePullStreamInfoConfig'>;
export type DeleteLivePullStreamInfoConfigResponse = ResponseOf<'DeleteLivePullStreamInfoConfig'>;
export type DescribeLivePullStreamConfigResponse = ResponseOf<'DescribeLivePullStreamConfig'>;
