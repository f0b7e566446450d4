/** Shared by the sandbox tests: raw signed requests, a callback receiver, waiting for a condition. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { request } from 'undici';

import { LiveClient, type LiveClientOptions } from '../../src/provider/client';
import { newNonce, sha256Hex, signV1, signV3 } from '../../src/provider/signing';
import { isoSeconds } from '../../src/shared/time';

export const KEY = { id: 'sandbox-test-id', secret: 'sandbox-test-secret' };
export const HOUR = 3600_000;

export const at = (offsetMs: number) => isoSeconds(new Date(Date.now() + offsetMs));

let dstCounter = 0;
export const freshDst = () => `rtmp://push.example.com/app/sandbox-${process.pid}-${++dstCounter}`;

/** Our LiveClient signing with KEY against a sandbox at `url`, in cn-shanghai. */
export function sandboxClient(url: string, options: Partial<LiveClientOptions> = {}): LiveClient {
  return new LiveClient({
    accessKeyId: KEY.id,
    accessKeySecret: KEY.secret,
    region: 'cn-shanghai',
    endpoint: url,
    ...options,
  });
}

/** A valid live Create as LiveClient takes it (typed: SourceUrls a list), one hour ahead, on a fresh destination. */
export function liveRelay(overrides: Record<string, unknown> = {}) {
  return {
    StartTime: at(HOUR),
    EndTime: at(2 * HOUR),
    SourceType: 'live',
    SourceProtocol: 'rtmp',
    SourceUrls: ['rtmp://src.example.com/app/s'],
    DstUrl: freshDst(),
    ...overrides,
  };
}

/** Wire parameters of a valid live Create (SourceUrls already a JSON array string). */
export function liveCreateParams(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    Region: 'cn-shanghai',
    TaskName: 'sandbox test',
    StartTime: at(HOUR),
    EndTime: at(2 * HOUR),
    SourceType: 'live',
    SourceProtocol: 'rtmp',
    SourceUrls: JSON.stringify(['rtmp://src.example.com/app/s']),
    DstUrl: freshDst(),
    ...overrides,
  };
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown>;
}

function parse(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function encodeQuery(query: Record<string, string>): string {
  const search = new URLSearchParams(query).toString();
  return search ? `/?${search}` : '/';
}

async function send(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string
): Promise<RawAnswer> {
  const res = await request(`${baseUrl}${path}`, {
    method: method as 'GET',
    headers,
    body,
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: parse(text) };
}

export interface RawV3Options {
  action: string;
  method?: 'GET' | 'POST';
  query?: Record<string, string>;
  /** Sent as an application/x-www-form-urlencoded body. */
  form?: Record<string, string>;
  key?: { id: string; secret: string };
  /** Extra headers, signed (x-acs-*) unless listed in `unsigned`. */
  headers?: Record<string, string>;
  unsigned?: string[];
  /** Header values used for signing only (the request sends the real ones): a signature over something else. */
  signAs?: Record<string, string>;
  date?: string;
  nonce?: string;
  version?: string | null;
}

/** A V3-signed request built by hand (our signV3), for what the SDKs never send. */
export async function rawV3(baseUrl: string, opts: RawV3Options): Promise<RawAnswer> {
  const key = opts.key ?? KEY;
  const method = opts.method ?? 'GET';
  const query = opts.query ?? {};
  const body = opts.form ? new URLSearchParams(opts.form).toString() : '';
  const hashed = sha256Hex(body);
  const headers: Record<string, string> = {
    host: new URL(baseUrl).host,
    'x-acs-action': opts.action,
    ...(opts.version === null ? {} : { 'x-acs-version': opts.version ?? '2016-11-01' }),
    'x-acs-date': opts.date ?? isoSeconds(new Date()),
    'x-acs-signature-nonce': opts.nonce ?? newNonce(),
    'x-acs-content-sha256': hashed,
    ...(opts.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    ...opts.headers,
  };
  const toSign = Object.fromEntries(
    Object.entries({ ...headers, ...opts.signAs }).filter(([n]) => !(opts.unsigned ?? []).includes(n))
  );
  const { authorization } = signV3({
    method,
    pathname: '/',
    query,
    headers: toSign,
    hashedPayload: hashed,
    accessKeyId: key.id,
    accessKeySecret: key.secret,
  });
  return send(baseUrl, method, encodeQuery(query), { ...headers, authorization }, body || undefined);
}

export interface RawV1Options {
  action?: string;
  method?: 'GET' | 'POST';
  params?: Record<string, string>;
  /** POST: send the signed parameters as a form body (as pop-core does), not in the query. */
  asForm?: boolean;
  key?: { id: string; secret: string };
  timestamp?: string;
}

/** A V1-signed request built by hand (our signV1). */
export async function rawV1(baseUrl: string, opts: RawV1Options): Promise<RawAnswer> {
  const key = opts.key ?? KEY;
  const method = opts.method ?? 'GET';
  const params: Record<string, string> = {
    ...(opts.action !== undefined ? { Action: opts.action } : {}),
    Format: 'JSON',
    Version: '2016-11-01',
    AccessKeyId: key.id,
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: newNonce(),
    SignatureVersion: '1.0',
    Timestamp: opts.timestamp ?? isoSeconds(new Date()),
    ...opts.params,
  };
  params.Signature = signV1(method, params, key.secret);
  if (opts.asForm) {
    return send(
      baseUrl,
      method,
      '/',
      { 'content-type': 'application/x-www-form-urlencoded' },
      new URLSearchParams(params).toString()
    );
  }
  return send(baseUrl, method, encodeQuery(params), {});
}

/** Unsigned plain HTTP, for the admin endpoints and garbage. */
export function plain(
  baseUrl: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {}
): Promise<RawAnswer> {
  return send(baseUrl, method, path, headers, body);
}

export interface ReceivedCallback {
  body: Record<string, unknown>;
  raw: string;
  contentType: string | undefined;
  method: string | undefined;
  path: string | undefined;
}

/** A callback receiver: records every POST; `failFirst` answers the first n requests with HTTP 500. */
export async function startReceiver(options: { failFirst?: number } = {}) {
  const received: ReceivedCallback[] = [];
  let failures = options.failFirst ?? 0;
  let requests = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      requests++;
      if (failures > 0) {
        failures--;
        res.writeHead(500).end();
        return;
      }
      received.push({
        body: parse(raw),
        raw,
        contentType: req.headers['content-type'],
        method: req.method,
        path: req.url,
      });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/cb`,
    received,
    requests: () => requests,
    events: (taskId: string) => received.filter((r) => r.body.TaskId === taskId).map((r) => r.body.Event as string),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `condition` until true; fails after a generous deadline (a liveness bound, not a timing assertion). */
export async function waitFor(condition: () => boolean | Promise<boolean>, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not met in time`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
