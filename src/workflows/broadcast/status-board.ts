/**
 * Shows a broadcast's status where people and tools look: the BroadcastState and TaskId search attributes (Web UI
 * list, campaign counts), the Web UI's current details, the worker's metrics and log, and, once, the campaign's
 * report when the broadcast ends.
 */
import {
  CancellationScope,
  getExternalWorkflowHandle,
  log,
  metricMeter,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';

import { isFinalState, type BroadcastState, type BroadcastStatus } from '../../shared/broadcast';
import { BroadcastStateKey, TaskIdKey } from '../../shared/search-attributes';
import { broadcastStateSignal } from '../campaign-messages';

export class StatusBoard {
  /** Broadcasts entering each state, on the worker's Prometheus endpoint (nothing is recorded on replay). */
  private readonly transitions = metricMeter.createCounter(
    'relay_broadcast_transitions',
    'transitions',
    'state changes'
  );
  private reflected: number;
  private reported = false;
  private campaignReport: Promise<void> = Promise.resolve();

  /**
   * `alreadyShown`: transitions an earlier run of this broadcast (before continue-as-new) has shown. `unlisted`:
   * states never written to the BroadcastState search attribute (it keeps the state before them); the status query,
   * the current details, the metrics and the log still show them.
   */
  constructor(
    private readonly campaignId: string | undefined,
    alreadyShown = 0,
    private readonly unlisted: readonly BroadcastState[] = []
  ) {
    this.reflected = alreadyShown;
  }

  /** Shows every transition not shown yet. Call after each change of the status. */
  reflect(status: BroadcastStatus): void {
    const total = status.transitionCount ?? status.transitions.length;
    const fresh = status.transitions.slice(Math.max(0, status.transitions.length - (total - this.reflected)));
    if (fresh.length === 0) return;
    this.reflected = total;
    for (const t of fresh) {
      this.transitions.withTags({ state: t.state }).add(1);
      // Replay-safe: the SDK drops workflow log calls while replaying; it adds workflowId and runId.
      log.info('broadcast state changed', {
        state: t.state,
        taskId: status.taskId,
        campaignId: this.campaignId,
        note: t.note,
      });
    }
    this.upsertIfChanged(status);
    const note = fresh[fresh.length - 1]?.note;
    const task = status.taskId ? ` · task \`${status.taskId}\`` : '';
    const source = status.source ? ` · ${status.source.label} on air` : '';
    setCurrentDetails(
      `**${status.state}**${task}${source}\n\n${status.startTime} → ${status.endTime}${note ? `\n\n${note}` : ''}`
    );
    if (isFinalState(status.state)) this.reportToCampaign(status.state);
  }

  /**
   * Writes search attributes only when they differ from what the workflow already carries: a broadcast's start sets
   * BroadcastState=Scheduled, so its first task need not write it again (typedSearchAttributes is not a payload and
   * replays identically).
   */
  private upsertIfChanged(status: BroadcastStatus): void {
    const current = workflowInfo().typedSearchAttributes;
    const updates = [];
    if (!this.unlisted.includes(status.state) && current.get(BroadcastStateKey) !== status.state) {
      updates.push({ key: BroadcastStateKey, value: status.state });
    }
    if (status.taskId && current.get(TaskIdKey) !== status.taskId)
      updates.push({ key: TaskIdKey, value: status.taskId });
    if (updates.length > 0) upsertSearchAttributes(updates);
  }

  /** A broadcast of a campaign tells the campaign how it ended, once (one signal: the campaign's history stays small). */
  private reportToCampaign(state: BroadcastState): void {
    if (!this.campaignId || this.reported) return;
    this.reported = true;
    const campaign = getExternalWorkflowHandle(this.campaignId);
    const { workflowId } = workflowInfo();
    this.campaignReport = CancellationScope.nonCancellable(() =>
      // Non-cancellable: a cancelled broadcast must still report that it ended Cancelled.
      campaign.signal(broadcastStateSignal, { workflowId, state })
    ).catch(() => undefined); // a finished campaign no longer listens: nothing to do
  }

  /** Waits until the campaign report (if any) has been delivered or given up. */
  flushed(): Promise<void> {
    return CancellationScope.nonCancellable(() => this.campaignReport);
  }
}
