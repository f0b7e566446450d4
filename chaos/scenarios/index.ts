/** Every fault scenario, in report order. Each scenario lives in its own file here. */
import type { ChaosScenario } from '../lib/scenario';

import { providerFaults } from './provider-faults';

export const SCENARIOS: ChaosScenario[] = [providerFaults];
