/**
 * All activities of the worker, built from their dependencies so tests can pass real-but-local ones
 * (a LiveClient pointed at the sandbox, a callback URL of a test server).
 */
import { validateBroadcastRequest, type BroadcastValidation } from '../broadcast/validation';
import type { BroadcastRequest } from '../shared/broadcast';

import { withHeartbeats } from './heartbeat';
import { createLegacyConfigActivities } from './legacy-configs';
import { createRelayTaskActivities, type RelayTaskDeps } from './relay-tasks';

export interface ActivityDeps extends RelayTaskDeps {
  /** Region used when a request names none. */
  defaultRegion: string;
}

export function createActivities(deps: ActivityDeps) {
  return {
    /**
     * Re-validates a request at workflow start, with the provider's rules and today's clock. Returns the problems as
     * `field: rule` lines, the form the workflow's failure carries and its recorded histories hold.
     */
    async validateBroadcast(request: BroadcastRequest): Promise<Omit<BroadcastValidation, 'fieldViolations'>> {
      const { violations, normalized } = validateBroadcastRequest(request, { defaultRegion: deps.defaultRegion });
      return normalized ? { violations, normalized } : { violations };
    },
    ...withHeartbeats({ ...createRelayTaskActivities(deps), ...createLegacyConfigActivities(deps.provider) }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
