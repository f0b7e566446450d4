/**
 * Replays the committed histories of the main broadcast paths against today's workflow code: any change that
 * would break running broadcasts fails here. Record new ones with `RECORD_HISTORIES=1 npm run test:all`. The `v1-*`
 * histories were recorded by the first broadcast workflow (`broadcastWorkflow`), the `relay-v1-*` ones by
 * `relayBroadcastWorkflow` before `relayBroadcastWorkflowV2`: they prove broadcasts those started still finish on their
 * code. Never re-record them.
 */
import fs from 'node:fs';
import path from 'node:path';

import { Worker } from '@temporalio/worker';

import { bundleRelayWorkflows } from '../src/temporal/workflow-bundle';

import { HISTORIES_DIR, readHistory } from './helpers/histories';

const files = fs.existsSync(HISTORIES_DIR) ? fs.readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')) : [];

describe('replay of recorded histories', () => {
  it('has the histories of the main paths committed', () => {
    const names = files.map((f) => path.basename(f, '.json'));
    expect(names).toEqual(
      expect.arrayContaining([
        ...[
          'e2e-happy-path',
          'e2e-worker-replaced',
          'ts-happy-path',
          'ts-cancel-after-creation',
          'ts-restarts-exhausted',
          'ts-legacy',
          'ts-cancel-compensation-refused',
        ].flatMap((name) => [name, `v1-${name}`, ...(name === 'ts-legacy' ? [] : [`relay-v1-${name}`])]),
        'create-priority',
        'relay-v1-create-priority',
        'campaign-pause-resume-cancel',
        'campaign-bounded-pause-resume-cancel',
        'schedule-trigger',
        'quota-owner-terms',
        'campaign-resubmit-before-held-keys',
        'campaign-resubmit-held-keys',
      ])
    );
  });

  it('replays every one without nondeterminism', async () => {
    const { code } = await bundleRelayWorkflows();
    const histories = files.map((file) => ({
      workflowId: path.basename(file, '.json'),
      history: readHistory(path.join(HISTORIES_DIR, file)),
    }));
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { code } }, histories)) {
      results.push({ id: result.workflowId, error: result.error?.message });
    }
    expect(results).toHaveLength(files.length);
    expect(results.filter((r) => r.error)).toEqual([]);
  });
});
