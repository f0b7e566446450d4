/**
 * `npm run bench [-- <scenario>...] [--runs N] [--out BENCHMARKS.md]`: runs the chosen scenarios (all by default),
 * each `defaultRuns` or N times, prints progress to stderr and rewrites their sections of BENCHMARKS.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { DefaultLogger, Runtime } from '@temporalio/worker';
import * as prettier from 'prettier';

import { PROJECT_ROOT } from '../src/config/project-root';
import { isoSeconds } from '../src/shared/time';

import { describeMachine, describeVersions } from './lib/machine';
import { mergeReport, renderHeader, renderScenario, type RunEnvironment, type ScenarioResult } from './lib/report';
import type { BenchRun, BenchScenario } from './lib/scenario';
import { SCENARIOS } from './scenarios';

class UsageError extends Error {}

interface BenchOptions {
  scenarios: BenchScenario[];
  runs?: number;
  out: string;
}

function parseOptions(argv: string[]): BenchOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { runs: { type: 'string' }, out: { type: 'string' } },
  });
  const known = SCENARIOS.map((s) => s.name);
  const unknown = positionals.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(`scenario: unknown ${unknown.join(', ')} (known: ${known.join(', ') || 'none yet'})`);
  }
  let runs: number | undefined;
  if (values.runs !== undefined) {
    runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new UsageError('--runs: an integer from 1 to 100');
  }
  const chosen = positionals.length ? SCENARIOS.filter((s) => positionals.includes(s.name)) : SCENARIOS;
  if (chosen.length === 0) throw new UsageError('scenario: none registered in bench/scenarios/index.ts');
  return { scenarios: chosen, runs, out: path.resolve(values.out ?? path.join(PROJECT_ROOT, 'BENCHMARKS.md')) };
}

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function runScenario(scenario: BenchScenario, runs: number): Promise<ScenarioResult> {
  const started = Date.now();
  const completed: BenchRun[] = [];
  const failures: ScenarioResult['failures'] = [];
  for (let run = 1; run <= runs; run++) {
    const prefix = `${scenario.name} ${run}/${runs}`;
    log(`${prefix}: start`);
    const runStarted = Date.now();
    try {
      const result = await scenario.runOnce({ run, log: (line) => log(`${prefix}: ${line}`) });
      completed.push(result);
      const figures = Object.entries(result.metrics).map(([k, v]) => `${k}=${Number(v.toFixed(3))}`);
      log(`${prefix}: done in ${((Date.now() - runStarted) / 1000).toFixed(1)} s: ${figures.join(' ')}`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      failures.push({ run, message: message.split('\n')[0] ?? message });
      log(`${prefix}: FAILED: ${err instanceof Error ? (err.stack ?? message) : message}`);
    }
  }
  let verdict = { met: false, summary: 'no run completed' };
  if (completed.length > 0) {
    try {
      verdict = scenario.judge(completed);
    } catch (err) {
      verdict = { met: false, summary: `could not judge: ${(err as Error).message}` };
    }
  }
  if (failures.length > 0 && verdict.met) {
    verdict = { met: false, summary: `${verdict.summary}, but ${failures.length} run(s) failed` };
  }
  log(`${scenario.name}: ${verdict.met ? 'MET' : 'MISSED'}: ${verdict.summary}`);
  return { scenario, runs: completed, failures, verdict, wallMs: Date.now() - started };
}

/** The report as `npm run lint` (prettier --check) wants it: tables aligned, wherever it is written. */
async function formatted(markdown: string): Promise<string> {
  const target = path.join(PROJECT_ROOT, 'BENCHMARKS.md');
  const config = (await prettier.resolveConfig(target)) ?? {};
  return prettier.format(markdown, { ...config, filepath: target });
}

/** The command that reproduces this bench, as the operator would type it. */
function commandLine(argv: string[]): string {
  return ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' ');
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let options: BenchOptions;
  try {
    options = parseOptions(argv);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(
        `${(err as Error).message}\nusage: npm run bench [-- <scenario>...] [--runs N] [--out FILE]\n`
      );
      return 2;
    }
    throw err;
  }
  // Workers log at WARN: progress lines stay readable and logging costs no CPU the scenarios measure.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env: RunEnvironment = {
    date: isoSeconds(new Date()),
    machine: describeMachine(),
    versions: await describeVersions(),
    command: commandLine(argv),
  };
  log(`${env.command}: ${options.scenarios.map((s) => s.name).join(', ')} → ${options.out}`);
  const sections = new Map<string, string>();
  let failed = 0;
  for (const scenario of options.scenarios) {
    const result = await runScenario(scenario, options.runs ?? scenario.defaultRuns);
    if (result.failures.length > 0) failed++;
    sections.set(scenario.name, renderScenario(result, env));
    // Written after every scenario: an interrupted bench keeps what it measured.
    const existing = fs.existsSync(options.out) ? fs.readFileSync(options.out, 'utf8') : undefined;
    const text = mergeReport(
      existing,
      renderHeader(env),
      sections,
      SCENARIOS.map((s) => s.name)
    );
    fs.writeFileSync(options.out, await formatted(text));
  }
  log(`wrote ${path.relative(process.cwd(), options.out) || options.out}`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  }
);
