/**
 * The hostile-callbacks fault scenario at small size (1,000 hostile requests): every one answered with the 4xx its
 * defect calls for, no signal beyond the accepted control callbacks, the service still answering at the end, and
 * the broadcasts' sandbox audit clean. `npm run chaos -- hostile-callbacks` runs it at full size.
 */
import { HOSTILE_CATEGORIES } from '../chaos/lib/callback-corpus';
import { runHostileCallbacks, type HostileCallbacksResult } from '../chaos/scenarios/hostile-callbacks';

import { expectPromisesKept } from './helpers/chaos';

describe('chaos: hostile callback input (small)', () => {
  let result: HostileCallbacksResult;

  beforeAll(async () => {
    result = await runHostileCallbacks({ size: 'small', log: () => undefined });
  }, 240_000);

  it('answers every hostile request, of every category, with its documented 4xx', () => {
    expect(result.hostileRequests).toBeGreaterThanOrEqual(1_000);
    expect(result.report.counts.faultsInjected).toBe(result.hostileRequests);
    expect(Object.keys(result.byCategory).sort()).toEqual(Object.keys(HOSTILE_CATEGORIES).sort());
    expect(result.wrongAnswers).toEqual([]);
  });

  it('lets only the valid control callbacks through, each exactly once, and still answers at the end', () => {
    expect(result.controlsSent).toBeGreaterThan(0);
    expect(result.controlsAccepted).toBe(result.controlsSent);
    expect(result.spuriousSignals).toBe(0);
    expect(result.lostControls).toBe(0);
    expect(result.answeredAtEnd).toBe(true);
  });

  it('leaves no duplicate, orphan or lost broadcast', () => {
    expect(result.report.counts.broadcasts).toBeGreaterThan(0);
    expectPromisesKept(result.report);
  });
});
