/**
 * The secret scan that relay-stack's and startCliStack's close() run over every e2e history and captured log: it
 * must really catch a planted secret — in clear text, inside a base64 payload of a real history, and in a log.
 */
import { randomUUID } from 'node:crypto';

import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, Worker } from '@temporalio/worker';

import { recordTaskEvents } from './fixtures/workflows';
import { waitFor } from '../testkit/wait';
import { teeSdkLog, type SdkLogTee } from '../testkit/sdk-log-tee';
import { STACK_SECRETS } from '../testkit/relay-stack';
import { assertNoSecrets, expandedText, findSecrets, historiesOf } from '../testkit/secret-scan';
import { createDevEnv } from '../testkit/temporal';

const planted = { name: 'planted secret', value: `planted-${randomUUID()}` };

describe('secret scan', () => {
  it('finds a secret in clear text, base64-encoded, and inside a base64 JSON payload, naming only secret and source', () => {
    const payload = Buffer.from(JSON.stringify({ note: `x ${planted.value} y` })).toString('base64');
    const history = JSON.stringify({ events: [{ input: { payloads: [{ data: payload }] } }] });
    expect(findSecrets([{ source: 'history h', text: expandedText(history) }], [planted])).toEqual([
      { secret: 'planted secret', source: 'history h' },
    ]);
    expect(findSecrets([{ source: 'history raw', text: history }], [planted])).toEqual([]); // needs the decoding
    const logs = [
      { source: 'log a', text: `level=info msg=${planted.value}` },
      { source: 'log b', text: Buffer.from(planted.value).toString('base64') },
      { source: 'log c', text: 'nothing here' },
    ];
    expect(findSecrets(logs, [planted]).map((f) => f.source)).toEqual(['log a', 'log b']);
    expect(() =>
      assertNoSecrets({ label: `scan-unit-${randomUUID()}`, histories: [], logs, secrets: [planted] })
    ).toThrow(/planted secret found in log a; planted secret found in log b/);
  });

  describe('on a real dev server', () => {
    let env: TestWorkflowEnvironment;
    let worker: Worker;
    let running: Promise<void>;
    const taskQueue = `scan-${randomUUID()}`;

    let sdkLog: SdkLogTee;

    beforeAll(async () => {
      env = await createDevEnv();
      sdkLog = teeSdkLog();
      worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowsPath: require.resolve('./fixtures/workflows'),
      });
      running = worker.run();
    });
    afterAll(async () => {
      worker?.shutdown();
      await running;
      sdkLog?.stop();
      await env?.teardown();
    });

    /** Visibility trails a start by a moment: wait until the list shows `count` workflows. */
    const historiesWhenListed = (count: number) =>
      waitFor(`${count} workflows listed`, async () => {
        const histories = await historiesOf(env.client, taskQueue);
        return histories.length === count ? histories : undefined;
      });

    it('fails on a secret planted in the memo of a real workflow, and passes the clean history before it', async () => {
      const clean = await env.client.workflow.start(recordTaskEvents, {
        taskQueue,
        workflowId: `clean-${randomUUID()}`,
      });
      const label = `scan-real-${randomUUID()}`;
      // Only the clean workflow exists: the scan passes and did read a history.
      expect(assertNoSecrets({ label, histories: await historiesWhenListed(1), secrets: STACK_SECRETS })).toEqual({
        histories: 1,
        logs: 0,
      });
      const dirty = await env.client.workflow.start('recordTaskEvents', {
        taskQueue,
        workflowId: `dirty-${randomUUID()}`,
        memo: { leaked: planted.value },
        args: [],
      });
      const histories = await historiesWhenListed(2);
      expect(() => assertNoSecrets({ label, histories, secrets: [...STACK_SECRETS, planted] })).toThrow(
        new RegExp(`planted secret found in history ${dirty.workflowId}`)
      );
      await clean.terminate();
      await dirty.terminate();
    });

    it('tees the SDK log of the process and catches a secret logged there', () => {
      expect(sdkLog.text().text).toMatch(/Worker state changed/); // the worker's own lines reach the tee
      Runtime.instance().logger.warn(`oops ${planted.value}`);
      expect(findSecrets([sdkLog.text()], [planted])).toEqual([
        { secret: 'planted secret', source: 'log (Temporal SDK)' },
      ]);
    });
  });
});
