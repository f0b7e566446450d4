/** The first step of every broadcast workflow: validate the request again, with the provider's rules and today's clock. */
import { ApplicationFailure, proxyLocalActivities } from '@temporalio/workflow';

import type { Activities } from '../../activities';
import { FailureTypes, type BroadcastRequest } from '../../shared/broadcast';

const { validateBroadcast } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });

function invalid(violations: string[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `invalid broadcast request:\n${violations.map((v) => `  - ${v}`).join('\n')}`,
    FailureTypes.invalidRequest,
    violations
  );
}

/**
 * A missing or non-object input would fail every workflow task and leave the workflow running forever, so it fails
 * the workflow like any other invalid request.
 */
export function assertRequestObject(request: unknown): void {
  if (typeof request !== 'object' || request === null) throw invalid(['request: must be an object']);
}

/** The request with defaults filled in, or an InvalidBroadcastRequest failure naming every bad field. */
export async function validatedRequest<R extends BroadcastRequest>(request: R): Promise<R> {
  const validation = await validateBroadcast(request);
  if (!validation.normalized || validation.violations.length > 0) throw invalid(validation.violations);
  return validation.normalized as R;
}

/**
 * Workflow time for decisions. Date.now() right after a local activity (the validation) reads differently on replay
 * (the activity's recorded completion time), so from just before the validation until the next wait or call the
 * time read before it is used.
 */
export class DecisionClock {
  private frozenMs: number | undefined;
  now(): number {
    return this.frozenMs ?? Date.now();
  }
  freeze(): void {
    this.frozenMs = Date.now();
  }
  /** After a wait or an activity: Date.now() is replay-safe again. */
  thaw(): void {
    this.frozenMs = undefined;
  }
}
