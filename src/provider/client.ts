/**
 * Typed, signed client for the ApsaraVideo Live pull-to-push actions, with the official SDK's wire format:
 * RPC style, path `/`, every parameter in the query, empty body; V3 (ACS3-HMAC-SHA256) by default, V1 (HMAC-SHA1)
 * as an option. Keep-alive pool and timeouts from undici. The secret is held in a private field and never appears
 * in errors, logs or serialisations.
 */
import { Pool, errors as undiciErrors } from 'undici';

import { ProviderError, ProviderValidationError } from './errors';
import {
  HTTP_METHODS,
  responseSchemas,
  toWireParams,
  validateRequest,
  type ActionName,
  type RequestOf,
  type ResponseOf,
} from './schemas';
import { EMPTY_BODY_SHA256, isoSeconds, newNonce, percentEncode, signV1, signV3 } from './signing';

export const API_VERSION = '2016-11-01';

export interface LiveClientOptions {
  accessKeyId: string;
  accessKeySecret: string;
  /** STS token for temporary credentials. */
  securityToken?: string;
  /** Region put in requests that name none. */
  region: string;
  /** Full endpoint URL. @default 'https://live.aliyuncs.com' (the SDK maps every region to it) */
  endpoint?: string;
  /** @default 'v3' */
  signatureVersion?: 'v3' | 'v1';
  /** Per-request timeout for headers and body, ms. @default 10000 */
  timeoutMs?: number;
  /** Keep-alive connections. @default 10 */
  connections?: number;
  /** For tests: fixed clock and nonce. */
  clock?: () => Date;
  nonce?: () => string;
  /** Metrics hook; never receives secrets. */
  onCall?: (event: { action: ActionName; durationMs: number; code?: string; httpStatus?: number }) => void;
}

// Region endpoints other than live.aliyuncs.com are unconfirmed: the explicit `endpoint` option covers them.
export function endpointFor(_region: string): string {
  return 'https://live.aliyuncs.com';
}

/** Enum fields typed as plain strings and Region optional: the rules are checked at run time, all at once. */
type Loose<T> = { [K in keyof T]: T[K] extends string ? string : T[K] extends string | undefined ? string | undefined : T[K] };
type WithOptionalRegion<T> = T extends { Region: unknown } ? Omit<Loose<T>, 'Region'> & { Region?: string } : Loose<T>;

export class LiveClient {
  readonly #secret: string;
  private readonly pool: Pool;
  private readonly host: string;
  private readonly options: Omit<LiveClientOptions, 'accessKeySecret'>;

  constructor(options: LiveClientOptions) {
    const { accessKeySecret, ...rest } = options;
    this.#secret = accessKeySecret;
    this.options = rest;
    const url = new URL(options.endpoint ?? endpointFor(options.region));
    this.host = url.host;
    const timeout = options.timeoutMs ?? 10_000;
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? 10,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connectTimeout: timeout,
    });
  }

  toJSON(): object {
    return { accessKeyId: this.options.accessKeyId, endpoint: this.host };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  createLivePullToPush = this.op('CreateLivePullToPush');
  updateLivePullToPush = this.op('UpdateLivePullToPush');
  deleteLivePullToPush = this.op('DeleteLivePullToPush');
  describeLivePullToPush = this.op('DescribeLivePullToPush');
  describeLivePullToPushList = this.op('DescribeLivePullToPushList');
  stopLivePullToPush = this.op('StopLivePullToPush');
  restartLivePullToPush = this.op('RestartLivePullToPush');
  addLivePullStreamInfoConfig = this.op('AddLivePullStreamInfoConfig');
  deleteLivePullStreamInfoConfig = this.op('DeleteLivePullStreamInfoConfig');
  describeLivePullStreamConfig = this.op('DescribeLivePullStreamConfig');

  private op<A extends ActionName>(action: A) {
    return (request: WithOptionalRegion<RequestOf<A>>): Promise<ResponseOf<A>> => this.call(action, request);
  }

  private async call<A extends ActionName>(action: A, request: object): Promise<ResponseOf<A>> {
    const params: Record<string, unknown> = { ...request };
    if (!action.includes('StreamInfoConfig') && !action.includes('StreamConfig') && params.Region === undefined) {
      params.Region = this.options.region;
    }
    for (const k of Object.keys(params)) if (params[k] === undefined) delete params[k];
    const valid = validateRequest(action, params, { now: this.now() });
    if (!valid.ok) throw new ProviderValidationError(action, valid.violations);
    const started = Date.now();
    let code: string | undefined;
    let status: number | undefined;
    try {
      const { query, headers } = this.sign(action, toWireParams(params));
      const path = `/?${Object.entries(query)
        .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
        .join('&')}`;
      let res;
      try {
        res = await this.pool.request({ method: HTTP_METHODS[action], path, headers });
      } catch (err) {
        throw this.transportError(action, err);
      }
      status = res.statusCode;
      let text: string;
      try {
        text = await res.body.text();
      } catch (err) {
        throw this.transportError(action, err);
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        code = 'MalformedResponse';
        throw new ProviderError(action, code, 'response is not JSON', status, undefined, status >= 500);
      }
      if (status >= 400 || typeof body.Code === 'string') {
        code = String(body.Code ?? `HTTP${status}`);
        throw new ProviderError(
          action,
          code,
          String(body.Message ?? ''),
          status,
          body.RequestId as string | undefined,
          status >= 500
        );
      }
      const parsed = responseSchemas[action].safeParse(body);
      if (!parsed.success) {
        code = 'MalformedResponse';
        throw new ProviderError(action, code, `unexpected response shape: ${parsed.error.issues[0]?.message}`, status);
      }
      return parsed.data as ResponseOf<A>;
    } catch (err) {
      if (err instanceof ProviderError) code = err.code;
      throw err;
    } finally {
      this.options.onCall?.({ action, durationMs: Date.now() - started, code, httpStatus: status });
    }
  }

  private now(): Date {
    return this.options.clock?.() ?? new Date();
  }

  private sign(action: ActionName, business: Record<string, string>) {
    const date = isoSeconds(this.now());
    const nonce = this.options.nonce?.() ?? newNonce();
    const token = this.options.securityToken;
    const common = { accept: 'application/json', 'user-agent': 'broadcast-relay (AlibabaCloud-compatible)' };
    if (this.options.signatureVersion === 'v1') {
      const query: Record<string, string> = {
        ...business,
        Action: action,
        Format: 'JSON',
        Version: API_VERSION,
        AccessKeyId: this.options.accessKeyId,
        SignatureMethod: 'HMAC-SHA1',
        SignatureNonce: nonce,
        SignatureVersion: '1.0',
        Timestamp: date,
        ...(token ? { SecurityToken: token } : {}),
      };
      query.Signature = signV1(HTTP_METHODS[action], query, this.#secret);
      return { query, headers: { ...common, host: this.host, 'x-acs-action': action, 'x-acs-version': API_VERSION } };
    }
    const headers: Record<string, string> = {
      host: this.host,
      'x-acs-action': action,
      'x-acs-version': API_VERSION,
      'x-acs-date': date,
      'x-acs-signature-nonce': nonce,
      'x-acs-content-sha256': EMPTY_BODY_SHA256,
      ...(token ? { 'x-acs-security-token': token } : {}),
    };
    const { authorization } = signV3({
      method: HTTP_METHODS[action],
      query: business,
      headers,
      hashedPayload: EMPTY_BODY_SHA256,
      accessKeyId: this.options.accessKeyId,
      accessKeySecret: this.#secret,
    });
    return { query: business, headers: { ...common, ...headers, authorization } };
  }

  private transportError(action: ActionName, err: unknown): ProviderError {
    const timeout =
      err instanceof undiciErrors.HeadersTimeoutError ||
      err instanceof undiciErrors.BodyTimeoutError ||
      err instanceof undiciErrors.ConnectTimeoutError;
    const message = err instanceof Error ? err.message : String(err);
    return new ProviderError(action, timeout ? 'RequestTimeout' : 'ConnectionError', message, undefined, undefined, true);
  }
}
