/**
 * Request rules of the ten ApsaraVideo Live actions, as zod schemas: the single source of truth used by the client
 * (before sending), the sandbox (to answer like the service) and the broadcast validation. Field names are the wire
 * names, so every violation names the real field. Lenient where the reference marks a fact unconfirmed.
 */
import { z } from 'zod';

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

/** HTTP method the official SDK uses per action. */
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

// Five regions per the 2026 Create doc; the siblings still list four (cn-shenzhen unconfirmed there): accept all.
export const REGIONS = ['ap-southeast-1', 'ap-southeast-5', 'cn-beijing', 'cn-shanghai', 'cn-shenzhen'] as const;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const SEVEN_DAYS_MS = 7 * 86_400_000;

const region = z.enum(REGIONS, { error: `must be one of ${REGIONS.join(', ')}` });
const time = z
  .string({ error: 'must be a string yyyy-MM-ddTHH:mm:ssZ' })
  .refine((v) => ISO.test(v) && !Number.isNaN(Date.parse(v)), 'must be yyyy-MM-ddTHH:mm:ssZ (UTC)');
const int = (min: number, max: number, rule: string) =>
  z.number({ error: 'must be an integer' }).int('must be an integer').min(min, rule).max(max, rule);
const url = (schemes: string[], max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((v) => schemes.some((s) => v.toLowerCase().startsWith(`${s}://`) && v.length > s.length + 3), {
      message: `must be a ${schemes.join(' or ')} URL`,
    });
const taskId = z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters');

// DstUrl: the reference says RTMP only; we also accept rtmps:// (RTMP over TLS) as an RTMP destination.
const dstUrl = url(['rtmp', 'rtmps'], 2000);
const callbackUrl = url(['http', 'https'], 2000);
// Mid-2025 list also had rtsp and flv: accepted leniently.
const SOURCE_PROTOCOLS = ['rtmp', 'srt', 'http-flv', 'hls', 'rtsp', 'flv'] as const;

const sourceRules = (v: { SourceType?: string; SourceUrls?: string[]; SourceProtocol?: string }, ctx: z.RefinementCtx) => {
  if (!v.SourceUrls) return;
  if (v.SourceType === 'live') {
    if (v.SourceUrls.length !== 1) ctx.addIssue({ code: 'custom', path: ['SourceUrls'], message: 'exactly one URL for a live source' });
    if (!v.SourceProtocol) ctx.addIssue({ code: 'custom', path: ['SourceProtocol'], message: 'required when SourceType is live' });
    v.SourceUrls.forEach((u, i) => {
      if (!/^(rtmp|rtmps|srt|https?|rtsp):\/\/.+/i.test(u)) {
        ctx.addIssue({ code: 'custom', path: ['SourceUrls', i], message: 'must be a full playback URL' });
      }
    });
  } else if (v.SourceUrls.length < 1 || v.SourceUrls.length > 30) {
    ctx.addIssue({ code: 'custom', path: ['SourceUrls'], message: 'between 1 and 30 items for vod/url sources' });
  } else if (v.SourceType === 'url') {
    v.SourceUrls.forEach((u, i) => {
      if (!/^https?:\/\/.+/i.test(u)) ctx.addIssue({ code: 'custom', path: ['SourceUrls', i], message: 'must be an http(s) URL' });
    });
  }
};

function windowRules(now: () => Date, maxMs?: number) {
  return (v: { StartTime?: string; EndTime?: string }, ctx: z.RefinementCtx) => {
    const start = v.StartTime && ISO.test(v.StartTime) ? Date.parse(v.StartTime) : NaN;
    const end = v.EndTime && ISO.test(v.EndTime) ? Date.parse(v.EndTime) : NaN;
    if (!Number.isNaN(end) && end <= now().getTime()) {
      ctx.addIssue({ code: 'custom', path: ['EndTime'], message: 'must be later than now' });
    }
    if (!Number.isNaN(start) && !Number.isNaN(end)) {
      if (end <= start) ctx.addIssue({ code: 'custom', path: ['EndTime'], message: 'must be later than StartTime' });
      else if (maxMs && end - start > maxMs) {
        ctx.addIssue({ code: 'custom', path: ['EndTime'], message: 'window may not exceed 7 days' });
      }
    }
  };
}

const sourceUrls = z.array(z.string().min(1, 'must not be empty'), { error: 'must be a list of strings' });

function buildSchemas(now: () => Date) {
  const create = z
    .object({
      RegionId: z.string().optional(),
      Region: region,
      TaskName: z.string().max(128, 'must be at most 128 characters').optional(), // cap unconfirmed: ours
      StartTime: time,
      EndTime: time,
      SourceType: z.enum(['live', 'vod', 'url'], { error: 'must be live, vod or url' }),
      SourceProtocol: z.enum(SOURCE_PROTOCOLS, { error: `must be one of ${SOURCE_PROTOCOLS.join(', ')}` }).optional(),
      SourceUrls: sourceUrls,
      DstUrl: dstUrl,
      RepeatNumber: int(-1, 1_000_000, 'must be -1 (forever), 0 or a positive count').optional(),
      FileIndex: int(0, 1_000, 'must be ≥ 0').optional(),
      Offset: int(1, 86_400 * 7, 'must be greater than 0').optional(),
      CallbackUrl: callbackUrl.optional(),
      RetryInterval: int(60, 300, 'must be between 60 and 300 seconds').optional(),
      RetryCount: int(0, 100, 'must be between 0 and 100').optional(), // range unconfirmed: ours
      OwnerId: z.number().optional(),
    })
    .superRefine(sourceRules)
    .superRefine(windowRules(now));
  const ref = z.object({ RegionId: z.string().optional(), Region: region, TaskId: taskId, OwnerId: z.number().optional() });
  const update = ref
    .extend({
      CallbackUrl: callbackUrl.optional(),
      StartTime: time.optional(),
      EndTime: time.optional(),
      SourceUrls: sourceUrls.optional(),
      RepeatNumber: int(-1, 1_000_000, 'must be -1 (forever), 0 or a positive count').optional(),
      FileIndex: int(0, 1_000, 'must be ≥ 0').optional(),
      Offset: int(1, 86_400 * 7, 'must be greater than 0').optional(),
    })
    .superRefine((v, ctx) => {
      if (v.EndTime && ISO.test(v.EndTime) && Date.parse(v.EndTime) <= now().getTime()) {
        ctx.addIssue({ code: 'custom', path: ['EndTime'], message: 'must be later than now' });
      }
      if (v.StartTime && v.EndTime && Date.parse(v.EndTime) <= Date.parse(v.StartTime)) {
        ctx.addIssue({ code: 'custom', path: ['EndTime'], message: 'must be later than StartTime' });
      }
    });
  const list = z.object({
    RegionId: z.string().optional(),
    Region: region,
    PageNumber: int(1, 1_000_000, 'must be greater than 0').optional(),
    PageSize: int(1, 100, 'must be between 1 and 100').optional(),
    TaskId: z.string().regex(/^[A-Za-z0-9_-]{1,55}$/, 'letters, digits, _ or -, at most 55').optional(),
    TaskName: z.string().max(128).optional(),
    DstUrl: z.string().max(2000).optional(),
  });
  const stream = { RegionId: z.string().optional(), DomainName: z.string().min(1), AppName: z.string().min(1).max(255), StreamName: z.string().min(1).max(255) };
  const legacyAdd = z
    .object({
      ...stream,
      SourceUrl: z
        .string()
        .refine(
          (v) => v.split(';').every((u) => /^(rtmp|https?|srt):\/\/.+/i.test(u.trim())),
          'one or more rtmp/http(s)/srt URLs separated by ;'
        ),
      StartTime: time,
      EndTime: time,
    })
    .superRefine(windowRules(now, SEVEN_DAYS_MS));
  return {
    CreateLivePullToPush: create,
    UpdateLivePullToPush: update,
    DeleteLivePullToPush: ref,
    DescribeLivePullToPush: ref,
    DescribeLivePullToPushList: list,
    StopLivePullToPush: ref,
    RestartLivePullToPush: ref,
    AddLivePullStreamInfoConfig: legacyAdd,
    DeleteLivePullStreamInfoConfig: z.object(stream),
    DescribeLivePullStreamConfig: z.object({ RegionId: z.string().optional(), DomainName: z.string().min(1) }),
  } satisfies Record<ActionName, z.ZodType>;
}

type Schemas = ReturnType<typeof buildSchemas>;
export type RequestOf<A extends ActionName> = z.input<Schemas[A]>;
export type CreateLivePullToPushRequest = RequestOf<'CreateLivePullToPush'>;

export interface Violation {
  field: string;
  rule: string;
  missing: boolean;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; violations: Violation[] };

export function validateRequest<A extends ActionName>(
  action: A,
  params: unknown,
  opts: { now?: Date } = {}
): Validation<RequestOf<A>> {
  const schema = buildSchemas(() => opts.now ?? new Date())[action] as z.ZodType;
  const parsed = schema.safeParse(params);
  if (parsed.success) return { ok: true, value: parsed.data as RequestOf<A> };
  const input = (params ?? {}) as Record<string, unknown>;
  const violations = parsed.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : 'request';
    const top = String(issue.path[0] ?? '');
    const missing = issue.path.length === 1 && (input[top] === undefined || input[top] === '');
    return { field, rule: missing ? 'is required' : issue.message, missing };
  });
  return { ok: false, violations };
}

const INTEGER_FIELDS = new Set(['RepeatNumber', 'FileIndex', 'Offset', 'RetryInterval', 'RetryCount', 'PageNumber', 'PageSize', 'OwnerId']);

/** Official-SDK wire form: every parameter a string in the query, SourceUrls one JSON array string. */
export function toWireParams(params: Record<string, unknown>): Record<string, string> {
  const wire: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    wire[name] = Array.isArray(value) ? JSON.stringify(value) : String(value);
  }
  return wire;
}

/** Wire strings back to typed params, then the action's rules. Lenient: also `SourceUrls.1`-style arrays (pop-core). */
export function fromWireParams<A extends ActionName>(
  action: A,
  raw: Record<string, string>,
  opts: { now?: Date } = {}
): Validation<RequestOf<A>> {
  const typed: Record<string, unknown> = {};
  const violations: Violation[] = [];
  const indexed: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    const repeat = /^SourceUrls\.(\d+)$/.exec(name);
    if (repeat) {
      indexed[Number(repeat[1]) - 1] = value;
    } else if (name === 'SourceUrls') {
      try {
        const parsed: unknown = JSON.parse(value);
        typed.SourceUrls = parsed;
      } catch {
        violations.push({ field: 'SourceUrls', rule: 'must be a JSON array of strings', missing: false });
      }
    } else if (INTEGER_FIELDS.has(name)) {
      typed[name] = /^-?\d+$/.test(value) ? Number(value) : value;
    } else {
      typed[name] = value;
    }
  }
  if (indexed.length > 0 && typed.SourceUrls === undefined) typed.SourceUrls = indexed.filter((v) => v !== undefined);
  const result = validateRequest(action, typed, opts);
  if (violations.length > 0) {
    return { ok: false, violations: [...violations, ...(result.ok ? [] : result.violations.filter((v) => v.field !== 'SourceUrls'))] };
  }
  return result;
}

export function formatViolations(violations: Violation[]): string {
  return violations.map((v) => `${v.field}: ${v.rule}`).join('; ');
}

// ---- responses (strict on output) ----
const taskInfo = z
  .object({
    TaskId: z.string().optional(),
    TaskName: z.string().optional(),
    StartTime: z.string().optional(),
    EndTime: z.string().optional(),
    SourceType: z.string().optional(),
    SourceProtocol: z.string().optional(),
    SourceUrls: z.array(z.string()).optional(),
    DstUrl: z.string().optional(),
    CallbackURL: z.string().optional(),
    RepeatNumber: z.number().optional(),
    FileIndex: z.number().optional(),
    Offset: z.number().optional(),
    RetryCount: z.number().optional(),
    RetryInterval: z.number().optional(),
  })
  .loose();
const taskState = {
  TaskId: z.string(),
  TaskStatus: z.number().int(),
  TaskInvalidReason: z.string().optional(),
  TaskExitReason: z.string().optional(),
  TaskExitTime: z.number().optional(),
  CurrentFileIndex: z.number().optional(),
  CurrentOffset: z.number().optional(),
  TaskInfo: taskInfo.optional(),
};
const base = { RequestId: z.string() };
const ret = { ...base, RetCode: z.number().optional(), Description: z.string().optional() };

export const responseSchemas = {
  CreateLivePullToPush: z.object({ ...ret, TaskId: z.string().min(1) }).loose(),
  UpdateLivePullToPush: z.object(ret).loose(),
  DeleteLivePullToPush: z.object(ret).loose(),
  DescribeLivePullToPush: z.object({ ...ret, ...taskState }).loose(),
  DescribeLivePullToPushList: z
    .object({
      ...base,
      PageNumber: z.number().optional(),
      PageSize: z.number().optional(),
      Total: z.number(),
      TaskList: z.array(z.object(taskState).loose()),
    })
    .loose(),
  StopLivePullToPush: z.object({ ...base, TaskId: z.string().optional() }).loose(),
  RestartLivePullToPush: z.object({ ...base, TaskId: z.string().optional() }).loose(),
  AddLivePullStreamInfoConfig: z.object(base).loose(),
  DeleteLivePullStreamInfoConfig: z.object(base).loose(),
  DescribeLivePullStreamConfig: z
    .object({
      ...base,
      LiveAppRecordList: z
        .object({
          LiveAppRecord: z.array(
            z
              .object({
                DomainName: z.string(),
                AppName: z.string(),
                StreamName: z.string(),
                SourceUrl: z.string(),
                StartTime: z.string(),
                EndTime: z.string(),
              })
              .loose()
          ),
        })
        .optional(),
    })
    .loose(),
} satisfies Record<ActionName, z.ZodType>;

export type ResponseOf<A extends ActionName> = z.output<(typeof responseSchemas)[A]>;
