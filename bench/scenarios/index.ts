/** Every benchmark, in report order. Each scenario lives in its own file here. */
import type { BenchScenario } from '../lib/scenario';

export const SCENARIOS: BenchScenario[] = [];
