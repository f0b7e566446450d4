/**
 * Proves both real servers work on this machine: a day-long sleep under time skipping, and start / signal /
 * query / complete against the dev server.
 */
import { randomUUID } from 'node:crypto';

import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';

import { approveSignal, awaitApproval, progressQuery, sleepForADay } from './fixtures/workflows';
import { createDevEnv, createTimeSkippingEnv } from '../testkit/temporal';

const workflowsPath = require.resolve('./fixtures/workflows');

describe('time-skipping test server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(() => env?.teardown());

  it('finishes a workflow that sleeps a day in well under a second of wall time', async () => {
    expect(env.supportsTimeSkipping).toBe(true);
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'ts', workflowsPath });
    const startedAt = env.currentTimeMs ? await env.currentTimeMs() : 0;
    const { wokeAt, wallMs } = await worker.runUntil(async () => {
      const t0 = performance.now();
      const woke = await env.client.workflow.execute(sleepForADay, { taskQueue: 'ts', workflowId: randomUUID() });
      return { wokeAt: woke, wallMs: performance.now() - t0 };
    });
    // A day passed on the workflow clock inside one test (jest's timeout is a minute): the server skipped time.
    expect(wokeAt - startedAt).toBeGreaterThanOrEqual(24 * 3600 * 1000);
    process.stdout.write(`time-skipping: a 1-day sleep took ${wallMs.toFixed(0)} ms of wall time\n`);
  });
});

describe('dev server (Temporal CLI)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createDevEnv();
  });
  afterAll(() => env?.teardown());

  it('starts, signals, queries and completes a workflow', async () => {
    expect(env.supportsTimeSkipping).toBe(false);
    const info = await env.connection.workflowService.getSystemInfo({});
    process.stdout.write(`dev server: real Temporal server ${info.serverVersion}\n`);
    expect(info.serverVersion).toMatch(/^\d+\.\d+\.\d+/);

    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'dev', workflowsPath });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(awaitApproval, { taskQueue: 'dev', workflowId: randomUUID() });
      expect(await handle.query(progressQuery)).toBe('waiting');
      await handle.signal(approveSignal, 'ops');
      expect(await handle.result()).toBe('approved by ops');
      expect(await handle.query(progressQuery)).toBe('approved by ops');
      const described = await handle.describe();
      expect(described.status.name).toBe('COMPLETED');
    });
  });
});
