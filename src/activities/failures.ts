/**
 * Maps provider-client errors onto Temporal ApplicationFailures whose `type` drives the retry policy:
 * permanent errors are non-retryable, throttling backs off, everything else is retried.
 */
import { ApplicationFailure } from '@temporalio/common';

import { FailureTypes } from '../shared/broadcast';
import type { ProviderError } from '../provider/errors';

/** Base delay before retrying a throttled call; the quota is per second, so a second plus jitter clears it. */
const THROTTLE_BACKOFF_MS = 1_000;

export function isProviderError(err: unknown): err is ProviderError {
  return err instanceof Error && err.name === 'ProviderError';
}

export function isNotFound(err: unknown): boolean {
  return isProviderError(err) && err.kind === 'not-found';
}

export function toActivityFailure(err: unknown): Error {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof Error && err.name === 'ProviderValidationError') {
    return ApplicationFailure.nonRetryable(err.message, FailureTypes.invalidRequest);
  }
  if (!isProviderError(err)) return err instanceof Error ? err : new Error(String(err));
  switch (err.kind) {
    case 'throttled':
      return ApplicationFailure.create({
        message: err.message,
        type: FailureTypes.providerThrottled,
        nextRetryDelay: THROTTLE_BACKOFF_MS + Math.floor(Math.random() * THROTTLE_BACKOFF_MS),
      });
    case 'retryable':
      return ApplicationFailure.retryable(err.message, FailureTypes.providerRetryable);
    default:
      return ApplicationFailure.nonRetryable(err.message, FailureTypes.providerPermanent);
  }
}

/** Runs a provider call and rethrows its failure in the form the retry policy understands. */
export async function providerCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toActivityFailure(err);
  }
}
