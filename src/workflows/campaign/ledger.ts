/**
 * What a campaign knows of its broadcasts, in bounded space: how many it started and how many ended in each final
 * state, not one state per broadcast. Pure (no workflow APIs): the campaign workflow applies start outcomes and the
 * broadcasts' reports to it, and carries it over continue-as-new.
 *
 * Invariant: every broadcast the campaign starts is counted once as started (its start outcome) and once as ended
 * (its report), so `open = started − ended` reaches 0 exactly when every broadcast it started has ended. It rests on
 * each broadcast reporting once: a run of the current broadcast types reports once (StatusBoard) and a broadcast ID
 * never runs twice (REJECT_DUPLICATE). Reports beyond that are dropped by two bounded guards, not by memory of every
 * broadcast: a report from one of the last RECENT_REPORTERS reporters is a duplicate; a report that would make more
 * broadcasts ended than could have been started (`started` + entries in a start in flight) is not one of ours. A
 * duplicate from a broadcast outside that window — only an operator resetting a finished broadcast makes one — would
 * still count twice; the broadcasts' own BroadcastState (visibility, `campaign status`) stays exact.
 *
 * Broadcasts of a run from before this ledger (`legacy`: the old per-broadcast states, as carried then) keep their
 * exact per-broadcast deduplication; that map never grows.
 */
import { FINAL_STATES, isFinalState, type FinalState } from '../../shared/broadcast';
import type { CampaignBroadcastState } from '../campaign-messages';

export type { FinalState };

/** Reporters remembered to drop a repeated report: bounded, ~40 bytes each in the carried state. */
export const RECENT_REPORTERS = 500;

export interface LedgerState {
  /** Broadcasts this campaign started (each reports once when it ends). */
  started: number;
  /** Starts the server refused for good: counted Failed, never report. */
  startFailed: number;
  /** Reports counted, by final state. */
  ended: Record<FinalState, number>;
  /** Entries whose broadcast already existed when their start ran (a resubmitted file): not started again. */
  duplicates: number;
  /** The latest reporters, oldest first. */
  recentReporters: string[];
  /** Broadcast workflow ID → state, from a run before the ledger; exact deduplication for those. */
  legacy?: Record<string, CampaignBroadcastState>;
}

export function emptyLedger(): LedgerState {
  return {
    started: 0,
    startFailed: 0,
    ended: { Completed: 0, Failed: 0, Cancelled: 0 },
    duplicates: 0,
    recentReporters: [],
  };
}

/** The ledger of a run that carried one state per broadcast (before the ledger): counts from it, the map kept. */
export function ledgerFromStates(states: Record<string, CampaignBroadcastState>): LedgerState {
  const ledger = emptyLedger();
  for (const state of Object.values(states)) {
    ledger.started++;
    if (state !== 'Started') ledger.ended[state]++;
  }
  return { ...ledger, legacy: { ...states } };
}

const endedTotal = (ledger: LedgerState) => FINAL_STATES.reduce((sum, s) => sum + ledger.ended[s], 0);

/** Broadcasts started and not yet reported ended. */
export function openCount(ledger: LedgerState): number {
  return Math.max(0, ledger.started - endedTotal(ledger));
}

export function recordStartOutcome(ledger: LedgerState, outcome: 'started' | 'existing' | 'failed'): void {
  if (outcome === 'started') ledger.started++;
  else if (outcome === 'existing') ledger.duplicates++;
  else ledger.startFailed++;
}

/**
 * A broadcast reports how it ended. `startsInFlight`: entries of start batches not yet answered (a broadcast can end,
 * and report, before its start batch returns). Returns whether the report was counted.
 */
export function recordReport(ledger: LedgerState, workflowId: string, state: string, startsInFlight: number): boolean {
  if (!isFinalState(state)) return false;
  const final = state;
  const legacy = ledger.legacy?.[workflowId];
  if (legacy !== undefined) {
    if (legacy !== 'Started') return false;
    ledger.legacy![workflowId] = final;
    ledger.ended[final]++;
    return true;
  }
  if (ledger.recentReporters.includes(workflowId)) return false;
  if (endedTotal(ledger) >= ledger.started + startsInFlight) return false;
  ledger.ended[final]++;
  ledger.recentReporters.push(workflowId);
  if (ledger.recentReporters.length > RECENT_REPORTERS) ledger.recentReporters.shift();
  return true;
}

/** The counts `campaign status` shows: open broadcasts as `Started`, the rest by how they ended. */
export function ledgerCounts(ledger: LedgerState): Partial<Record<CampaignBroadcastState, number>> {
  const counts: Partial<Record<CampaignBroadcastState, number>> = {};
  const open = openCount(ledger);
  if (open > 0) counts.Started = open;
  for (const state of FINAL_STATES) {
    const n = ledger.ended[state] + (state === 'Failed' ? ledger.startFailed : 0);
    if (n > 0) counts[state] = n;
  }
  return counts;
}

/** Broadcasts the campaign has taken on (started or refused), for the status total. */
export function takenCount(ledger: LedgerState): number {
  return ledger.started + ledger.startFailed;
}
