/**
 * Callback faults: the provider's callbacks dropped, duplicated, delayed and reordered, and the callback service
 * down while relays start and end. Every broadcast must still end Completed with one task that ran, found through
 * DescribeLivePullToPush when callbacks are late or lost, and no callback copy may change a state twice.
 */
import type { WorkflowHandle } from '@temporalio/client';

import type { RunningCallbackService } from '../../src/callbacks/service';
import type { FaultConfig } from '../../src/dev-harness/sandbox';
import { relayRequest } from '../../testkit/broadcasts';
import type { RelayStack } from '../../testkit/relay-stack';
import { deliveryFaults, signalAudit, tasksWithDeliveries, type DeliveryFaults } from '../lib/callback-audit';
import { startChaosEnv, type ChaosEnv } from '../lib/chaos-env';
import { auditRelays, callsByCode, settle, type BroadcastOutcome } from '../lib/relay-audit';
import type { ChaosContext, ChaosReport, ChaosScenario } from '../lib/scenario';

const SIZES = {
  small: { rounds: 1, broadcastsPerPhase: 3 },
  full: { rounds: 2, broadcastsPerPhase: 10 },
};

interface Phase {
  name: string;
  faults: FaultConfig;
  /** Take the phase's own callback service down during this span after the round starts (ms). */
  downtime?: { fromMs: number; toMs: number };
}

/**
 * Relays start 5 s after submission (staggered by 0.7 s) and run 5 s, in real time: the workflow reconciles after
 * 10 s of silence (the smallest reconcileAfterSeconds allowed), longer than a relay lives, so a lost callback is
 * always found by Describe. The downtime covers every relay's start and most ends, and outlasts the sandbox's
 * three delivery retries (1 s, 2 s, 4 s), so some callbacks arrive late and some never.
 */
export const PHASES: Phase[] = [
  { name: 'drop-duplicate-delay', faults: { callbackDropRate: 0.3, callbackDuplicateRate: 0.5, callbackDelayMs: 500 } },
  { name: 'reorder-duplicate', faults: { callbackReorder: true, callbackDuplicateRate: 0.5 } },
  { name: 'service-down', faults: {}, downtime: { fromMs: 2_000, toMs: 14_000 } },
];

const request = (now: number, index: number) =>
  relayRequest(now, 5_000 + index * 700, 5_000, { leadTimeSeconds: 2, reconcileAfterSeconds: 10 });

export interface PhaseResult {
  phase: string;
  outcomes: BroadcastOutcome[];
  faults: DeliveryFaults;
  signalsReceived: number;
  repeatedSignals: number;
  /** Broadcasts on which some callback changed a state twice. */
  duplicateEffects: number;
  /** Describe calls beyond the one that confirms each exit callback: reconciliations of late or lost callbacks. */
  reconciliations: number;
  duplicates: number;
  orphans: number;
  lost: { workflowId: string; why: string }[];
  /** Broadcasts with more than one provider task, each with its tasks' histories. */
  duplicateDetails: string[];
}

export interface CallbackFaultsResult {
  report: ChaosReport;
  phases: PhaseResult[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Closes the callback service for the span, then starts a new one on the same port (the URL tasks were given). */
async function outage(
  chaos: ChaosEnv,
  service: RunningCallbackService,
  span: Phase['downtime']
): Promise<RunningCallbackService> {
  if (!span) return service;
  await sleep(span.fromMs);
  await service.close();
  await sleep(span.toMs - span.fromMs);
  return chaos.callbackService(service.port);
}

async function runPhase(chaos: ChaosEnv, phase: Phase, ctx: ChaosContext): Promise<PhaseResult> {
  const { rounds, broadcastsPerPhase } = SIZES[ctx.size];
  let service = await chaos.callbackService();
  const stack: RelayStack = await chaos.relayStack(phase.name, {
    callbackBaseUrl: service.url,
    sandbox: { faults: phase.faults },
  });
  const settled: { outcome: BroadcastOutcome; handle: WorkflowHandle }[] = [];
  await stack.run(async () => {
    for (let round = 1; round <= rounds; round++) {
      const now = Date.now();
      const handles = await Promise.all(
        Array.from({ length: broadcastsPerPhase }, (_, i) => chaos.startBroadcast(stack, request(now, i), phase.name))
      );
      const restored = outage(chaos, service, phase.downtime);
      const outcomes = await Promise.all(handles.map(settle));
      service = await restored;
      settled.push(...outcomes.map((outcome, i) => ({ outcome, handle: handles[i]! })));
      ctx.log(
        `callback-faults: ${phase.name} round ${round}/${rounds}: ${outcomes.map((o) => o.status.state).join(' ')}`
      );
    }
  });
  const audit = auditRelays(
    stack.sandbox,
    settled.map(({ outcome }) => ({ outcome, expect: { state: 'Completed', ran: true } }))
  );
  const signals = await Promise.all(settled.map(({ handle, outcome }) => signalAudit(handle, outcome.status)));
  const faults = deliveryFaults(await tasksWithDeliveries(stack.sandbox), phase.faults.callbackDelayMs ?? 0);
  // Answered or not (a deleted task answers NotFound): every Describe the workflows asked for.
  const describes = Object.values(callsByCode(stack.sandbox, 'DescribeLivePullToPush')).reduce((a, b) => a + b, 0);
  return {
    phase: phase.name,
    outcomes: settled.map((s) => s.outcome),
    faults,
    signalsReceived: signals.reduce((sum, s) => sum + s.received, 0),
    repeatedSignals: signals.reduce((sum, s) => sum + s.repeats, 0),
    duplicateEffects: signals.filter((s) => s.repeatedStates.length > 0).length,
    reconciliations: describes - signals.filter((s) => s.exitReceived).length,
    duplicates: audit.duplicates,
    orphans: audit.orphans,
    lost: audit.lost,
    duplicateDetails: audit.duplicateDetails,
  };
}

const injected = (f: DeliveryFaults) => f.dropped + f.duplicated + f.reordered + f.delayed + f.refused;

export async function runCallbackFaults(ctx: ChaosContext): Promise<CallbackFaultsResult> {
  const chaos = await startChaosEnv();
  try {
    const phases = await Promise.all(PHASES.map((phase) => runPhase(chaos, phase, ctx)));
    const broadcasts = phases.reduce((sum, p) => sum + p.outcomes.length, 0);
    const details = phases.flatMap((p) => [
      `${p.phase}: ${p.outcomes.length} broadcasts; callbacks dropped ${p.faults.dropped}, extra copies ` +
        `${p.faults.duplicated}, delayed ${p.faults.delayed}, sent out of order ${p.faults.reordered} (pairs), ` +
        `refused while the service was down ${p.faults.refused}; delivered on a retry ${p.faults.deliveredOnRetry}; ` +
        `events never acknowledged ${p.faults.neverDelivered}`,
      `${p.phase}: signals received ${p.signalsReceived} (repeats ${p.repeatedSignals}), broadcasts where a copy ` +
        `changed a state twice ${p.duplicateEffects}, reconciliations through Describe ${p.reconciliations}`,
      ...p.lost.map((l) => `LOST ${l.workflowId}: ${l.why}`),
      ...p.duplicateDetails,
    ]);
    return {
      report: {
        counts: {
          runs: PHASES.length * SIZES[ctx.size].rounds,
          faultsInjected: phases.reduce((sum, p) => sum + injected(p.faults), 0),
          broadcasts,
          duplicates: phases.reduce((sum, p) => sum + p.duplicates, 0),
          orphans: phases.reduce((sum, p) => sum + p.orphans, 0),
          // A callback copy that changed a state twice breaks the promise as surely as a wrong final state.
          lost: phases.reduce((sum, p) => sum + p.lost.length + p.duplicateEffects, 0),
        },
        details,
      },
      phases,
    };
  } finally {
    await chaos.close();
  }
}

export const callbackFaults: ChaosScenario = {
  name: 'callback-faults',
  title: 'Callback faults: dropped, duplicated, delayed, reordered callbacks; callback service down',
  method:
    'Three phases run side by side, each with its own provider sandbox, workers and callback service: callbacks ' +
    'dropped (30%), duplicated (50%) and delayed (500 ms); callbacks reordered (each held until the next one of its ' +
    'task) and duplicated (50%); the callback service closed from 2 s to 14 s after the broadcasts are submitted ' +
    '(every relay starts and most end meanwhile) and restarted on the same port. Relays run 5 s; the workflows ' +
    'reconcile after 10 s of silence. Correct: every broadcast Completed, one task that ran, nothing alive, and no ' +
    'state entered twice. Faults are counted from the sandbox delivery log; signals from each workflow history.',
  run: async (ctx) => (await runCallbackFaults(ctx)).report,
};
