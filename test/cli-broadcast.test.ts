/**
 * The client script's `broadcast` commands against a dev server, the provider sandbox, the callback service and the
 * relay workers started here: in this process (`main(argv)` with the client's own environment), and two smoke tests
 * of the real script as a child process, the way a user's shell runs it.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

import type { BroadcastStatus } from '../src/shared/broadcast';
import type { relayBroadcastWorkflow as broadcastWorkflow } from '../src/workflows/broadcast/relay';

import {
  broadcastStartArgs,
  isoIn,
  runCli,
  runCliJson,
  runCliOk,
  spawnCli,
  startCliStack,
  type CliStack,
  type CliTarget,
} from '../testkit/cli';
import { waitFor } from '../testkit/wait';
import type { RelayStack } from '../testkit/relay-stack';
import { countCalls } from '../testkit/sandbox-audit';

jest.setTimeout(180_000);

describe('client script: broadcast commands (dev server, sandbox, callbacks)', () => {
  let cli: CliStack;
  let env: TestWorkflowEnvironment;
  let stack: RelayStack;
  let target: CliTarget;
  let dir: string;

  beforeAll(async () => {
    cli = await startCliStack('cli-bc');
    ({ env, stack, target, dir } = cli);
  });
  afterAll(() => cli?.close());

  const handleOf = (id: string) => env.client.workflow.getHandle<typeof broadcastWorkflow>(id);
  const tasksTo = (dst: string) => stack.sandbox.tasks().filter((t) => t.DstUrl === dst);
  const dstFor = (id: string) => `rtmp://ingest.example.com/app/${id}`;
  const status = (id: string) => runCliJson<BroadcastStatus>(target, ['broadcast', 'status', id]);

  it('starts from flags, shows status (human and --json), and completes through real callbacks', async () => {
    const id = `cli-flags-${randomUUID().slice(0, 8)}`;
    const started = await runCliOk(target, [
      ...broadcastStartArgs(id, '+6s', '+11s'), // relative to when the client runs
      '--lead-time',
      '2',
      '--label',
      'event=cli-test',
    ]);
    // Connected to TEMPORAL_ADDRESS without TEMPORAL_UI_URL: no Web UI link is made up.
    expect(started.stdout).toBe(
      `started broadcast ${id}\nWeb UI: none known for ${target.address} (set TEMPORAL_UI_URL to your cluster's Web UI)\n`
    );

    const human = await runCliOk(target, ['broadcast', 'status', id]);
    expect(human.stdout).toMatch(/^state: +(Scheduled|Creating|Created|Running|Completed)$/m);
    expect(human.stdout).toMatch(/^task: +\S+ \(\S+\)$/m);
    expect(human.stdout).toMatch(/^transitions:\n {2}\S+ {2}Scheduled/m);

    const result = await handleOf(id).result();
    expect(result.state).toBe('Completed');
    expect(Date.parse(result.endTime) - Date.parse(result.startTime)).toBe(5_000);
    const final = await status(id);
    expect(final.state).toBe('Completed');
    expect(final.taskId).toBeDefined();
    expect(final.transitions.map((t) => t.state)).toEqual(expect.arrayContaining(['Running', 'Completed']));
    expect(tasksTo(dstFor(id))).toHaveLength(1);
    expect(tasksTo(dstFor(id)).filter((t) => !t.deleted)).toHaveLength(0);
  });

  it('starts from a YAML file with flags overriding it, reschedules and cancels (no task left)', async () => {
    const id = `cli-file-${randomUUID().slice(0, 8)}`;
    const file = path.join(dir, `${id}.yaml`);
    // The file's window is an hour away with a lead time of two: the task is created at once and stays idle.
    fs.writeFileSync(
      file,
      [
        'relay:',
        '  SourceType: live',
        '  SourceProtocol: rtmp',
        '  SourceUrls: [rtmp://source.example.com/live/from-file]',
        `  DstUrl: rtmp://ingest.example.com/app/overridden-${id}`,
        `  StartTime: '${isoIn(3_600_000)}'`,
        `  EndTime: '${isoIn(7_200_000)}'`,
        'leadTimeSeconds: 7200',
        'restartPolicy: { maxRestarts: 1 }',
        'labels: { event: cup-final }',
        '',
      ].join('\n')
    );
    const newEnd = isoIn(5_400_000);
    const json = await runCliJson<{ workflowId: string; runId: string }>(target, [
      'broadcast',
      'start',
      '--id',
      id,
      '--file',
      file,
      '--dst',
      dstFor(id),
      '--end',
      newEnd,
    ]);
    expect(json).toEqual({ workflowId: id, runId: expect.any(String), webUi: null });

    const created = await waitFor('the task to be created', async () => {
      const s = await handleOf(id).query('status');
      return (s as BroadcastStatus).state === 'Created' ? (s as BroadcastStatus) : undefined;
    });
    expect(created.endTime).toBe(newEnd); // --end overrode the file
    const tasks = tasksTo(dstFor(id)); // --dst overrode the file
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.SourceUrls).toEqual(['rtmp://source.example.com/live/from-file']); // the rest came from the file
    expect(stack.sandbox.tasks().filter((t) => t.DstUrl.includes(`overridden-${id}`))).toHaveLength(0);

    const later = isoIn(6_000_000);
    const rescheduled = await runCliJson<BroadcastStatus>(target, ['broadcast', 'reschedule', id, '--end', later]);
    expect(rescheduled.endTime).toBe(later);
    expect(tasksTo(dstFor(id))[0]!.EndTime).toBe(later); // after creation: UpdateLivePullToPush

    const cancelled = await runCliOk(target, ['broadcast', 'cancel', id, '--reason', 'rained off']);
    expect(cancelled.stdout).toMatch(/^state: +Cancelled/m);
    const result = await handleOf(id).result();
    expect(result.state).toBe('Cancelled');
    expect(tasksTo(dstFor(id))).toHaveLength(1);
    expect(tasksTo(dstFor(id)).filter((t) => !t.deleted)).toHaveLength(0);
  });

  it('rejects bad input with exit code 2, every bad field in one message, and starts nothing', async () => {
    const id = `cli-bad-${randomUUID().slice(0, 8)}`;
    const bad = await runCli(target, [
      'broadcast',
      'start',
      '--id',
      id,
      '--source',
      'ftp://source.example.com/live/feed',
      '--dst',
      'http://ingest.example.com/app/x',
      '--start',
      'tomorrow',
      '--end',
      '2020-01-01T00:00:00Z',
      '--lead-time',
      'soon',
      '--max-restarts',
      '99',
      '--label',
      'no-equals-sign',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    const lines = bad.stderr.split('\n');
    expect(lines[0]).toMatch(/^error: Invalid broadcast request:/);
    for (const field of [
      '--lead-time',
      '--label',
      'restartPolicy.maxRestarts',
      'relay.SourceUrls',
      'relay.DstUrl',
      'relay.StartTime',
      'relay.EndTime',
    ]) {
      expect(lines.filter((l) => l.startsWith(`  - ${field}`))).not.toHaveLength(0);
    }
    await expect(handleOf(id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    // Usage errors are bad input too: a missing required flag, an unknown one, a reschedule with nothing to move.
    const [noId, unknown, noTimes] = await Promise.all([
      runCli(target, ['broadcast', 'start', '--dst', dstFor(id)]),
      runCli(target, ['broadcast', 'status', id, '--colour']),
      runCli(target, ['broadcast', 'reschedule', id]),
    ]);
    expect([noId.code, unknown.code, noTimes.code]).toEqual([2, 2, 2]);
    expect(noId.stderr).toContain("'--id <id>' not specified");
    expect(unknown.stderr).toContain("unknown option '--colour'");
    expect(noTimes.stderr).toContain('give --start and/or --end');
    await expect(handleOf(id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(stack.sandbox.tasks().filter((t) => t.DstUrl.includes('/app/x'))).toHaveLength(0);

    // A broadcast that does not exist: the operation fails (exit 1), with a clear message.
    const missing = await runCli(target, ['broadcast', 'status', `no-such-${id}`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: not found/);
  });

  it('stops a running relay (the restart policy leaves it alone), refuses a second stop naming why, and restarts it', async () => {
    const id = `cli-stop-${randomUUID().slice(0, 8)}`;
    await runCliOk(target, [...broadcastStartArgs(id, '+3s', '+10m'), '--lead-time', '2', '--max-restarts', '2']);
    const stateIs = (state: string) => async () => {
      const current = (await handleOf(id).query('status')) as BroadcastStatus;
      return current.state === state ? current : undefined;
    };
    await waitFor('the relay to run', stateIs('Running'));
    const stopped = await runCliJson<BroadcastStatus>(target, ['broadcast', 'stop', id]);
    expect(stopped.stoppedByUser).toBe(true);
    await waitFor('the Offline callback of the stop', stateIs('Offline'));
    const [task] = tasksTo(dstFor(id));
    expect(task?.status).toBe(3);

    const again = await runCli(target, ['broadcast', 'stop', id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      'error: update rejected: cannot stop a broadcast in state Offline (allowed: Running, Recovering) (InvalidBroadcastUpdate)\n'
    );
    const restartsByPolicy = stack.sandbox.calls().filter((c) => c.action === 'RestartLivePullToPush');
    expect(restartsByPolicy).toHaveLength(0);

    const restarted = await runCliJson<BroadcastStatus>(target, ['broadcast', 'restart', id]);
    expect(restarted.stoppedByUser).toBe(false);
    const running = await waitFor('the relay to run again', stateIs('Running'));
    expect(running.restarts).toBe(0); // a user's restart does not spend the policy's budget
    expect(countCalls(stack.sandbox, 'RestartLivePullToPush')).toBe(1);
    await runCliOk(target, ['broadcast', 'cancel', id]);
    expect(tasksTo(dstFor(id)).filter((t) => !t.deleted)).toHaveLength(0);
  });

  describe("as a child process, the way a user's shell runs it", () => {
    it('broadcast start, then status --json: the exit code and the whole output of each', async () => {
      const id = `cli-spawned-${randomUUID().slice(0, 8)}`;
      const end = isoIn(7_200_000);
      const started = await spawnCli(target, [...broadcastStartArgs(id, '+1h', end), '--json']);
      expect(started).toEqual({ code: 0, stdout: expect.any(String), stderr: '' });
      expect(JSON.parse(started.stdout)).toEqual({ workflowId: id, runId: expect.any(String), webUi: null });

      const shown = await runCliJson<BroadcastStatus>(target, ['broadcast', 'status', id], spawnCli);
      expect(shown).toMatchObject({ state: 'Scheduled', endTime: end });
      await runCliOk(target, ['broadcast', 'cancel', id]);
    });

    it('bad input: exit code 2, the problems on stderr, nothing on stdout', async () => {
      const id = `cli-spawned-bad-${randomUUID().slice(0, 8)}`;
      const bad = await spawnCli(target, broadcastStartArgs(id, '+2h', '+1h')); // ends before it starts
      expect(bad.code).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toMatch(/^error: Invalid broadcast request:/);
      expect(bad.stderr).toContain('relay.EndTime');
      await expect(handleOf(id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    });
  });
});
