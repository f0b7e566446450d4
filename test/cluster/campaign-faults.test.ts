/**
 * A campaign on a real Temporal cluster (PostgreSQL, frontend/history/matching/worker as separate processes) with three
 * production workers, through a worker SIGKILLed mid-campaign, the history service restarted and PostgreSQL
 * restarted: every broadcast completes with its relay created once and deleted, the work is spread over the workers
 * (each one's own metrics), and a fresh cluster has the project's search attributes.
 *
 * CLUSTER_SUITE_SIZE=small (default, CI) or full (RELIABILITY.md / BENCHMARKS.md figures). Figures go to
 * test-artifacts/cluster/campaign-<size>.json; CLUSTER_SUITE_REPORT=1 also writes them into RELIABILITY.md and
 * BENCHMARKS.md; CLUSTER_SUITE_COLD_BUILD=1 builds the server from empty Go caches first, to measure that too.
 */
import { describeMachine } from '../../bench/lib/machine';
import fs from 'node:fs';
import path from 'node:path';

import type { CampaignEntry } from '../../src/campaign/file';
import { submitCampaign } from '../../src/campaign/submit';
import { SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { campaignBroadcastId, campaignStatusQuery } from '../../src/workflows/campaign-messages';
import { auditRelays, callsByCode, tasksOf } from '../../chaos/lib/relay-audit';
import { settleWithin, tally } from '../../chaos/lib/settle-within';
import { relayRequest } from '../../testkit/broadcasts';
import { metricValue } from '../helpers/prometheus';

import {
  ARTIFACTS_DIR,
  startClusterStack,
  TASK_QUEUE,
  type ClusterStack,
  type ProductionWorker,
} from './cluster-stack';
import { writeClusterReports, type CampaignReport } from './report';

const SIZES = {
  /** Broadcasts, and when every relay ends (ms after submission); relays start over the first half of it. */
  small: { broadcasts: 24, windowMs: 75_000 },
  full: { broadcasts: 300, windowMs: 240_000 },
};
const sizeName = (process.env.CLUSTER_SUITE_SIZE ?? 'small') as keyof typeof SIZES;
const size = SIZES[sizeName];
if (!size) throw new Error(`CLUSTER_SUITE_SIZE: small or full, got "${sizeName}"`);

function entries(count: number, windowMs: number): CampaignEntry[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const startInMs = 3_000 + Math.floor((i * windowMs) / 2 / count);
    return {
      key: `b${String(i + 1).padStart(3, '0')}`,
      line: i + 1,
      request: relayRequest(now, startInMs, windowMs - startInMs, { leadTimeSeconds: 2 }),
    };
  });
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What one worker did, from its own metrics endpoint. */
interface WorkerWork {
  /** Relays it created (CreateLivePullToPush answered OK). */
  creates: number;
  /** Workflow tasks and activity tasks it executed (the SDK's latency histograms count one per task). */
  workflowTasks: number;
  activities: number;
}

async function workOf(worker: ProductionWorker): Promise<WorkerWork> {
  const text = await worker.scrape();
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS_DIR, `${worker.name}-metrics.txt`), text);
  return {
    creates: metricValue(text, 'relay_provider_calls', { action: 'CreateLivePullToPush', code: 'OK' }),
    workflowTasks: metricValue(text, 'temporal_workflow_task_execution_latency_count', {}),
    activities: metricValue(text, 'temporal_activity_execution_latency_count', {}),
  };
}

describe(`campaign on a real cluster with three production workers (${sizeName})`, () => {
  const lines: string[] = [];
  const log = (line: string) => {
    lines.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (process.env.CLUSTER_SUITE_VERBOSE) process.stderr.write(`${line}\n`);
  };
  let stack: ClusterStack;
  const machine = describeMachine(); // load average at the start of the run

  beforeAll(async () => {
    stack = await startClusterStack(log);
  });
  afterAll(async () => {
    await stack?.close();
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS_DIR, `campaign-${sizeName}.log`), `${lines.join('\n')}\n`);
  });

  it('a fresh cluster has every search attribute the workflows upsert', async () => {
    const { customAttributes } = await stack.client.connection.operatorService.listSearchAttributes({
      namespace: stack.cluster.namespace,
    });
    expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(SEARCH_ATTRIBUTES.map((k) => k.name)));
  });

  it('completes through a worker SIGKILL, a history restart and a PostgreSQL restart: 0 duplicates, orphans, lost', async () => {
    const { client, sandbox } = stack;
    const workers: ProductionWorker[] = [];
    for (const name of ['worker-1', 'worker-2', 'worker-3']) workers.push(await stack.startWorker(name));
    const [, , victim] = workers;
    if (!victim) throw new Error('three workers expected');

    const campaignId = `cluster-${sizeName}-${Date.now().toString(36)}`;
    const plan = entries(size.broadcasts, size.windowMs);
    const submittedAt = Date.now();
    await submitCampaign({ client, taskQueue: TASK_QUEUE, campaignId, entries: plan });
    log(`campaign ${campaignId}: ${plan.length} entries submitted`);
    const created = () => sandbox.tasks().length;
    const faults: Record<string, string> = {};

    // SIGKILL worker-3 once a quarter of the relays exist; the other two must take over what it held.
    await until('a quarter of the relays created', () => created() >= plan.length / 4);
    const victimWork = await workOf(victim);
    await victim.kill();
    faults.workerKilled = `worker-3 SIGKILLed with ${created()} of ${plan.length} relays created`;
    log(faults.workerKilled);

    await until('half of the relays created', () => created() >= plan.length / 2);
    let since = Date.now();
    await stack.restartService('history');
    faults.historyRestarted = `history restarted (SIGTERM + start) in ${((Date.now() - since) / 1000).toFixed(1)} s at ${created()} relays created`;
    log(faults.historyRestarted);

    await until('three quarters of the relays created', () => created() >= (3 * plan.length) / 4);
    since = Date.now();
    stack.restartPostgres();
    faults.postgresRestarted = `PostgreSQL restarted (fast stop + start) in ${((Date.now() - since) / 1000).toFixed(1)} s at ${created()} relays created`;
    log(faults.postgresRestarted);

    const handles = plan.map((e) => client.workflow.getHandle(campaignBroadcastId(campaignId, e.key)));
    const outcomes = await Promise.all(handles.map((h) => settleWithin(h, size.windowMs + 300_000)));
    const campaign = client.workflow.getHandle(campaignId);
    await until(
      'the campaign to count every broadcast',
      async () => {
        const status = await campaign.query(campaignStatusQuery);
        return (
          (status.counts.Completed ?? 0) + (status.counts.Failed ?? 0) + (status.counts.Cancelled ?? 0) >= plan.length
        );
      },
      120_000
    );
    const status = await campaign.query(campaignStatusQuery);

    const audit = auditRelays(
      sandbox,
      outcomes.map((outcome) => ({ outcome, expect: { state: 'Completed' as const, ran: true } }))
    );
    const perWorker: Record<string, WorkerWork> = {
      'worker-1': await workOf(workers[0]!),
      'worker-2': await workOf(workers[1]!),
      'worker-3 (until its SIGKILL)': victimWork,
    };
    const submittedToEndSeconds = Math.round((Date.now() - submittedAt) / 1000);
    const report: CampaignReport & { lostDetails: unknown; duplicateDetails: string[] } = {
      machine,
      size: sizeName,
      broadcasts: plan.length,
      submittedToEndSeconds,
      windowSeconds: size.windowMs / 1000,
      clusterUpSeconds: stack.cluster.timings,
      serverBuild: {
        goVersion: stack.cluster.binaries.goVersion,
        built: stack.cluster.binaries.built,
        seconds: stack.cluster.timings.serverBinaries ?? 0,
      },
      pssMiB: stack.pssMiB(),
      faults,
      ended: tally(outcomes.map((o) => o.status.state)),
      campaign: { phase: status.phase, counts: status.counts },
      tasksPerBroadcast: tally(outcomes.map((o) => String(tasksOf(sandbox, o.workflowId).length))),
      duplicates: audit.duplicates,
      orphans: audit.orphans,
      lost: audit.lost.length,
      lostDetails: audit.lost,
      duplicateDetails: audit.duplicateDetails,
      providerAnswers: {
        create: callsByCode(sandbox, 'CreateLivePullToPush'),
        delete: callsByCode(sandbox, 'DeleteLivePullToPush'),
      },
      perWorker,
    };
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS_DIR, `campaign-${sizeName}.json`), `${JSON.stringify(report, null, 2)}\n`);
    log(JSON.stringify(report));
    if (process.env.CLUSTER_SUITE_REPORT === '1') writeClusterReports(report);

    expect({
      duplicates: audit.duplicates,
      orphans: audit.orphans,
      lost: audit.lost,
      why: audit.duplicateDetails,
    }).toEqual({
      duplicates: 0,
      orphans: 0,
      lost: [],
      why: [],
    });
    expect(status.counts.Completed).toBe(plan.length);
    expect(audit.tasksCreated).toBe(plan.length);
    // Spread: every worker executed workflow tasks (worker-3 before it was killed), from each one's own metrics.
    for (const [name, work] of Object.entries(perWorker)) {
      expect({ name, workflowTasks: work.workflowTasks > 0 }).toEqual({ name, workflowTasks: true });
    }
  });
});
