/**
 * Invalid campaign files in YAML, CSV and JSON (src/campaign/file.ts): syntax errors, duplicate keys, duplicate
 * destinations in overlapping windows, bad rows (each entry field violated in turn), unknown fields, empty files, a
 * file over the size limit, and wrong encodings — each with the field the problem list must name and the rule it
 * must state. Valid entries surround each bad one, placed by a seeded random source, so lines vary.
 */
import YAML from 'yaml';

import { MAX_CAMPAIGN_FILE_BYTES } from '../../src/campaign/file';

import type { Prng } from '../../testkit/prng';

export type CampaignCategory =
  'syntax' | 'duplicate-key' | 'overlap' | 'bad-row' | 'unknown-field' | 'empty' | 'enormous' | 'encoding';

export type CampaignFormat = 'yaml' | 'csv' | 'json';

export interface CampaignCase {
  category: CampaignCategory;
  note: string;
  fileName: string;
  /** Bytes (for encodings), or text. */
  content: string | Buffer;
  expect: { field: string; rule: RegExp }[];
}

type Entry = Record<string, unknown>;

let serial = 0;
function entry(index: number): Entry {
  serial++;
  return {
    key: `e${index}-${serial}`,
    source: `rtmp://source.example.com/live/${serial}`,
    dst: `rtmp://ingest.example.com/app/${serial}`,
    start: '+1h',
    end: '+2h',
  };
}

function render(format: CampaignFormat, entries: Entry[], extra: Record<string, unknown> = {}): string {
  const campaign = { campaign: `hostile-${serial}`, ...extra, broadcasts: entries };
  if (format === 'json') return JSON.stringify(campaign, null, 2);
  if (format === 'yaml') return YAML.stringify(campaign);
  const columns = [...new Set(entries.flatMap((e) => Object.keys(e)))];
  const cell = (value: unknown) => (value === undefined ? '' : String(value));
  return [
    `# campaign: ${campaign.campaign}`,
    columns.join(','),
    ...entries.map((e) => columns.map((c) => cell(e[c])).join(',')),
  ].join('\n');
}

/** `count` valid entries with `bad` (built from the first neighbour when given a function) at a random place. */
function around(rng: Prng, bad: Entry | ((neighbour: Entry) => Entry[])): Entry[] {
  const entries = Array.from({ length: rng.int(1, 6) }, (_, i) => entry(i));
  const inserted = typeof bad === 'function' ? bad(entries[0] as Entry) : [bad];
  entries.splice(rng.int(0, entries.length), 0, ...inserted);
  return entries;
}

const e = (field: string, rule: RegExp) => ({ field, rule });
const ALL: CampaignFormat[] = ['yaml', 'csv', 'json'];

/** One entry field broken: [note, field in the problem, rule, the change]. */
const BAD_FIELDS: [string, string, RegExp, Entry][] = [
  ['dst over http', 'dst', /rtmp:\/\//, { dst: 'http://ingest.example.com/app/x' }],
  ['start not a time', 'start', /yyyy-MM-ddTHH:mm:ssZ/, { start: 'tomorrow' }],
  ['end before start', 'end', /later than StartTime/, { start: '+2h', end: '+1h' }],
  ['window in the past', 'end', /later than now/, { start: '2020-01-01T00:00:00Z', end: '2020-01-01T01:00:00Z' }],
  ['maxRestarts 99', 'maxRestarts', /≤ 20/, { maxRestarts: 99 }],
  ['leadTimeSeconds negative', 'leadTimeSeconds', /≥ 0/, { leadTimeSeconds: -5 }],
  ['leadTimeSeconds word', 'leadTimeSeconds', /expected number/, { leadTimeSeconds: 'soon' }],
  ['no source', 'source', /is required/, { source: undefined }],
  ['key with spaces', 'key', /letters, digits/, { key: 'my key' }],
  ['region unknown', 'region', /must be one of/, { region: 'mars-1' }],
  ['retryInterval 10', 'retryInterval', /between 60 and 300/, { retryInterval: 10 }],
  ['sourceType unknown', 'sourceType', /must be one of live, vod, url/, { sourceType: 'webcam' }],
  ['protocol unknown', 'protocol', /must be one of rtmp/, { protocol: 'webrtc' }],
  ['injection in dst', 'dst', /rtmp:\/\//, { dst: "rtmp://x/app/'; DROP TABLE tasks;--" }],
  ['huge dst', 'dst', /at most 2000/, { dst: `rtmp://ingest.example.com/${'a'.repeat(5_000)}` }],
];

function templates(rng: Prng): CampaignCase[] {
  const cases: CampaignCase[] = [];
  const add = (
    category: CampaignCategory,
    note: string,
    format: CampaignFormat,
    content: string | Buffer,
    expect: CampaignCase['expect']
  ) =>
    cases.push({
      category,
      note: `${format}: ${note}`,
      fileName: `hostile-${cases.length}.${format}`,
      content,
      expect,
    });

  // Syntax.
  const FILE_YAML = /not valid YAML/;
  add('syntax', 'bad indentation', 'yaml', 'campaign: x\nbroadcasts:\n  - key: a\n   source: rtmp://s/a\n', [
    e('file', FILE_YAML),
  ]);
  add('syntax', 'unclosed flow mapping', 'yaml', 'campaign: x\nbroadcasts:\n  - { key: a, dst: rtmp://i/a\n', [
    e('file', FILE_YAML),
  ]);
  add('syntax', 'tab indentation', 'yaml', 'campaign: x\nbroadcasts:\n\t- key: a\n', [e('file', FILE_YAML)]);
  add('syntax', 'trailing comma', 'json', `${render('json', around(rng, entry(0))).slice(0, -2)},\n}`, [
    e('file', /not valid JSON/),
  ]);
  add('syntax', 'single quotes', 'json', render('json', around(rng, entry(0))).replace(/"/g, "'"), [
    e('file', /not valid JSON/),
  ]);
  add(
    'syntax',
    'unclosed quote',
    'csv',
    `${render('csv', around(rng, entry(0)))}\n"a,rtmp://s/a,rtmp://i/a,+1h,+2h\n`,
    [e('file', /not valid CSV/)]
  );
  add(
    'syntax',
    'row with an extra column',
    'csv',
    `${render('csv', around(rng, entry(0)))}\nz,rtmp://s/z,rtmp://i/z,+1h,+2h,extra\n`,
    [e('file', /not valid CSV/)]
  );
  // Duplicate keys: entry keys, and map keys inside an entry.
  for (const format of ALL) {
    add(
      'duplicate-key',
      'entry key twice',
      format,
      render(
        format,
        around(rng, (n) => [{ ...entry(9), key: n.key }])
      ),
      [e('key', /duplicate of the entry on line/)]
    );
  }
  add(
    'duplicate-key',
    'dst twice in one entry',
    'yaml',
    'campaign: x\nbroadcasts:\n  - key: a\n    dst: rtmp://i/a\n    dst: rtmp://i/b\n',
    [e('file', /unique/)]
  );
  add(
    'duplicate-key',
    'dst twice in one object',
    'json',
    '{"campaign":"x","broadcasts":[{"key":"a","dst":"rtmp://i/a","dst":"rtmp://i/b"}]}',
    [e('file', /unique/)]
  );
  // One destination, overlapping windows.
  for (const format of ALL) {
    add(
      'overlap',
      'same dst, overlapping windows',
      format,
      render(
        format,
        around(rng, (n) => [{ ...entry(8), dst: n.dst, start: '+90m', end: '+3h' }])
      ),
      [e('dst', /same destination as entry .* overlapping window/)]
    );
  }
  // Bad rows, every field in turn, in every format.
  for (const [note, field, rule, change] of BAD_FIELDS) {
    for (const format of ALL) {
      const bad = { ...entry(7), ...change };
      for (const [k, value] of Object.entries(bad)) if (value === undefined) delete bad[k];
      add('bad-row', note, format, render(format, around(rng, bad)), [e(field, rule)]);
    }
  }
  add('bad-row', 'entry not a mapping', 'yaml', 'campaign: x\nbroadcasts:\n  - just a string\n', [
    e('entry', /must be a mapping/),
  ]);
  add('bad-row', 'labels not a mapping', 'yaml', render('yaml', around(rng, { ...entry(6), labels: 'stage' })), [
    e('labels', /expected record/),
  ]);
  // Unknown fields.
  for (const format of ALL) {
    add('unknown-field', 'entry field typo', format, render(format, around(rng, { ...entry(5), lable: 'x' })), [
      e('lable', /unknown field/),
    ]);
  }
  add('unknown-field', 'top-level field', 'yaml', render('yaml', around(rng, entry(4)), { owner: 'me' }), [
    e('owner', /unknown field/),
  ]);
  add('unknown-field', 'defaults typo', 'json', render('json', around(rng, entry(4)), { defaults: { leadTime: 5 } }), [
    e('defaults.leadTime', /unknown field/),
  ]);
  add('unknown-field', 'defaults typo', 'csv', `# defaults: leadTime=5\n${render('csv', around(rng, entry(4)))}`, [
    e('defaults.leadTime', /unknown field/),
  ]);
  // Empty.
  const NO_ENTRY = /must list at least one broadcast/;
  add('empty', 'no bytes', 'yaml', '', [e('file', /must be a mapping with a broadcasts list/)]);
  add('empty', 'empty list', 'yaml', 'campaign: x\nbroadcasts: []\n', [e('broadcasts', NO_ENTRY)]);
  add('empty', 'no broadcasts key', 'json', '{"campaign":"x"}', [e('broadcasts', /required: a list of entries/)]);
  add('empty', 'empty list', 'json', '{"broadcasts":[]}', [e('broadcasts', NO_ENTRY)]);
  add('empty', 'header only', 'csv', 'key,source,dst,start,end\n', [e('broadcasts', NO_ENTRY)]);
  add('empty', 'no bytes', 'csv', '', [e('broadcasts', NO_ENTRY)]);
  // Wrong encodings (as bytes: only a file read can see them).
  const csv = render('csv', around(rng, entry(3)));
  const UTF8 = /must be UTF-8 text/;
  add(
    'encoding',
    'UTF-16 with a byte-order mark',
    'csv',
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')]),
    [e('file', UTF8)]
  );
  add(
    'encoding',
    'UTF-16 without a byte-order mark',
    'yaml',
    Buffer.from(render('yaml', around(rng, entry(3))), 'utf16le'),
    [e('file', UTF8)]
  );
  add('encoding', 'Latin-1 bytes', 'csv', Buffer.from(`${csv}\nb\xe9,rtmp://s/b,rtmp://i/b,+1h,+2h\n`, 'latin1'), [
    e('file', UTF8),
  ]);
  add('encoding', 'binary junk', 'json', Buffer.from(Array.from({ length: 512 }, () => rng.int(0, 255))), [
    e('file', /UTF-8|JSON/),
  ]);
  return cases;
}

/** Templates `rounds` times over (different neighbours each round), plus one file over the size limit per format. */
export function campaignCorpus(rng: Prng, rounds: number): CampaignCase[] {
  serial = 0;
  const cases = Array.from({ length: rounds }, () => templates(rng)).flat();
  const padding = `# ${'x'.repeat(MAX_CAMPAIGN_FILE_BYTES)}\n`;
  for (const format of ALL) {
    cases.push({
      category: 'enormous',
      note: `${format}: over ${MAX_CAMPAIGN_FILE_BYTES / 2 ** 20} MiB`,
      fileName: `hostile-enormous.${format}`,
      content: `${format === 'json' ? '' : padding}${render(format, [entry(0)])}${format === 'json' ? ' '.repeat(MAX_CAMPAIGN_FILE_BYTES) : ''}`,
      expect: [e('file', /MiB: split the campaign/)],
    });
  }
  return cases;
}
