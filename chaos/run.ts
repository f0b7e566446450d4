/**
 * `npm run chaos [-- <scenario>...]`: runs every fault scenario (or the named ones) at full size, progress on
 * stderr, and writes the figures into RELIABILITY.md. Scenarios not named keep their blocks from the existing file.
 * Exits 1 when any scenario threw or counted a duplicate, orphan or lost broadcast; 2 on an unknown scenario name.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PROJECT_ROOT } from '../src/config/project-root';
import { ensureTemporalBinaries } from '../src/dev-harness/temporal/binaries';

import { outcomeFailed, renderReliability, type RunHeader, type ScenarioOutcome } from './lib/report';
import type { ChaosScenario } from './lib/scenario';
import { SCENARIOS } from './scenarios';

const REPORT_FILE = path.join(PROJECT_ROOT, 'RELIABILITY.md');

function log(line: string): void {
  process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function selectScenarios(names: string[]): ChaosScenario[] {
  if (names.length === 0) return SCENARIOS;
  const known = new Map(SCENARIOS.map((s) => [s.name, s]));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown scenario${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}; ` +
        `known: ${SCENARIOS.map((s) => s.name).join(', ') || '(none registered)'}\n`
    );
    process.exit(2);
  }
  // Registry order, whatever order the names came in.
  return SCENARIOS.filter((s) => names.includes(s.name));
}

async function runHeader(names: string[]): Promise<RunHeader> {
  const cpus = os.cpus();
  const binaries = await ensureTemporalBinaries({ log });
  const sdkManifest = path.join(path.dirname(require.resolve('@temporalio/worker')), '..', 'package.json');
  const sdkVersion = (JSON.parse(fs.readFileSync(sdkManifest, 'utf8')) as { version: string }).version;
  return {
    date: new Date().toISOString(),
    machine:
      `${os.type()} ${os.release()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ` +
      `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at start`,
    versions: [
      `Node.js ${process.version}`,
      `Temporal TypeScript SDK ${sdkVersion}`,
      `Temporal CLI (dev server) ${binaries.cli.version.replace(/\s+/g, ' ')} [${binaries.cli.origin}]`,
    ],
    command: ['npm run chaos', ...(names.length > 0 ? ['--', ...names] : [])].join(' '),
    ...(names.length > 0 ? { commandNote: '(the other scenarios keep the figures of their own, earlier, runs)' } : {}),
  };
}

async function runOne(scenario: ChaosScenario): Promise<ScenarioOutcome> {
  const started = Date.now();
  log(`${scenario.name}: start (${scenario.title})`);
  const base = { scenario, wallSeconds: 0, measuredAt: '' };
  let outcome: ScenarioOutcome;
  try {
    const report = await scenario.run({ size: 'full', log: (line) => log(`${scenario.name}: ${line}`) });
    outcome = { ...base, report };
  } catch (err) {
    outcome = { ...base, error: (err as Error).stack ?? String(err) };
  }
  outcome.wallSeconds = (Date.now() - started) / 1000;
  outcome.measuredAt = new Date().toISOString();
  const verdict = outcomeFailed(outcome) ? 'FAILED' : 'ok';
  const counts = outcome.report ? JSON.stringify(outcome.report.counts) : (outcome.error?.split('\n')[0] ?? '');
  log(`${scenario.name}: ${verdict} in ${outcome.wallSeconds.toFixed(1)} s ${counts}`);
  return outcome;
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((a) => a !== '--');
  const selected = selectScenarios(names);
  if (selected.length === 0) {
    log('no scenarios registered (chaos/scenarios/index.ts); nothing to do');
    return;
  }
  const header = await runHeader(names);
  const outcomes: ScenarioOutcome[] = [];
  for (const scenario of selected) {
    outcomes.push(await runOne(scenario));
    // Written after every scenario, so an interrupted run still leaves the figures measured so far.
    const existing = fs.existsSync(REPORT_FILE) ? fs.readFileSync(REPORT_FILE, 'utf8') : '';
    const order = SCENARIOS.map((s) => s.name);
    fs.writeFileSync(REPORT_FILE, renderReliability(header, outcomes, existing, order));
  }
  log(`wrote ${path.relative(process.cwd(), REPORT_FILE) || REPORT_FILE}`);
  const failed = outcomes.filter(outcomeFailed).map((o) => o.scenario.name);
  if (failed.length > 0) {
    log(`failed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

main().then(
  // A scenario that left a handle open must not keep the runner alive after the report is written.
  () => process.exit(),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  }
);
