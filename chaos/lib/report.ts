/**
 * RELIABILITY.md: a header (when, where, which versions, which command), one summary table, then one marked block
 * per scenario. A run of only some scenarios replaces their blocks and keeps the others' blocks as they were, so
 * the table always lists every scenario measured so far, each with the date it was measured.
 */
import { clusterSectionsOf } from '../../src/dev-harness/cluster/report-section';

import type { ChaosCounts, ChaosReport, ChaosScenario } from './scenario';

/** One scenario's outcome in this run: a report, or the error that stopped it. */
export interface ScenarioOutcome {
  scenario: Pick<ChaosScenario, 'name' | 'title' | 'method'>;
  /** ISO time the scenario finished. */
  measuredAt: string;
  wallSeconds: number;
  report?: ChaosReport;
  error?: string;
}

export interface RunHeader {
  date: string;
  machine: string;
  versions: string[];
  command: string;
  /** Said after the command, e.g. that only some scenarios ran. */
  commandNote?: string;
}

/** What a scenario block keeps for the summary table when a later run does not repeat it. */
interface StoredSummary {
  name: string;
  title: string;
  measuredAt: string;
  counts?: ChaosCounts;
  error?: string;
}

export const COUNT_COLUMNS: (keyof ChaosCounts)[] = [
  'runs',
  'faultsInjected',
  'broadcasts',
  'duplicates',
  'orphans',
  'lost',
];
const COLUMN_LABELS: Record<keyof ChaosCounts, string> = {
  runs: 'runs',
  faultsInjected: 'faults injected',
  broadcasts: 'broadcasts',
  duplicates: 'duplicates',
  orphans: 'orphans',
  lost: 'lost',
};

const BEGIN = (name: string) => `<!-- chaos:begin ${name} -->`;
const END = (name: string) => `<!-- chaos:end ${name} -->`;
const SUMMARY_PREFIX = '<!-- chaos:summary ';
const BLOCK_PATTERN = /<!-- chaos:begin ([\w-]+) -->\n([\s\S]*?)<!-- chaos:end \1 -->/g;

/** A scenario failed its promise when it threw or counted any duplicate, orphan or lost broadcast. */
export function outcomeFailed(outcome: Pick<ScenarioOutcome, 'report' | 'error'>): boolean {
  if (outcome.error !== undefined || !outcome.report) return true;
  const { duplicates, orphans, lost } = outcome.report.counts;
  return duplicates > 0 || orphans > 0 || lost > 0;
}

/** Scenario blocks of an existing RELIABILITY.md, by scenario name (the block text includes its markers). */
export function parseBlocks(markdown: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const match of markdown.matchAll(BLOCK_PATTERN)) {
    const name = match[1] as string;
    blocks.set(name, match[0]);
  }
  return blocks;
}

function summaryOfBlock(block: string): StoredSummary | undefined {
  const line = block.split('\n').find((l) => l.startsWith(SUMMARY_PREFIX));
  if (!line) return undefined;
  try {
    return JSON.parse(line.slice(SUMMARY_PREFIX.length, -' -->'.length)) as StoredSummary;
  } catch {
    return undefined;
  }
}

export function renderBlock(outcome: ScenarioOutcome): string {
  const { scenario, report, error } = outcome;
  const summary: StoredSummary = {
    name: scenario.name,
    title: scenario.title,
    measuredAt: outcome.measuredAt,
    ...(report ? { counts: report.counts } : {}),
    ...(error !== undefined ? { error } : {}),
  };
  const lines = [
    BEGIN(scenario.name),
    // JSON, not prose, so a later partial run can rebuild the summary row without re-running this scenario.
    `${SUMMARY_PREFIX}${JSON.stringify(summary)} -->`,
    `## ${scenario.title} (\`${scenario.name}\`)`,
    '',
    `Measured ${outcome.measuredAt} in ${outcome.wallSeconds.toFixed(1)} s.`,
    '',
    `**Method.** ${scenario.method}`,
    '',
  ];
  if (report) {
    lines.push('| ' + COUNT_COLUMNS.map((c) => COLUMN_LABELS[c]).join(' | ') + ' |');
    lines.push('|' + COUNT_COLUMNS.map(() => ' ---: |').join(''));
    lines.push('| ' + COUNT_COLUMNS.map((c) => String(report.counts[c])).join(' | ') + ' |');
    lines.push('');
    if (report.details.length > 0) {
      lines.push('**Details.**', '', ...report.details.map((d) => `- ${d}`), '');
    }
  }
  if (error !== undefined) {
    lines.push('**The scenario did not complete:**', '', '```', error, '```', '');
  }
  lines.push(END(scenario.name));
  return lines.join('\n');
}

function summaryTable(summaries: StoredSummary[]): string[] {
  const header = ['scenario', ...COUNT_COLUMNS.map((c) => COLUMN_LABELS[c]), 'measured'];
  const rows = summaries.map((s) => {
    const cells = s.counts ? COUNT_COLUMNS.map((c) => String(s.counts?.[c])) : COUNT_COLUMNS.map(() => 'error');
    return [`[${s.name}](#${anchorOf(s)})`, ...cells, s.measuredAt.slice(0, 16).replace('T', ' ')];
  });
  return [
    '| ' + header.join(' | ') + ' |',
    '| --- |' + COUNT_COLUMNS.map(() => ' ---: |').join('') + ' --- |',
    ...rows.map((r) => '| ' + r.join(' | ') + ' |'),
  ];
}

/** GitHub's heading anchor for the block's `## title (`name`)` heading. */
function anchorOf(summary: StoredSummary): string {
  return `${summary.title} (${summary.name})`
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

/**
 * The whole file: fresh blocks for the scenarios just run, the existing file's blocks for the others, in
 * `order` (the registry's order; blocks of scenarios no longer registered are dropped).
 */
export function renderReliability(
  header: RunHeader,
  outcomes: ScenarioOutcome[],
  existing: string,
  order: string[]
): string {
  const fresh = new Map(outcomes.map((o) => [o.scenario.name, renderBlock(o)]));
  const kept = parseBlocks(existing);
  const blocks = order
    .map((name) => fresh.get(name) ?? kept.get(name))
    .filter((block): block is string => block !== undefined);
  const summaries = blocks.map(summaryOfBlock).filter((s): s is StoredSummary => s !== undefined);
  return [
    '# Reliability',
    '',
    'Figures from the fault suite (`npm run chaos`, chaos/). Every count is measured from the provider sandbox',
    "audit (tasks created per broadcast, tasks still alive) and from the workflows' own results — none is assumed.",
    'A duplicate is a broadcast with more than one provider task; an orphan is a provider task left alive that no',
    'running broadcast owns; lost is a broadcast that did not reach its expected final state.',
    '',
    `- Last run: ${header.date}`,
    `- Machine: ${header.machine}`,
    ...header.versions.map((v) => `- ${v}`),
    `- Command: \`${header.command}\`${header.commandNote ? ` ${header.commandNote}` : ''}`,
    '',
    ...summaryTable(summaries),
    '',
    ...blocks.flatMap((b) => [b, '']),
    // Written by the cluster suite (npm run test:cluster), kept as is.
    ...clusterSectionsOf(existing).flatMap((section) => [section, '']),
  ].join('\n');
}
