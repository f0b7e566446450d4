/** Assertions shared by the small versions of the fault scenarios (test/chaos-*.test.ts). */
import type { ChaosReport } from '../../chaos/lib/scenario';

/**
 * No duplicate, orphan or lost broadcast. The scenario's own `LOST …` / `NOT FAST …` detail lines are checked
 * first, so a failure names the broadcast and the reason rather than only a count.
 */
export function expectPromisesKept(report: ChaosReport): void {
  const { counts, details } = report;
  expect(details.filter((line) => /^(LOST|NOT FAST) /.test(line))).toEqual([]);
  expect({ duplicates: counts.duplicates, orphans: counts.orphans, lost: counts.lost }).toEqual({
    duplicates: 0,
    orphans: 0,
    lost: 0,
  });
}
