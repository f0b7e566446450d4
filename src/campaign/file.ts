/**
 * Campaign files (YAML, JSON or CSV): a defaults section and one entry per broadcast. The whole file is checked
 * before anything starts, every problem reported with its line and field, using the same broadcast validation the
 * client and workflow use; destinations used twice in overlapping windows are caught up front.
 *
 * YAML / JSON:                              CSV (defaults as `# defaults: key=value …` comment lines):
 *   campaign: festival-2026                   # defaults: region=cn-shanghai leadTimeSeconds=600
 *   defaults: { leadTimeSeconds: 600 }        key,source,dst,start,end,label:stage
 *   broadcasts:                               a1,rtmp://src/a,rtmp://ingest/a,2026-…Z,2026-…Z,main
 *     - { key: a1, source: rtmp://src/a, dst: rtmp://ingest/a, start: 2026-…Z, end: 2026-…Z }
 *   schedules:                              (YAML / JSON only: recurring broadcasts, src/schedules)
 *     - { key: friday, days: FRI, at: "20:00", tz: Europe/Berlin, duration: 2h, source: …, dst: … }
 */
import fs from 'node:fs';
import path from 'node:path';

import { parse as parseCsv } from 'csv-parse/sync';
import YAML, { LineCounter, isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';

import { validateBroadcastRequest } from '../broadcast/validation';
import { validateSchedule, type ScheduleDefinition } from '../schedules/definition';
import type { BroadcastRequest, RelaySpec } from '../shared/broadcast';
import { resolveTime } from '../shared/time';

export interface CampaignEntry {
  key: string;
  /** Line of the entry in the file (1-based). */
  line: number;
  request: BroadcastRequest;
}

export interface CampaignProblem {
  line: number;
  key?: string;
  field: string;
  rule: string;
}

export interface CampaignPlan {
  campaignId?: string;
  /** Entries whose broadcast request is valid (some may still have a problem: a duplicate key, an overlap). */
  entries: CampaignEntry[];
  /** Entries with no problem at all: what `--skip-invalid` starts. */
  valid: CampaignEntry[];
  problems: CampaignProblem[];
  /** Valid `schedules:` entries; each becomes the Schedule `<campaign>/<key>` (scheduleId here: the key). */
  schedules: CampaignSchedule[];
}

export interface CampaignSchedule {
  key: string;
  line: number;
  definition: ScheduleDefinition;
}

/** File field → request field, so a problem names the field the user wrote. */
const FIELD_NAMES: Record<string, string> = {
  'relay.SourceUrls': 'source',
  'relay.DstUrl': 'dst',
  'relay.StartTime': 'start',
  'relay.EndTime': 'end',
  'relay.SourceType': 'sourceType',
  'relay.SourceProtocol': 'protocol',
  'relay.Region': 'region',
  'relay.RetryInterval': 'retryInterval',
  'relay.RetryCount': 'retryCount',
  'relay.RepeatNumber': 'repeatNumber',
  'restartPolicy.maxRestarts': 'maxRestarts',
};

/**
 * The rule for campaign ids and entry keys, the parts of a broadcast's workflow ID (`<campaign>/<key>`) a user
 * chooses and types again in later commands.
 */
const CAMPAIGN_KEY_RULE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const CAMPAIGN_KEY_RULE_TEXT = '1-100 letters, digits, ".", "_" or "-", starting with a letter or digit';

export function isCampaignKey(value: string): boolean {
  return CAMPAIGN_KEY_RULE.test(value);
}
/** Refused before parsing (10,000 entries take about 2 MB): split such a campaign into several files. */
export const MAX_CAMPAIGN_FILE_BYTES = 32 * 1024 * 1024;
const FILE_FIELDS = ['campaign', 'defaults', 'broadcasts', 'schedules'];
/** What an entry (or `defaults`, minus `key`) may hold; anything else would be silently ignored, so it is a problem. */
const ENTRY_FIELDS = [
  'key',
  'source',
  'sources',
  'dst',
  'start',
  'end',
  'region',
  'sourceType',
  'protocol',
  'retryInterval',
  'retryCount',
  'repeatNumber',
  'leadTimeSeconds',
  'maxRestarts',
  'reconcileAfterSeconds',
  'reconcileRunningSeconds',
  'labels',
];
const DEFAULT_FIELDS = ENTRY_FIELDS.filter((f) => f !== 'key');
/** A schedule entry: the calendar instead of a window, and the request fields an entry has. */
const SCHEDULE_FIELDS = [
  ...ENTRY_FIELDS.filter((f) => f !== 'start' && f !== 'end'),
  'days',
  'at',
  'tz',
  'duration',
  'from',
  'until',
  'catchUp',
];
/** Schedule validation field → file field. */
const SCHEDULE_FIELD_NAMES: Record<string, string> = { id: 'key', 'catch-up': 'catchUp' };
const unknownField = (known: string[]) => `unknown field (known: ${known.join(', ')})`;
const NUMERIC = new Set([
  'leadTimeSeconds',
  'maxRestarts',
  'reconcileAfterSeconds',
  'reconcileRunningSeconds',
  'retryInterval',
  'retryCount',
  'repeatNumber',
]);

type Raw = Record<string, unknown>;
interface RawEntry {
  line: number;
  fields: Raw;
  lineOf: (field: string) => number;
}

function coerce(field: string, value: unknown): unknown {
  if (typeof value === 'string' && NUMERIC.has(field) && /^-?\d+$/.test(value.trim())) return Number(value);
  return value;
}

function toRequest(fields: Raw, defaults: Raw, campaignId: string | undefined, now: Date): BroadcastRequest {
  const get = (name: string) => coerce(name, resolveTime(fields[name] ?? defaults[name], now));
  const sources = get('sources') ?? get('source');
  const relay: Partial<RelaySpec> = {
    Region: get('region') as string | undefined,
    SourceType: (get('sourceType') ?? 'live') as RelaySpec['SourceType'],
    SourceUrls: Array.isArray(sources)
      ? (sources as string[])
      : typeof sources === 'string'
        ? sources.split('|')
        : (sources as never),
    DstUrl: get('dst') as string,
    StartTime: get('start') as string,
    EndTime: get('end') as string,
    RetryInterval: get('retryInterval') as number | undefined,
    RetryCount: get('retryCount') as number | undefined,
    RepeatNumber: get('repeatNumber') as number | undefined,
  };
  if (relay.SourceType === 'live') relay.SourceProtocol = (get('protocol') as string | undefined) ?? 'rtmp';
  for (const [k, v] of Object.entries(relay)) if (v === undefined) delete relay[k as keyof RelaySpec];
  // Spreading a string would turn `labels: stage` into {0: 's', …}: a non-mapping goes to validation as it is.
  const notMapping = [fields.labels, defaults.labels].find(
    (l) => l !== undefined && (typeof l !== 'object' || l === null || Array.isArray(l))
  );
  const merged: Raw = { ...((defaults.labels as Raw) ?? {}), ...((fields.labels as Raw) ?? {}) };
  const labels = (notMapping ?? merged) as Record<string, string>;
  const maxRestarts = get('maxRestarts');
  return {
    relay: relay as RelaySpec,
    ...(get('leadTimeSeconds') !== undefined ? { leadTimeSeconds: get('leadTimeSeconds') as number } : {}),
    ...(maxRestarts !== undefined ? { restartPolicy: { maxRestarts: maxRestarts as number } } : {}),
    ...(get('reconcileAfterSeconds') !== undefined
      ? { reconcileAfterSeconds: get('reconcileAfterSeconds') as number }
      : {}),
    ...(get('reconcileRunningSeconds') !== undefined
      ? { reconcileRunningSeconds: get('reconcileRunningSeconds') as number }
      : {}),
    ...(notMapping !== undefined || Object.keys(labels).length > 0 ? { labels } : {}),
    ...(campaignId ? { campaignId } : {}),
  };
}

function readStructured(
  text: string,
  format: 'yaml' | 'json'
): { header: Raw; entries: RawEntry[]; schedules?: RawEntry[]; problems: CampaignProblem[] } {
  if (format === 'json') {
    // YAML would accept JSON with trailing commas: hold JSON files to JSON's own grammar.
    try {
      JSON.parse(text);
    } catch (err) {
      const position = Number(/position (\d+)/.exec((err as Error).message)?.[1] ?? 0);
      const line = text.slice(0, position).split('\n').length;
      return {
        header: {},
        entries: [],
        problems: [{ line, field: 'file', rule: `not valid JSON: ${(err as Error).message}` }],
      };
    }
  }
  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: false });
  const lineAt = (node: Node | null | undefined, fallback: number) =>
    node?.range ? lineCounter.linePos(node.range[0]).line : fallback;
  const problems: CampaignProblem[] = doc.errors.map((e) => ({
    line: e.linePos?.[0]?.line ?? 1,
    field: 'file',
    rule: `not valid ${format.toUpperCase()}: ${e.message.split('\n')[0]}`,
  }));
  if (problems.length > 0) return { header: {}, entries: [], problems };
  const root = doc.toJS() as Raw | null;
  if (!root || typeof root !== 'object' || Array.isArray(root) || !isMap(doc.contents)) {
    return {
      header: {},
      entries: [],
      problems: [{ line: 1, field: 'file', rule: 'must be a mapping with a broadcasts list' }],
    };
  }
  // Keys nobody reads would be silently ignored: each is a problem on its own line.
  const unknownKeys = (map: YAMLMap, known: string[], prefix: string) => {
    for (const pair of map.items) {
      const name = String(isScalar(pair.key) ? pair.key.value : pair.key);
      if (!known.includes(name)) {
        problems.push({ line: lineAt(pair.key as Node, 1), field: `${prefix}${name}`, rule: unknownField(known) });
      }
    }
  };
  unknownKeys(doc.contents, FILE_FIELDS, '');
  const defaultsNode = doc.contents.get('defaults', true);
  if (isMap(defaultsNode)) unknownKeys(defaultsNode, DEFAULT_FIELDS, 'defaults.');
  const contents = doc.contents;
  const entriesOf = (section: string): RawEntry[] | undefined => {
    const seq = contents.get(section, true);
    if (!isSeq(seq)) return undefined;
    return seq.items.map((item, index) => {
      const line = lineAt(item as Node, 1);
      const fields = (root[section] as unknown[])[index];
      return {
        line,
        fields: (fields && typeof fields === 'object' && !Array.isArray(fields)
          ? fields
          : { __invalid: fields }) as Raw,
        lineOf: (field: string) => (isMap(item) ? lineAt(item.get(field, true) as Node, line) : line),
      };
    });
  };
  const entries = entriesOf('broadcasts');
  const schedules = entriesOf('schedules');
  if (contents.has('schedules') && !schedules) {
    problems.push({ line: lineAt(contents, 1), field: 'schedules', rule: 'must be a list of schedules' });
  }
  // A file of schedules alone needs no broadcasts list.
  if (!entries && !schedules) {
    return {
      header: root,
      entries: [],
      schedules: [],
      problems: [{ line: lineAt(doc.contents, 1), field: 'broadcasts', rule: 'required: a list of entries' }],
    };
  }
  return { header: root, entries: entries ?? [], schedules: schedules ?? [], problems };
}

function readCsv(text: string): {
  header: Raw;
  entries: RawEntry[];
  schedules?: RawEntry[];
  problems: CampaignProblem[];
} {
  const defaults: Raw = {};
  const defaultProblems: CampaignProblem[] = [];
  for (const match of text.matchAll(/^#\s*defaults:\s*(.*)$/gm)) {
    const line = text.slice(0, match.index).split('\n').length;
    for (const pair of (match[1] ?? '').trim().split(/\s+/)) {
      const [k, ...v] = pair.split('=');
      if (k && !DEFAULT_FIELDS.includes(k)) {
        defaultProblems.push({ line, field: `defaults.${k}`, rule: unknownField(DEFAULT_FIELDS) });
      } else if (k && v.length > 0) defaults[k] = v.join('=');
    }
  }
  const campaign = /^#\s*campaign:\s*(\S+)/m.exec(text)?.[1];
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parseCsv(text, { columns: true, comment: '#', skip_empty_lines: true, trim: true, info: true });
  } catch (err) {
    const line = (err as { lines?: number }).lines ?? 1;
    return {
      header: {},
      entries: [],
      problems: [{ line, field: 'file', rule: `not valid CSV: ${(err as Error).message}` }],
    };
  }
  // An unknown column is one problem, on the header line, not one per row.
  const headerLine = text.split('\n').findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#')) + 1;
  const unknownColumns = Object.keys(rows[0]?.record ?? {}).filter(
    (column) => !column.startsWith('label:') && !ENTRY_FIELDS.includes(column)
  );
  for (const column of unknownColumns) {
    defaultProblems.push({
      line: headerLine,
      field: column,
      rule: unknownField(ENTRY_FIELDS),
    });
  }
  const entries = rows.map(({ record, info }) => {
    const fields: Raw = {};
    const labels: Record<string, string> = {};
    for (const [column, value] of Object.entries(record)) {
      if (value === '' || unknownColumns.includes(column)) continue;
      if (column.startsWith('label:')) labels[column.slice(6)] = value;
      else fields[column] = value;
    }
    if (Object.keys(labels).length > 0) fields.labels = labels;
    return { line: info.lines, fields, lineOf: () => info.lines };
  });
  return { header: { defaults, ...(campaign ? { campaign } : {}) }, entries, problems: defaultProblems };
}

type Report = (field: string, rule: string) => void;

/** Reports a problem of one item on the line of its field. */
function reporter(raw: RawEntry, key: string, problems: CampaignProblem[]): Report {
  return (field, rule) => void problems.push({ line: raw.lineOf(field), key: key || undefined, field, rule });
}

/**
 * What every keyed item (a broadcast entry, a schedule) is checked for before its own validation: a mapping, only
 * fields it knows, a key by the key rule that its section does not use twice. False when it is no mapping at all.
 */
function checkKeyedItem(
  raw: RawEntry,
  key: string,
  kind: 'entry' | 'schedule',
  known: string[],
  seenKeys: Map<string, number>,
  problem: Report
): boolean {
  if ('__invalid' in raw.fields) {
    problem(kind, 'must be a mapping of fields');
    return false;
  }
  for (const field of Object.keys(raw.fields)) {
    if (!known.includes(field)) problem(field, unknownField(known));
  }
  if (!isCampaignKey(key)) problem('key', `required: ${CAMPAIGN_KEY_RULE_TEXT}`);
  else if (seenKeys.has(key)) problem('key', `duplicate of the ${kind} on line ${seenKeys.get(key)}`);
  else seenKeys.set(key, raw.line);
  return true;
}

export interface ParseCampaignOptions {
  defaultRegion: string;
  now?: Date;
}

/** Parses and validates a whole campaign file. `problems` is empty only if every entry is valid. */
export function parseCampaign(fileName: string, content: string, options: ParseCampaignOptions): CampaignPlan {
  if (Buffer.byteLength(content) > MAX_CAMPAIGN_FILE_BYTES) return refused(tooLarge());
  // Editors (and spreadsheet CSV exports) may start UTF-8 with a byte-order mark; it is not part of the content.
  const text = content.replace(/^\uFEFF/, '');
  const ext = path.extname(fileName).toLowerCase();
  const format = ext === '.csv' ? 'csv' : ext === '.json' ? 'json' : 'yaml';
  const read = format === 'csv' ? readCsv(text) : readStructured(text, format);
  const problems = [...read.problems];
  const campaignId = typeof read.header.campaign === 'string' ? read.header.campaign : undefined;
  const defaults = (read.header.defaults ?? {}) as Raw;
  const entries: CampaignEntry[] = [];
  const seenKeys = new Map<string, number>();
  const withProblems = new Set<CampaignEntry>();

  for (const raw of read.entries) {
    const key = String(raw.fields.key ?? '');
    const problemsBefore = problems.length;
    const problem = reporter(raw, key, problems);
    if (!checkKeyedItem(raw, key, 'entry', ENTRY_FIELDS, seenKeys, problem)) continue;
    const request = toRequest(raw.fields, defaults, campaignId, options.now ?? new Date());
    const result = validateBroadcastRequest(request, { defaultRegion: options.defaultRegion, now: options.now });
    for (const { field, rule } of result.fieldViolations) problem(FIELD_NAMES[field] ?? field, rule);
    if (result.normalized) {
      const entry = { key, line: raw.line, request: result.normalized };
      entries.push(entry);
      if (problems.length > problemsBefore) withProblems.add(entry);
    }
  }
  const schedules = readSchedules(read.schedules ?? [], defaults, options, problems);
  if (read.entries.length === 0 && schedules.length === 0 && problems.length === 0) {
    problems.push({ line: 1, field: 'broadcasts', rule: 'must list at least one broadcast' });
  }
  for (const { entry, problem } of overlappingDestinations(entries)) {
    problems.push(problem);
    withProblems.add(entry);
  }
  problems.sort((a, b) => a.line - b.line);
  return { campaignId, entries, valid: entries.filter((e) => !withProblems.has(e)), problems, schedules };
}

/** The `schedules:` section: each entry validated as `schedule create` validates (calendar, overlap, provider rules). */
function readSchedules(
  raws: RawEntry[],
  defaults: Raw,
  options: ParseCampaignOptions,
  problems: CampaignProblem[]
): CampaignSchedule[] {
  const now = options.now ?? new Date();
  // A window in the defaults is for the broadcasts: each occurrence of a schedule has its own.
  const scheduleDefaults = { ...defaults, start: undefined, end: undefined };
  const seenKeys = new Map<string, number>();
  const schedules: CampaignSchedule[] = [];
  for (const raw of raws) {
    const key = String(raw.fields.key ?? '');
    const problemsBefore = problems.length;
    const problem = reporter(raw, key, problems);
    if (!checkKeyedItem(raw, key, 'schedule', SCHEDULE_FIELDS, seenKeys, problem)) continue;
    const f = raw.fields;
    const { fieldViolations, definition } = validateSchedule(
      {
        scheduleId: key,
        days: f.days,
        times: f.at,
        timeZone: f.tz,
        duration: f.duration,
        from: resolveTime(f.from, now),
        until: resolveTime(f.until, now),
        catchUp: f.catchUp,
        template: toRequest(f, scheduleDefaults, undefined, now),
      },
      { defaultRegion: options.defaultRegion, now }
    );
    // The key's own problem is reported above, in the file's words.
    for (const { field, rule } of fieldViolations) {
      if (field !== 'id') problem(SCHEDULE_FIELD_NAMES[field] ?? FIELD_NAMES[field] ?? field, rule);
    }
    if (definition && problems.length === problemsBefore) schedules.push({ key, line: raw.line, definition });
  }
  return schedules;
}

/**
 * Two entries pushing to one destination at the same time would break each other's ingest: the later one of each
 * overlapping pair is reported.
 */
function overlappingDestinations(entries: CampaignEntry[]): { entry: CampaignEntry; problem: CampaignProblem }[] {
  const byDst = new Map<string, CampaignEntry[]>();
  for (const entry of entries) {
    const dst = entry.request.relay?.DstUrl;
    if (dst) byDst.set(dst, [...(byDst.get(dst) ?? []), entry]);
  }
  const problems: { entry: CampaignEntry; problem: CampaignProblem }[] = [];
  for (const group of byDst.values()) {
    const sorted = [...group].sort(
      (a, b) => Date.parse(a.request.relay!.StartTime) - Date.parse(b.request.relay!.StartTime)
    );
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const cur = sorted[i]!;
      if (Date.parse(cur.request.relay!.StartTime) < Date.parse(prev.request.relay!.EndTime)) {
        problems.push({
          entry: cur,
          problem: {
            line: cur.line,
            key: cur.key,
            field: 'dst',
            rule: `same destination as entry "${prev.key}" (line ${prev.line}) in an overlapping window`,
          },
        });
      }
    }
  }
  return problems;
}

function tooLarge(): CampaignProblem {
  return {
    line: 1,
    field: 'file',
    rule: `larger than ${MAX_CAMPAIGN_FILE_BYTES / 2 ** 20} MiB: split the campaign into several files`,
  };
}

const refused = (problem: CampaignProblem): CampaignPlan => ({
  entries: [],
  valid: [],
  problems: [problem],
  schedules: [],
});

/** The file's text, or why it is not UTF-8 text (a UTF-16 export, a binary file). */
function decodeText(bytes: Buffer): string | CampaignProblem {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  if (utf16) return { line: 1, field: 'file', rule: 'must be UTF-8 text, not UTF-16 (save it as UTF-8)' };
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const line = bytes.subarray(0, nul).toString('latin1').split('\n').length;
    return { line, field: 'file', rule: 'must be UTF-8 text (found a NUL byte: UTF-16 or a binary file?)' };
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { line: 1, field: 'file', rule: 'must be UTF-8 text (found bytes that are not UTF-8)' };
  }
}

export function readCampaignFile(file: string, options: ParseCampaignOptions): CampaignPlan {
  if (fs.statSync(file).size > MAX_CAMPAIGN_FILE_BYTES) return refused(tooLarge());
  const text = decodeText(fs.readFileSync(file));
  return typeof text === 'string' ? parseCampaign(file, text, options) : refused(text);
}

export function formatProblems(fileName: string, problems: CampaignProblem[]): string {
  return problems.map((p) => `${fileName}:${p.line}${p.key ? ` [${p.key}]` : ''} ${p.field}: ${p.rule}`).join('\n');
}
