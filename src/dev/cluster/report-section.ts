/**
 * The cluster suite's sections of RELIABILITY.md and BENCHMARKS.md. `npm run chaos` and `npm run bench` rewrite those
 * files from their own scenarios, so each keeps this marked section as it finds it (renderReliability, mergeReport),
 * and `CLUSTER_SUITE_REPORT=1 npm run test:cluster` replaces it.
 */
const BEGIN = '<!-- cluster:begin -->';
const END = '<!-- cluster:end -->';

/** The marked section of `text`, markers included; undefined when there is none. */
export function clusterSectionOf(text: string | undefined): string | undefined {
  const start = text?.indexOf(BEGIN) ?? -1;
  const end = text?.indexOf(END, start) ?? -1;
  return text !== undefined && start >= 0 && end > start ? text.slice(start, end + END.length) : undefined;
}

/** `text` with its marked section replaced by `body` (appended when there was none). */
export function withClusterSection(text: string, body: string): string {
  const section = `${BEGIN}\n\n${body.trim()}\n\n${END}`;
  const existing = clusterSectionOf(text);
  return existing ? text.replace(existing, section) : `${text.trimEnd()}\n\n${section}\n`;
}
