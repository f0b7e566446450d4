/** Injectable faults: API errors by code, latency, hung requests, connection resets, and callback misbehaviour. */
import { z } from 'zod';

import { SEED_ERROR_CODES } from '../../provider/errors';
import { ACTIONS, type ActionName } from '../../provider/schemas';

export interface FaultConfig {
  /** Probability per API call of answering with this error code. */
  errorRates?: Record<string, number>;
  /** Added to every API answer, ms. */
  latencyMs?: number;
  /** Probability of never answering (the client must time out). */
  hangRate?: number;
  /** Probability of destroying the socket without an answer. */
  resetRate?: number;
  /** Probability that a Create takes effect but answers 500: the "ambiguous failure" case. */
  createThenFailRate?: number;
  /** Restrict API faults to these actions. Default: all. */
  actions?: ActionName[];
  callbackDropRate?: number;
  callbackDuplicateRate?: number;
  /** Hold one callback of a task and send it after the task's next one. */
  callbackReorder?: boolean;
  callbackDelayMs?: number;
}

const rate = z.number().min(0).max(1);
const faultConfigSchema = z.strictObject({
  errorRates: z.record(z.string().min(1), rate).optional(),
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  hangRate: rate.optional(),
  resetRate: rate.optional(),
  createThenFailRate: rate.optional(),
  actions: z.array(z.enum(ACTIONS)).optional(),
  callbackDropRate: rate.optional(),
  callbackDuplicateRate: rate.optional(),
  callbackReorder: z.boolean().optional(),
  callbackDelayMs: z.number().int().min(0).max(600_000).optional(),
});

/** Checks a fault configuration from outside (admin endpoint, command line); throws naming every bad field. */
export function parseFaultConfig(input: unknown): FaultConfig {
  const parsed = faultConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'faults'}: ${i.message}`);
  throw new Error(`invalid fault configuration: ${problems.join('; ')}`);
}

export const ERROR_STATUS: Record<string, number> = {
  InternalError: 500,
  ServiceUnavailable: 503,
  'InvalidAccessKeyId.NotFound': 404,
  'InvalidTaskId.NotFound': 404,
  'InvalidConfig.NotFound': 404,
};

export const ERROR_MESSAGES: Record<string, string> = {
  // Seed 000's codes with its messages (CodeNotEnoughResource, CodeInvalidAliUid: also as injected faults).
  ...Object.fromEntries(Object.entries(SEED_ERROR_CODES).map(([code, { message }]) => [code, message])),
  ServiceUnavailable: 'The request has failed due to a temporary failure of the server.',
  Throttling: 'Request was denied due to request throttling.',
  'Throttling.User': 'Request was denied due to user flow control.',
};

export type ApiFault = { kind: 'none' } | { kind: 'hang' } | { kind: 'reset' } | { kind: 'error'; code: string };

export function pickApiFault(faults: FaultConfig, action: string, random: () => number): ApiFault {
  if (faults.actions && !faults.actions.includes(action as ActionName)) return { kind: 'none' };
  if (faults.hangRate && random() < faults.hangRate) return { kind: 'hang' };
  if (faults.resetRate && random() < faults.resetRate) return { kind: 'reset' };
  for (const [code, rate] of Object.entries(faults.errorRates ?? {})) {
    if (random() < rate) return { kind: 'error', code };
  }
  return { kind: 'none' };
}
