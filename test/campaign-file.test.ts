/** Campaign files: every problem with its line and field, before anything starts. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import YAML from 'yaml';

import { formatProblems, MAX_CAMPAIGN_FILE_BYTES, parseCampaign, readCampaignFile } from '../src/campaign/file';

const now = new Date('2026-11-22T12:00:00Z');
const options = { defaultRegion: 'cn-shanghai', now };
const examples = path.resolve(__dirname, '..', 'examples');

describe('campaign files', () => {
  it.each(['festival-demo.yaml', 'festival-demo.csv'])(
    'reads the example %s with defaults and relative times',
    (name) => {
      const plan = readCampaignFile(path.join(examples, name), options);
      expect(plan.problems).toEqual([]);
      expect(plan.campaignId).toMatch(/^festival-demo/);
      const first = plan.entries[0]!;
      expect(first.request.relay).toMatchObject({
        Region: 'cn-shanghai',
        SourceType: 'live',
        SourceProtocol: 'rtmp',
        StartTime: '2026-11-22T12:01:00Z',
        EndTime: '2026-11-22T12:03:00Z',
      });
      expect(first.request.leadTimeSeconds).toBe(30);
      expect(first.request.labels?.stage).toBe('main');
    }
  );

  it('reports every problem of a YAML file with its line, entry key and field', () => {
    const text = [
      'campaign: cup',
      'defaults: { leadTimeSeconds: 60 }',
      'broadcasts:',
      '  - key: a', //                                                  line 4
      '    source: rtmp://src/a',
      '    dst: http://not-rtmp/a', //                                    line 6
      '    start: 2026-11-22T13:00:00Z',
      '    end: 2026-11-22T14:00:00Z',
      '  - { key: a, source: rtmp://src/b, dst: rtmp://i/b, start: 2026-11-22T13:00:00Z, end: 2026-11-22T12:30:00Z }', // 9
      '  - { key: c, source: rtmp://src/c, dst: rtmp://i/c, start: 2026-11-22T13:00:00Z, end: 2026-11-22T15:00:00Z }', // 10
      '  - { key: d, source: rtmp://src/d, dst: rtmp://i/c, start: 2026-11-22T14:00:00Z, end: 2026-11-22T16:00:00Z }', // 11
      '  - { key: e, dst: rtmp://i/e, start: 2026-11-22T13:00:00Z, end: 2026-11-22T15:00:00Z, maxRestarts: 99 }', // 12
    ].join('\n');
    const plan = parseCampaign('cup.yaml', text, options);
    const found = plan.problems.map((p) => `${p.line} ${p.key} ${p.field}`);
    expect(found).toEqual(
      expect.arrayContaining(['6 a dst', '9 a key', '9 a end', '11 d dst', '12 e source', '12 e maxRestarts'])
    );
    expect(formatProblems('cup.yaml', plan.problems)).toContain(
      'cup.yaml:11 [d] dst: same destination as entry "c" (line 10)'
    );
    expect(plan.entries.map((e) => e.key)).toEqual(['c', 'd']); // every parsed entry
    expect(plan.valid.map((e) => e.key)).toEqual(['c']); // what --skip-invalid starts: the overlap is left out
  });

  it('gives CSV rows their line numbers and JSON syntax errors their line', () => {
    const csv = [
      '# defaults: leadTimeSeconds=60',
      'key,source,dst,start,end',
      'ok,rtmp://s/1,rtmp://i/1,2026-11-22T13:00:00Z,2026-11-22T14:00:00Z',
      'bad,rtmp://s/2,rtmp://i/2,not-a-time,2026-11-22T14:00:00Z',
    ].join('\n');
    const plan = parseCampaign('c.csv', csv, options);
    expect(plan.problems.map((p) => `${p.line} ${p.key} ${p.field}`)).toEqual(['4 bad start']);

    const json = '{\n  "campaign": "x",\n  "broadcasts": [\n    { "key": "a", }\n  ]\n}';
    const broken = parseCampaign('c.json', json, options);
    expect(broken.problems[0]).toMatchObject({ line: 4, field: 'file' });
  });

  it('reports unknown fields (they would be silently ignored), an empty campaign, and a file too large to parse', () => {
    const text = [
      'campaign: cup',
      'owner: me', // line 2
      'defaults: { leadTime: 60 }', // line 3
      'broadcasts:',
      '  - { key: a, source: rtmp://s/a, dst: rtmp://i/a, start: 2026-11-22T13:00:00Z, end: 2026-11-22T14:00:00Z, lable: x }',
    ].join('\n');
    expect(parseCampaign('c.yaml', text, options).problems.map((p) => `${p.line} ${p.field}`)).toEqual([
      '2 owner',
      '3 defaults.leadTime',
      '5 lable',
    ]);
    // A label string is not spread into {0: 's', 1: 't', …}: it is reported.
    const stringLabels =
      'broadcasts:\n  - { key: a, source: rtmp://s/a, dst: rtmp://i/a, start: +1h, end: +2h, labels: stage }';
    expect(parseCampaign('l.yaml', stringLabels, options).problems).toEqual([
      expect.objectContaining({ line: 2, field: 'labels', rule: expect.stringContaining('expected record') }),
    ]);
    const csv =
      '# defaults: leadTime=5\nkey,source,dst,start,end,colour\na,rtmp://s/a,rtmp://i/a,2026-11-22T13:00:00Z,2026-11-22T14:00:00Z,red\n' +
      'b,rtmp://s/b,rtmp://i/b,2026-11-22T13:00:00Z,2026-11-22T14:00:00Z,blue';
    // An unknown column is reported once, on the header line, not on every row.
    expect(parseCampaign('c.csv', csv, options).problems.map((p) => `${p.line} ${p.field}`)).toEqual([
      '1 defaults.leadTime',
      '2 colour',
    ]);
    for (const [name, empty] of [
      ['e.yaml', 'broadcasts: []'],
      ['e.csv', 'key,source,dst,start,end\n'],
      ['e.json', '{"broadcasts":[]}'],
    ]) {
      expect(parseCampaign(name!, empty!, options).problems).toEqual([
        { line: 1, field: 'broadcasts', rule: 'must list at least one broadcast' },
      ]);
    }
    const huge = `broadcasts:\n${'#'.repeat(MAX_CAMPAIGN_FILE_BYTES)}\n`;
    expect(parseCampaign('h.yaml', huge, options).problems).toEqual([
      expect.objectContaining({ field: 'file', rule: expect.stringContaining('MiB') }),
    ]);
  });

  it('reads UTF-8 with or without a byte-order mark and refuses UTF-16 or binary files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaign-encoding-'));
    const csv = 'key,source,dst,start,end\na,rtmp://s/a,rtmp://i/a,2026-11-22T13:00:00Z,2026-11-22T14:00:00Z\n';
    const write = (name: string, bytes: Buffer) => {
      fs.writeFileSync(path.join(dir, name), bytes);
      return readCampaignFile(path.join(dir, name), options);
    };
    expect(write('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv)])).problems).toEqual([]);
    expect(parseCampaign('bom.csv', `\uFEFF${csv}`, options).problems).toEqual([]);
    const utf16 = write('u16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')]));
    expect(utf16.problems).toEqual([
      expect.objectContaining({ field: 'file', rule: expect.stringContaining('UTF-16') }),
    ]);
    expect(write('latin1.csv', Buffer.from(`${csv}b,rtmp://s/\xe9,rtmp://i/b,x,y\n`, 'latin1')).problems).toEqual([
      expect.objectContaining({ field: 'file', rule: expect.stringContaining('not UTF-8') }),
    ]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names the field and states the rule apart, also when the field holds ": " (a label key)', () => {
    const long = 'v'.repeat(257);
    const text = [
      'campaign: cup',
      'broadcasts:',
      `  - { key: a, source: rtmp://src/a, dst: rtmp://i/a, start: +1h, end: +2h, labels: { "note: x": ${long} } }`,
    ].join('\n');
    expect(parseCampaign('cup.yaml', text, options).problems).toEqual([
      { line: 3, key: 'a', field: 'labels.note: x', rule: 'must be ≤ 256 characters' },
    ]);
    const schedule = [
      'schedules:',
      `  - { key: s, days: FRI, at: "20:00", tz: UTC, duration: 1h, source: rtmp://src/s, dst: rtmp://i/s,`,
      `      labels: { "note: y": ${long} } }`,
    ].join('\n');
    expect(parseCampaign('s.yaml', schedule, options).problems).toEqual([
      { line: 2, key: 's', field: 'labels.note: y', rule: 'must be ≤ 256 characters' },
    ]);
  });

  it('states the whole key rule, so a key refused only for its first character says why', () => {
    const text = 'broadcasts:\n  - { key: -a1, source: rtmp://src/a, dst: rtmp://i/a, start: +1h, end: +2h }';
    expect(parseCampaign('k.yaml', text, options).problems).toEqual([
      {
        line: 2,
        key: '-a1',
        field: 'key',
        rule: 'required: 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit',
      },
    ]);
  });

  it('rejects a file without a broadcasts list', () => {
    expect(parseCampaign('x.yaml', 'campaign: x\n', options).problems).toEqual([
      { line: 1, field: 'broadcasts', rule: 'required: a list of entries' },
    ]);
  });

  describe('schedules section', () => {
    const file = (...schedules: string[]) =>
      [
        'campaign: weekly',
        'defaults: { source: rtmp://studio-b/live/main, leadTimeSeconds: 60, start: +1h, end: +2h }',
        'broadcasts:',
        '  - { key: once, dst: rtmp://ingest/once }',
        'schedules:',
        ...schedules,
      ].join('\n');

    it('reads a schedule with the defaults (a window in the defaults is for the broadcasts only)', () => {
      const plan = parseCampaign(
        's.yaml',
        file('  - { key: friday, days: FRI, at: "20:00", tz: Europe/Berlin, duration: 2h, dst: rtmp://ingest/show }'),
        options
      );
      expect(plan.problems).toEqual([]);
      expect(plan.entries.map((e) => e.key)).toEqual(['once']);
      expect(plan.schedules).toEqual([
        {
          key: 'friday',
          line: 6,
          definition: expect.objectContaining({
            scheduleId: 'friday',
            calendar: { days: ['FRIDAY'], times: ['20:00'], timeZone: 'Europe/Berlin' },
            durationSeconds: 7200,
            fireLeadSeconds: 120,
            template: expect.objectContaining({
              relay: expect.objectContaining({
                SourceUrls: ['rtmp://studio-b/live/main'],
                DstUrl: 'rtmp://ingest/show',
              }),
            }),
          }),
        },
      ]);
      expect(plan.schedules[0]!.definition.template.relay).not.toHaveProperty('StartTime');
    });

    it('reports each schedule problem on its line with the field the user wrote', () => {
      const plan = parseCampaign(
        's.yaml',
        file(
          '  - key: bad', // line 6
          '    days: FRI',
          '    at: ["20:00", "21:00"]', // line 8
          '    tz: Mars/Olympus', // line 9
          '    duration: 2h', // line 10
          '    dst: http://ingest/show', // line 11
          '    catchUp: never', // line 12
          '    colour: red', // line 13
          '  - { key: bad, days: daily, at: "06:00", tz: UTC, duration: 1h, dst: rtmp://ingest/b }' // line 14
        ),
        options
      );
      expect(plan.problems.map((p) => `${p.line} ${p.field}: ${p.rule}`)).toEqual([
        expect.stringMatching(/^9 tz: "Mars\/Olympus" must be an IANA time zone/),
        '11 dst: must be an rtmp:// URL',
        expect.stringMatching(/^12 catchUp: must be one of skip, backfill/),
        expect.stringMatching(/^13 colour: unknown field/),
        '14 key: duplicate of the schedule on line 6',
      ]);
      expect(plan.schedules).toEqual([]);
      const overlap = parseCampaign(
        'o.yaml',
        file('  - { key: o, days: FRI, at: ["20:00", "21:00"], tz: UTC, duration: 2h, dst: rtmp://ingest/o }'),
        options
      );
      expect(overlap.problems).toEqual([
        expect.objectContaining({
          line: 6,
          field: 'duration',
          rule: expect.stringContaining('overlap on one destination'),
        }),
      ]);
    });

    it('is enough on its own: a file of schedules needs no broadcasts list', () => {
      const text =
        'schedules:\n  - { key: d, days: daily, at: "06:00", tz: UTC, duration: 1h, source: rtmp://s/a, dst: rtmp://i/a }';
      const plan = parseCampaign('d.json', JSON.stringify(YAML.parse(text)), options);
      expect(plan.problems).toEqual([]);
      expect(plan.schedules.map((s) => s.key)).toEqual(['d']);
    });
  });
});
