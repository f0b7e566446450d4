/**
 * The callback-faults scenario at small size (the same code `npm run chaos` runs at full size): callbacks dropped,
 * duplicated, delayed and reordered, and the callback service down while the relays start and end. Every broadcast
 * completes with one task that ran; lost callbacks are made up for by Describe; no copy changes a state twice.
 */
import { runCallbackFaults, type CallbackFaultsResult, type PhaseResult } from '../chaos/scenarios/callback-faults';

import { expectPromisesKept } from './helpers/chaos';

describe('chaos: callback faults (small)', () => {
  let result: CallbackFaultsResult;
  const phase = (name: string): PhaseResult => {
    const found = result.phases.find((p) => p.phase === name);
    if (!found) throw new Error(`no phase ${name}`);
    return found;
  };

  beforeAll(async () => {
    result = await runCallbackFaults({ size: 'small', log: () => undefined });
  }, 180_000);

  it('every broadcast completes: no duplicate, orphan or lost broadcast, no state entered twice', () => {
    const { counts } = result.report;
    expectPromisesKept(result.report);
    expect(counts.broadcasts).toBe(9);
    for (const p of result.phases) {
      expect(p.outcomes.map((o) => o.status.state)).toEqual(p.outcomes.map(() => 'Completed'));
      expect(p.duplicateEffects).toBe(0);
    }
  });

  it('the faults really happened', () => {
    const reorder = phase('reorder-duplicate');
    expect(reorder.faults.reordered).toBeGreaterThan(0); // every task's running callback is held until its exit
    const down = phase('service-down');
    expect(down.faults.refused).toBeGreaterThan(0);
    const drop = phase('drop-duplicate-delay');
    expect(drop.faults.delayed).toBeGreaterThan(0);
    // Drops and copies are random per callback: over the two fault phases some happen in practice every run.
    expect(drop.faults.dropped + drop.faults.duplicated + reorder.faults.duplicated).toBeGreaterThan(0);
  });

  it('callbacks lost while the service was down are made up for by DescribeLivePullToPush', () => {
    const down = phase('service-down');
    // Small size: every callback of the three relays falls in the downtime, retries included.
    expect(down.faults.neverDelivered).toBeGreaterThan(0);
    expect(down.reconciliations).toBeGreaterThan(0);
  });
});
