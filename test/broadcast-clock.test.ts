/**
 * The broadcast workflow's time checks after validation must not depend on when its validation local activity
 * finished: on first execution the SDK may stamp that activation later than the time it records with the result
 * (which replay uses), and the worker-killed chaos scenario hit a nondeterminism error that way (a timer on replay
 * where the first execution had gone straight to creation). Replay here with the local activity's recorded time
 * moved within the range a first execution can see: the same commands either way (the first test fails with the
 * workflow's decisions read from Date.now() after the local activity, as before the fix).
 */
import { randomUUID } from 'node:crypto';

import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';

import { startBroadcast } from '../src/broadcast/start';
import { bundleRelayWorkflows } from '../src/temporal/workflow-bundle';
import { cancelUpdate } from '../src/workflows/messages';

import { inState, relayRequest, waitForStatus } from '../testkit/broadcasts';
import { HISTORIES_DIR, readHistory } from './helpers/histories';
import { startRelayStack } from '../testkit/relay-stack';
import { createTimeSkippingEnv } from '../testkit/temporal';

type History = temporal.api.history.v1.IHistory;

/** A copy of `history` whose local activity markers say the activity completed at `completeMs`. */
function withLocalActivityCompletedAt(history: History, completeMs: number): History {
  const copy = temporal.api.history.v1.History.fromObject(
    temporal.api.history.v1.History.toObject(history as temporal.api.history.v1.History)
  );
  let markers = 0;
  for (const event of copy.events) {
    const payload = event.markerRecordedEventAttributes?.details?.data?.payloads?.[0];
    if (event.markerRecordedEventAttributes?.markerName !== 'core_local_activity' || !payload?.data) continue;
    const data = JSON.parse(Buffer.from(payload.data).toString('utf8')) as Record<string, unknown>;
    data.complete_time = { seconds: Math.floor(completeMs / 1000), nanos: (completeMs % 1000) * 1e6 };
    payload.data = Buffer.from(JSON.stringify(data));
    markers++;
  }
  if (markers === 0) throw new Error('history has no local activity marker');
  return copy;
}

/** Start times (ms) of the workflow task that ran the local activity and of the next workflow task. */
function taskStartsAroundMarker(history: History): [number, number] {
  const events = history.events ?? [];
  const marker = events.findIndex((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
  const ms = (e: (typeof events)[number] | undefined) =>
    Number(e?.eventTime?.seconds ?? 0) * 1000 + Math.floor((e?.eventTime?.nanos ?? 0) / 1e6);
  const started = (e: (typeof events)[number]) => e.workflowTaskStartedEventAttributes != null;
  const before = events.slice(0, marker).reverse().find(started);
  const after = events.slice(marker).find(started);
  if (!before || !after) throw new Error('no workflow task around the local activity marker');
  return [ms(before), ms(after)];
}

async function replayError(bundle: { code: string }, history: History): Promise<string | undefined> {
  try {
    await Worker.runReplayHistory({ workflowBundle: bundle }, history);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('broadcast workflow clock after validation', () => {
  let env: TestWorkflowEnvironment;
  let bundle: { code: string };

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    bundle = await bundleRelayWorkflows();
  });
  afterAll(() => env?.teardown());

  it('replays the same commands whenever the validation local activity is recorded to have finished', async () => {
    const stack = await startRelayStack(env, { taskQueue: `clock-${randomUUID()}`, workflowBundle: bundle });
    const startInMs = 60_000;
    // Created 5 s from now: the first execution waits for the lead time with a timer.
    const leadSeconds = startInMs / 1000 - 5;
    const request = relayRequest(await env.currentTimeMs(), startInMs, 3_600_000, { leadTimeSeconds: leadSeconds });
    const handle = await stack.run(async () => {
      const h = await startBroadcast({
        client: env.client,
        taskQueue: stack.taskQueue,
        workflowId: `clock-${randomUUID()}`,
        request,
        defaultRegion: 'cn-shanghai',
      });
      await env.sleep(10_000); // skips the lead-time wait
      await waitForStatus(h, inState('Created'), 'creation');
      await h.executeUpdate(cancelUpdate, { args: [{ reason: 'test done' }] });
      await h.result();
      return h;
    });
    await stack.close();
    const history = await handle.fetchHistory();
    // On a first execution the activation after the local activity runs somewhere between the workflow task's start
    // and the next workflow task's start; a recorded completion time anywhere in there must replay the same.
    const [firstTaskMs, nextTaskMs] = taskStartsAroundMarker(history);
    expect(await replayError(bundle, history)).toBeUndefined();
    for (const completeMs of [firstTaskMs + 1, nextTaskMs - 1]) {
      expect(await replayError(bundle, withLocalActivityCompletedAt(history, completeMs))).toBeUndefined();
    }
  });

  it('replays a history recorded before the fix, with its local activity completion moved past the lead time', async () => {
    // Its first execution started a lead-time timer; the code before the fix read the moved completion time and
    // skipped that timer on replay (a nondeterminism error). Today's code decides with the time read before.
    const old = readHistory(`${HISTORIES_DIR}/relay-v1-e2e-happy-path.json`);
    const [, nextTaskMs] = taskStartsAroundMarker(old);
    expect(await replayError(bundle, old)).toBeUndefined();
    expect(await replayError(bundle, withLocalActivityCompletedAt(old, nextTaskMs - 1))).toBeUndefined();
  });
});
