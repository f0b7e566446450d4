/**
 * What every benchmark scenario provides. `npm run bench` (bench/run.ts) runs each scenario several times — each run
 * measures the subject and its baseline back to back on the same machine, so the ratio survives a noisy host — then
 * writes medians, spread and the verdict into BENCHMARKS.md.
 */
export interface BenchRunContext {
  /** 1-based run number. */
  run: number;
  /** Progress lines for the operator (stderr); never part of the report. */
  log(line: string): void;
}

/** One run's figures, by metric name (e.g. `ratio`, `p99Ms`, `ratePerSecond`). Units go in the metric's name. */
export interface BenchRun {
  metrics: Record<string, number>;
  /** Findings worth keeping from this run (e.g. a profile summary). */
  notes?: string[];
}

export interface BenchVerdict {
  met: boolean;
  /** One line: the goal against the measured median, e.g. `ratio 0.93 ≥ 0.8`. */
  summary: string;
}

export interface BenchScenario {
  /** CLI name: `npm run bench -- <name>`. */
  name: string;
  title: string;
  /** The goal in words, as in issue 6. */
  goal: string;
  /** What the baseline is and how the scenario is set up (dev server, sandbox, sizes, cache size...). */
  method: string;
  /**
   * What profiling or counting found when a goal was missed, and what was changed (optional; shown under the
   * verdict). Per-run observations go in BenchRun.notes instead.
   */
  findings?: string[];
  /** Runs when none are asked for. */
  defaultRuns: number;
  runOnce(ctx: BenchRunContext): Promise<BenchRun>;
  /** Judges the goal from the runs (normally their medians; see ./stats). */
  judge(runs: BenchRun[]): BenchVerdict;
}
