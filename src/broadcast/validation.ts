/**
 * Validation of a whole broadcast request: the provider's own rules (from the provider schemas, the single source
 * of truth for them) plus ours (lead time, restart policy, labels). Used by the client before a workflow starts and
 * by the workflow, through an activity, at its start — zod never enters the workflow bundle.
 */
import { z } from 'zod';

import { validateRequest, type Violation } from '../provider/schemas';
import {
  DEFAULT_LEAD_TIME_SECONDS,
  DEFAULT_MAX_RESTARTS,
  DEFAULT_RECONCILE_AFTER_SECONDS,
  DEFAULT_RECONCILE_RUNNING_SECONDS,
  type BroadcastRequest,
  type LegacyPullSpec,
  type RelaySpec,
} from '../shared/broadcast';
import { formatViolation, type FieldViolation } from '../shared/violations';

const ownRules = z.object({
  flavour: z.enum(['pull-to-push', 'legacy']).optional(),
  relay: z.record(z.string(), z.unknown()).optional(),
  legacy: z.record(z.string(), z.unknown()).optional(),
  leadTimeSeconds: z.number().int().min(0, 'must be ≥ 0').max(86_400, 'must be ≤ 86400 (one day)').optional(),
  restartPolicy: z
    .object({ maxRestarts: z.number().int().min(0, 'must be ≥ 0').max(20, 'must be ≤ 20') })
    .strict()
    .optional(),
  reconcileAfterSeconds: z.number().int().min(10, 'must be ≥ 10').max(3_600, 'must be ≤ 3600').optional(),
  reconcileRunningSeconds: z.number().int().min(30, 'must be ≥ 30').max(86_400, 'must be ≤ 86400').optional(),
  // Keys checked by a refinement: a failing key schema only says "Invalid key in record".
  labels: z
    .record(z.string(), z.string().max(256, 'must be ≤ 256 characters'))
    .refine((labels) => Object.keys(labels).length <= 20, 'at most 20 labels')
    .refine(
      (labels) => Object.keys(labels).every((k) => k.length >= 1 && k.length <= 64),
      'keys must be 1 to 64 characters'
    )
    .optional(),
  campaignId: z.string().min(1).max(128).optional(),
  backupSources: z.array(z.string()).min(1, 'give one or more, or leave it out').max(5, 'at most 5').optional(),
});

/** The wire fields a broadcaster sets, per flavour; the relay sets TaskName and CallbackUrl itself. */
const RELAY_FIELDS = [
  'Region',
  'StartTime',
  'EndTime',
  'SourceType',
  'SourceProtocol',
  'SourceUrls',
  'DstUrl',
  'RepeatNumber',
  'FileIndex',
  'Offset',
  'RetryInterval',
  'RetryCount',
  'RegionId',
] as const satisfies readonly (keyof RelaySpec)[];
const LEGACY_FIELDS = [
  'DomainName',
  'AppName',
  'StreamName',
  'SourceUrl',
  'StartTime',
  'EndTime',
  'RegionId',
] as const satisfies readonly (keyof LegacyPullSpec)[];
const SET_BY_THE_RELAY = new Map([
  ['TaskName', 'set by the relay from the broadcast ID; not accepted in a request'],
  ['CallbackUrl', 'set by the relay to its callback service; not accepted in a request'],
]);

/**
 * A field the request does not know would be silently ignored (a typo such as `leadTime` would quietly leave the
 * default in force), so each one is a violation.
 */
function unknownFields(prefix: string, value: object, known: readonly string[]): FieldViolation[] {
  return Object.keys(value)
    .filter((key) => !known.includes(key))
    .map((key) => ({
      field: `${prefix}${key}`,
      rule: SET_BY_THE_RELAY.get(key) ?? `unknown field (known: ${known.join(', ')})`,
    }));
}

/**
 * Backup sources are live sources of the relay's protocol, checked by the same provider rules as SourceUrls (each as
 * the task's SourceUrls after a failover), none repeating another.
 */
function backupSourceViolations(relay: RelaySpec, backups: unknown, now: Date): FieldViolation[] {
  if (!Array.isArray(backups)) return [];
  if (relay.SourceType !== 'live') {
    return [{ field: 'backupSources', rule: 'only for live sources (relay.SourceType live)' }];
  }
  const seen = [...(Array.isArray(relay.SourceUrls) ? relay.SourceUrls : [])];
  return backups.flatMap((url, i) => {
    const field = `backupSources[${i}]`;
    if (typeof url !== 'string') return [];
    if (seen.includes(url)) return [{ field, rule: 'repeats a source already listed' }];
    seen.push(url);
    const check = validateRequest('CreateLivePullToPush', { ...relay, SourceUrls: [url] }, { now });
    const rules = check.ok ? [] : check.violations.filter((v) => v.field.startsWith('SourceUrls'));
    return rules.map((v) => ({ field, rule: v.rule }));
  });
}

export interface BroadcastValidation {
  /** Every problem, as its field and rule. */
  fieldViolations: FieldViolation[];
  /** The same problems as `field: rule` lines: what errors show and what the workflow's validation returns. */
  violations: string[];
  /** The request with defaults filled in (Region, lead time, restart policy), when valid. */
  normalized?: BroadcastRequest;
}

function withPrefix(prefix: string, violations: readonly Violation[]): FieldViolation[] {
  return violations.map((v) => ({ field: `${prefix}${v.field}`, rule: v.rule }));
}

function invalid(fieldViolations: FieldViolation[]): BroadcastValidation {
  return { fieldViolations, violations: fieldViolations.map(formatViolation) };
}

export interface ValidateBroadcastOptions {
  defaultRegion: string;
  now?: Date;
}

/** Every problem of the request at once, each naming its field (`relay.DstUrl: must start with rtmp://`). */
export function validateBroadcastRequest(input: unknown, options: ValidateBroadcastOptions): BroadcastValidation {
  const own = ownRules.safeParse(input);
  if (typeof input !== 'object' || input === null) return invalid([{ field: 'request', rule: 'must be an object' }]);
  // Our rules and the provider's are reported together: every problem at once.
  const violations: FieldViolation[] = own.success
    ? []
    : own.error.issues.map((i) => ({ field: i.path.join('.') || 'request', rule: i.message }));
  violations.push(...unknownFields('', input, Object.keys(ownRules.shape)));
  const request = input as BroadcastRequest;
  const flavour = request.flavour === 'legacy' ? 'legacy' : 'pull-to-push';
  const now = options.now ?? new Date();
  let normalized: BroadcastRequest | undefined;

  if (flavour === 'pull-to-push') {
    if (!request.relay || typeof request.relay !== 'object') {
      return invalid([...violations, { field: 'relay', rule: 'required for the pull-to-push flavour' }]);
    }
    if (request.legacy) violations.push({ field: 'legacy', rule: 'not allowed with the pull-to-push flavour' });
    if (!Array.isArray(request.relay)) violations.push(...unknownFields('relay.', request.relay, RELAY_FIELDS));
    const relay = { ...request.relay, Region: request.relay.Region ?? options.defaultRegion };
    const result = validateRequest('CreateLivePullToPush', relay, { now });
    if (!result.ok) violations.push(...withPrefix('relay.', result.violations));
    violations.push(...backupSourceViolations(relay, request.backupSources, now));
    normalized = { ...request, flavour, relay };
  } else {
    if (!request.legacy || typeof request.legacy !== 'object') {
      return invalid([...violations, { field: 'legacy', rule: 'required for the legacy flavour' }]);
    }
    if (request.relay) violations.push({ field: 'relay', rule: 'not allowed with the legacy flavour' });
    if ((request as { backupSources?: unknown }).backupSources !== undefined) {
      violations.push({ field: 'backupSources', rule: 'only for pull-to-push relays' });
    }
    if (!Array.isArray(request.legacy)) violations.push(...unknownFields('legacy.', request.legacy, LEGACY_FIELDS));
    const result = validateRequest('AddLivePullStreamInfoConfig', request.legacy, { now });
    if (!result.ok) violations.push(...withPrefix('legacy.', result.violations));
    normalized = { ...request, flavour };
  }
  if (violations.length > 0) return invalid(violations);
  return {
    fieldViolations: [],
    violations: [],
    normalized: {
      ...normalized,
      leadTimeSeconds: request.leadTimeSeconds ?? DEFAULT_LEAD_TIME_SECONDS,
      restartPolicy: request.restartPolicy ?? { maxRestarts: DEFAULT_MAX_RESTARTS },
      reconcileAfterSeconds: request.reconcileAfterSeconds ?? DEFAULT_RECONCILE_AFTER_SECONDS,
      reconcileRunningSeconds: request.reconcileRunningSeconds ?? DEFAULT_RECONCILE_RUNNING_SECONDS,
    },
  };
}

export class InvalidBroadcastRequestError extends Error {
  override readonly name = 'InvalidBroadcastRequestError';
  constructor(readonly violations: string[]) {
    super(`Invalid broadcast request:\n${violations.map((v) => `  - ${v}`).join('\n')}`);
  }
}
