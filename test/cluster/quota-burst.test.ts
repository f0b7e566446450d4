/**
 * The provider quota across a fleet, measured on a real cluster: CLUSTER_QUOTA_BURST broadcasts (default 1,000) due at
 * the same moment, created by CLUSTER_QUOTA_WORKERS production workers (default 3) against the sandbox's 10 creates/s
 * per key. Runs only with CLUSTER_QUOTA=1 (minutes; not in CI).
 *
 * Asserted: every relay created exactly once, none left, none lost, and the quota held fleet-wide (one elected owner
 * makes every provider call, src/provider-quota): never more creates in a sliding second than the budget, no
 * Throttling answer. The figures (mean create rate among them) go to test-artifacts/cluster/quota-<workers>w.json.
 */
import { describeMachine } from '../../bench/lib/machine';
import fs from 'node:fs';
import path from 'node:path';

import { startManyBroadcasts, wholeSecondAfter } from '../../bench/lib/broadcasts';
import { countsPerBucket, maxInWindow, meanRatePerSecond } from '../../bench/lib/rates';
import { auditRelays, callsByCode } from '../../chaos/lib/relay-audit';
import { settleWithin, tally } from '../../chaos/lib/settle-within';

import { ARTIFACTS_DIR, startClusterStack, TASK_QUEUE, type ClusterStack } from './cluster-stack';
import { writeQuotaReport, type QuotaFigures } from './report';

const enabled = process.env.CLUSTER_QUOTA === '1';
const BURST = Number(process.env.CLUSTER_QUOTA_BURST ?? 1_000);
const WORKERS = Number(process.env.CLUSTER_QUOTA_WORKERS ?? 3);
const CREATE = 'CreateLivePullToPush';
/** Creates take BURST / 10 s; the relays start after that and end soon after, so nothing else competes. */
const CREATE_BUDGET_MS = (BURST / 10) * 1000 + 30_000;
/** Time to start every broadcast and let each reach its lead-time timer before the creates fall due. */
const PREPARE_MS = 20_000 + BURST * 40;

(enabled ? describe : describe.skip)(`provider quota: ${BURST} broadcasts due together, ${WORKERS} workers`, () => {
  const lines: string[] = [];
  const log = (line: string) => lines.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
  let stack: ClusterStack;
  const machine = describeMachine(); // load average at the start of the run

  beforeAll(async () => {
    if (!(Number.isInteger(BURST) && BURST > 0)) throw new Error('CLUSTER_QUOTA_BURST: a positive integer');
    if (![1, 2, 3].includes(WORKERS)) throw new Error('CLUSTER_QUOTA_WORKERS: 1, 2 or 3');
    stack = await startClusterStack(log);
  });
  afterAll(async () => {
    await stack?.close();
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS_DIR, `quota-${WORKERS}w.log`), `${lines.join('\n')}\n`);
  });

  it('creates every relay once; the quota figures are measured', async () => {
    for (let i = 1; i <= WORKERS; i++) await stack.startWorker(`worker-${i}`);
    // Every create due at once, after every workflow has started and reached its lead-time timer (20 s, plus 40 ms a
    // broadcast on 2 cores): otherwise the creates trickle in as the workflows start and the mean measures the starts.
    const startAtMs = wholeSecondAfter(PREPARE_MS);
    const ids = await startManyBroadcasts({
      client: stack.client,
      taskQueue: TASK_QUEUE,
      count: BURST,
      startAtMs: startAtMs + CREATE_BUDGET_MS,
      durationMs: 20_000,
      // Creates fall due at startAtMs; the relays start CREATE_BUDGET_MS later, when every create is done.
      leadTimeSeconds: Math.round(CREATE_BUDGET_MS / 1000),
      // 1,000 relays end in the same second; an exit callback the sandbox gave up on (4 attempts) is found by
      // reconciliation, which must come well before the deadline below.
      reconcileAfterSeconds: 120,
      idPrefix: `quota-${WORKERS}w-${Date.now().toString(36)}`,
      log,
    });
    const outcomes = await Promise.all(
      // The relays all end together too, and each end takes provider calls at the quota (10/s): minutes for 1,000.
      ids.map((id) => settleWithin(stack.client.workflow.getHandle(id), CREATE_BUDGET_MS + 600_000))
    );
    const audit = auditRelays(
      stack.sandbox,
      outcomes.map((outcome) => ({ outcome, expect: { state: 'Completed' as const, ran: true } }))
    );
    const creates = stack.sandbox.calls().filter((c) => c.action === CREATE);
    const accepted = creates.filter((c) => c.code === 'OK').map((c) => Date.parse(c.at));
    const figures: QuotaFigures & { lostReasons: string } = {
      workers: WORKERS,
      broadcasts: BURST,
      createsPerSecondMean: Number(meanRatePerSecond(accepted).toFixed(2)),
      mostCreatesInAnySecond: maxInWindow(creates.map((c) => Date.parse(c.at))),
      mostCallsInAnySecond: maxInWindow(stack.sandbox.calls().map((c) => Date.parse(c.at))),
      createAnswers: callsByCode(stack.sandbox, CREATE),
      allAnswers: callsByCode(stack.sandbox),
      createsPer10s: countsPerBucket(accepted, 10_000),
      duplicates: audit.duplicates,
      orphans: audit.orphans,
      lost: audit.lost.length,
      lostReasons: tally(audit.lost.map((l) => l.why.replace(/\d+ s/g, 'N s'))),
    };
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS_DIR, `quota-${WORKERS}w.json`), `${JSON.stringify(figures, null, 2)}\n`);
    log(JSON.stringify(figures));
    if (process.env.CLUSTER_SUITE_REPORT === '1') writeQuotaReport(figures, stack.cluster.binaries.goVersion, machine);

    expect({ duplicates: audit.duplicates, orphans: audit.orphans, lost: audit.lost }).toEqual({
      duplicates: 0,
      orphans: 0,
      lost: [],
    });
    expect(accepted).toHaveLength(BURST);
    expect(figures.mostCreatesInAnySecond).toBeLessThanOrEqual(10);
    expect(Object.keys(figures.allAnswers).filter((code) => code.startsWith('Throttling'))).toEqual([]);
  });
});
