/**
 * BENCHMARKS.md as text: the header (where and how the last bench ran) and one marked block per scenario, so a bench
 * of some scenarios replaces only their blocks and keeps the others' figures from earlier runs.
 */
import { clusterSectionsOf } from '../../src/dev-harness/cluster/report-section';

import type { BenchRun, BenchScenario, BenchVerdict } from './scenario';
import { spread } from './stats';

export interface RunEnvironment {
  /** ISO date-time the bench started. */
  date: string;
  /** One line per fact: CPU, memory, OS, Node, load. */
  machine: string[];
  /** One line per component: Temporal CLI, SDK packages. */
  versions: string[];
  /** The command as typed, e.g. `npm run bench -- quota --runs 3`. */
  command: string;
}

export interface ScenarioResult {
  scenario: Pick<BenchScenario, 'name' | 'title' | 'goal' | 'method' | 'findings'>;
  runs: BenchRun[];
  /** Runs that threw, with their messages. */
  failures: { run: number; message: string }[];
  verdict: BenchVerdict;
  wallMs: number;
}

const TITLE = '# Benchmarks';
const INTRO =
  'Written by `npm run bench` (bench/run.ts); do not edit by hand. Each scenario starts its own Temporal dev server ' +
  'and provider sandbox, and every run measures the subject and its baseline back to back. A section keeps the date ' +
  'and command of the bench that last measured it: running one scenario alone replaces only its section.';

const startMarker = (id: string) => `<!-- bench:${id}:start -->`;
const endMarker = (id: string) => `<!-- bench:${id}:end -->`;
const HEADER_ID = 'header';

/** Compact figure: integers stay whole, small values keep three significant digits. */
export function formatFigure(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

export function renderHeader(env: RunEnvironment): string {
  return [
    `Last bench: ${env.date}, \`${env.command}\``,
    '',
    '| Machine | |',
    '| --- | --- |',
    ...env.machine.map((line) => `| ${line.replace(/: /, ' | ')} |`),
    '',
    '| Versions | |',
    '| --- | --- |',
    ...env.versions.map((line) => `| ${line.replace(/: /, ' | ')} |`),
  ].join('\n');
}

/** Every metric that any run reported, in first-seen order. */
function metricNames(runs: BenchRun[]): string[] {
  const names = new Set<string>();
  for (const run of runs) for (const name of Object.keys(run.metrics)) names.add(name);
  return [...names];
}

function metricsTable(runs: BenchRun[]): string[] {
  if (runs.length === 0) return ['No run completed.'];
  const rows = metricNames(runs).map((name) => {
    const values = runs.map((r) => r.metrics[name]).filter((v): v is number => v !== undefined);
    const s = spread(values);
    return `| ${name} | ${formatFigure(s.median)} | ${formatFigure(s.min)} | ${formatFigure(s.max)} |`;
  });
  return [
    `| Metric (${runs.length} run${runs.length === 1 ? '' : 's'}) | Median | Min | Max |`,
    '| --- | ---: | ---: | ---: |',
    ...rows,
  ];
}

/** Notes of all runs; one said by every run appears once, others carry their run number. */
function collectNotes(result: ScenarioResult): string[] {
  const notes: string[] = [];
  const all = result.runs.map((r) => r.notes ?? []);
  const everywhere = (note: string) => all.every((n) => n.includes(note));
  for (const [index, runNotes] of all.entries()) {
    for (const note of runNotes) {
      const line = everywhere(note) ? note : `run ${index + 1}: ${note}`;
      if (!notes.includes(line)) notes.push(line);
    }
  }
  for (const failure of result.failures) notes.push(`run ${failure.run} failed: ${failure.message}`);
  return notes;
}

export function renderScenario(result: ScenarioResult, env: RunEnvironment): string {
  const { scenario, verdict } = result;
  const notes = collectNotes(result);
  return [
    `## ${scenario.title} (\`${scenario.name}\`)`,
    '',
    `_Measured ${env.date} by \`${env.command}\`: ${result.runs.length + result.failures.length} run(s), ` +
      `${formatDuration(result.wallMs)} wall, on ${(env.machine[0] ?? 'this machine').replace(/^CPU: /, '')}._`,
    '',
    `**Goal.** ${scenario.goal}`,
    '',
    `**Method.** ${scenario.method}`,
    '',
    ...metricsTable(result.runs),
    '',
    `**Verdict: ${verdict.met ? 'met' : 'missed'}** — ${verdict.summary}`,
    ...(scenario.findings?.length ? ['', '**Findings.**', '', ...scenario.findings.map((f) => `- ${f}`)] : []),
    ...(notes.length ? ['', '**Notes.**', '', ...notes.map((n) => `- ${n}`)] : []),
  ].join('\n');
}

/** A marked block; blank lines around the body, as prettier formats an HTML comment next to Markdown. */
function block(id: string, body: string): string {
  return `${startMarker(id)}\n\n${body}\n\n${endMarker(id)}`;
}

/** The marked blocks of an existing BENCHMARKS.md, by id, in file order (bodies without surrounding blank lines). */
export function parseBlocks(text: string): Map<string, string> {
  const blocks = new Map<string, string>();
  const pattern = /<!-- bench:([\w-]+):start -->\s*\n([\s\S]*?)\n\s*<!-- bench:\1:end -->/g;
  for (const match of text.matchAll(pattern)) blocks.set(match[1] as string, (match[2] as string).trim());
  return blocks;
}

/**
 * The new BENCHMARKS.md: the fresh header and sections, plus the sections of `existing` for scenarios not run now.
 * Sections follow `order` (the registry); blocks of scenarios no longer registered are dropped.
 */
export function mergeReport(
  existing: string | undefined,
  header: string,
  fresh: Map<string, string>,
  order: readonly string[]
): string {
  const kept = existing ? parseBlocks(existing) : new Map<string, string>();
  const sections = order
    .map((id) => {
      const body = fresh.get(id) ?? kept.get(id);
      return body === undefined ? undefined : block(id, body);
    })
    .filter((s): s is string => s !== undefined);
  const cluster = clusterSectionsOf(existing); // written by the cluster suite, kept as is
  return [
    TITLE,
    '',
    INTRO,
    '',
    block(HEADER_ID, header),
    '',
    sections.join('\n\n'),
    '',
    ...cluster.flatMap((c) => [c, '']),
  ].join('\n');
}
