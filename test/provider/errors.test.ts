/** The provider error taxonomy (pure, no server needed). */
import {
  PERMANENT_ERROR_CODES,
  ProviderError,
  ProviderValidationError,
  classifyProviderError,
  type ProviderErrorKind,
} from '../../src/provider/errors';

describe('classifyProviderError', () => {
  it.each<[string | undefined, number | undefined, ProviderErrorKind]>([
    // Throttling, whatever the status.
    ['Throttling', 400, 'throttled'],
    ['Throttling.User', 400, 'throttled'],
    ['Throttling.Api', 503, 'throttled'],
    ['Throttling.Whatever', undefined, 'throttled'],
    ['HTTP429', 429, 'throttled'],
    // Transient service failures and our own transport codes.
    ['InternalError', 500, 'retryable'],
    ['ServiceUnavailable', 503, 'retryable'],
    ['InternalError', undefined, 'retryable'],
    ['SomethingNew', 502, 'retryable'],
    ['HTTP504', 504, 'retryable'],
    ['RequestTimeout', undefined, 'retryable'],
    ['ConnectionError', undefined, 'retryable'],
    ['MalformedResponse', 200, 'retryable'],
    // Gone: any *NotFound of a task or config.
    ['InvalidTaskId.NotFound', 404, 'not-found'],
    ['InvalidConfig.NotFound', 404, 'not-found'],
    ['TaskNotFound', 400, 'not-found'],
    // Our misconfiguration, not a gone resource.
    ['InvalidAccessKeyId.NotFound', 404, 'permanent'],
    ['InvalidAccessKeyId.NotFound', 400, 'permanent'],
    ['InvalidAction.NotFound', 404, 'permanent'],
    // Never succeeds on retry.
    ['InvalidParameter', 400, 'permanent'],
    ['InvalidParam.CodeIllegalDuration', 400, 'permanent'],
    ['InvalidParam.Anything', 400, 'permanent'],
    ['MissingDstUrl', 400, 'permanent'],
    ['MissingRegion', 400, 'permanent'],
    ['SignatureDoesNotMatch', 400, 'permanent'],
    ['SignatureNonceUsed', 400, 'permanent'],
    ['InvalidTimeStamp.Format', 400, 'permanent'],
    ['InvalidTimeStamp.Expired', 400, 'permanent'],
    ['IncompleteSignature', 400, 'permanent'],
    ['InvalidAccessKeyId.Inactive', 400, 'permanent'],
    ['Forbidden', 403, 'permanent'],
    ['Forbidden.RAM', 403, 'permanent'],
    ['CodeConfigAlreadyExists', 400, 'permanent'],
    ['UnexpectedRetCode', 200, 'permanent'],
    ['UnknownClientError', 400, 'permanent'],
    ['HTTP404', 404, 'permanent'],
    [undefined, 400, 'permanent'],
  ])('%s (HTTP %s) → %s', (code, status, kind) => {
    expect(classifyProviderError(code, status)).toBe(kind);
  });

  it('classifies every listed permanent code as permanent', () => {
    for (const code of PERMANENT_ERROR_CODES) expect(classifyProviderError(code, 400)).toBe('permanent');
  });
});

describe('ProviderError', () => {
  it('carries the details, a stable name and its classification', () => {
    const err = new ProviderError({
      action: 'DescribeLivePullToPush',
      code: 'InvalidTaskId.NotFound',
      providerMessage: 'The specified task does not exist.',
      httpStatus: 404,
      requestId: 'REQ-1',
    });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ProviderError');
    expect(err.kind).toBe('not-found');
    expect(err.ambiguous).toBe(false);
    expect(err.message).toBe(
      'DescribeLivePullToPush failed: InvalidTaskId.NotFound (HTTP 404) [RequestId REQ-1]: The specified task does not exist.'
    );
  });

  it('marks ambiguity only when told', () => {
    const err = new ProviderError({
      action: 'CreateLivePullToPush',
      code: 'RequestTimeout',
      providerMessage: 'x',
      ambiguous: true,
    });
    expect(err.ambiguous).toBe(true);
    expect(err.kind).toBe('retryable');
    expect(err.message).toBe('CreateLivePullToPush failed: RequestTimeout: x');
  });
});

describe('ProviderValidationError', () => {
  it('lists every violation on one line and is permanent', () => {
    const err = new ProviderValidationError('CreateLivePullToPush', [
      { field: 'DstUrl', rule: 'must be an rtmp:// URL', missing: false },
      { field: 'Region', rule: 'is required', missing: true },
    ]);
    expect(err.name).toBe('ProviderValidationError');
    expect(err.kind).toBe('permanent');
    expect(err.violations).toHaveLength(2);
    expect(err.message).toBe(
      'CreateLivePullToPush: invalid request: DstUrl: must be an rtmp:// URL; Region: is required'
    );
  });
});
