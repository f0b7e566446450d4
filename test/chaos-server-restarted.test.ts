/**
 * The server-restarted fault scenario at small size: a campaign of six broadcasts, the dev server (persisted
 * SQLite) stopped and started again on the same port and file while relays run and others wait; nothing lost,
 * duplicated or left running, and the one worker process reconnected by itself.
 */
import { serverRestarted } from '../chaos/scenarios/server-restarted';

jest.setTimeout(240_000);

it('a Temporal server restart in the middle of a campaign loses, duplicates and leaks nothing', async () => {
  const lines: string[] = [];
  const report = await serverRestarted.run({ size: 'small', log: (line) => lines.push(line) });
  const why = [...report.details, ...lines.slice(-20)].join('\n');

  expect({ ...report.counts, why }).toMatchObject({ duplicates: 0, orphans: 0, lost: 0, faultsInjected: 1 });
  expect(report.counts.broadcasts).toBe(6);
  expect(report.details.join('\n')).toContain('reconnected by itself');
  expect(report.details.join('\n')).toContain('broadcasts ended: Completed 6');
  // The restart came while relays ran and before all were created: measured, not assumed.
  expect(report.details.join('\n')).toMatch(/relays running at each restart: [1-9]/);
  expect(report.details.join('\n')).toMatch(/relays created after the last restart: [1-9]/);
});
