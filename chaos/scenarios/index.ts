/** Every fault scenario, in report order. Each scenario lives in its own file here. */
import type { ChaosScenario } from '../lib/scenario';

import { hostileCallbacks } from './hostile-callbacks';
import { providerFaults } from './provider-faults';

export const SCENARIOS: ChaosScenario[] = [providerFaults, hostileCallbacks];
