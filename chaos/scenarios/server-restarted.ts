/**
 * Temporal server restarted: a campaign of broadcasts runs against a dev server with a persisted SQLite database,
 * which is stopped and started again (same port, same file) in the middle — while the campaign is still starting
 * broadcasts, some relays run and others wait for their lead time. The worker process is never restarted: it must
 * reconnect by itself. Nothing may be lost, duplicated or left running.
 */
import type { WorkflowHandle } from '@temporalio/client';

import type { CampaignEntry } from '../../src/campaign/file';
import { submitCampaign } from '../../src/campaign/submit';
import { campaignBroadcastId, type CampaignStatus } from '../../src/workflows/campaign-messages';
import { relayRequest } from '../../testkit/broadcasts';
import { startProcessStack, type ProcessStack } from '../lib/process-stack';
import { auditRelays, tasksOf } from '../lib/relay-audit';
import type { ChaosContext, ChaosReport, ChaosScenario } from '../lib/scenario';
import { settleWithin, tally } from '../lib/settle-within';

const SIZES = {
  /** Broadcasts, restarts, and when every relay ends (ms after the campaign is submitted). */
  small: { broadcasts: 6, restarts: 1, windowMs: 30_000 },
  full: { broadcasts: 30, restarts: 3, windowMs: 90_000 },
};

async function until(what: string, check: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Entries whose relays start spread over the first half of the window (the later ones wait for their lead time
 * across the restarts) and all end with the window.
 */
function campaignEntries(count: number, windowMs: number): CampaignEntry[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const startInMs = 1_000 + Math.floor((i * windowMs) / 2 / count);
    return {
      key: `b${String(i + 1).padStart(3, '0')}`,
      line: i + 1,
      request: relayRequest(now, startInMs, windowMs - startInMs, { leadTimeSeconds: 2 }),
    };
  });
}

const liveTasks = (stack: ProcessStack) => stack.sandbox.tasks().filter((t) => !t.deleted);

export const serverRestarted: ChaosScenario = {
  name: 'server-restarted',
  title: 'Temporal server restarted in the middle of a campaign',
  method:
    'A campaign (campaignWorkflow, submitted with the client’s submitCampaign) of broadcasts whose relays start ' +
    'spread over the first half of a window runs against a Temporal dev server with a persisted SQLite database; ' +
    'the relay worker runs in its own process, the provider sandbox and the callback service in the test process. ' +
    'The server is stopped (SIGTERM) and started again on the same port and database file: first as soon as the ' +
    'first relays run (later broadcasts still wait for their lead time, or have not been started by the campaign), ' +
    'then (full size) again at later points. The worker process is never restarted. Correct: every entry became ' +
    'one broadcast that ended Completed with its relay run, the campaign completed counting all of them ' +
    'Completed, at most one provider task per broadcast, none left alive, and the same worker process served ' +
    'throughout.',
  async run(ctx: ChaosContext): Promise<ChaosReport> {
    const size = SIZES[ctx.size];
    const stack = await startProcessStack({ label: 'server-restarted', log: ctx.log });
    try {
      const worker = await stack.startWorker();
      const campaignId = `server-restarted-${Date.now().toString(36)}`;
      const entries = campaignEntries(size.broadcasts, size.windowMs);
      const submittedAt = Date.now();
      await submitCampaign({
        client: stack.client,
        taskQueue: stack.taskQueue,
        campaignId,
        entries,
        // Small batches, so the campaign is still starting broadcasts when the server goes away.
        maxConcurrentStarts: 2,
      });
      ctx.log(`campaign ${campaignId}: ${entries.length} entries submitted`);

      const downtimes: number[] = [];
      const runningAtRestart: number[] = [];
      for (let r = 1; r <= size.restarts; r++) {
        // Restart r waits for about r/(restarts+1) of the relays to have been created.
        const target = Math.max(1, Math.floor((r * entries.length) / (size.restarts + 1)));
        await until(`${target} relays created`, () => stack.sandbox.tasks().length >= target);
        runningAtRestart.push(liveTasks(stack).filter((t) => t.status === 1).length);
        const down = Date.now();
        await stack.restartServer();
        downtimes.push(Date.now() - down);
        ctx.log(`restart ${r}: server back after ${downtimes[downtimes.length - 1]} ms`);
      }
      const tasksBeforeLastRestart = stack.sandbox.tasks().length;

      const timeoutMs = size.windowMs + 120_000;
      const handles: WorkflowHandle[] = entries.map((e) =>
        stack.client.workflow.getHandle(campaignBroadcastId(campaignId, e.key))
      );
      const outcomes = await Promise.all(handles.map((h) => settleWithin(h, timeoutMs)));
      const campaign = (await Promise.race([
        stack.client.workflow.getHandle(campaignId).result(),
        new Promise((resolve) => setTimeout(() => resolve(undefined), 60_000).unref()),
      ])) as CampaignStatus | undefined;

      const audit = auditRelays(
        stack.sandbox,
        outcomes.map((outcome) => ({ outcome, expect: { state: 'Completed' as const, ran: true } }))
      );
      const campaignCompleted = campaign?.counts.Completed ?? 0;
      // A broadcast the campaign lost track of (or never started) is lost even if no workflow says so.
      const lostByCampaign = Math.max(0, entries.length - campaignCompleted - audit.lost.length);
      const taskCounts = outcomes.map((o) => String(tasksOf(stack.sandbox, o.workflowId).length));
      const workerAlive = worker.isAlive();
      return {
        counts: {
          runs: 1,
          faultsInjected: downtimes.length,
          broadcasts: entries.length,
          duplicates: audit.duplicates,
          orphans: audit.orphans,
          lost: audit.lost.length + lostByCampaign,
        },
        details: [
          `server restarts: ${downtimes.length}, each down (stop + start on the same port and database) for ` +
            `${downtimes.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s`,
          `relays running at each restart: ${runningAtRestart.join(', ')} of ${entries.length}`,
          `relays created after the last restart: ${stack.sandbox.tasks().length - tasksBeforeLastRestart}`,
          `broadcasts ended: ${tally(outcomes.map((o) => o.status.state))}`,
          `campaign result: ${campaign ? `${campaign.phase}, counts ${JSON.stringify(campaign.counts)}` : 'did not finish'}`,
          `provider tasks per broadcast: ${tally(taskCounts)}; still alive at the end: ${audit.orphans}`,
          `worker process: one for the whole run, ${workerAlive ? 'still alive at the end' : 'DIED'}` +
            (workerAlive && audit.lost.length === 0 ? '; it reconnected by itself after every restart' : ''),
          `campaign submitted to end: ${((Date.now() - submittedAt) / 1000).toFixed(0)} s`,
          ...audit.lost.map((l) => `lost: ${l.workflowId}: ${l.why}`),
          ...audit.duplicateDetails,
        ],
      };
    } finally {
      await stack.close();
    }
  },
};
