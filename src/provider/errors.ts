/** Provider error taxonomy: what is retried, what backs off, what fails fast, what means "already gone". */
import type { ActionName, Violation } from './schemas';

export type ProviderErrorKind = 'retryable' | 'throttled' | 'permanent' | 'not-found';

/** Codes that never succeed on retry; activity retry policies fail fast on them. */
export const PERMANENT_ERROR_CODES = [
  'InvalidParameter',
  'Missing*',
  'SignatureDoesNotMatch',
  'SignatureNonceUsed',
  'InvalidTimeStamp.Format',
  'InvalidTimeStamp.Expired',
  'IncompleteSignature',
  'InvalidAccessKeyId.NotFound',
  'InvalidAccessKeyId.Inactive',
  'Forbidden.RAM',
  'CodeConfigAlreadyExists',
] as const;

export function classifyProviderError(code: string | undefined, httpStatus: number | undefined): ProviderErrorKind {
  const c = code ?? '';
  if (c.startsWith('Throttling')) return 'throttled';
  if (['InternalError', 'ServiceUnavailable', 'RequestTimeout', 'ConnectionError', 'MalformedResponse'].includes(c)) {
    return 'retryable';
  }
  // Real not-found codes for tasks/configs are unconfirmed: any *NotFound except the access key's means "gone".
  if (/NotFound/.test(c) && !c.startsWith('InvalidAccessKeyId')) return 'not-found';
  if (httpStatus !== undefined && httpStatus >= 500) return 'retryable';
  return 'permanent';
}

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly kind: ProviderErrorKind;
  constructor(
    readonly action: ActionName,
    readonly code: string,
    readonly providerMessage: string,
    readonly httpStatus?: number,
    readonly requestId?: string,
    /** The request may have taken effect although no answer arrived (timeout, reset, 5xx). */
    readonly ambiguous = false
  ) {
    super(
      `${action} failed: ${code}${httpStatus ? ` (HTTP ${httpStatus})` : ''}: ${providerMessage}` +
        (requestId ? ` [RequestId ${requestId}]` : '')
    );
    this.kind = classifyProviderError(code, httpStatus);
  }
}

export class ProviderValidationError extends Error {
  override readonly name = 'ProviderValidationError';
  constructor(
    readonly action: ActionName,
    readonly violations: Violation[]
  ) {
    super(`${action}: invalid request: ${violations.map((v) => `${v.field}: ${v.rule}`).join('; ')}`);
  }
}
