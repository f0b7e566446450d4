/**
 * The worker-killed fault scenario at small size (one round: one broadcast per lifecycle phase, two SIGKILLs):
 * nothing lost, duplicated or left running, and every phase was really hit.
 */
import { workerKilled } from '../chaos/scenarios/worker-killed';

jest.setTimeout(240_000);

it('SIGKILLed workers lose, duplicate and leak nothing at any lifecycle phase', async () => {
  const lines: string[] = [];
  const report = await workerKilled.run({ size: 'small', log: (line) => lines.push(line) });
  const why = [...report.details, ...lines.slice(-20)].join('\n');

  expect({ ...report.counts, why }).toMatchObject({ duplicates: 0, orphans: 0, lost: 0 });
  expect(report.counts.faultsInjected).toBeGreaterThanOrEqual(2);
  expect(report.counts.broadcasts).toBe(5);
  // The kills found each phase: measured at the kill, not assumed from the schedule.
  const detail = (phase: string) => report.details.find((d) => d.startsWith(`killed while ${phase}`)) ?? '';
  expect(detail('waiting')).toContain('at the kill state Scheduled');
  expect(detail('running')).toContain('at the kill state Running');
  expect(detail('creating, request in flight')).toMatch(/Create calls in flight: [1-9]/);
  expect(detail('creating, provider has recorded')).toContain('task adopted on retry: 1/1');
  expect(detail('compensating')).toMatch(/Delete calls in flight: [1-9]/);
  expect(detail('compensating')).toContain('ended Cancelled 1');
});
