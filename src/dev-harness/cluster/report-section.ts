/**
 * The cluster suite's sections of RELIABILITY.md and BENCHMARKS.md. `npm run chaos` and `npm run bench` rewrite those
 * files from their own scenarios, so each keeps these marked sections as it finds them (renderReliability,
 * mergeReport), and the cluster suite replaces them (CLUSTER_SUITE_REPORT=1).
 */
const begin = (name: string) => `<!-- cluster:begin ${name} -->`;
const end = (name: string) => `<!-- cluster:end ${name} -->`;
const SECTION = /<!-- cluster:begin ([\w-]+) -->[\s\S]*?<!-- cluster:end \1 -->/g;

/** Every marked section of `text`, markers included, in file order. */
export function clusterSectionsOf(text: string | undefined): string[] {
  return [...(text ?? '').matchAll(SECTION)].map((match) => match[0]);
}

/** `text` with its section `name` replaced by `body` (appended when there was none). */
export function withClusterSection(text: string, name: string, body: string): string {
  const section = `${begin(name)}\n\n${body.trim()}\n\n${end(name)}`;
  const existing = clusterSectionsOf(text).find((s) => s.startsWith(begin(name)));
  return existing ? text.replace(existing, section) : `${text.trimEnd()}\n\n${section}\n`;
}
