/** Every benchmark, in report order. Each scenario lives in its own file here. */
import type { BenchScenario } from '../lib/scenario';

import { callbacksScenario } from './callbacks';
import { campaignStartScenario } from './campaign-start';
import { coldStartScenario } from './cold-start';
import { memoryScenario } from './memory';
import { onTimeScenario } from './on-time';
import { quotaScenario } from './quota';
import { timersScenario } from './timers';

export const SCENARIOS: BenchScenario[] = [
  quotaScenario,
  onTimeScenario,
  campaignStartScenario,
  callbacksScenario,
  memoryScenario,
  timersScenario,
  coldStartScenario,
];
