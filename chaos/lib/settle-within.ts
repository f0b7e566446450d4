/** Waiting for broadcasts to close without waiting forever: a broadcast still open after a deadline is reported. */
import fs from 'node:fs';
import path from 'node:path';

import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

import type { BroadcastStatus } from '../../src/shared/broadcast';
import { statusQuery } from '../../src/workflows/messages';

import { settle, type BroadcastOutcome } from './relay-audit';

const ARTIFACTS_DIR = path.resolve(__dirname, '..', '..', 'test-artifacts', 'chaos');

/** What an open broadcast reports: its live state, and why its workflow is stuck when a workflow task failed. */
async function stillOpen(handle: WorkflowHandle, ms: number): Promise<BroadcastOutcome> {
  const status = await handle.query(statusQuery).catch(() => undefined);
  const history = await handle.fetchHistory().catch(() => undefined);
  if (history) {
    try {
      fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
      const json = temporal.api.history.v1.History.toObject(history as temporal.api.history.v1.History, {
        longs: String,
        bytes: String,
      });
      const file = `${handle.workflowId.replace(/[^\w.-]/g, '_')}.history.json`;
      fs.writeFileSync(path.join(ARTIFACTS_DIR, file), JSON.stringify(json));
    } catch {
      // A diagnosis aid only: the report says the broadcast is stuck either way.
    }
  }
  const taskFailure = [...(history?.events ?? [])].reverse().find((e) => e.workflowTaskFailedEventAttributes)
    ?.workflowTaskFailedEventAttributes?.failure?.message;
  const unknown: BroadcastStatus = {
    state: 'Scheduled',
    flavour: 'pull-to-push',
    taskName: '',
    startTime: '',
    endTime: '',
    restarts: 0,
    transitions: [],
  };
  return {
    workflowId: handle.workflowId,
    status: status ?? unknown,
    failure:
      `still open after ${ms / 1000} s` +
      (status ? ` in state ${status.state}` : ' (status query failed)') +
      (taskFailure ? `; last workflow task failure: ${taskFailure}` : ''),
  };
}

/**
 * The broadcast's final outcome, or after `ms` what it is stuck in (which the audit then counts as lost); the history
 * of a stuck one is kept in test-artifacts/chaos/ for diagnosis.
 */
export async function settleWithin(handle: WorkflowHandle, ms: number): Promise<BroadcastOutcome> {
  let timer: NodeJS.Timeout | undefined;
  // The long poll for the result is aborted on the deadline: left pending, it would outlive the connection.
  const abort = new AbortController();
  const deadline = new Promise<BroadcastOutcome>((resolve) => {
    timer = setTimeout(() => {
      abort.abort();
      resolve(stillOpen(handle, ms));
    }, ms);
  });
  try {
    return await Promise.race([
      handle.client.withAbortSignal(abort.signal, () => settle(handle)).catch(() => deadline),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** `Completed 3, Cancelled 1`: how many of each value, in first-seen order. */
export function tally(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${v} ${n}`).join(', ') || 'none';
}
