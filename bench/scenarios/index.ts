/** Every benchmark, in report order. Each scenario lives in its own file here. */
import type { BenchScenario } from '../lib/scenario';

import { coldStartScenario } from './cold-start';

export const SCENARIOS: BenchScenario[] = [coldStartScenario];
