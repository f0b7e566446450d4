/** Every fault scenario, in report order. Each scenario lives in its own file here. */
import type { ChaosScenario } from '../lib/scenario';

import { callbackFaults } from './callback-faults';
import { hostileCallbacks } from './hostile-callbacks';
import { hostileRequests } from './hostile-requests';
import { providerFaults } from './provider-faults';
import { serverRestarted } from './server-restarted';
import { workerKilled } from './worker-killed';

export const SCENARIOS: ChaosScenario[] = [
  workerKilled,
  serverRestarted,
  providerFaults,
  callbackFaults,
  hostileCallbacks,
  hostileRequests,
];
