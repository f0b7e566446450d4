/**
 * Typed, signed client for the ApsaraVideo Live pull-to-push actions, sending exactly what the official SDK sends:
 * RPC style, path `/`, every parameter in the query string, empty body, the action's HTTP method; V3
 * (ACS3-HMAC-SHA256) by default, V1 (HMAC-SHA1) as an option. Requests are checked against the provider schemas
 * before anything is sent. The AccessKey secret and STS token live in private fields and never appear in errors,
 * logs or serialisations of the client.
 */
import { inspect } from 'node:util';

import { Pool } from 'undici';

import type { CallGuard } from '../provider-quota/lease';
import { isoSeconds } from '../shared/time';

import { API_VERSION, endpointFor, parseEndpoint, type ParsedEndpoint } from './endpoints';
import { CLIENT_ERROR_CODES, ProviderError, ProviderValidationError } from './errors';
import { ActionQuotaGates, actionBudgets, type ActionBudgets } from './quota-gate';
import {
  HTTP_METHODS,
  responseSchemas,
  takesRegion,
  toWireParams,
  validateRequest,
  type ActionName,
  type RequestOf,
  type ResponseOf,
} from './schemas';
import { EMPTY_BODY_SHA256, newNonce, percentEncode, signV1, signV3 } from './signing';

export { API_VERSION } from './endpoints';

export interface CallEvent {
  action: ActionName;
  /** Send to answer (or failure); waiting for quota is not included. */
  durationMs: number;
  /** Time spent waiting for a quota slot before sending (0 without a quota). */
  quotaWaitMs: number;
  /** Error code of a failed call (service code, or RequestTimeout/ConnectionError/MalformedResponse/...). */
  code?: string;
  httpStatus?: number;
}

export interface LiveClientOptions {
  accessKeyId: string;
  /** Kept in a private field; never logged, serialised or put in an error. */
  accessKeySecret: string;
  /** STS token for temporary credentials (sent as `x-acs-security-token` / `SecurityToken`). @default none */
  securityToken?: string;
  /** `Region` of pull-to-push requests that name none. */
  region: string;
  /** Full endpoint URL, e.g. `http://127.0.0.1:8480`. @default endpointFor(region), i.e. 'https://live.aliyuncs.com' */
  endpoint?: string;
  /** @default 'v3' (ACS3-HMAC-SHA256, as the SDK); 'v1' is HMAC-SHA1 with the signature in the query */
  signatureVersion?: 'v3' | 'v1';
  /** Connect, response-headers and between-body-chunks timeout, ms. @default 10000 */
  timeoutMs?: number;
  /**
   * Keep-alive connections in the pool. @default with a quota, the sum of the action budgets (every call in flight
   * holds a quota slot, so each gets a connection and no action waits for another's connections); else 10
   */
  connections?: number;
  /** Clock for signing dates and the "EndTime later than now" rule (tests). @default () => new Date() */
  clock?: () => Date;
  /** Signature nonce source (tests). @default 32 random hex characters */
  nonce?: () => string;
  /** Called after every sent request (metrics). Never receives secrets; its own errors are ignored. @default none */
  onCall?: (event: CallEvent) => void;
  /**
   * Calls of each action the provider may see from this client in any sliding second (the quota is per action and
   * key); further calls of that action wait their turn (see QuotaGate). @default no limit
   */
  quotaPerSecond?: number;
  /** Budgets of single actions, over `quotaPerSecond` (which must be set for a gate to exist). @default none */
  quotaPerAction?: Partial<ActionBudgets>;
  /**
   * Awaited after a call's quota slot is taken, right before it is signed: a rejection refuses the call (the slot is
   * released). The worker passes its provider quota lease (src/provider-quota), so a call that waited in the gate
   * while this process stopped owning the quota is never sent. @default every call allowed
   */
  callGuard?: CallGuard;
}

/** Enum-typed fields accept any string (checked at run time, all at once) and Region defaults from the options. */
type Widen<V> = V extends string ? string : V;
type Widened<T> = { [K in keyof T]: Widen<T[K]> };
export type ClientRequest<A extends ActionName> =
  RequestOf<A> extends { Region: unknown }
    ? Omit<Widened<RequestOf<A>>, 'Region'> & { Region?: string }
    : Widened<RequestOf<A>>;

interface SignedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  /** Redacted from any message that could echo it. */
  signature: string;
}

const USER_AGENT = 'broadcast-relay/0.1 (ApsaraVideo Live pull-to-push client; undici)';
/** pop-core's list of `Code` values that mean success in a 2xx body. */
const SUCCESS_CODES = new Set(['200', 'OK', 'Success', 'success']);
/** Transport failures where the request certainly never reached the server: not ambiguous. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);
const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
/** undici codes that mean we misused the API rather than the network failed: rethrown as they are. */
const PROGRAMMING_ERRORS = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'UND_ERR_INVALID_RETURN_VALUE']);

function errorCodeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string') return e.code;
  // Node wraps parallel connection attempts in an AggregateError; undici sometimes nests the socket error as cause.
  if (Array.isArray(e.errors)) return errorCodeOf(e.errors[0]);
  return e.cause ? errorCodeOf(e.cause) : undefined;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export class LiveClient {
  readonly #accessKeyId: string;
  readonly #accessKeySecret: string;
  readonly #securityToken: string | undefined;
  readonly #endpoint: ParsedEndpoint;
  readonly #region: string;
  readonly #signatureVersion: 'v3' | 'v1';
  readonly #clock: () => Date;
  readonly #nonce: () => string;
  readonly #onCall: ((event: CallEvent) => void) | undefined;
  readonly #pool: Pool;
  readonly #quotaGates: ActionQuotaGates | undefined;
  readonly #callGuard: CallGuard | undefined;

  constructor(options: LiveClientOptions) {
    this.#accessKeyId = options.accessKeyId;
    this.#accessKeySecret = options.accessKeySecret;
    this.#securityToken = options.securityToken || undefined;
    this.#endpoint = parseEndpoint(endpointFor(options.region, options.endpoint));
    this.#region = options.region;
    this.#signatureVersion = options.signatureVersion ?? 'v3';
    this.#clock = options.clock ?? (() => new Date());
    this.#nonce = options.nonce ?? newNonce;
    this.#onCall = options.onCall;
    const budgets = options.quotaPerSecond ? actionBudgets(options.quotaPerSecond, options.quotaPerAction) : undefined;
    this.#quotaGates = budgets ? new ActionQuotaGates(budgets) : undefined;
    this.#callGuard = options.callGuard;
    const inFlightCeiling = budgets ? Object.values(budgets).reduce((sum, n) => sum + Math.ceil(n), 0) : 10;
    const timeout = options.timeoutMs ?? 10_000;
    this.#pool = new Pool(this.#endpoint.origin, {
      connections: options.connections ?? inFlightCeiling,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connect: { timeout },
    });
  }

  /** Origin the client talks to. */
  get endpoint(): string {
    return this.#endpoint.origin;
  }

  /** Default `Region` of pull-to-push requests. */
  get region(): string {
    return this.#region;
  }

  toJSON(): object {
    return {
      endpoint: this.endpoint,
      region: this.#region,
      accessKeyId: this.#accessKeyId,
      signatureVersion: this.#signatureVersion,
    };
  }

  toString(): string {
    return `LiveClient(${this.endpoint}, ${this.#accessKeyId}, ${this.#signatureVersion})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /** Closes the keep-alive connections; in-flight calls finish first. */
  async close(): Promise<void> {
    await this.#pool.close();
  }

  createLivePullToPush(request: ClientRequest<'CreateLivePullToPush'>): Promise<ResponseOf<'CreateLivePullToPush'>> {
    return this.call('CreateLivePullToPush', request);
  }

  updateLivePullToPush(request: ClientRequest<'UpdateLivePullToPush'>): Promise<ResponseOf<'UpdateLivePullToPush'>> {
    return this.call('UpdateLivePullToPush', request);
  }

  deleteLivePullToPush(request: ClientRequest<'DeleteLivePullToPush'>): Promise<ResponseOf<'DeleteLivePullToPush'>> {
    return this.call('DeleteLivePullToPush', request);
  }

  describeLivePullToPush(
    request: ClientRequest<'DescribeLivePullToPush'>
  ): Promise<ResponseOf<'DescribeLivePullToPush'>> {
    return this.call('DescribeLivePullToPush', request);
  }

  describeLivePullToPushList(
    request: ClientRequest<'DescribeLivePullToPushList'> = {}
  ): Promise<ResponseOf<'DescribeLivePullToPushList'>> {
    return this.call('DescribeLivePullToPushList', request);
  }

  stopLivePullToPush(request: ClientRequest<'StopLivePullToPush'>): Promise<ResponseOf<'StopLivePullToPush'>> {
    return this.call('StopLivePullToPush', request);
  }

  restartLivePullToPush(request: ClientRequest<'RestartLivePullToPush'>): Promise<ResponseOf<'RestartLivePullToPush'>> {
    return this.call('RestartLivePullToPush', request);
  }

  addLivePullStreamInfoConfig(
    request: ClientRequest<'AddLivePullStreamInfoConfig'>
  ): Promise<ResponseOf<'AddLivePullStreamInfoConfig'>> {
    return this.call('AddLivePullStreamInfoConfig', request);
  }

  deleteLivePullStreamInfoConfig(
    request: ClientRequest<'DeleteLivePullStreamInfoConfig'>
  ): Promise<ResponseOf<'DeleteLivePullStreamInfoConfig'>> {
    return this.call('DeleteLivePullStreamInfoConfig', request);
  }

  describeLivePullStreamConfig(
    request: ClientRequest<'DescribeLivePullStreamConfig'>
  ): Promise<ResponseOf<'DescribeLivePullStreamConfig'>> {
    return this.call('DescribeLivePullStreamConfig', request);
  }

  private async call<A extends ActionName>(action: A, request: object): Promise<ResponseOf<A>> {
    const params: Record<string, unknown> = { ...request };
    if (takesRegion(action) && params.Region === undefined) params.Region = this.#region;
    const valid = validateRequest(action, params, { now: this.#clock() });
    if (!valid.ok) throw new ProviderValidationError(action, valid.violations);
    // Waiting for quota happens before signing (the signature carries the send time) and outside the latency.
    const queuedAt = performance.now();
    const releaseSlot = await this.#quotaGates?.acquire(action);
    const quotaWaitMs = Math.round(performance.now() - queuedAt);
    try {
      await this.#callGuard?.admit();
    } catch (err) {
      releaseSlot?.();
      throw err;
    }
    const signed = this.sign(action, toWireParams(action, valid.value));
    const started = performance.now();
    let httpStatus: number | undefined;
    let code: string | undefined;
    try {
      const response = await this.send(action, signed);
      httpStatus = response.status;
      return this.interpret(action, response.status, response.text, signed);
    } catch (err) {
      if (err instanceof ProviderError) code = err.code;
      throw err;
    } finally {
      releaseSlot?.();
      try {
        this.#onCall?.({ action, durationMs: Math.round(performance.now() - started), quotaWaitMs, code, httpStatus });
      } catch {
        // A broken metrics hook must not fail the call.
      }
    }
  }

  private sign(action: ActionName, business: Record<string, string>): SignedRequest {
    const method = HTTP_METHODS[action];
    const date = isoSeconds(this.#clock());
    const nonce = this.#nonce();
    const token = this.#securityToken;
    const common = { host: this.#endpoint.host, 'x-acs-action': action, 'x-acs-version': API_VERSION };
    const unsigned = { accept: 'application/json', 'user-agent': USER_AGENT };
    if (this.#signatureVersion === 'v1') {
      const query: Record<string, string> = {
        ...business,
        Action: action,
        Format: 'JSON',
        Version: API_VERSION,
        AccessKeyId: this.#accessKeyId,
        SignatureMethod: 'HMAC-SHA1',
        SignatureNonce: nonce,
        SignatureVersion: '1.0',
        Timestamp: date,
        ...(token ? { SecurityToken: token } : {}),
      };
      const signature = signV1(method, query, this.#accessKeySecret);
      query.Signature = signature;
      return { method, path: pathWithQuery(query), headers: { ...common, ...unsigned }, signature };
    }
    const headers: Record<string, string> = {
      ...common,
      'x-acs-date': date,
      'x-acs-signature-nonce': nonce,
      'x-acs-content-sha256': EMPTY_BODY_SHA256,
      // As the SDK: with an STS token the AccessKeyId also travels (signed) in x-acs-accesskey-id.
      ...(token ? { 'x-acs-accesskey-id': this.#accessKeyId, 'x-acs-security-token': token } : {}),
    };
    const { authorization, signature } = signV3({
      method,
      pathname: '/',
      query: business,
      headers,
      hashedPayload: EMPTY_BODY_SHA256,
      accessKeyId: this.#accessKeyId,
      accessKeySecret: this.#accessKeySecret,
    });
    return { method, path: pathWithQuery(business), headers: { ...headers, ...unsigned, authorization }, signature };
  }

  private async send(action: ActionName, signed: SignedRequest): Promise<{ status: number; text: string }> {
    let status: number | undefined;
    try {
      const res = await this.#pool.request({ method: signed.method, path: signed.path, headers: signed.headers });
      status = res.statusCode;
      return { status, text: await res.body.text() };
    } catch (err) {
      throw this.transportError(action, err, signed, status);
    }
  }

  private interpret<A extends ActionName>(
    action: A,
    status: number,
    text: string,
    signed: SignedRequest
  ): ResponseOf<A> {
    const body = parseJsonObject(text);
    const serviceCode = typeof body?.Code === 'string' ? body.Code : undefined;
    const requestId = typeof body?.RequestId === 'string' ? body.RequestId : undefined;
    if (status < 200 || status >= 300 || (serviceCode !== undefined && !SUCCESS_CODES.has(serviceCode))) {
      throw new ProviderError({
        action,
        code: serviceCode ?? `HTTP${status}`,
        providerMessage: this.redact(
          typeof body?.Message === 'string' ? body.Message : text.slice(0, 200) || 'no error body',
          signed
        ),
        httpStatus: status,
        requestId,
        ambiguous: status >= 500,
      });
    }
    // A 2xx we cannot read may still have taken effect: ambiguous.
    const malformed = (providerMessage: string, code: string = CLIENT_ERROR_CODES.malformed) =>
      new ProviderError({ action, code, providerMessage, httpStatus: status, requestId, ambiguous: true });
    if (!body) throw malformed('success answer is not a JSON object');
    const parsed = responseSchemas[action].safeParse(body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      throw malformed(`unexpected success answer: ${problems}`);
    }
    const retCode = (parsed.data as { RetCode?: number }).RetCode;
    if (retCode !== undefined && retCode !== 0) {
      // The provider's own answer ("RetCode ... 0 when normal"), not a lost one: classified, never retried as ambiguous.
      throw new ProviderError({
        action,
        code: CLIENT_ERROR_CODES.retCode,
        providerMessage: this.redact(`RetCode ${retCode}: ${String(body.Description ?? '')}`, signed),
        httpStatus: status,
        requestId,
      });
    }
    return parsed.data as ResponseOf<A>;
  }

  private transportError(action: ActionName, err: unknown, signed: SignedRequest, httpStatus?: number): unknown {
    const code = errorCodeOf(err);
    // undici's own codes and errno-style socket codes (ECONNRESET…); Node's ERR_* codes are programming errors.
    const known =
      code !== undefined && (code.startsWith('UND_ERR_') || /^E[A-Z]+$/.test(code)) && !PROGRAMMING_ERRORS.has(code);
    if (!known) return err;
    const timeout = TIMEOUTS.has(code);
    const detail = err instanceof Error ? err.message : String(err);
    return new ProviderError({
      action,
      code: timeout ? CLIENT_ERROR_CODES.timeout : CLIENT_ERROR_CODES.connection,
      providerMessage: this.redact(
        `${timeout ? 'no answer in time' : 'connection failed'}: ${detail} (${code})`,
        signed
      ),
      httpStatus,
      ambiguous: !NOT_SENT.has(code),
    });
  }

  /** Defence in depth: whatever a server or socket error echoes, credentials and signatures never leave the client. */
  private redact(message: string, signed: SignedRequest): string {
    // Very short values would shred ordinary words and are not meaningful secrets to hide.
    const secrets = [this.#accessKeySecret, this.#securityToken, signed.signature].filter(
      (s): s is string => s !== undefined && s.length >= 4
    );
    return secrets.reduce((text, secret) => text.split(secret).join('[redacted]'), message);
  }
}

/** `/?k=v&…` with full RFC 3986 encoding; the server decodes and re-encodes, so any valid encoding signs the same. */
function pathWithQuery(query: Record<string, string>): string {
  const pairs = Object.entries(query).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`);
  return pairs.length > 0 ? `/?${pairs.join('&')}` : '/';
}
