/**
 * Measuring a fault run: each broadcast's final status (from the workflow itself) and what the provider sandbox
 * really holds (tasks per broadcast, tasks still alive, calls answered by code). The counts of RELIABILITY.md come
 * from here, never from what a scenario meant to happen.
 */
import type { WorkflowHandle } from '@temporalio/client';

import type { RunningSandbox, SandboxTask } from '../../src/dev-harness/sandbox';
import { taskNameFor, type BroadcastState, type BroadcastStatus } from '../../src/shared/broadcast';
import { statusQuery } from '../../src/workflows/messages';

export interface BroadcastOutcome {
  workflowId: string;
  /** Final status, queried from the closed workflow. */
  status: BroadcastStatus;
  /** The workflow failure with its cause chain, when the workflow failed. */
  failure?: string;
}

/** Every message down an error's cause chain: a workflow failure wraps the activity's, which names the code. */
export function causeChain(err: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = err; e instanceof Error && messages.length < 10; e = e.cause) messages.push(e.message);
  return messages.join(' ← ');
}

/** Waits for a broadcast workflow to close and reads its final status. */
export async function settle(handle: WorkflowHandle): Promise<BroadcastOutcome> {
  let failure: string | undefined;
  try {
    await handle.result();
  } catch (err) {
    failure = causeChain(err);
  }
  return { workflowId: handle.workflowId, status: await handle.query(statusQuery), failure };
}

/** What one broadcast should end as. */
export interface Expectation {
  state: BroadcastState;
  /** The relay must have been created once and have run (Completed broadcasts). */
  ran?: boolean;
  /** Text the workflow failure must contain (e.g. the provider's error code). */
  failureMentions?: string;
}

export interface RelayAudit {
  /** Broadcasts with more than one provider task. */
  duplicates: number;
  /** Each duplicate with its tasks' histories (when each was created, how each ended), for the report. */
  duplicateDetails: string[];
  /** Tasks still alive in the sandbox: every broadcast has closed, so none should be. */
  orphans: number;
  /** Broadcasts whose end differs from the expectation, with the reason, for the report. */
  lost: { workflowId: string; why: string }[];
  tasksCreated: number;
}

/** Tasks whose name says they belong to this broadcast (the workflow names its task after its id). */
export function tasksOf(sandbox: RunningSandbox, workflowId: string): SandboxTask[] {
  return sandbox.tasks().filter((t) => t.TaskName === taskNameFor(workflowId));
}

/** One task's life in one line: id, then each status with its time and reason. */
function describeTask(task: SandboxTask): string {
  const steps = task.history.map((h) => `${h.status}@${h.at.slice(11, 23)}${h.reason ? ` ${h.reason}` : ''}`);
  return `${task.TaskId.slice(0, 8)} ${steps.join(' → ')}`;
}

export function auditRelays(
  sandbox: RunningSandbox,
  outcomes: { outcome: BroadcastOutcome; expect: Expectation }[]
): RelayAudit {
  let duplicates = 0;
  const duplicateDetails: string[] = [];
  const lost: RelayAudit['lost'] = [];
  for (const { outcome, expect } of outcomes) {
    const tasks = tasksOf(sandbox, outcome.workflowId);
    if (tasks.length > 1) {
      duplicates++;
      duplicateDetails.push(`DUPLICATE ${outcome.workflowId}: ${tasks.map(describeTask).join(' | ')}`);
    }
    const why: string[] = [];
    if (outcome.status.state !== expect.state) {
      why.push(
        `ended ${outcome.status.state}, expected ${expect.state}${outcome.failure ? ` (${outcome.failure})` : ''}`
      );
    }
    if (expect.ran) {
      const task = tasks[0];
      if (!task) why.push('no provider task was created');
      else if (!task.history.some((h) => h.status === 1)) why.push(`task ${task.TaskId} never ran`);
    }
    if (expect.failureMentions && !outcome.failure?.includes(expect.failureMentions)) {
      why.push(`failure does not name ${expect.failureMentions}: ${outcome.failure ?? '(no failure)'}`);
    }
    if (why.length > 0) lost.push({ workflowId: outcome.workflowId, why: why.join('; ') });
  }
  return {
    duplicates,
    duplicateDetails,
    orphans: sandbox.tasks().filter((t) => !t.deleted).length,
    lost,
    tasksCreated: sandbox.tasks().length,
  };
}

/** API calls the sandbox answered, by code (`OK`, `Throttling`, `Hung (fault)`, …), optionally for one action. */
export function callsByCode(sandbox: RunningSandbox, action?: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of sandbox.calls()) {
    if (action === undefined || call.action === action) counts[call.code] = (counts[call.code] ?? 0) + 1;
  }
  return counts;
}
