/** Every fault scenario, in report order. Each scenario lives in its own file here. */
import type { ChaosScenario } from '../lib/scenario';

export const SCENARIOS: ChaosScenario[] = [];
