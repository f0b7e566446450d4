/**
 * First-use snags of the client script, in-process against a dev server and stand-in workflows
 * (test/fixtures/cli-stub-workflows.ts): what `list` shows, the campaign's Web UI link, what `broadcast stop` prints,
 * and an encrypted payload read without keys.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';

import { webUiLink } from '../src/campaign/submit';
import { clientPayloadEncryption, isDevServerAddress } from '../src/codec/client-encryption';
import { generateKeyEntry } from '../src/codec/keys';
import { codecFromKeys } from '../src/codec/setup';
import type { ListRow } from '../src/cli/list-command';
import { loadSettings } from '../src/config/settings';
import { CampaignIdKey } from '../src/shared/search-attributes';

import type { campaignWorkflow, relayBroadcastWorkflow } from './fixtures/cli-stub-workflows';
import { runClientMain as run } from '../testkit/cli-in-process';
import { createDevEnv } from '../testkit/temporal';

jest.setTimeout(120_000);

const TASK_QUEUE = 'cli-first-use';
const KEYS = generateKeyEntry('first-use-key');

describe('client script: first use (in-process, dev server, stand-in workflows)', () => {
  let env: TestWorkflowEnvironment;
  let client: Client;
  let worker: Worker;
  let running: Promise<void>;
  const saved = { ...process.env };

  beforeAll(async () => {
    env = await createDevEnv();
    const dataConverter = { payloadCodecs: [codecFromKeys(KEYS, 'test keys')] };
    client = new Client({ connection: env.connection, dataConverter });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowsPath: require.resolve('./fixtures/cli-stub-workflows'),
      dataConverter,
    });
    running = worker.run();
    Object.assign(process.env, {
      TEMPORAL_ADDRESS: env.address,
      PAYLOAD_ENCRYPTION_KEYS: KEYS,
      DEV_SERVER_DB_FILE: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'first-use-')), 'dev.db'),
    });
    delete process.env.TEMPORAL_UI_URL;
  });
  afterAll(async () => {
    process.env = saved;
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  const startBroadcast = (id: string, state: 'Running' | 'Scheduled', campaignId?: string) =>
    client.workflow.start<typeof relayBroadcastWorkflow>('relayBroadcastWorkflow', {
      workflowId: id,
      taskQueue: TASK_QUEUE,
      args: [{ state, campaignId }],
      // As src/broadcast/start.ts does: a campaign's broadcast carries its CampaignId from the start.
      ...(campaignId ? { typedSearchAttributes: [{ key: CampaignIdKey, value: campaignId }] } : {}),
    });
  const startCampaign = (campaignId: string, phase: 'paused' | 'cancelled') =>
    client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', {
      workflowId: campaignId,
      taskQueue: TASK_QUEUE,
      args: [{ campaignId, phase }],
    });
  async function listUntil(argv: string[], ok: (rows: ListRow[]) => boolean): Promise<ListRow[]> {
    for (let attempt = 0; ; attempt++) {
      const { code, stdout: out, stderr: err } = await run(['list', '--json', ...argv]);
      expect({ code, err }).toEqual({ code: 0, err: '' });
      const rows = JSON.parse(out) as ListRow[];
      if (ok(rows) || attempt >= 60) return rows; // visibility lags a little behind
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  it('list says so when there is nothing to list', async () => {
    const all = await run(['list']);
    expect(all).toMatchObject({ code: 0, stderr: '' });
    expect(all.stdout).toBe('no broadcasts or campaigns found in namespace default\n');
    const none = await run(['list', '--campaign', 'no-such-campaign']);
    expect(none.stdout).toBe('no broadcasts in campaign "no-such-campaign" found in namespace default\n');
  });

  it('list shows standalone broadcasts and campaigns by kind, each campaign in its own phase; --campaign its broadcasts', async () => {
    await startBroadcast('solo-1', 'Running');
    await (await startCampaign('camp-cancelled', 'cancelled')).result();
    await startCampaign('camp-paused', 'paused');
    await startBroadcast('camp-paused/a', 'Scheduled', 'camp-paused');

    const rows = await listUntil([], (r) => r.length >= 3 && r.every((row) => row.state !== 'running'));
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(Object.keys(byId).sort()).toEqual(['camp-cancelled', 'camp-paused', 'solo-1']); // not a campaign's broadcast
    expect(byId['solo-1']).toMatchObject({ kind: 'broadcast', state: 'Running', status: 'RUNNING' });
    // Cancelled as `campaign status` says, though its execution completed.
    expect(byId['camp-cancelled']).toMatchObject({ kind: 'campaign', state: 'cancelled', status: 'COMPLETED' });
    expect(byId['camp-paused']).toMatchObject({ kind: 'campaign', state: 'paused', status: 'RUNNING' });

    const text = await run(['list']);
    expect(text.stdout).toMatch(/^KIND +ID +STATE +STARTED$/m);
    expect(text.stdout).toMatch(/^campaign +camp-cancelled +cancelled +\d{4}-/m);
    expect(text.stdout).toMatch(/^broadcast +solo-1 +Running +\d{4}-/m);

    const inCampaign = await listUntil(['--campaign', 'camp-paused'], (r) => r.length >= 1);
    expect(inCampaign).toEqual([
      expect.objectContaining({ kind: 'broadcast', id: 'camp-paused/a', state: 'Scheduled' }),
    ]);
  });

  it("the campaign's Web UI link lists its broadcasts only, not the campaign workflow", async () => {
    const link = new URL(webUiLink('http://ui.example.com', 'default', 'camp-paused'));
    const query = link.searchParams.get('query') ?? '';
    const ids: string[] = [];
    for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
    expect(ids).toEqual(['camp-paused/a']);
  });

  it('broadcast stop says the stop was sent and what comes next, not just the state from before it', async () => {
    await startBroadcast('to-stop', 'Running');
    const { code, stdout: out } = await run(['broadcast', 'stop', 'to-stop']);
    expect(code).toBe(0);
    expect(out).toMatch(
      /^state: +Running \(stop sent to the provider; Offline once it reports the relay stopped\. .*`broadcast restart` resumes it\)$/m
    );
  });

  it('an encrypted payload read without keys names its key id and how to configure keys', async () => {
    await startBroadcast('secret-1', 'Running');
    delete process.env.PAYLOAD_ENCRYPTION_KEYS;
    try {
      const { code, stderr: err } = await run(['broadcast', 'status', 'secret-1']);
      expect(code).toBe(1);
      expect(err).toContain('payload is encrypted with key id "first-use-key" and this client has no payload');
      expect(err).toMatch(/set PAYLOAD_ENCRYPTION_KEYS .*PAYLOAD_ENCRYPTION_KEYS_FILE=.*payload-encryption-keys/);
      expect(err).not.toContain('Unknown encoding');
    } finally {
      process.env.PAYLOAD_ENCRYPTION_KEYS = KEYS;
    }
  });
});

describe('client encryption: the dev server by TEMPORAL_ADDRESS', () => {
  it('reads the development key when TEMPORAL_ADDRESS names the `npm start` dev server', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-key-'));
    fs.writeFileSync(path.join(dir, 'payload-encryption-keys'), `${generateKeyEntry('dev-test')}\n`);
    const settings = loadSettings({ DEV_SERVER_DB_FILE: path.join(dir, 'dev.db') });
    expect(clientPayloadEncryption(settings, '127.0.0.1:7233').codec?.keyIds).toEqual(['dev-test']);
    expect(clientPayloadEncryption(settings, 'localhost:7233').codec?.keyIds).toEqual(['dev-test']);
    expect(clientPayloadEncryption(settings, 'temporal.example.com:7233').codec).toBeUndefined();
    expect(clientPayloadEncryption(settings, '127.0.0.1:7234').codec).toBeUndefined();
    expect(isDevServerAddress('[::1]:7233', 7233)).toBe(true);
  });
});
