/**
 * What every fault scenario provides. `npm run chaos` (chaos/run.ts) runs each at full size and writes the figures into
 * RELIABILITY.md; test/chaos-*.test.ts run the same code at small size under `npm run test:all` and assert zero duplicates,
 * orphans and lost broadcasts.
 */
export type ChaosSize = 'small' | 'full';

export interface ChaosContext {
  size: ChaosSize;
  /** Progress lines for the operator (stderr); never part of the report. */
  log(line: string): void;
}

/** Counts that RELIABILITY.md reports for every scenario. Figures are measured, never assumed. */
export interface ChaosCounts {
  /** Repetitions of the scenario (e.g. one per lifecycle phase × rounds). */
  runs: number;
  /** Faults actually injected (kills, restarts, provider errors answered, callbacks dropped, hostile requests...). */
  faultsInjected: number;
  /** Broadcasts started (0 for scenarios about input only). */
  broadcasts: number;
  /** Broadcasts with more than one provider task created. */
  duplicates: number;
  /** Provider tasks left alive that no running broadcast owns, after the scenario settled. */
  orphans: number;
  /** Broadcasts that did not reach their expected final state (or accepted input that was lost). */
  lost: number;
}

export interface ChaosReport {
  counts: ChaosCounts;
  /** Scenario-specific figures for the report, as `label: value` lines (e.g. `spurious signals: 0`). */
  details: string[];
}

export interface ChaosScenario {
  /** CLI name: `npm run chaos -- <name>`. */
  name: string;
  title: string;
  /** What is injected and what "correct" means, for RELIABILITY.md. */
  method: string;
  run(ctx: ChaosContext): Promise<ChaosReport>;
}
