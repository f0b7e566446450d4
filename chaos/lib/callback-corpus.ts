/**
 * A generated corpus of hostile requests to the callback service, each with the status the service must answer
 * (its documented order of checks: path 404 → method 405 → token 401/403 → content type 415 → size 413 → body
 * 400 → workflow 404; broken HTTP 400/431, slow senders 408). Every hostile case has exactly one defect, so its
 * expected answer is unambiguous, and many carry a valid token and a valid event besides: if the service let the
 * defect through, the workflow would receive a signal it must never see.
 */
import { callbackToken } from '../../src/callbacks/tokens';

import type { Prng } from '../../testkit/prng';

export const HOSTILE_CATEGORIES = {
  'malformed-json': 400,
  'wrong-types': 400,
  'missing-fields': 400,
  'huge-body': 413,
  'huge-headers': 431,
  'missing-token': 401,
  'bad-token': 403,
  'forged-token': 403,
  'unknown-workflow': 404,
  'wrong-method': 405,
  'wrong-path': 404,
  'wrong-content-type': 415,
  'malformed-http': 400,
  'slow-sender': 408,
} as const;
export type HostileCategory = keyof typeof HOSTILE_CATEGORIES;

/** A request an HTTP client can send. `padBytes` grows the body at send time (huge bodies are not kept around). */
export interface HttpCase {
  kind: 'http';
  category: HostileCategory;
  expected: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Appended to the JSON body as a `Padding` field of this many bytes. */
  padBytes?: number;
  /** Send the body with chunked transfer encoding (no Content-Length). */
  chunked?: boolean;
  note: string;
}

/** Raw bytes over TCP (see raw-http.ts). */
export interface RawCase {
  kind: 'raw';
  category: HostileCategory;
  expected: number;
  parts: (string | Buffer)[];
  gapMs?: number;
  note: string;
}

export type HostileCase = HttpCase | RawCase;

export interface CallbackTarget {
  workflowId: string;
  taskId: string;
}

export interface CorpusContext {
  secret: string;
  /** Running broadcasts: the only workflows valid callbacks may reach. */
  targets: CallbackTarget[];
  /** A broadcast that has already finished: callbacks to it are for an unknown workflow. */
  finishedWorkflowId: string;
}

export const CALLBACK_PREFIX = '/callbacks/v1/';

export function callbackPath(secret: string, workflowId: string): string {
  return `${CALLBACK_PREFIX}${encodeURIComponent(workflowId)}/${callbackToken(secret, workflowId)}`;
}

/** A valid running event for a task, as the provider sends it. */
export function runningEvent(taskId: string, eventTime: number): Record<string, unknown> {
  return {
    Event: 'LivePullToPushRuning',
    EventTime: String(eventTime),
    TaskId: taskId,
    TaskStatus: 1,
    TaskInfo: { TaskId: taskId, TaskName: 'relay', StartTime: '2026-01-01T00:00:00Z', EndTime: '2026-01-01T01:00:00Z' },
  };
}

const JSON_HEADERS = { 'content-type': 'application/json' };
/** Event times of hostile bodies: far below the control events', so a leaked one would also stand out in order. */
const HOSTILE_EVENT_TIME = 1_700_000_000;

type Generator = (rng: Prng, ctx: CorpusContext) => HostileCase;

function post(
  category: HostileCategory,
  path: string,
  body: string | Buffer,
  note: string,
  extra: Partial<HttpCase> = {}
): HttpCase {
  return {
    kind: 'http',
    category,
    expected: HOSTILE_CATEGORIES[category],
    method: 'POST',
    path,
    headers: JSON_HEADERS,
    body,
    note,
    ...extra,
  };
}

function raw(category: HostileCategory, parts: (string | Buffer)[], note: string, gapMs?: number): RawCase {
  return { kind: 'raw', category, expected: HOSTILE_CATEGORIES[category], parts, note, ...(gapMs ? { gapMs } : {}) };
}

const target = (rng: Prng, ctx: CorpusContext) => rng.pick(ctx.targets);
const validBody = (rng: Prng, t: CallbackTarget) => runningEvent(t.taskId, HOSTILE_EVENT_TIME + rng.int(0, 1_000_000));
const goodPath = (ctx: CorpusContext, t: CallbackTarget) => callbackPath(ctx.secret, t.workflowId);

/** Valid token, body that is not JSON. */
const malformedJson: Generator = (rng, ctx) => {
  const t = target(rng, ctx);
  const valid = JSON.stringify(validBody(rng, t));
  const variants: [string, () => string | Buffer][] = [
    ['truncated JSON', () => valid.slice(0, rng.int(1, valid.length - 1))],
    ['random bytes', () => Buffer.from(Array.from({ length: rng.int(1, 512) }, () => rng.int(0, 255)))],
    ['empty body', () => ''],
    ['single quotes', () => valid.replace(/"/g, "'")],
    ['trailing comma', () => `${valid.slice(0, -1)},}`],
    ['comment', () => `/* hi */${valid}`],
    ['two documents', () => `${valid}${valid}`],
    ['NaN literal', () => valid.replace('"EventTime":', '"EventTime":NaN,"x":')],
    ['invalid UTF-8', () => Buffer.concat([Buffer.from(valid.slice(0, 10)), Buffer.from([0xc3, 0x28, 0xff])])],
    ['form encoding', () => `TaskId=${t.taskId}&EventTime=1&TaskStatus=1`],
    ['unclosed nesting', () => '['.repeat(rng.int(1_000, 30_000))],
  ];
  const [note, build] = rng.pick(variants);
  return post('malformed-json', goodPath(ctx, t), build(), note);
};

/** Valid token, JSON whose fields have the wrong type or value. */
const wrongTypes: Generator = (rng, ctx) => {
  const t = target(rng, ctx);
  const base = validBody(rng, t);
  const variants: [string, () => unknown][] = [
    ['array body', () => [base]],
    ['string body', () => 'LivePullToPushRuning'],
    ['number body', () => rng.int(-1e6, 1e6)],
    ['null body', () => null],
    ['boolean body', () => true],
    ['TaskId number', () => ({ ...base, TaskId: rng.int(0, 1e9) })],
    ['TaskId array', () => ({ ...base, TaskId: [t.taskId] })],
    ['TaskId too long', () => ({ ...base, TaskId: rng.string(65) })],
    ['TaskId injection', () => ({ ...base, TaskId: rng.pick(["x' OR '1'='1", '<script>', '../../etc', '$(id)']) })],
    ['EventTime word', () => ({ ...base, EventTime: 'soon' })],
    ['EventTime negative', () => ({ ...base, EventTime: -rng.int(1, 1e9) })],
    ['EventTime fraction', () => ({ ...base, EventTime: 1767225600.5 })],
    ['EventTime unsafe', () => ({ ...base, EventTime: '90071992547409930' })],
    ['EventTime object', () => ({ ...base, EventTime: { $gt: 0 } })],
    ['TaskStatus unknown', () => ({ ...base, TaskStatus: rng.pick([4, 7, -2, 99]) })],
    ['TaskStatus word', () => ({ ...base, TaskStatus: 'running' })],
    ['Event number', () => ({ ...base, Event: 42, TaskStatus: undefined })],
    [
      'Event unknown',
      () => ({ ...base, Event: `LivePullToPush${rng.string(6, '0123456789')}`, TaskStatus: undefined }),
    ],
    ['Event too long', () => ({ ...base, Event: 'x'.repeat(300) })],
    ['TaskInvalidReason object', () => ({ ...base, TaskStatus: 3, Event: undefined, TaskInvalidReason: {} })],
    ['TaskExitReason number', () => ({ ...base, Event: 'LivePullToPushExit', TaskExitReason: 7 })],
    ['TaskExitTime word', () => ({ ...base, Event: 'LivePullToPushExit', TaskExitTime: 'later' })],
  ];
  const [note, build] = rng.pick(variants);
  return post('wrong-types', goodPath(ctx, t), JSON.stringify(build()), note);
};

/** Valid token, an event missing what every event needs. */
const missingFields: Generator = (rng, ctx) => {
  const t = target(rng, ctx);
  const base = validBody(rng, t);
  const without = (...fields: string[]) =>
    Object.fromEntries(Object.entries(base).filter(([k]) => !fields.includes(k)));
  const variants: [string, () => unknown][] = [
    ['no TaskId', () => without('TaskId')],
    ['no EventTime', () => without('EventTime')],
    ['no Event nor TaskStatus', () => without('Event', 'TaskStatus')],
    ['empty object', () => ({})],
    ['only TaskInfo', () => ({ TaskInfo: base.TaskInfo })],
    ['empty TaskId', () => ({ ...base, TaskId: '' })],
    ['empty EventTime', () => ({ ...base, EventTime: '' })],
  ];
  const [note, build] = rng.pick(variants);
  return post('missing-fields', goodPath(ctx, t), JSON.stringify(build()), note);
};

/** Valid token and a valid event padded past the 64 KiB limit, declared or streamed. */
const hugeBody: Generator = (rng, ctx) => {
  const t = target(rng, ctx);
  const padBytes = rng.chance(0.05) ? rng.int(1 << 20, 2 << 20) : rng.int(64 * 1024, 256 * 1024);
  if (rng.chance(0.1)) {
    // Declares a gigabyte and sends a few bytes: refused on the declaration alone.
    return raw(
      'huge-body',
      [
        `POST ${goodPath(ctx, t)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n{"TaskId":`,
      ],
      'declared 1 GB'
    );
  }
  const chunked = rng.chance(0.5);
  return post('huge-body', goodPath(ctx, t), JSON.stringify(validBody(rng, t)), chunked ? 'streamed' : 'declared', {
    padBytes,
    chunked,
  });
};

/** Headers (or a URL) over Node's 16 KiB header limit. */
const hugeHeaders: Generator = (rng, ctx) => {
  const t = target(rng, ctx);
  const size = rng.int(17 * 1024, 64 * 1024);
  if (rng.chance(0.5)) {
    return raw(
      'huge-headers',
      [`POST ${goodPath(ctx, t)} HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(size)}\r\nContent-Length: 0\r\n\r\n`],
      'one huge header'
    );
  }
  return raw(
    'huge-headers',
    [`POST ${goodPath(ctx, t)}?${'q'.repeat(size)} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`],
    'huge URL'
  );
};

const missingToken: Generator = (rng, ctx) => {
  const t = target(rng, ctx);
  const id = encodeURIComponent(t.workflowId);
  const variants: [string, string][] = [
    ['no token segment', `${CALLBACK_PREFIX}${id}`],
    ['empty token segment', `${CALLBACK_PREFIX}${id}/`],
    ['token in the query', `${CALLBACK_PREFIX}${id}?token=${callbackToken(ctx.secret, t.workflowId)}`],
  ];
  const [note, path] = rng.pick(variants);
  return post('missing-token', path, JSON.stringify(validBody(rng, t)), note);
};

const badToken: Generator = (rng, ctx) => {
  const t = target(rng, ctx);
  const good = callbackToken(ctx.secret, t.workflowId);
  const flip = (s: string, at: number) => `${s.slice(0, at)}${s[at] === 'A' ? 'B' : 'A'}${s.slice(at + 1)}`;
  const variants: [string, () => string][] = [
    ['random token, right length', () => rng.string(good.length)],
    ['random token, any length', () => rng.string(rng.int(1, 200))],
    ['another secret', () => callbackToken(`not-${ctx.secret}`, t.workflowId)],
    ['one character changed', () => flip(good, rng.int(0, good.length - 1))],
    ['truncated', () => good.slice(0, rng.int(1, good.length - 1))],
    ['extended', () => `${good}${rng.string(rng.int(1, 8))}`],
    ['padded', () => `${good}=`],
    ['upper-cased', () => good.toUpperCase()],
    ['percent-encoded', () => [...good].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join('')],
  ];
  const [note, build] = rng.pick(variants);
  const token = build();
  // The upper-cased token of an all-caps digest would be valid; never generated in practice, but keep it honest.
  if (token === good) return badToken(rng, ctx);
  return post(
    'bad-token',
    `${CALLBACK_PREFIX}${encodeURIComponent(t.workflowId)}/${token}`,
    JSON.stringify(validBody(rng, t)),
    note
  );
};

/** Genuine tokens, each presented for a workflow it was not issued for. */
const forgedToken: Generator = (rng, ctx) => {
  const t = target(rng, ctx);
  const others = ctx.targets.filter((o) => o.workflowId !== t.workflowId);
  const other = others.length > 0 ? rng.pick(others).workflowId : `${t.workflowId}-other`;
  const variants: [string, () => string][] = [
    ['token of another running broadcast', () => callbackToken(ctx.secret, other)],
    ['token of the finished broadcast', () => callbackToken(ctx.secret, ctx.finishedWorkflowId)],
    ['token of a made-up workflow', () => callbackToken(ctx.secret, `forged-${rng.string(12)}`)],
    ['token of the ID with a suffix', () => callbackToken(ctx.secret, `${t.workflowId}/x`)],
  ];
  const [note, build] = rng.pick(variants);
  return post(
    'forged-token',
    `${CALLBACK_PREFIX}${encodeURIComponent(t.workflowId)}/${build()}`,
    JSON.stringify(validBody(rng, t)),
    note
  );
};

/** Genuine token and valid event, for a workflow that does not run (never existed, or finished). */
const unknownWorkflow: Generator = (rng, ctx) => {
  const finished = rng.chance(0.2);
  const workflowId = finished ? ctx.finishedWorkflowId : `gone-${rng.string(rng.int(4, 60))}`;
  const body = JSON.stringify(runningEvent(`task-${rng.string(8)}`, HOSTILE_EVENT_TIME));
  return post('unknown-workflow', callbackPath(ctx.secret, workflowId), body, finished ? 'finished' : 'never existed');
};

const wrongMethod: Generator = (rng, ctx) => {
  const t = target(rng, ctx);
  const method = rng.pick(['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);
  const withBody = ['PUT', 'PATCH', 'DELETE'].includes(method);
  return {
    kind: 'http',
    category: 'wrong-method',
    expected: HOSTILE_CATEGORIES['wrong-method'],
    method,
    path: goodPath(ctx, t),
    headers: withBody ? JSON_HEADERS : {},
    ...(withBody ? { body: JSON.stringify(validBody(rng, t)) } : {}),
    note: method,
  };
};

const wrongPath: Generator = (rng, ctx) => {
  const t = target(rng, ctx);
  const id = encodeURIComponent(t.workflowId);
  const token = callbackToken(ctx.secret, t.workflowId);
  const paths: [string, string][] = [
    ['root', '/'],
    ['no version', '/callbacks'],
    ['no workflow', CALLBACK_PREFIX],
    ['other version', `/callbacks/v2/${id}/${token}`],
    ['extra segment', `${CALLBACK_PREFIX}${id}/${token}/${rng.string(4)}`],
    ['empty workflow', `${CALLBACK_PREFIX}/${token}`],
    ['bad percent-encoding', `${CALLBACK_PREFIX}%ZZ${rng.string(3)}/${token}`],
    ['upper-case prefix', `/CALLBACKS/v1/${id}/${token}`],
    ['traversal', `${CALLBACK_PREFIX}../../_sandbox/reset`],
    ['health as POST', '/healthz'],
    ['long random path', `/${rng.string(rng.int(100, 4000))}`],
  ];
  const [note, path] = rng.pick(paths);
  return post('wrong-path', path, JSON.stringify(validBody(rng, t)), note);
};

const wrongContentType: Generator = (rng, ctx) => {
  const t = target(rng, ctx);
  const type = rng.pick([
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'text/xml',
    'application/xml',
    'application/octet-stream',
    'image/png',
    'text/html; charset=utf-8',
    'application/jsonp',
    'application/javascript',
  ]);
  return post('wrong-content-type', goodPath(ctx, t), JSON.stringify(validBody(rng, t)), type, {
    headers: { 'content-type': type },
  });
};

/** Not HTTP/1.1 as Node parses it. */
const malformedHttp: Generator = (rng, ctx) => {
  const t = target(rng, ctx);
  const path = goodPath(ctx, t);
  const body = JSON.stringify(validBody(rng, t));
  const variants: [string, () => string | Buffer][] = [
    ['garbage line', () => `${rng.string(rng.int(1, 40))}\r\n\r\n`],
    ['binary junk', () => Buffer.from(Array.from({ length: rng.int(8, 256) }, () => rng.int(0, 255)))],
    ['space in the URL', () => `POST ${CALLBACK_PREFIX}a b/c HTTP/1.1\r\nHost: x\r\n\r\n`],
    ['header without colon', () => `POST ${path} HTTP/1.1\r\nHost: x\r\nBroken header\r\n\r\n`],
    ['non-numeric length', () => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n${body}`],
    [
      'length and chunked together',
      () =>
        `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
    ],
    ['two lengths', () => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n${body}`],
    [
      'bad chunk size',
      () =>
        `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${body}\r\n0\r\n\r\n`,
    ],
  ];
  const [note, build] = rng.pick(variants);
  return raw('malformed-http', [build()], note);
};

/**
 * Senders that trickle bytes and never finish: headers one line at a time, or a body one byte at a time under a
 * genuine token, or nothing at all. They stay open while the bulk runs; the service must time them out (408).
 */
export function slowSender(rng: Prng, ctx: CorpusContext, gapMs: number): RawCase {
  const t = target(rng, ctx);
  const path = goodPath(ctx, t);
  const kind = rng.pick(['headers', 'body', 'silent'] as const);
  const lines = Array.from({ length: 200 }, (_, i) => `X-Trickle-${i}: ${rng.string(8)}\r\n`);
  const parts: string[] =
    kind === 'headers'
      ? [`POST ${path} HTTP/1.1\r\nHost: x\r\n`, ...lines]
      : kind === 'body'
        ? [
            `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n`,
            ...JSON.stringify(validBody(rng, t)).split(''),
          ]
        : [''];
  return raw('slow-sender', parts, `trickled ${kind}`, gapMs);
}

const GENERATORS: Record<Exclude<HostileCategory, 'slow-sender'>, Generator> = {
  'malformed-json': malformedJson,
  'wrong-types': wrongTypes,
  'missing-fields': missingFields,
  'huge-body': hugeBody,
  'huge-headers': hugeHeaders,
  'missing-token': missingToken,
  'bad-token': badToken,
  'forged-token': forgedToken,
  'unknown-workflow': unknownWorkflow,
  'wrong-method': wrongMethod,
  'wrong-path': wrongPath,
  'wrong-content-type': wrongContentType,
  'malformed-http': malformedHttp,
};

/** `count` hostile cases, categories drawn evenly (slow senders are made apart: they hold connections). */
export function hostileCorpus(rng: Prng, ctx: CorpusContext, count: number): HostileCase[] {
  const categories = Object.keys(GENERATORS) as (keyof typeof GENERATORS)[];
  return Array.from({ length: count }, () => GENERATORS[rng.pick(categories)](rng, ctx));
}
