/**
 * A start the server refuses says why and where: against a cluster whose namespace lacks the project's search
 * attributes (what every fresh compose cluster had, issue 13), `broadcast start` and `campaign start` print the gRPC
 * cause — not only the SDK's "Failed to start Workflow" — with the cluster's address and its Web UI link, or none.
 * The client runs in this process (`main(argv)` with the client's own environment).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { TestWorkflowEnvironment } from '@temporalio/testing';

import { broadcastStartArgs, runCli, type CliTarget } from '../testkit/cli';
import { createDevEnv } from '../testkit/temporal';

jest.setTimeout(120_000);

describe('client script: a start the cluster refuses', () => {
  let env: TestWorkflowEnvironment;
  let target: CliTarget;
  let dir: string;

  beforeAll(async () => {
    env = await createDevEnv({ searchAttributes: [] }); // a namespace without the project's search attributes
    target = { address: env.address, taskQueue: 'start-failure' };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-failure-'));
  });
  afterAll(async () => {
    await env?.teardown();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const startArgs = (id: string) => broadcastStartArgs(id, '+1h', '+2h');

  it('broadcast start: exit 1 with the gRPC cause, the cluster, and no made-up Web UI link', async () => {
    const result = await runCli(target, startArgs('refused-broadcast'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('could not start broadcast refused-broadcast: Failed to start Workflow: ');
    expect(result.stderr).toMatch(/INVALID_ARGUMENT: Namespace default has no mapping defined for search attribute/);
    expect(result.stderr).toContain(`(Temporal ${env.address}, namespace default; Web UI: none known`);
    expect(result.stderr).not.toContain('8233');
  });

  it("broadcast start with TEMPORAL_UI_URL: the failure names that cluster's Web UI", async () => {
    const ui = 'http://temporal-ui.example.com:8080';
    const result = await runCli({ ...target, env: { TEMPORAL_UI_URL: ui } }, startArgs('refused-with-ui'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Web UI: ${ui})`);
  });

  it('in process, each call sees its own environment and none of the Temporal settings of this process', async () => {
    const before = { ui: process.env.TEMPORAL_UI_URL, address: process.env.TEMPORAL_ADDRESS };
    process.env.TEMPORAL_UI_URL = 'http://ui-of-this-process.example.com';
    try {
      const [own, none] = await Promise.all([
        runCli({ ...target, env: { TEMPORAL_UI_URL: 'http://own-ui.example.com' } }, startArgs('refused-own-ui')),
        runCli(target, startArgs('refused-no-ui')),
      ]);
      expect(own.stderr).toContain('Web UI: http://own-ui.example.com)');
      expect(none.stderr).toContain('Web UI: none known');
      expect(process.env.TEMPORAL_UI_URL).toBe('http://ui-of-this-process.example.com');
      expect(process.env.TEMPORAL_ADDRESS).toBe(before.address);
    } finally {
      if (before.ui === undefined) delete process.env.TEMPORAL_UI_URL;
      else process.env.TEMPORAL_UI_URL = before.ui;
    }
  });

  it('campaign start: exit 1 with the gRPC cause', async () => {
    const file = path.join(dir, 'campaign.yaml');
    fs.writeFileSync(
      file,
      [
        'campaign: refused-campaign',
        'broadcasts:',
        '  - key: one',
        '    source: rtmp://source.example.com/live/feed',
        '    dst: rtmp://ingest.example.com/app/one',
        '    start: +1h',
        '    end: +2h',
        '',
      ].join('\n')
    );
    const result = await runCli(target, ['campaign', 'start', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('could not start campaign refused-campaign: ');
    expect(result.stderr).toMatch(/no mapping defined for search attribute CampaignId/);
  });
});
