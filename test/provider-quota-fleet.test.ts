/**
 * The provider quota holds for any number of workers (src/provider-quota): a burst of broadcasts due together,
 * created by 1, 2 or 3 relay worker processes on one dev server against the sandbox's per-action quota, and once with
 * the quota's owner SIGKILLed mid-burst. Measured at the sandbox, which records every call as it arrives:
 *
 * - no action is ever called more often than its budget in any sliding second, and no call is answered Throttling;
 * - every relay is created exactly once, runs, and is deleted (no duplicate, no orphan, none lost);
 * - after the kill another worker owns the quota and the creates go on.
 *
 * Figures (mean create rate, the gap the failover leaves) go to test-artifacts/provider-quota-fleet/ for the docs.
 */
import fs from 'node:fs';
import path from 'node:path';

import { startManyBroadcasts, wholeSecondAfter } from '../bench/lib/broadcasts';
import { countsPerBucket, maxInWindow, meanRatePerSecond } from '../bench/lib/rates';
import { startProcessStack, type ProcessStack } from '../chaos/lib/process-stack';
import { auditRelays, callsByCode } from '../chaos/lib/relay-audit';
import { settleWithin } from '../chaos/lib/settle-within';
import type { WorkerProcess } from '../chaos/lib/worker-process';
import { actionBudgets } from '../src/provider/quota-gate';
import { quotaOwnerWorkflowId } from '../src/shared/provider-queues';

const ARTIFACTS = path.join(__dirname, '..', 'test-artifacts', 'provider-quota-fleet');
const CREATE = 'CreateLivePullToPush';
/** Broadcasts per burst: 15 s of creates at 10/s, long enough for three workers to compete. */
const BURST = 150;
const SUITE_TIMEOUT_MS = 8 * 60_000;

interface BurstResult {
  workers: number;
  killedOwner: boolean;
  createsAccepted: number;
  createsPerSecondMean: number;
  mostCreatesInAnySecond: number;
  mostCallsOfAnActionInAnySecond: Record<string, number>;
  answers: Record<string, number>;
  createsPer5s: number[];
  ownersSeen: number;
}

/** The pid of the worker process running the owner activity, once one does. */
async function ownerPid(stack: ProcessStack): Promise<number | undefined> {
  const described = await stack.client.workflowService.describeWorkflowExecution({
    namespace: 'default',
    execution: { workflowId: quotaOwnerWorkflowId(stack.taskQueue) },
  });
  const identity = described.pendingActivities?.[0]?.lastWorkerIdentity;
  const pid = identity ? Number(identity.split('@')[0]) : NaN;
  return Number.isInteger(pid) ? pid : undefined;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function runBurst(workerCount: number, killOwner: boolean): Promise<BurstResult> {
  const lines: string[] = [];
  const log = (line: string) => lines.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
  const label = `${workerCount}w${killOwner ? '-kill' : ''}`;
  const stack = await startProcessStack({ label: `quota-${label}`, log });
  try {
    const workers: WorkerProcess[] = [];
    for (let i = 0; i < workerCount; i++) workers.push(await stack.startWorker());
    const firstOwner = await waitFor('a quota owner', () => ownerPid(stack));
    log(`owner: pid ${firstOwner} of ${workers.map((w) => w.pid).join(', ')}`);
    const creates = () => stack.sandbox.calls().filter((c) => c.action === CREATE && c.code === 'OK').length;
    const startAtMs = wholeSecondAfter(15_000);
    const createBudgetMs = (BURST / 10) * 1000 + 30_000;
    const ids = await startManyBroadcasts({
      client: stack.client,
      taskQueue: stack.taskQueue,
      count: BURST,
      // Due now: every create waits for the quota at once.
      startAtMs: startAtMs + createBudgetMs,
      durationMs: 5_000,
      leadTimeSeconds: Math.round((createBudgetMs + 15_000) / 1000),
      // An exit callback lost under load is found by reconciliation, well before the deadline below.
      reconcileAfterSeconds: 60,
      idPrefix: `quota-${label}`,
      log,
    });
    const owners = new Set([firstOwner]);
    if (killOwner) {
      await waitFor('a third of the creates', async () => (creates() >= BURST / 3 ? true : undefined), 120_000);
      const owner = workers.find((w) => w.pid === firstOwner);
      if (!owner) throw new Error(`owner pid ${firstOwner} is not one of this test's workers`);
      log(`SIGKILL owner pid ${owner.pid} after ${creates()} creates`);
      await owner.kill();
      const next = await waitFor('a new owner', async () => {
        const pid = await ownerPid(stack);
        return pid !== undefined && pid !== firstOwner ? pid : undefined;
      });
      owners.add(next);
      log(`new owner: pid ${next}`);
    }
    const outcomes = await Promise.all(
      ids.map((id) => settleWithin(stack.client.workflow.getHandle(id), createBudgetMs + 180_000))
    );
    const audit = auditRelays(
      stack.sandbox,
      outcomes.map((outcome) => ({ outcome, expect: { state: 'Completed' as const, ran: true } }))
    );
    expect({ duplicates: audit.duplicates, orphans: audit.orphans, lost: audit.lost }).toEqual({
      duplicates: 0,
      orphans: 0,
      lost: [],
    });
    const calls = stack.sandbox.calls();
    const byAction = new Map<string, number[]>();
    for (const call of calls) byAction.set(call.action, [...(byAction.get(call.action) ?? []), Date.parse(call.at)]);
    const accepted = calls.filter((c) => c.action === CREATE && c.code === 'OK').map((c) => Date.parse(c.at));
    const result: BurstResult = {
      workers: workerCount,
      killedOwner: killOwner,
      createsAccepted: accepted.length,
      createsPerSecondMean: Number(meanRatePerSecond(accepted).toFixed(2)),
      mostCreatesInAnySecond: maxInWindow(byAction.get(CREATE) ?? []),
      mostCallsOfAnActionInAnySecond: Object.fromEntries([...byAction].map(([a, times]) => [a, maxInWindow(times)])),
      answers: callsByCode(stack.sandbox),
      createsPer5s: countsPerBucket(accepted, 5_000),
      ownersSeen: owners.size,
    };
    log(JSON.stringify(result));
    return result;
  } finally {
    await stack.close();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS, `${label}.log`), `${lines.join('\n')}\n`);
  }
}

function expectQuotaHeld(result: BurstResult): void {
  const budgets = actionBudgets() as Record<string, number>;
  for (const [action, most] of Object.entries(result.mostCallsOfAnActionInAnySecond)) {
    expect({ action, most: Math.min(most, budgets[action] ?? 10) }).toEqual({ action, most });
  }
  expect(Object.keys(result.answers).filter((code) => code.startsWith('Throttling'))).toEqual([]);
  expect(result.createsAccepted).toBe(BURST);
}

describe('provider quota across a fleet (dev server, worker processes, sandbox)', () => {
  const results: BurstResult[] = [];
  afterAll(() => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  });

  it.each([1, 2, 3])(
    `%i worker(s): ${BURST} creates due together stay within every action's quota, each relay created once`,
    async (workers) => {
      const result = await runBurst(workers, false);
      results.push(result);
      expectQuotaHeld(result);
    },
    SUITE_TIMEOUT_MS
  );

  it(
    `3 workers, the quota's owner SIGKILLed mid-burst: another takes over, the quota holds, nothing is lost`,
    async () => {
      const result = await runBurst(3, true);
      results.push(result);
      expectQuotaHeld(result);
      expect(result.ownersSeen).toBe(2);
    },
    SUITE_TIMEOUT_MS
  );
});
