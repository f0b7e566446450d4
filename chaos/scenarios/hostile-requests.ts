/**
 * Hostile requests to the client and the workflow: invalid broadcast requests (every field violated in turn, plus
 * seeded multi-defect ones) and invalid campaign files (YAML/CSV/JSON), submitted through the real client paths —
 * the library functions in bulk, the client script as a child process for a sample — and, for broadcast requests,
 * straight to the broadcast workflow, which validates again. Measured: each rejection names the field and the rule;
 * Temporal's visibility holds exactly the workflows started straight on purpose (each Failed as an invalid
 * request) and nothing else; the provider sandbox saw no create and holds no task.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import { InvalidBroadcastRequestError } from '../../src/broadcast/validation';
import { startBroadcast } from '../../src/broadcast/start';
import { parseCampaign, readCampaignFile, type CampaignPlan } from '../../src/campaign/file';
import { QUOTA_OWNER_WORKFLOW_TYPE } from '../../src/provider-quota/election';
import type { RunningSandbox } from '../../src/dev-harness/sandbox';
import { DEFAULT_REGION } from '../../src/provider/schemas';
import { FailureTypes, workflowTypeFor, type BroadcastRequest } from '../../src/shared/broadcast';
import { times } from '../../bench/lib/concurrency';
import { broadcastStartArgs, spawnCli, type CliTarget } from '../../testkit/cli';
import { waitFor } from '../../testkit/wait';
import { countCalls } from '../../testkit/sandbox-audit';
import { campaignCorpus, type CampaignCase } from '../lib/campaign-corpus';
import { startChaosEnv } from '../lib/chaos-env';
import { seededRandom, type Prng } from '../../testkit/prng';
import { missingViolations, requestCorpus, type RequestCase } from '../lib/request-corpus';
import type { ChaosContext, ChaosReport, ChaosScenario } from '../lib/scenario';

const SIZES = {
  small: { combined: 60, campaignRounds: 1, toWorkflow: 14, cliBroadcasts: 2, cliCampaigns: 2 },
  full: { combined: 600, campaignRounds: 5, toWorkflow: 60, cliBroadcasts: 8, cliCampaigns: 8 },
};
export const REQUESTS_SEED = 0x5eed1e55;

/** One input and how it was judged: rejected naming what it should (`ok`), or what went wrong. */
export interface Judged {
  path: 'library' | 'workflow' | 'cli';
  kind: 'request' | 'campaign';
  category: string;
  note: string;
  /** Empty when the rejection was right. */
  problem?: string;
}

export interface HostileRequestsResult {
  report: ChaosReport;
  judged: Judged[];
  /** Workflows visibility lists on the scenario's task queue, and how many were started straight on purpose. */
  visibleWorkflows: number;
  startedOnPurpose: number;
  createCalls: number;
  tasks: number;
}

/** The client script's flags for a valid broadcast; each CLI case breaks one thing. */
const CLI_BROADCASTS: { note: string; args: string[]; file?: string; mentions: RegExp }[] = [
  {
    note: 'DstUrl over http',
    args: ['--dst', 'http://ingest.example.com/app/x'],
    mentions: /relay\.DstUrl: must be an rtmp/,
  },
  { note: 'StartTime word', args: ['--start', 'tomorrow'], mentions: /relay\.StartTime: must be a UTC time/ },
  {
    note: 'EndTime before StartTime',
    args: ['--start', '+2h', '--end', '+1h'],
    mentions: /relay\.EndTime: must be later than StartTime/,
  },
  { note: 'lead time not a number', args: ['--lead-time', 'soon'], mentions: /--lead-time: must be an integer/ },
  { note: 'label without =', args: ['--label', 'stage'], mentions: /--label: expected key=value/ },
  { note: 'unknown region', args: ['--region', 'mars-1'], mentions: /relay\.Region: must be one of/ },
  { note: 'maxRestarts 99', args: ['--max-restarts', '99'], mentions: /restartPolicy\.maxRestarts: must be ≤ 20/ },
  {
    note: 'file with an unknown field',
    args: [],
    file: 'relay:\n  SourceType: live\nleadTime: 60\n',
    mentions: /leadTime: unknown field/,
  },
];

/** Library path: startBroadcast validates and must throw naming every expected violation; nothing may start. */
async function viaLibrary(client: Client, taskQueue: string, c: RequestCase, id: string): Promise<string | undefined> {
  try {
    await startBroadcast({
      client,
      taskQueue,
      workflowId: id,
      request: c.request as never,
      defaultRegion: DEFAULT_REGION,
    });
    return 'accepted: a workflow was started';
  } catch (err) {
    if (!(err instanceof InvalidBroadcastRequestError))
      return `threw ${(err as Error).name}: ${(err as Error).message}`;
    const missing = missingViolations(err.violations, c.expect);
    return missing.length > 0 ? `did not name ${missing.join('; ')} (got ${err.violations.join('; ')})` : undefined;
  }
}

/** Workflow path: started without client validation; it must fail as InvalidBroadcastRequest naming the same. */
async function viaWorkflow(client: Client, taskQueue: string, c: RequestCase, id: string): Promise<string | undefined> {
  const handle = await client.workflow.start(workflowTypeFor(c.request as BroadcastRequest), {
    taskQueue,
    workflowId: id,
    args: [c.request],
  });
  const outcome = await Promise.race([
    handle.result().then(
      () => 'completed',
      (err: unknown) => err
    ),
    // Unref'd: a workflow that failed at once must not leave this timer holding the process for a minute.
    new Promise<string>((resolve) => setTimeout(() => resolve('still running after 60 s'), 60_000).unref()),
  ]);
  if (typeof outcome === 'string') {
    await handle.terminate('hostile-requests: did not fail').catch(() => undefined);
    return outcome;
  }
  const cause = outcome instanceof WorkflowFailedError ? outcome.cause : undefined;
  if (!(cause instanceof ApplicationFailure) || cause.type !== FailureTypes.invalidRequest) {
    return `failed otherwise: ${(cause ?? (outcome as Error)).message}`;
  }
  const violations = (cause.details?.[0] ?? []) as string[];
  const missing = missingViolations(violations, c.expect);
  return missing.length > 0 ? `did not name ${missing.join('; ')} (got ${cause.message})` : undefined;
}

/** A campaign file through the library: the plan must list a problem naming each expected field and rule. */
function viaCampaignLibrary(c: CampaignCase, dir: string): string | undefined {
  let plan: CampaignPlan;
  try {
    if (Buffer.isBuffer(c.content)) {
      const file = path.join(dir, c.fileName);
      fs.writeFileSync(file, c.content);
      plan = readCampaignFile(file, { defaultRegion: DEFAULT_REGION });
    } else {
      plan = parseCampaign(c.fileName, c.content, { defaultRegion: DEFAULT_REGION });
    }
  } catch (err) {
    return `threw ${(err as Error).message}`;
  }
  const missing = c.expect.filter(
    (x) => !plan.problems.some((p) => p.field === x.field && p.line >= 1 && x.rule.test(p.rule))
  );
  if (missing.length === 0) return undefined;
  return `did not name ${missing.map((m) => `${m.field}: ${m.rule.source}`).join('; ')} (got ${JSON.stringify(plan.problems).slice(0, 300)})`;
}

/** The client script: exit code 2, stderr naming the field, and (for campaigns) "nothing was started". */
function judgeCli(result: { code: number; stderr: string }, mentions: RegExp, campaign: boolean): string | undefined {
  if (result.code !== 2) return `exit code ${result.code}, expected 2: ${result.stderr.slice(0, 300)}`;
  if (!mentions.test(result.stderr)) return `stderr does not match ${mentions.source}: ${result.stderr.slice(0, 300)}`;
  if (campaign && !/nothing was started/.test(result.stderr)) return `stderr does not say nothing was started`;
  return undefined;
}

/** Task names the sandbox holds more than one task for (none expected: no task at all should exist). */
function duplicateTaskNames(sandbox: RunningSandbox): number {
  const perName = new Map<string, number>();
  for (const t of sandbox.tasks()) perName.set(t.TaskName, (perName.get(t.TaskName) ?? 0) + 1);
  return [...perName.values()].filter((n) => n > 1).length;
}

/** Non-objects and one case of each category first, so every category reaches the workflow, then a random rest. */
function stratified(rng: Prng, cases: RequestCase[], count: number): RequestCase[] {
  const categories = [...new Set(cases.map((c) => c.category))];
  // A request that is no object at all must reach the workflow too: it is the one input the workflow reads first.
  const notObjects = cases.filter((c) => typeof c.request !== 'object' || c.request === null);
  const firsts = [
    ...notObjects,
    ...categories.map((category) => rng.pick(cases.filter((c) => c.category === category && !notObjects.includes(c)))),
  ];
  return [
    ...firsts,
    ...sample(
      rng,
      cases.filter((c) => !firsts.includes(c)),
      Math.max(0, count - firsts.length)
    ),
  ];
}

const sample = <T>(rng: Prng, items: T[], count: number): T[] => {
  const pool = [...items];
  return Array.from(
    { length: Math.min(count, pool.length) },
    () => pool.splice(rng.int(0, pool.length - 1), 1)[0] as T
  );
};

function tallyBy(judged: Judged[], key: (j: Judged) => string): string {
  const counts = new Map<string, [number, number]>();
  for (const j of judged) {
    const [ok, all] = counts.get(key(j)) ?? [0, 0];
    counts.set(key(j), [ok + (j.problem ? 0 : 1), all + 1]);
  }
  return [...counts].map(([k, [ok, all]]) => `${k} ${ok}/${all}`).join(', ');
}

export async function runHostileRequests(ctx: ChaosContext): Promise<HostileRequestsResult> {
  const size = SIZES[ctx.size];
  const rng = seededRandom(REQUESTS_SEED);
  const chaos = await startChaosEnv();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-requests-'));
  try {
    const stack = await chaos.relayStack('hostile-requests', {});
    const client = chaos.env.client;
    const target: CliTarget = { address: chaos.env.address, taskQueue: stack.taskQueue };
    return await stack.run(async () => {
      const judged: Judged[] = [];
      const requests = requestCorpus(rng, Date.now(), size.combined);
      const campaigns = campaignCorpus(rng, size.campaignRounds);
      ctx.log(
        `hostile-requests: ${requests.length} requests, ${campaigns.length} campaign files (seed ${REQUESTS_SEED})`
      );

      // 1. Library, every request and every file.
      await times(requests.length, 8, async (i) => {
        const c = requests[i] as RequestCase;
        const problem = await viaLibrary(client, stack.taskQueue, c, `hostile-lib-${i}`);
        judged.push({ path: 'library', kind: 'request', category: c.category, note: c.note, problem });
      });
      for (const c of campaigns) {
        judged.push({
          path: 'library',
          kind: 'campaign',
          category: c.category,
          note: c.note,
          problem: viaCampaignLibrary(c, dir),
        });
      }

      ctx.log('library path done; now straight to the workflow');
      // 2. Straight to the workflow: every single-defect category represented, the rest sampled.
      const jsonSafe = requests.filter((c) => c.jsonSafe);
      const toWorkflow = stratified(rng, jsonSafe, size.toWorkflow);
      await times(toWorkflow.length, 8, async (i) => {
        const c = toWorkflow[i] as RequestCase;
        const problem = await viaWorkflow(client, stack.taskQueue, c, `hostile-wf-${i}`);
        judged.push({ path: 'workflow', kind: 'request', category: c.category, note: c.note, problem });
      });

      // 3. The client script as a child process, a sample of each.
      const cliBroadcasts = sample(rng, CLI_BROADCASTS, size.cliBroadcasts);
      const cliCampaigns = sample(
        rng,
        campaigns.filter((c) => c.category !== 'enormous'),
        size.cliCampaigns
      );
      ctx.log(`${cliBroadcasts.length + cliCampaigns.length} client script runs`);
      await times(cliBroadcasts.length + cliCampaigns.length, 2, async (i) => {
        if (i < cliBroadcasts.length) {
          const c = cliBroadcasts[i]!;
          const args = [...broadcastStartArgs(`hostile-cli-${i}`, '+1h', '+2h'), ...c.args];
          if (c.file) {
            fs.writeFileSync(path.join(dir, `cli-${i}.yaml`), c.file);
            args.push('--file', path.join(dir, `cli-${i}.yaml`));
          }
          const problem = judgeCli(await spawnCli(target, args), c.mentions, false);
          judged.push({ path: 'cli', kind: 'request', category: 'cli flags', note: c.note, problem });
        } else {
          const c = cliCampaigns[i - cliBroadcasts.length]!;
          const file = path.join(dir, `cli-${c.fileName}`);
          fs.writeFileSync(file, c.content);
          const field = c.expect[0]?.field ?? 'file';
          const result = await spawnCli(target, ['campaign', 'start', file, '--id', `hostile-campaign-${i}`]);
          const problem = judgeCli(result, new RegExp(`${field.replace(/[.[\]]/g, '\\$&')}: `), true);
          judged.push({ path: 'cli', kind: 'campaign', category: c.category, note: c.note, problem });
        }
      });

      // 4. Nothing started but the workflows started straight on purpose (visibility lags: wait for them). The
      // provider quota's owner workflow runs on the queue too, by design: it is no broadcast.
      const query = `TaskQueue="${stack.taskQueue}" AND WorkflowType != "${QUOTA_OWNER_WORKFLOW_TYPE}"`;
      const startedOnPurpose = toWorkflow.length;
      let visibleWorkflows = -1;
      await waitFor(
        'visibility to list the straight starts',
        async () => {
          visibleWorkflows = (await client.workflow.count(query)).count;
          return visibleWorkflows >= startedOnPurpose ? true : undefined;
        },
        30_000
      ).catch(() => undefined);
      const createCalls = countCalls(stack.sandbox, 'CreateLivePullToPush');
      const tasks = stack.sandbox.tasks().length;

      const wrong = judged.filter((j) => j.problem);
      const extraWorkflows = Math.max(0, visibleWorkflows - startedOnPurpose);
      const details = [
        `corpus: seed ${REQUESTS_SEED}; ${requests.length} broadcast requests (${requests.length - size.combined} single-defect, ${size.combined} with 2–4 defects), ${campaigns.length} campaign files`,
        `rejected naming the field and rule: ${judged.length - wrong.length}/${judged.length}`,
        `by path: ${tallyBy(judged, (j) => `${j.path} ${j.kind}s`)}`,
        `broadcast requests by category: ${tallyBy(
          judged.filter((j) => j.kind === 'request'),
          (j) => j.category
        )}`,
        `campaign files by category: ${tallyBy(
          judged.filter((j) => j.kind === 'campaign'),
          (j) => j.category
        )}`,
        `workflows in visibility on the task queue: ${visibleWorkflows} (started straight to the workflow on purpose: ${startedOnPurpose}, each expected to fail as ${FailureTypes.invalidRequest})`,
        `provider sandbox: CreateLivePullToPush calls ${createCalls}, tasks ${tasks}`,
        ...wrong.slice(0, 10).map((j) => `LOST ${j.path} ${j.kind} ${j.category} (${j.note}): ${j.problem}`),
        ...(extraWorkflows > 0 ? [`LOST ${extraWorkflows} workflow(s) in visibility beyond the straight starts`] : []),
        ...(createCalls > 0 ? [`LOST ${createCalls} CreateLivePullToPush call(s) for invalid input`] : []),
      ];
      return {
        report: {
          counts: {
            runs: judged.length,
            faultsInjected: judged.length,
            broadcasts: startedOnPurpose,
            duplicates: duplicateTaskNames(stack.sandbox),
            orphans: stack.sandbox.tasks().filter((t) => !t.deleted).length,
            lost: wrong.length + extraWorkflows + createCalls,
          },
          details,
        },
        judged,
        visibleWorkflows,
        startedOnPurpose,
        createCalls,
        tasks,
      };
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await chaos.close();
  }
}

export const hostileRequests: ChaosScenario = {
  name: 'hostile-requests',
  title: 'Hostile requests to the client and workflow',
  method:
    'Invalid broadcast requests (every field missing, mistyped, out of range, bad URL or time, too long, unknown, ' +
    'injection-looking or huge, plus seeded requests with 2–4 defects) and invalid campaign files (YAML/CSV/JSON: ' +
    'syntax, duplicate keys, overlapping windows on one destination, bad rows, unknown fields, empty, over 32 MiB, ' +
    'wrong encodings), through the library in bulk, the client script for a sample, and straight to ' +
    'the broadcast workflow. Correct: every one rejected naming the field and rule, no workflow but the straight starts ' +
    '(each Failed as invalid), no create call. Lost counts inputs not rejected as they should be.',
  run: async (ctx) => (await runHostileRequests(ctx)).report,
};
