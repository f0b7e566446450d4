/**
 * Measuring callback faults on both ends: what the sandbox really did to each callback (its delivery log: dropped,
 * copied, held back, refused by a closed service) and what each workflow received and did with it (its history's
 * taskEvent signals, its transitions).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

import type { RunningSandbox, SandboxTask } from '../../src/dev-harness/sandbox';
import type { Delivery } from '../../src/dev-harness/sandbox/callbacks';
import type { BroadcastStatus, TaskEvent } from '../../src/shared/broadcast';
import { taskEventSignal } from '../../src/workflows/messages';

type AuditedTask = SandboxTask & { deliveries: Delivery[] };

/** The sandbox's tasks with their callback delivery log, from its admin endpoint. */
export async function tasksWithDeliveries(sandbox: RunningSandbox): Promise<AuditedTask[]> {
  const res = await fetch(`${sandbox.url}/_sandbox/tasks`);
  if (!res.ok) throw new Error(`sandbox audit answered HTTP ${res.status}`);
  return (await res.json()) as AuditedTask[];
}

/** The task status a callback event reports (both spellings of the running event). */
function statusOfEvent(event: string): number | undefined {
  if (event.endsWith('Exit')) return -1;
  if (/Runn?ing$/.test(event)) return 1;
  if (event.endsWith('Recovering')) return 2;
  if (event.endsWith('Offline')) return 3;
  return undefined;
}

export interface DeliveryFaults {
  /** Callbacks the sandbox never sent (callbackDropRate). */
  dropped: number;
  /** Extra copies sent (callbackDuplicateRate). */
  duplicated: number;
  /** Pairs of callbacks of one task sent in the opposite order of the events (callbackReorder). */
  reordered: number;
  /** Callbacks sent after the configured delay (callbackDelayMs), counted only when a delay was set. */
  delayed: number;
  /** Delivery attempts refused at the connection (callback service down). */
  refused: number;
  /** Callbacks acknowledged only on a retry (e.g. once the callback service was back). */
  deliveredOnRetry: number;
  /** Events never acknowledged: dropped, refused on every retry, or arriving after the broadcast had closed. */
  neverDelivered: number;
}

/** Counts the faults the sandbox actually applied, from its delivery log. */
export function deliveryFaults(tasks: AuditedTask[], delayMs: number): DeliveryFaults {
  const faults: DeliveryFaults = {
    dropped: 0,
    duplicated: 0,
    reordered: 0,
    delayed: 0,
    refused: 0,
    deliveredOnRetry: 0,
    neverDelivered: 0,
  };
  for (const task of tasks) {
    const firstSends = task.deliveries.filter((d) => d.attempt === 1);
    faults.dropped += task.deliveries.filter((d) => d.error === 'dropped (fault)').length;
    faults.refused += task.deliveries.filter((d) => d.error !== undefined && !/^(dropped|HTTP )/.test(d.error)).length;
    if (delayMs > 0) faults.delayed += firstSends.length;
    faults.deliveredOnRetry += task.deliveries.filter(
      (d) => d.attempt > 1 && d.status !== undefined && d.status < 300
    ).length;
    const events = [...new Set(firstSends.map((d) => d.event))];
    for (const event of events) {
      faults.duplicated += Math.max(0, firstSends.filter((d) => d.event === event).length - 1);
    }
    const sent = task.deliveries.filter((d) => d.attempt >= 1).map((d) => d.event);
    const acknowledged = new Set(
      task.deliveries.filter((d) => d.status !== undefined && d.status < 300).map((d) => d.event)
    );
    const raised = task.deliveries.map((d) => d.event);
    faults.neverDelivered += [...new Set(raised)].filter((e) => !acknowledged.has(e)).length;
    // Where each event sits in the task's life, in the order the first copies were sent.
    const order = [...new Set(sent)].map((event) => task.history.findIndex((h) => h.status === statusOfEvent(event)));
    for (let i = 0; i < order.length; i++) {
      for (let j = i + 1; j < order.length; j++) if ((order[i] ?? 0) > (order[j] ?? 0)) faults.reordered++;
    }
  }
  return faults;
}

export interface SignalAudit {
  /** taskEvent signals in the history. */
  received: number;
  /** Signals that repeat one already received (same task, kind and event time). */
  repeats: number;
  /** States entered more than once: a repeated callback that had an effect (no restarts happen in this run). */
  repeatedStates: string[];
  /** An exit callback reached the workflow (its end is then confirmed by one Describe). */
  exitReceived: boolean;
}

/** What a closed broadcast received as callbacks and whether any copy changed its state twice. */
export async function signalAudit(handle: WorkflowHandle, status: BroadcastStatus): Promise<SignalAudit> {
  const history = await handle.fetchHistory();
  const seen = new Set<string>();
  let received = 0;
  let repeats = 0;
  let exitReceived = false;
  for (const event of history.events ?? []) {
    const signal = event.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName !== taskEventSignal.name) continue;
    const payload = signal.input?.payloads?.[0];
    const taskEvent = payload ? defaultPayloadConverter.fromPayload<TaskEvent>(payload) : undefined;
    received++;
    if (taskEvent?.kind === 'exit') exitReceived = true;
    const key = `${taskEvent?.taskId}|${taskEvent?.kind}|${taskEvent?.eventTime}`;
    if (seen.has(key)) repeats++;
    seen.add(key);
  }
  const states = status.transitions.map((t) => t.state);
  const repeatedStates = [...new Set(states.filter((s, i) => states.indexOf(s) !== i))];
  return { received, repeats, repeatedStates, exitReceived };
}
