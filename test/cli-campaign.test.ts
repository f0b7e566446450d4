/**
 * The client script's `campaign` and `list` commands, run in this process (`main(argv)` with the client's own
 * environment; test/cli-broadcast.test.ts runs the real script as a child), against a dev server, the provider
 * sandbox, the callback service and the relay workers started here: a small campaign runs to completion through real
 * callbacks; pause, resume and cancel; invalid files; resubmission; the example files.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

import { campaignBroadcastsQuery } from '../src/campaign/submit';
import type { campaignWorkflow } from '../src/workflows/campaign';
import type { CampaignStatus } from '../src/workflows/campaign-messages';

import { REPO_ROOT, runCli, runCliJson, runCliOk, startCliStack, type CliStack, type CliTarget } from '../testkit/cli';
import { waitFor } from '../testkit/wait';
import type { RelayStack } from '../testkit/relay-stack';

jest.setTimeout(240_000);

interface SubmitOutput {
  campaignId: string;
  accepted: number;
  duplicates: number;
  skipped: number;
  webUi: string | null;
}
interface DryRunOutput {
  campaignId: string;
  entries: { key: string; line: number; start: string; dst: string }[];
  problems: unknown[];
}
type StatusOutput = CampaignStatus & { live: Partial<Record<string, number>> };
interface ListRow {
  id: string;
  status: string;
  state?: string;
  start?: string;
}

describe('client script: campaign commands (dev server, sandbox, callbacks)', () => {
  let cli: CliStack;
  let env: TestWorkflowEnvironment;
  let stack: RelayStack;
  let target: CliTarget;
  let dir: string;
  let callbacks: CliStack['callbacks'];

  beforeAll(async () => {
    cli = await startCliStack('cli-camp');
    ({ env, stack, target, dir, callbacks } = cli);
  });
  afterAll(() => cli?.close());

  const campaignHandle = (id: string) => env.client.workflow.getHandle<typeof campaignWorkflow>(id);
  const tasksUnder = (prefix: string) => stack.sandbox.tasks().filter((t) => t.DstUrl.startsWith(prefix));
  const write = (name: string, lines: string[]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };
  const notStarted = async (workflowId: string) =>
    expect(env.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

  /** A YAML campaign whose entries start `startIn` from when the client reads the file (relative times). */
  const smallCampaign = (campaignId: string, dstPrefix: string, keys: string[], startIn: string, endIn: string) =>
    write(`${campaignId}.yaml`, [
      `campaign: ${campaignId}`,
      'defaults:',
      '  leadTimeSeconds: 2',
      '  reconcileAfterSeconds: 10',
      '  labels: { event: cli-test }',
      'broadcasts:',
      ...keys.map(
        (key) =>
          `  - { key: ${key}, source: rtmp://origin.example.com/live/${key}, dst: ${dstPrefix}${key}, ` +
          `start: '${startIn}', end: '${endIn}' }`
      ),
    ]);

  it('dry-runs the example campaign files: they parse, validate and start nothing', async () => {
    const [yaml, csv] = await Promise.all([
      runCliJson<DryRunOutput>(target, ['campaign', 'start', 'examples/festival-demo.yaml', '--dry-run']),
      runCliJson<DryRunOutput>(target, ['campaign', 'start', 'examples/festival-demo.csv', '--dry-run']),
    ]);
    expect(yaml.campaignId).toBe('festival-demo');
    expect(yaml.entries.map((e) => e.key)).toEqual([
      'main-stage-opening',
      'main-stage-headliner',
      'tent-afternoon',
      'acoustic-session',
      'highlights-loop',
    ]);
    expect(csv.campaignId).toBe('festival-demo-csv');
    expect(csv.entries).toHaveLength(2);
    for (const plan of [yaml, csv]) {
      expect(plan.problems).toEqual([]);
      // Relative times: every window lies ahead of now, whenever the example is launched.
      for (const e of plan.entries) expect(Date.parse(e.start)).toBeGreaterThan(Date.now());
    }
    await notStarted('festival-demo');
    await notStarted('festival-demo-csv');
    expect(fs.readFileSync(path.join(REPO_ROOT, 'examples/festival-demo.yaml'), 'utf8')).toContain(
      'npm run client -- campaign start examples/festival-demo.yaml'
    );
  });

  it('reports every problem of an invalid file with its line, exits 2 and starts nothing', async () => {
    const id = `bad-${randomUUID().slice(0, 8)}`;
    const yaml = write(`${id}.yaml`, [
      `campaign: ${id}`, // 1
      'defaults:', // 2
      '  leadTimeSeconds: 30', // 3
      'broadcasts:', // 4
      '  - key: ok-one', // 5
      '    source: rtmp://origin.example.com/live/a', // 6
      '    dst: rtmp://ingest.example.com/app/a', // 7
      "    start: '+1h'", // 8
      "    end: '+2h'", // 9
      '  - key: bad-dst', // 10
      '    source: rtmp://origin.example.com/live/b', // 11
      '    dst: http://ingest.example.com/app/b', // 12
      "    start: '+1h'", // 13
      "    end: '+2h'", // 14
      '  - key: overlapping', // 15
      '    source: rtmp://origin.example.com/live/c', // 16
      '    dst: rtmp://ingest.example.com/app/a', // 17
      "    start: '+90m'", // 18
      "    end: '+3h'", // 19
      '  - key: ok-one', // 20
      '    source: rtmp://origin.example.com/live/d', // 21
      '    dst: rtmp://ingest.example.com/app/d', // 22
      "    start: '+1h'", // 23
      '    end: yesterday', // 24
    ]);
    const csv = write(`${id}.csv`, [
      `# campaign: ${id}-csv`, // 1
      'key,source,dst,start,end', // 2
      'r1,rtmp://origin.example.com/live/a,rtmp://ingest.example.com/app/csv-a,+1h,+2h', // 3
      'r2,rtmp://origin.example.com/live/b,rtmp://ingest.example.com/app/csv-b,+2h,+1h', // 4
    ]);
    const [fromYaml, fromCsv] = await Promise.all([
      runCli(target, ['campaign', 'start', yaml]),
      runCli(target, ['campaign', 'start', csv]),
    ]);
    expect(fromYaml.code).toBe(2);
    expect(fromYaml.stdout).toBe('');
    const problems = fromYaml.stderr.split('\n').filter((l) => l.startsWith(`${yaml}:`));
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`^${yaml}:12 \\[bad-dst\\] dst: `)),
      expect.stringMatching(new RegExp(`^${yaml}:15 \\[overlapping\\] dst: same destination as entry "ok-one"`)),
      expect.stringMatching(new RegExp(`^${yaml}:20 \\[ok-one\\] key: duplicate of the entry on line 5`)),
      expect.stringMatching(new RegExp(`^${yaml}:24 \\[ok-one\\] end: `)),
    ]);
    expect(fromYaml.stderr).toMatch(/4 problem\(s\); nothing was started/);
    expect(fromCsv.code).toBe(2);
    expect(fromCsv.stderr).toMatch(new RegExp(`^${csv}:4 \\[r2\\] end: `, 'm'));
    expect(fromCsv.stderr).not.toMatch(new RegExp(`^${csv}:3`, 'm'));
    // --skip-invalid starts only the entries with no problem: not the later of two overlapping windows either.
    const [skipping, badLimit] = await Promise.all([
      runCli(target, ['campaign', 'start', yaml, '--skip-invalid', '--dry-run', '--json']),
      runCli(target, ['list', '--limit', 'all']),
    ]);
    expect(skipping.code).toBe(0);
    expect((JSON.parse(skipping.stdout) as DryRunOutput).entries.map((e) => e.key)).toEqual(['ok-one']);
    expect(skipping.stderr).toMatch(new RegExp(`^skipping invalid entries:\n${yaml}:12 `, 'm'));
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('--limit: a positive integer');

    await notStarted(id);
    await notStarted(`${id}-csv`);
    await notStarted(`${id}/ok-one`);
    expect(stack.sandbox.tasks().filter((t) => t.DstUrl.includes('/app/csv-') || t.DstUrl.endsWith('/app/a'))).toEqual(
      []
    );
  });

  it('runs a small campaign to completion through real callbacks: status, list, resubmission, one task each', async () => {
    const id = `fest-${randomUUID().slice(0, 8)}`;
    const dstPrefix = `rtmp://ingest.example.com/${id}/`;
    const keys = ['main', 'tent', 'acoustic', 'late-show'];
    const file = smallCampaign(id, dstPrefix, keys, '+8s', '+13s');

    const dry = await runCliOk(target, ['campaign', 'start', file, '--dry-run']);
    expect(dry.stdout).toMatch(new RegExp(`^dry run: campaign ${id}, 4 broadcasts would start$`, 'm'));
    for (const key of keys) {
      expect(dry.stdout).toMatch(new RegExp(`^ {2}${key} +\\S+Z → \\S+Z {2}${dstPrefix}${key}$`, 'm'));
    }
    await notStarted(id);

    const submitted = await runCliJson<SubmitOutput>(target, ['campaign', 'start', file]);
    expect(submitted).toMatchObject({ campaignId: id, accepted: 4, duplicates: 0, skipped: 0 });
    // Connected to TEMPORAL_ADDRESS with no TEMPORAL_UI_URL: no Web UI is known, and none is made up.
    expect(submitted.webUi).toBeNull();

    // The same file again (human output this time, the cluster's Web UI given): nothing new, and the link.
    const ui = 'http://temporal-ui.example.com:8080';
    const again = await runCliOk({ ...target, env: { TEMPORAL_UI_URL: `${ui}/` } }, ['campaign', 'start', file]);
    expect(again.stdout).toContain(`campaign ${id}: 0 new, 4 already there`);
    expect(again.stdout).toContain(
      `\nWeb UI: ${ui}/namespaces/default/workflows?query=${encodeURIComponent(campaignBroadcastsQuery(id))}\n`
    );

    const status = await runCliJson<StatusOutput>(target, ['campaign', 'status', id]);
    expect(status.campaignId).toBe(id);
    expect(status.total).toBe(4);
    expect(['running', 'completed']).toContain(status.phase); // completed only on a very slow machine
    expect(status.pending + (status.counts.Started ?? 0) + (status.counts.Completed ?? 0)).toBe(4);

    // Visibility lags a little behind: wait until it lists the campaign's four broadcasts.
    const rows = await waitFor('the broadcasts in visibility', async () => {
      const listed = await runCliJson<ListRow[]>(target, ['list', '--campaign', id]);
      return listed.length === 4 ? listed : undefined;
    });
    expect(rows.map((r) => r.id).sort()).toEqual(keys.map((k) => `${id}/${k}`).sort());
    for (const row of rows) expect(row.state).toEqual(expect.any(String));
    const campaigns = await runCliJson<ListRow[]>(target, ['list']);
    expect(campaigns.find((c) => c.id === id)).toBeDefined();

    const result = await campaignHandle(id).result();
    expect(result.phase).toBe('completed');
    expect(result.counts).toEqual({ Completed: 4 });

    const final = await runCliJson<StatusOutput>(target, ['campaign', 'status', id]);
    expect(final).toMatchObject({ phase: 'completed', pending: 0, total: 4, counts: { Completed: 4 }, live: {} });
    // --watch stops refreshing once the campaign has ended.
    const table = await runCliOk(target, ['campaign', 'status', id, '--watch']);
    expect(table.stdout).toMatch(new RegExp(`^campaign ${id}: completed \\(4 broadcasts, run 1\\)$`, 'm'));
    expect(table.stdout).toMatch(/^ {2}Completed +4$/m);

    // Exactly one task per broadcast, none left running.
    const tasks = tasksUnder(dstPrefix);
    expect(tasks.map((t) => t.DstUrl).sort()).toEqual(keys.map((k) => `${dstPrefix}${k}`).sort());
    expect(tasks.filter((t) => !t.deleted)).toEqual([]);
    expect(callbacks.counts.delivered).toBeGreaterThanOrEqual(8); // running and exit for each

    // A finished campaign is never started twice under one id.
    const rerun = await runCli(target, ['campaign', 'start', file]);
    expect(rerun.code).toBe(1);
    expect(rerun.stderr).toContain(`campaign ${id} has already finished`);
    expect(tasksUnder(dstPrefix)).toHaveLength(4);
  });

  it('pauses (no new task creation), resumes and cancels a campaign (no task left)', async () => {
    const id = `ctl-${randomUUID().slice(0, 8)}`;
    const dstPrefix = `rtmp://ingest.example.com/${id}/`;
    // Windows an hour away with a lead time of two hours: each task is created at once and waits, idle.
    const keys = ['a', 'b', 'c'];
    const file = write(`${id}.json`, [
      JSON.stringify(
        {
          campaign: id,
          defaults: { leadTimeSeconds: 7200, start: '+1h', end: '+2h' },
          broadcasts: keys.map((key) => ({
            key,
            source: `rtmp://origin.example.com/live/${key}`,
            dst: dstPrefix + key,
          })),
        },
        null,
        2
      ),
    ]);
    expect((await runCliJson<SubmitOutput>(target, ['campaign', 'start', file])).accepted).toBe(3);
    await waitFor('the three tasks', async () => (tasksUnder(dstPrefix).length === 3 ? true : undefined));

    const paused = await runCliJson<CampaignStatus>(target, ['campaign', 'pause', id]);
    expect(paused.phase).toBe('paused');

    // An entry added while paused waits: accepted, not started, no task.
    const more = write(`${id}-more.json`, [
      JSON.stringify({
        campaign: id,
        defaults: { leadTimeSeconds: 7200, start: '+1h', end: '+2h' },
        broadcasts: [...keys, 'd'].map((key) => ({
          key,
          source: `rtmp://origin.example.com/live/${key}`,
          dst: dstPrefix + key,
        })),
      }),
    ]);
    const added = await runCliJson<SubmitOutput>(target, ['campaign', 'start', more]);
    expect(added).toMatchObject({ accepted: 1, duplicates: 3 });
    const whilePaused = await runCliJson<StatusOutput>(target, ['campaign', 'status', id]);
    expect(whilePaused).toMatchObject({ phase: 'paused', pending: 1, total: 4 });
    expect(tasksUnder(dstPrefix).filter((t) => !t.deleted)).toHaveLength(3); // running relays continue
    await notStarted(`${id}/d`);

    const resumed = await runCliOk(target, ['campaign', 'resume', id]);
    expect(resumed.stdout).toMatch(new RegExp(`^campaign ${id}: running `, 'm'));
    await waitFor('the fourth task after resume', async () => (tasksUnder(dstPrefix).length === 4 ? true : undefined));

    const cancelled = await runCliJson<CampaignStatus>(target, ['campaign', 'cancel', id]);
    expect(cancelled).toMatchObject({ phase: 'cancelled', pending: 0, total: 4, counts: { Cancelled: 4 } });
    expect((await campaignHandle(id).result()).phase).toBe('cancelled');
    expect(tasksUnder(dstPrefix)).toHaveLength(4);
    expect(tasksUnder(dstPrefix).filter((t) => !t.deleted)).toEqual([]);

    // Steering a campaign that does not exist fails (exit 1); a bad --concurrency is bad input (exit 2).
    const [missing, badConcurrency] = await Promise.all([
      runCli(target, ['campaign', 'pause', `no-such-${id}`]),
      runCli(target, ['campaign', 'start', file, '--id', `${id}-2`, '--concurrency', 'lots']),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: /);
    expect(badConcurrency.code).toBe(2);
    expect(badConcurrency.stderr).toContain('--concurrency');
    await notStarted(`${id}-2`);
  });
});
