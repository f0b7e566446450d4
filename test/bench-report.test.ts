/** The pure parts of the bench harness: BENCHMARKS.md sections and their merge, and the quota window figures. */
import { maxInWindow, meanRatePerSecond } from '../bench/lib/rates';
import {
  formatFigure,
  mergeReport,
  parseBlocks,
  renderHeader,
  renderScenario,
  type RunEnvironment,
  type ScenarioResult,
} from '../bench/lib/report';

const env: RunEnvironment = {
  date: '2026-11-23T02:00:00Z',
  machine: ['CPU: Test CPU × 2', 'Memory: 24.0 GiB'],
  versions: ['Temporal CLI (dev server): temporal version 1.9.1'],
  command: 'npm run bench -- quota',
};

function result(name: string, metrics: Record<string, number>[], met = true): ScenarioResult {
  return {
    scenario: { name, title: `${name} title`, goal: `${name} goal`, method: `${name} method` },
    runs: metrics.map((m, i) => ({ metrics: m, notes: ['same every run', `only run ${i + 1}`] })),
    failures: [],
    verdict: { met, summary: `${name} summary` },
    wallMs: 125_000,
  };
}

describe('BENCHMARKS.md sections', () => {
  it('renders median, min and max of every metric, the verdict and the notes of each run', () => {
    const text = renderScenario(result('quota', [{ rate: 9.7 }, { rate: 9.1 }, { rate: 9.9 }]), env);
    expect(text).toContain('| rate | 9.70 | 9.10 | 9.90 |');
    expect(text).toContain('**Verdict: met** — quota summary');
    expect(text).toContain('3 run(s), 2 min 5 s wall');
    expect(text).toContain('- same every run');
    expect(text).toContain('- run 2: only run 2');
    expect(text).toContain('`npm run bench -- quota`');
  });

  it('names failed runs in the notes', () => {
    const failed = { ...result('timers', [{ p99: 800 }], false), failures: [{ run: 2, message: 'server died' }] };
    expect(renderScenario(failed, env)).toContain('- run 2 failed: server died');
  });

  it('replaces only the scenarios that ran, keeps the others, and orders sections by the registry', () => {
    const order = ['quota', 'memory', 'timers'];
    const first = mergeReport(
      undefined,
      renderHeader(env),
      new Map([
        ['timers', 'old timers'],
        ['quota', 'old quota'],
      ]),
      order
    );
    const second = mergeReport(first, 'new header', new Map([['quota', 'new quota']]), order);
    const blocks = parseBlocks(second);
    expect([...blocks.keys()]).toEqual(['header', 'quota', 'timers']);
    expect(blocks.get('quota')).toBe('new quota');
    expect(blocks.get('timers')).toBe('old timers');
    expect(blocks.get('header')).toBe('new header');
    // Merging again with nothing new changes nothing.
    expect(mergeReport(second, 'new header', new Map(), order)).toBe(second);
  });

  it('reads blocks back after prettier has put blank lines around their bodies', () => {
    const formatted = '<!-- bench:quota:start -->\n\n## Quota\n\n| a |\n\n<!-- bench:quota:end -->\n';
    expect(parseBlocks(formatted).get('quota')).toBe('## Quota\n\n| a |');
  });

  it('drops sections of scenarios no longer registered', () => {
    const text = mergeReport(undefined, 'h', new Map([['gone', 'x']]), ['quota']);
    expect(parseBlocks(text).has('gone')).toBe(false);
  });

  it('formats figures compactly', () => {
    expect([formatFigure(1000), formatFigure(123.456), formatFigure(9.567), formatFigure(0.01234)]).toEqual([
      '1000',
      '123',
      '9.57',
      '0.0123',
    ]);
  });
});

describe('quota window figures', () => {
  it('counts the most events in any one-second window, the window sliding over every event', () => {
    const paced = Array.from({ length: 30 }, (_, i) => i * 100);
    expect(maxInWindow(paced)).toBe(10);
    expect(maxInWindow([...paced, 950])).toBe(11);
    expect(maxInWindow([0, 999, 1000, 1999])).toBe(2);
    expect(maxInWindow([])).toBe(0);
  });

  it('gives the mean rate over the span from the first event to the last', () => {
    expect(meanRatePerSecond(Array.from({ length: 11 }, (_, i) => i * 100))).toBeCloseTo(10);
    expect(meanRatePerSecond([5])).toBe(0);
  });
});
