/**
 * The cluster suite's sections of RELIABILITY.md and BENCHMARKS.md survive `npm run chaos` and `npm run bench`, which
 * rewrite those files from their own scenarios, and are replaced (not duplicated) by the next cluster run.
 */
import { mergeReport } from '../bench/lib/report';
import { renderReliability } from '../chaos/lib/report';
import { clusterSectionsOf, withClusterSection } from '../src/dev-harness/cluster/report-section';

describe('cluster report sections', () => {
  it('appends a section once, then replaces it in place; other sections stay', () => {
    const once = withClusterSection('# Title\n\ntext\n', 'campaign', '## Campaign\n\nfirst');
    const twice = withClusterSection(
      withClusterSection(once, 'quota-3w', '## Quota\n\nq'),
      'campaign',
      '## C\n\nsecond'
    );
    expect(clusterSectionsOf(twice)).toEqual([
      '<!-- cluster:begin campaign -->\n\n## C\n\nsecond\n\n<!-- cluster:end campaign -->',
      '<!-- cluster:begin quota-3w -->\n\n## Quota\n\nq\n\n<!-- cluster:end quota-3w -->',
    ]);
    expect(twice.startsWith('# Title\n\ntext\n')).toBe(true);
  });

  it('are kept by the chaos and bench renderers', () => {
    const existing = withClusterSection('# Old\n', 'campaign', '## Campaign\n\nfigures');
    const section = clusterSectionsOf(existing)[0] ?? '';
    expect(section).toContain('figures');
    const reliability = renderReliability(
      { date: 'd', machine: 'm', versions: [], command: 'npm run chaos' },
      [],
      existing,
      []
    );
    expect(reliability).toContain(section);
    expect(mergeReport(existing, 'header', new Map(), [])).toContain(section);
  });
});
