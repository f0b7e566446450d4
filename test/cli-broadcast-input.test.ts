/**
 * `client broadcast start` input, in-process (no server: bad input is refused before connecting): request files take
 * relative times like flags do, a file's live source must name its protocol, and --json errors are JSON.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { runClientMain as run } from '../testkit/cli-in-process';

function requestFile(lines: string[]): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bc-input-')), 'broadcast.yaml');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

// A bad DstUrl keeps every case at validation: what matters is which other fields are (not) reported.
const relayLines = (extra: string[]) => [
  'relay:',
  '  SourceType: live',
  '  SourceUrls: [rtmp://source.example.com/live/feed]',
  '  DstUrl: http://not-rtmp.example.com/app/x',
  ...extra,
];

describe('client broadcast start: request input', () => {
  it('takes relative times (+3m) in a request file, as flags and campaign files do', async () => {
    const file = requestFile(relayLines(['  SourceProtocol: rtmp', "  StartTime: '+3m'", "  EndTime: '+1h'"]));
    const { code, stderr: err } = await run(['broadcast', 'start', '--id', 'x', '--file', file]);
    expect(code).toBe(2);
    expect(err).toMatch(/relay\.DstUrl/);
    expect(err).not.toMatch(/relay\.(StartTime|EndTime)/);
  });

  it('reports a live source without SourceProtocol in a file as a problem, instead of assuming rtmp', async () => {
    const file = requestFile(relayLines(["  StartTime: '+3m'", "  EndTime: '+1h'"]));
    const { code, stderr: err } = await run(['broadcast', 'start', '--id', 'x', '--file', file]);
    expect(code).toBe(2);
    expect(err).toMatch(/^ {2}- relay\.SourceProtocol: /m);
  });

  it('answers --json with the error as JSON: message, exit code and every violation', async () => {
    const file = requestFile(relayLines(['  SourceProtocol: rtmp', "  StartTime: '+3m'", "  EndTime: '+1h'"]));
    const { code, stdout: out, stderr: err } = await run(['broadcast', 'start', '--id', 'x', '--file', file, '--json']);
    expect(code).toBe(2);
    expect(out).toBe('');
    const parsed = JSON.parse(err) as { error: string; exitCode: number; violations: string[] };
    expect(parsed.exitCode).toBe(2);
    expect(parsed.error).toMatch(/^Invalid broadcast request/);
    expect(parsed.violations).toEqual([expect.stringMatching(/^relay\.DstUrl: /)]);
  });
});
