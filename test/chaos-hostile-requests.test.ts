/**
 * The hostile-requests fault scenario at small size: every invalid broadcast request and campaign file rejected
 * naming its field and rule — through the library, the client script and straight at the workflow — and nothing
 * started but the straight starts, with no provider call. `npm run chaos -- hostile-requests` runs it at full size.
 */
import { runHostileRequests, type HostileRequestsResult } from '../chaos/scenarios/hostile-requests';

import { expectPromisesKept } from './helpers/chaos';

describe('chaos: hostile requests to the client and workflow (small)', () => {
  let result: HostileRequestsResult;

  beforeAll(async () => {
    result = await runHostileRequests({ size: 'small', log: () => undefined });
  }, 240_000);

  it('rejects every invalid input, on every path, naming the field and the rule', () => {
    expect(result.judged.filter((j) => j.problem)).toEqual([]);
    const paths = new Set(result.judged.map((j) => `${j.path} ${j.kind}`));
    expect([...paths].sort()).toEqual([
      'cli campaign',
      'cli request',
      'library campaign',
      'library request',
      'workflow request',
    ]);
    expect(result.report.counts.faultsInjected).toBe(result.judged.length);
  });

  it('starts nothing but the workflows started straight on purpose, and calls no create', () => {
    expect(result.startedOnPurpose).toBeGreaterThan(0);
    expect(result.visibleWorkflows).toBe(result.startedOnPurpose);
    expect(result.createCalls).toBe(0);
    expect(result.tasks).toBe(0);
    expectPromisesKept(result.report);
  });
});
