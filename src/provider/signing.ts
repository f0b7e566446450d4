/**
 * Alibaba Cloud OpenAPI request signatures, byte-compatible with @alicloud/openapi-core 1.0.8:
 *   - V3 `ACS3-HMAC-SHA256` (the SDK default): Authorization header over a canonical request.
 *   - V1 `HMAC-SHA1` (RPC, `signatureAlgorithm: 'v2'` in the SDK, and @alicloud/pop-core): `Signature` parameter.
 * Used by the provider client to sign and by the sandbox to verify. Pure functions, no I/O.
 */
import crypto from 'node:crypto';

export const V3_ALGORITHM = 'ACS3-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** RFC 3986 percent-encoding as the SDK does it: encodeURIComponent plus `!'()*`. Space is %20, `~` stays. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function sha256Hex(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** Parameters sorted by name (code-unit order, as Array#sort), `name=enc(value)` joined by `&`. */
export function v3CanonicalQuery(query: Record<string, string>): string {
  return Object.keys(query)
    .sort()
    .map((name) => `${name}=${percentEncode(query[name] ?? '')}`)
    .join('&');
}

/**
 * Signed headers: host, content-type and every x-acs-* header, names lowercased, duplicate names (any case)
 * merged as sorted, comma-joined values.
 */
export function v3CanonicalHeaders(headers: Record<string, string | string[] | undefined>): {
  canonical: string;
  signedHeaders: string;
} {
  const merged = new Map<string, string[]>();
  for (const [name, raw] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!(lower === 'host' || lower === 'content-type' || lower.startsWith('x-acs-'))) continue;
    const values = (Array.isArray(raw) ? raw : [raw ?? '']).map((v) => v.trim());
    merged.set(lower, [...(merged.get(lower) ?? []), ...values]);
  }
  const names = [...merged.keys()].sort();
  const canonical = names.map((n) => `${n}:${(merged.get(n) ?? []).sort().join(',')}\n`).join('');
  return { canonical, signedHeaders: names.join(';') };
}

export interface V3SignInput {
  method: string;
  /** Request path. @default '/' */
  pathname?: string;
  query: Record<string, string>;
  /** Must already include host, x-acs-* (action, version, date, nonce, content-sha256) and content-type if any. */
  headers: Record<string, string | string[] | undefined>;
  /** Lowercase hex SHA-256 of the body (the x-acs-content-sha256 value). */
  hashedPayload: string;
  accessKeyId: string;
  accessKeySecret: string;
}

export interface V3Signature {
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  signedHeaders: string;
  authorization: string;
}

export function signV3(input: V3SignInput): V3Signature {
  const canonicalUri = (input.pathname ?? '/').replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~');
  const { canonical, signedHeaders } = v3CanonicalHeaders(input.headers);
  const canonicalRequest = [
    input.method,
    canonicalUri,
    v3CanonicalQuery(input.query),
    canonical,
    signedHeaders,
    input.hashedPayload,
  ].join('\n');
  const stringToSign = `${V3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
  const signature = crypto.createHmac('sha256', input.accessKeySecret).update(stringToSign).digest('hex');
  return {
    canonicalRequest,
    stringToSign,
    signature,
    signedHeaders,
    authorization: `${V3_ALGORITHM} Credential=${input.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`,
  };
}

export interface ParsedV3Authorization {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`; undefined when malformed. */
export function parseV3Authorization(header: string): ParsedV3Authorization | undefined {
  const match = /^ACS3-HMAC-SHA256\s+(.*)$/.exec(header.trim());
  if (!match?.[1]) return undefined;
  const fields = new Map<string, string>();
  for (const part of match[1].split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || signedHeaders === undefined || !signature) return undefined;
  return { accessKeyId, signedHeaders: signedHeaders ? signedHeaders.split(';') : [], signature };
}

/** V1 CanonicalizedQueryString: names and values encoded, sorted by name. `Signature` itself is excluded. */
export function v1CanonicalQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((name) => name !== 'Signature')
    .sort()
    .map((name) => `${percentEncode(name)}=${percentEncode(params[name] ?? '')}`)
    .join('&');
}

export function v1StringToSign(method: string, params: Record<string, string>): string {
  return `${method}&${percentEncode('/')}&${percentEncode(v1CanonicalQuery(params))}`;
}

/** Base64 HMAC-SHA1 with key `secret + '&'`. */
export function signV1(method: string, params: Record<string, string>, accessKeySecret: string): string {
  return crypto.createHmac('sha1', `${accessKeySecret}&`).update(v1StringToSign(method, params)).digest('base64');
}

/** Constant-time string comparison for signature checks. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}

/** 32 random hex characters. The SDK sends 64; the service accepts any unique string. */
export function newNonce(): string {
  return crypto.randomBytes(16).toString('hex');
}
