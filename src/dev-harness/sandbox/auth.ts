/**
 * Request authentication as the service does it: V3 (Authorization header) or V1 (Signature parameter), unknown
 * keys, replayed nonces, timestamps more than 15 minutes off. Each rejection carries the service's error code.
 */
import type http from 'node:http';

import { parseV3Authorization, safeEqual, sha256Hex, signV1, signV3 } from '../../provider/signing';

export class SandboxError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400
  ) {
    super(message);
  }
}

export interface AuthInput {
  req: http.IncomingMessage;
  method: string;
  /** Decoded query parameters. */
  query: Record<string, string>;
  /** Decoded form-body parameters (V1 signs them with the query). */
  form: Record<string, string>;
  body: Buffer;
}

export interface AuthResult {
  accessKeyId: string;
  version: 'v1' | 'v3';
  action: string;
  /** `Version` (V1) or `x-acs-version` (V3), as sent. */
  apiVersion?: string;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export class Authenticator {
  private readonly nonces = new Map<string, number>();

  constructor(
    private readonly keys: Record<string, string>,
    private readonly toleranceMs: number
  ) {}

  check(input: AuthInput): AuthResult {
    const authorization = input.req.headers.authorization;
    if (input.query.Signature !== undefined || input.form.Signature !== undefined) return this.checkV1(input);
    if (typeof authorization === 'string') return this.checkV3(input, authorization);
    throw new SandboxError('IncompleteSignature', 'The request signature does not conform to Aliyun standards.');
  }

  private secretOf(accessKeyId: string): string {
    const secret = this.keys[accessKeyId];
    if (secret === undefined) {
      throw new SandboxError('InvalidAccessKeyId.NotFound', 'Specified access key is not found.', 404);
    }
    return secret;
  }

  private checkTime(value: string | undefined): void {
    if (!value || !ISO.test(value) || Number.isNaN(Date.parse(value))) {
      throw new SandboxError('InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.');
    }
    if (Math.abs(Date.parse(value) - Date.now()) > this.toleranceMs) {
      throw new SandboxError('InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
    }
  }

  private useNonce(accessKeyId: string, nonce: string | undefined): void {
    if (!nonce) throw new SandboxError('IncompleteSignature', 'The signature nonce is missing.');
    const now = Date.now();
    for (const [k, expiry] of this.nonces) if (expiry < now) this.nonces.delete(k);
    const key = `${accessKeyId}\n${nonce}`;
    if (this.nonces.has(key))
      throw new SandboxError('SignatureNonceUsed', 'Specified signature nonce was used already.');
    this.nonces.set(key, now + this.toleranceMs);
  }

  private mismatch(): SandboxError {
    return new SandboxError('SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');
  }

  private checkV1({ method, query, form }: AuthInput): AuthResult {
    const params = { ...query, ...form };
    const { AccessKeyId: accessKeyId, Signature: signature } = params;
    if (!accessKeyId || !signature || !params.SignatureNonce || !params.Action) {
      throw new SandboxError('IncompleteSignature', 'The request signature does not conform to Aliyun standards.');
    }
    const secret = this.secretOf(accessKeyId);
    this.checkTime(params.Timestamp);
    if (!safeEqual(signV1(method, params, secret), signature)) throw this.mismatch();
    this.useNonce(accessKeyId, params.SignatureNonce);
    return { accessKeyId, version: 'v1', action: params.Action, apiVersion: params.Version };
  }

  private checkV3({ req, method, query, body }: AuthInput, authorization: string): AuthResult {
    const parsed = parseV3Authorization(authorization);
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(',') : v;
    };
    const action = header('x-acs-action');
    if (!parsed || !action) {
      throw new SandboxError('IncompleteSignature', 'The request signature does not conform to Aliyun standards.');
    }
    const required = ['host', 'x-acs-action', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'];
    const sentAcs = Object.keys(req.headers).filter((h) => h.startsWith('x-acs-'));
    if ([...required, ...sentAcs].some((h) => !parsed.signedHeaders.includes(h))) {
      throw new SandboxError('IncompleteSignature', 'Every x-acs-* header and host must be signed.');
    }
    const secret = this.secretOf(parsed.accessKeyId);
    this.checkTime(header('x-acs-date'));
    const payloadHash = header('x-acs-content-sha256') ?? '';
    if (payloadHash !== sha256Hex(body)) throw this.mismatch();
    const signed: Record<string, string | undefined> = {};
    for (const name of parsed.signedHeaders) signed[name] = header(name);
    const expected = signV3({
      method,
      pathname: '/',
      query,
      headers: signed,
      hashedPayload: payloadHash,
      accessKeyId: parsed.accessKeyId,
      accessKeySecret: secret,
    });
    if (!safeEqual(expected.signature, parsed.signature)) throw this.mismatch();
    this.useNonce(parsed.accessKeyId, header('x-acs-signature-nonce'));
    return { accessKeyId: parsed.accessKeyId, version: 'v3', action, apiVersion: header('x-acs-version') };
  }
}
