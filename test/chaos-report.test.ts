import { outcomeFailed, parseBlocks, renderReliability, type ScenarioOutcome } from '../chaos/lib/report';

const header = { date: '2026-11-23T02:00:00.000Z', machine: 'test box', versions: ['Node.js v20'], command: 'x' };

function outcome(name: string, lost: number, measuredAt = '2026-11-23T02:00:00.000Z'): ScenarioOutcome {
  return {
    scenario: { name, title: `Title of ${name}`, method: `Method of ${name}.` },
    measuredAt,
    wallSeconds: 1.5,
    report: {
      counts: { runs: 2, faultsInjected: 7, broadcasts: 4, duplicates: 0, orphans: 0, lost },
      details: [`detail of ${name}: 1`],
    },
  };
}

describe('RELIABILITY.md rendering', () => {
  it('keeps the blocks and summary rows of scenarios not run this time, and replaces the ones that were', () => {
    const first = renderReliability(header, [outcome('alpha', 0), outcome('beta', 0)], '', ['alpha', 'beta']);
    const second = renderReliability(
      { ...header, date: '2026-11-24T00:00:00.000Z' },
      [outcome('beta', 3, '2026-11-24T00:00:00.000Z')],
      first,
      ['alpha', 'beta']
    );
    expect(parseBlocks(second).get('alpha')).toBe(parseBlocks(first).get('alpha'));
    expect(second).toContain('| [alpha](#title-of-alpha-alpha) | 2 | 7 | 4 | 0 | 0 | 0 | 2026-11-23 02:00 |');
    expect(second).toContain('| [beta](#title-of-beta-beta) | 2 | 7 | 4 | 0 | 0 | 3 | 2026-11-24 00:00 |');
    expect(second).toContain('- detail of beta: 1');
    expect(second.indexOf('chaos:begin alpha')).toBeLessThan(second.indexOf('chaos:begin beta'));
  });

  it('drops blocks of scenarios no longer registered and reports a scenario that threw', () => {
    const first = renderReliability(header, [outcome('gone', 0)], '', ['gone']);
    const failed: ScenarioOutcome = { ...outcome('alpha', 0), report: undefined, error: 'Error: boom' };
    const second = renderReliability(header, [failed], first, ['alpha']);
    expect(second).not.toContain('chaos:begin gone');
    expect(second).toContain('| [alpha](#title-of-alpha-alpha) | error | error |');
    expect(second).toContain('Error: boom');
  });

  it('counts a scenario as failed on any duplicate, orphan, lost broadcast or error', () => {
    expect(outcomeFailed(outcome('a', 0))).toBe(false);
    expect(outcomeFailed(outcome('a', 1))).toBe(true);
    expect(outcomeFailed({ error: 'x' })).toBe(true);
  });
});
