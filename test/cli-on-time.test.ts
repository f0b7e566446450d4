/** `campaign start --dry-run` says whether every relay is created before its start under the create quota. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { runInProcess as run } from './helpers/cli-in-process';

function burstFile(n: number, leadTimeSeconds: number): string {
  // Absolute times, whole minutes: every entry starts in the same second.
  const at = (minutes: number) =>
    new Date(Math.ceil(Date.now() / 60_000) * 60_000 + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const lines = [
    'campaign: burst',
    `defaults: { sourceType: live, protocol: rtmp, leadTimeSeconds: ${leadTimeSeconds}, start: '${at(30)}', end: '${at(90)}' }`,
    'broadcasts:',
    ...Array.from(
      { length: n },
      (_, i) => `  - { key: cam${i}, source: rtmp://s.example.com/live/c${i}, dst: rtmp://i.example.com/app/c${i} }`
    ),
  ];
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'on-time-')), 'burst.yaml');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('campaign start: relays created before their start', () => {
  it('warns how many of a burst would be late with the file’s lead time, and which lead time fits', async () => {
    const { code, err } = await run(['campaign', 'start', burstFile(1000, 60), '--dry-run']);
    expect(code).toBe(0);
    expect(err).toMatch(
      /^warning: 399 of 1000 broadcasts would be created after their start at 10 creates\/s \(399 of the 1000 starting at \S+Z\); a lead time of at least 110 s fits them all \(or --lead-time auto\)$/m
    );
  });

  it('with --lead-time auto, gives each broadcast a lead time that fits, earliest start first', async () => {
    const { code, out, err } = await run([
      'campaign',
      'start',
      burstFile(1000, 60),
      '--dry-run',
      '--json',
      '--lead-time',
      'auto',
    ]);
    expect(code).toBe(0);
    expect(err).toBe('');
    const plan = JSON.parse(out) as { onTime: { late: number }; entries: { leadTimeSeconds: number }[] };
    expect(plan.onTime.late).toBe(0);
    const leads = plan.entries.map((e) => e.leadTimeSeconds);
    expect(Math.min(...leads)).toBe(10);
    expect(Math.max(...leads)).toBe(110); // 1,000 creates 0.1 s apart, then the 10 s margin
  });

  it('refuses a --lead-time other than auto as bad input', async () => {
    const { code, err } = await run(['campaign', 'start', burstFile(2, 60), '--dry-run', '--lead-time', '90']);
    expect(code).toBe(2);
    expect(err).toMatch(/--lead-time: only "auto" here/);
  });
});
