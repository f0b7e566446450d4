/**
 * `campaign start` (and `--dry-run`) and `broadcast start` say whether every relay is created before its start under
 * the create quota, counting the broadcasts already scheduled in the namespace (read from a real dev server's
 * visibility); offline, the check counts the file alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { TestWorkflowEnvironment } from '@temporalio/testing';

import { startBroadcast } from '../src/broadcast/start';
import { scheduledCreatesQuery } from '../src/campaign/scheduled-creates';
import { isoSeconds } from '../src/shared/time';

import { relayRequest } from '../testkit/broadcasts';
import { runClientMain as run } from '../testkit/cli-in-process';
import { freePort } from '../testkit/ports';
import { createDevEnv } from '../testkit/temporal';

jest.setTimeout(180_000);

/** A campaign file of `n` relays, all starting at `startMs` (default: the next whole minute, 30 minutes on). */
function burstFile(n: number, leadTimeSeconds: number, startMs?: number): string {
  const minute = Math.ceil(Date.now() / 60_000) * 60_000;
  const start = startMs ?? minute + 30 * 60_000;
  const lines = [
    'campaign: burst',
    `defaults: { sourceType: live, protocol: rtmp, leadTimeSeconds: ${leadTimeSeconds}, ` +
      `start: '${isoSeconds(new Date(start))}', end: '${isoSeconds(new Date(start + 3_600_000))}' }`,
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

const savedEnv = { ...process.env };
afterEach(() => {
  for (const key of ['TEMPORAL_ADDRESS', 'TEMPORAL_TASK_QUEUE', 'PROVIDER_RATE_LIMIT_PER_SECOND']) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

describe('campaign start without a cluster: the file alone', () => {
  beforeEach(async () => {
    // Nothing listens there: the dry run checks the file alone after a short wait, and says so.
    process.env.TEMPORAL_ADDRESS = `127.0.0.1:${await freePort()}`;
  });

  it('with fixed lead times, warns how many of a burst would be late and which lead time fits', async () => {
    const { code, stderr: err } = await run([
      'campaign',
      'start',
      burstFile(1000, 60),
      '--dry-run',
      '--lead-time',
      'fixed',
    ]);
    expect(code).toBe(0);
    expect(err).toMatch(
      /^warning: 399 of 1,000 broadcasts starting at \S+Z would be created after their start at 10 creates\/s; a lead time of at least 110 s fits them all \(or --lead-time auto\) \(could not read the broadcasts already scheduled \(.+\): counted these only\)$/m
    );
  });

  it('by default, lengthens lead times where the quota needs it, earliest start first', async () => {
    const { code, stdout: out } = await run(['campaign', 'start', burstFile(1000, 60), '--dry-run', '--json']);
    expect(code).toBe(0);
    const plan = JSON.parse(out) as {
      onTime: { late: number; leadTimes: string };
      entries: { leadTimeSeconds: number }[];
    };
    expect(plan.onTime).toMatchObject({ late: 0, leadTimes: 'auto' });
    const leads = plan.entries.map((e) => e.leadTimeSeconds);
    expect(Math.min(...leads)).toBe(60); // the file's own lead time is kept where the quota allows
    expect(Math.max(...leads)).toBe(160); // 1,000 creates 0.1 s apart, the last 60 s before the start
  });

  it('refuses a --lead-time other than auto or fixed as bad input', async () => {
    const { code, stderr: err } = await run(['campaign', 'start', burstFile(2, 60), '--dry-run', '--lead-time', '90']);
    expect(code).toBe(2);
    expect(err).toMatch(/--lead-time: "auto" \(the default\) or "fixed"/);
  });
});

describe('with broadcasts already scheduled in the namespace (dev server visibility)', () => {
  let env: TestWorkflowEnvironment;
  const taskQueue = `on-time-${Date.now().toString(36)}`;
  const EXISTING = 100;
  let startMs: number;

  beforeAll(async () => {
    env = await createDevEnv();
    // No worker polls the queue: the broadcasts stay Scheduled, as a campaign's do until their creates.
    const now = Date.now();
    startMs = Math.ceil((now + 90_000) / 1000) * 1000;
    await Promise.all(
      Array.from({ length: EXISTING }, (_, i) =>
        startBroadcast({
          client: env.client,
          taskQueue,
          workflowId: `existing-${i}`,
          request: relayRequest(now, startMs - now, 3_600_000),
          defaultRegion: 'cn-shanghai',
        })
      )
    );
    // Visibility is eventually consistent: wait until it lists them all.
    const query = scheduledCreatesQuery(taskQueue, startMs);
    for (let i = 0; ; i++) {
      const { count } = await env.client.workflow.count(query);
      if (count >= EXISTING) break;
      if (i > 300) throw new Error(`visibility listed ${count} of the ${EXISTING} broadcasts (${query})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    await env?.teardown();
  });

  beforeEach(() => {
    process.env.TEMPORAL_ADDRESS = env.address;
    process.env.TEMPORAL_TASK_QUEUE = taskQueue;
    // One create per second: the hundred already scheduled take the 100 s before their start.
    process.env.PROVIDER_RATE_LIMIT_PER_SECOND = '1';
  });

  it('campaign start --dry-run counts them: creates that fit the file alone are late beside them', async () => {
    const { code, stderr: err } = await run([
      'campaign',
      'start',
      burstFile(50, 60, startMs),
      '--dry-run',
      '--lead-time',
      'fixed',
    ]);
    expect(code).toBe(0);
    expect(err).toMatch(
      /^warning: \d+ of 50 broadcasts starting at \S+Z would be created after their start at 1 creates\/s, counting 100 broadcasts already scheduled; /m
    );
    // Another task queue's broadcasts use other workers: not counted, and the file alone fits (50 creates in 60 s).
    process.env.TEMPORAL_TASK_QUEUE = `${taskQueue}-other`;
    const alone = await run(['campaign', 'start', burstFile(50, 60, startMs), '--dry-run', '--lead-time', 'fixed']);
    expect(alone.stderr).toMatch(/^all 50 relays are created before their start at 1 creates\/s\n/);
  });

  it('broadcast start warns when its relay would be created after its start, and starts it', async () => {
    const {
      code,
      stdout: out,
      stderr: err,
    } = await run([
      'broadcast',
      'start',
      '--id',
      'latecomer',
      '--start',
      isoSeconds(new Date(startMs)),
      '--end',
      isoSeconds(new Date(startMs + 3_600_000)),
      '--source',
      'rtmp://s.example.com/live/late',
      '--dst',
      'rtmp://i.example.com/app/late',
    ]);
    expect(err).toMatch(
      /^warning: 1 of 1 broadcast starting at \S+Z would be created after their start at 1 creates\/s, counting 100 broadcasts already scheduled; /m
    );
    expect(code).toBe(0);
    expect(out).toMatch(/^started broadcast latecomer$/m);
  });
});
