/**
 * The provider-faults scenario at small size (the same code `npm run chaos` runs at full size): under about 30%
 * transient API faults every broadcast completes with exactly one task; permanent errors fail fast, name the
 * provider's code and leave nothing alive.
 */
import { runProviderFaults, type ProviderFaultsResult } from '../chaos/scenarios/provider-faults';

import { expectPromisesKept } from './helpers/chaos';

describe('chaos: provider faults (small)', () => {
  let result: ProviderFaultsResult;

  beforeAll(async () => {
    result = await runProviderFaults({ size: 'small', log: () => undefined });
  }, 240_000);

  it('injected faults, yet no duplicate, orphan or lost broadcast', () => {
    const { counts } = result.report;
    expectPromisesKept(result.report);
    const transientFaults = Object.values(result.transientFaults).reduce((a, b) => a + b, 0);
    expect(transientFaults).toBeGreaterThan(0);
    expect(counts.faultsInjected).toBeGreaterThan(transientFaults); // plus the targeted and permanent ones
    expect(counts.broadcasts).toBe(14);
  });

  it('permanent errors fail the broadcast at once, with a reason naming the provider code, nothing left alive', () => {
    expect(result.permanent.map((p) => p.code)).toEqual([
      'InvalidParameter',
      'Forbidden.RAM',
      'InvalidAccessKeyId.NotFound',
    ]);
    for (const p of result.permanent) {
      expect({ name: p.name, state: p.outcome.status.state, attempts: p.attempts, leftAlive: p.leftAlive }).toEqual({
        name: p.name,
        state: 'Failed',
        attempts: p.expectedAttempts,
        leftAlive: 0,
      });
      expect(p.outcome.failure).toContain(p.code);
      expect(p.outcome.status.failure).toContain(p.code);
    }
  });

  it('a compensation refused as well still ends the broadcast Failed, naming both refusals', () => {
    const badKey = result.permanent.find((p) => p.code === 'InvalidAccessKeyId.NotFound');
    expect(badKey?.outcome.status.transitions.map((t) => t.state)).toEqual(['Scheduled', 'Creating', 'Failed']);
    expect(badKey?.outcome.status.failure).toMatch(
      /^\w+ failed: InvalidAccessKeyId\.NotFound.*; compensation failed too, a task may be left: DescribeLivePullToPushList failed: InvalidAccessKeyId\.NotFound/
    );
  });
});
