/**
 * The cluster suite's figures as sections of RELIABILITY.md and BENCHMARKS.md (kept by `npm run chaos` and
 * `npm run bench`: src/dev-harness/cluster/report-section.ts). Written only when CLUSTER_SUITE_REPORT=1, so an
 * ordinary run (CI) never rewrites the files.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { withClusterSection } from '../../src/dev-harness/cluster/report-section';
import { postgresBinDir } from '../../src/dev-harness/cluster/postgres';
import { TEMPORAL_SERVER_VERSION } from '../../src/dev-harness/cluster/server-build';
import { PROJECT_ROOT } from '../../src/config/project-root';

export interface CampaignReport {
  /** describeMachine() when the run started (its load average is the one at start). */
  machine: string[];
  size: string;
  broadcasts: number;
  submittedToEndSeconds: number;
  windowSeconds: number;
  clusterUpSeconds: Record<string, number>;
  /** `built`: compiled in this run from empty Go caches (CLUSTER_SUITE_COLD_BUILD=1), else taken from the cache. */
  serverBuild: { goVersion: string; built: boolean; seconds: number };
  faults: Record<string, string>;
  ended: string;
  campaign: { phase: string; counts: Record<string, number | undefined> };
  tasksPerBroadcast: string;
  duplicates: number;
  orphans: number;
  lost: number;
  providerAnswers: Record<string, Record<string, number>>;
  perWorker: Record<string, { creates: number; workflowTasks: number; activities: number }>;
  pssMiB: Record<string, number>;
}

const COMMAND = (report: CampaignReport) =>
  `CLUSTER_SUITE_SIZE=${report.size} ${report.serverBuild.built ? 'CLUSTER_SUITE_COLD_BUILD=1 ' : ''}` +
  'CLUSTER_SUITE_REPORT=1 npm run test:cluster';

function versions(goVersion: string): string[] {
  const sdk = (
    JSON.parse(
      fs.readFileSync(path.join(PROJECT_ROOT, 'node_modules', '@temporalio', 'worker', 'package.json'), 'utf8')
    ) as { version: string }
  ).version;
  const postgres = execFileSync(path.join(postgresBinDir(), 'pg_ctl'), ['--version'], { encoding: 'utf8' }).trim();
  return [
    `Temporal server ${TEMPORAL_SERVER_VERSION} and temporal-sql-tool, built by \`npm run cluster\` with ${goVersion}`,
    `${postgres}`,
    `Temporal TypeScript SDK ${sdk}`,
  ];
}

function header(command: string, goVersion: string, measuredAt: string, machine: string[]): string[] {
  return [
    `Measured ${measuredAt}. Command: \`${command}\`.`,
    '',
    ...machine.map((line) => `- ${line}`),
    ...versions(goVersion).map((line) => `- ${line}`),
  ];
}

function reliabilitySection(report: CampaignReport, measuredAt: string): string {
  const workers = Object.entries(report.perWorker).map(
    ([name, w]) => `| ${name} | ${w.creates} | ${w.workflowTasks} | ${w.activities} |`
  );
  return [
    '## Real cluster: worker SIGKILLed, history and PostgreSQL restarted during a campaign (`npm run test:cluster`)',
    '',
    ...header(COMMAND(report), report.serverBuild.goVersion, measuredAt, report.machine),
    '',
    '| broadcasts | faults injected | duplicates | orphans | lost | campaign |',
    '| ---------: | --------------: | ---------: | ------: | ---: | -------- |',
    `| ${report.broadcasts} | ${Object.keys(report.faults).length} | ${report.duplicates} | ${report.orphans} | ` +
      `${report.lost} | ${report.campaign.phase}, ${JSON.stringify(report.campaign.counts)} |`,
    '',
    '**Method.** `npm run cluster`’s own steps start a fresh cluster in a temporary folder on free ports: PostgreSQL',
    '(own data folder, as `postgres`), the schema (deploy/compose/setup-postgres.sh), frontend, history, matching and',
    'worker as four processes of the pinned server with docker-compose.yml’s dynamic config, and the namespace with',
    'its search attributes (deploy/compose/create-namespace.sh). Three production workers (`node lib/worker.js`,',
    '`NODE_ENV=production`, payload encryption on, each its own `METRICS_PORT`) share the task queues; the provider',
    'sandbox and the callback service run in the test process. A campaign (submitCampaign) of broadcasts whose relays',
    `start over the first half of a ${report.windowSeconds} s window and all end with it runs while: worker-3 is`,
    'SIGKILLed once a quarter of the relays exist (and not restarted: the other two must take over its workflows',
    'and activities), the history service is stopped (SIGTERM) and started again at half, and PostgreSQL is',
    'restarted (fast stop, start) at three quarters. Counts come from the sandbox audit (chaos/lib/relay-audit.ts)',
    'and the workflows’ own results; work per worker from each worker’s /metrics.',
    '',
    '**Details.**',
    '',
    ...Object.values(report.faults).map((f) => `- ${f}`),
    `- broadcasts ended: ${report.ended}; provider tasks per broadcast: ${report.tasksPerBroadcast}`,
    `- provider answers: ${JSON.stringify(report.providerAnswers)}`,
    `- submitted to last broadcast closed: ${report.submittedToEndSeconds} s`,
    '',
    '| worker | relays created | workflow tasks | activities |',
    '| ------ | -------------: | -------------: | ---------: |',
    ...workers,
  ].join('\n');
}

function benchmarksSection(report: CampaignReport, measuredAt: string): string {
  const steps = Object.entries(report.clusterUpSeconds).map(([step, s]) => `| ${step} | ${s} |`);
  const memory = Object.entries(report.pssMiB).map(([name, mib]) => `| ${name} | ${mib} |`);
  return [
    '## Real cluster: bring-up, and a campaign on three workers (`npm run test:cluster`)',
    '',
    ...header(COMMAND(report), report.serverBuild.goVersion, measuredAt, report.machine),
    '',
    '`npm run cluster -- up` on a fresh state folder, step by step (the server build is cached: 0 s):',
    '',
    '| step | seconds |',
    '| ---- | ------: |',
    ...steps,
    '',
    report.serverBuild.built
      ? `The server build ran in this run from empty Go caches (module download and compile, \`CLUSTER_SUITE_COLD_BUILD=1\`): ${report.serverBuild.seconds} s.`
      : 'The server binaries came from the cache (a cold build is measured with `CLUSTER_SUITE_COLD_BUILD=1`).',
    '',
    `The campaign of ${report.broadcasts} broadcasts (details in RELIABILITY.md) closed its last broadcast`,
    `${report.submittedToEndSeconds} s after submission, its window being ${report.windowSeconds} s.`,
    'Memory at the end of the campaign (PSS: shared pages split between the processes that share them):',
    '',
    '| process | PSS (MiB) |',
    '| ------- | --------: |',
    ...memory,
  ].join('\n');
}

function writeSection(file: 'RELIABILITY.md' | 'BENCHMARKS.md', name: string, body: string): void {
  const target = path.join(PROJECT_ROOT, file);
  fs.writeFileSync(target, withClusterSection(fs.readFileSync(target, 'utf8'), name, body));
}

export function writeClusterReports(report: CampaignReport): void {
  const measuredAt = new Date().toISOString();
  writeSection('RELIABILITY.md', 'campaign', reliabilitySection(report, measuredAt));
  writeSection('BENCHMARKS.md', 'campaign', benchmarksSection(report, measuredAt));
}

export interface QuotaFigures {
  workers: number;
  broadcasts: number;
  createsPerSecondMean: number;
  mostCreatesInAnySecond: number;
  mostCallsInAnySecond: number;
  createAnswers: Record<string, number>;
  allAnswers: Record<string, number>;
  createsPer10s: number[];
  duplicates: number;
  orphans: number;
  lost: number;
}

/** BENCHMARKS.md section `quota-<n>w`: the provider quota seen by the sandbox with n production workers. */
export function writeQuotaReport(figures: QuotaFigures, goVersion: string, machine: string[]): void {
  const command =
    `CLUSTER_QUOTA=1 CLUSTER_QUOTA_WORKERS=${figures.workers} CLUSTER_QUOTA_BURST=${figures.broadcasts} ` +
    'CLUSTER_SUITE_REPORT=1 npx jest -c jest.cluster.config.js test/cluster/quota-burst.test.ts';
  const body = [
    `## Real cluster: provider quota, ${figures.broadcasts} creates due together, ${figures.workers} worker(s) (\`quota-burst\`)`,
    '',
    ...header(command, goVersion, new Date().toISOString(), machine),
    '',
    'Goal: creates ≥ 9.5/s on average, never more than 10 in any sliding second, no Throttling answer. One elected',
    'worker makes every provider call (src/provider-quota). Measured at the provider sandbox (its record of every',
    'call); the suite asserts the quota (most creates in any second, no Throttling) and that every relay was created',
    'once and none was left or lost. "Most calls in any second" adds up different actions, each with its own budget.',
    '',
    '| creates/s (mean) | most creates in any second | most calls in any second | create answers | all answers | duplicates | orphans | lost |',
    '| ---------------: | -------------------------: | -----------------------: | -------------- | ----------- | ---------: | ------: | ---: |',
    `| ${figures.createsPerSecondMean} | ${figures.mostCreatesInAnySecond} | ${figures.mostCallsInAnySecond} | ` +
      `${JSON.stringify(figures.createAnswers)} | ${JSON.stringify(figures.allAnswers)} | ${figures.duplicates} | ` +
      `${figures.orphans} | ${figures.lost} |`,
    '',
    `Creates accepted per 10 s: ${figures.createsPer10s.join(', ')}.`,
  ].join('\n');
  writeSection('BENCHMARKS.md', `quota-${figures.workers}w`, body);
}
