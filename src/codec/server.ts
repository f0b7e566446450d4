/**
 * Codec server for the Temporal Web UI and CLI (Temporal's remote codec protocol): `POST …/encode` and `POST
 * …/decode` take and return `{"payloads":[{"metadata":{…base64},"data":"base64"}]}` (proto3 JSON), with the namespace
 * in `X-Namespace`. Every POST must carry the token, either as `Authorization: Bearer <token>` (CLI:
 * `--codec-auth 'Bearer <token>'`) or as the first path segment, `<base>/<token>/decode`, because the Web UI cannot
 * add headers of its own (it forwards only its OIDC access token, and only over https). Browsers get CORS only from
 * the configured Web UI origins; the preflight needs no token (browsers never send one with it).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Payload, PayloadCodec } from '@temporalio/common';

import { BodyTooLarge, readTextBody } from '../http/body';
import { listenOn } from '../http/listen';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Required: the server refuses to start without one. At least 16 characters. */
  token: string;
  /** Origins (scheme://host:port) of the Web UIs allowed to call from a browser. */
  allowedOrigins: readonly string[];
  /** @default 8491; 0 picks a free port */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** The variable or flag that sets `port`, named when the port is taken. @default 'CODEC_SERVER_PORT' */
  portSetting?: string;
  /** Largest request body, in bytes. @default 4 MiB (Temporal's gRPC message limit) */
  maxBodyBytes?: number;
}

export interface RunningCodecServer {
  url: string;
  port: number;
  /** Requests answered, by HTTP status. */
  counts: Record<number, number>;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Constant-time comparison (hashing first makes the lengths equal, so the length leaks nothing either). */
export function tokenEquals(expected: string, given: string | undefined): boolean {
  return given !== undefined && timingSafeEqual(digest(expected), digest(given));
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function bytesField(value: unknown, where: string): Buffer {
  if (typeof value !== 'string' || !BASE64.test(value)) throw new HttpError(400, `${where} must be a base64 string`);
  return Buffer.from(value, 'base64');
}

/** Proto3 JSON `Payloads` → payloads; every problem is a 400 naming the field. */
export function payloadsFromJson(body: string): Payload[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, 'body must be a JSON object with a payloads array');
  }
  // Proto3 JSON leaves out empty repeated fields: the Temporal CLI sends `{}` for no payloads.
  const list = (parsed as { payloads?: unknown }).payloads ?? [];
  if (!Array.isArray(list)) throw new HttpError(400, 'payloads must be an array');
  return list.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null) throw new HttpError(400, `payloads[${i}] must be an object`);
    const { metadata = {}, data = '' } = item as { metadata?: unknown; data?: unknown };
    if (typeof metadata !== 'object' || metadata === null) {
      throw new HttpError(400, `payloads[${i}].metadata must be an object`);
    }
    return {
      metadata: Object.fromEntries(
        Object.entries(metadata).map(([k, v]) => [k, bytesField(v, `payloads[${i}].metadata.${k}`)])
      ),
      data: bytesField(data, `payloads[${i}].data`),
    };
  });
}

export function payloadsToJson(payloads: Payload[]): string {
  const b64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('base64');
  return JSON.stringify({
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
      data: b64(p.data),
    })),
  });
}

/** `/…/encode` → 'encode'; the segments before it may hold the token. */
function route(url: string): { action?: 'encode' | 'decode'; segments: string[] } {
  const segments = (url.split('?')[0] ?? '').split('/').filter((s) => s !== '');
  const last = segments.pop();
  return { action: last === 'encode' || last === 'decode' ? last : undefined, segments };
}

export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  if (options.token.length < 16) throw new Error('codec server token must be at least 16 characters');
  const limit = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const origins = new Set(options.allowedOrigins.map((o) => o.replace(/\/+$/, '')));
  const counts: Record<number, number> = {};

  function corsHeaders(req: http.IncomingMessage): Record<string, string> | undefined {
    const origin = req.headers.origin;
    if (origin === undefined) return {};
    if (!origins.has(origin)) return undefined;
    return { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' };
  }

  async function handle(req: http.IncomingMessage): Promise<{ status: number; body?: string }> {
    const cors = corsHeaders(req);
    if (!cors) throw new HttpError(403, 'origin not allowed');
    const { action, segments } = route(req.url ?? '');
    if (!action) throw new HttpError(404, 'not found: POST <base>/encode or <base>/decode');
    if (req.method !== 'POST') throw new HttpError(405, 'method not allowed: use POST');
    const auth = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
    const authorised = tokenEquals(options.token, auth) || tokenEquals(options.token, segments[0]);
    if (!authorised) throw new HttpError(401, 'missing or wrong token');
    const body = await readTextBody(req, limit).catch((err: unknown) => {
      throw err instanceof BodyTooLarge ? new HttpError(413, err.message) : err;
    });
    const payloads = payloadsFromJson(body);
    try {
      const result = action === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
      return { status: 200, body: payloadsToJson(result) };
    } catch (err) {
      throw new HttpError(400, (err as Error).message);
    }
  }

  const server = http.createServer((req, res) => {
    const answer = (status: number, headers: Record<string, string>, body?: string) => {
      counts[status] = (counts[status] ?? 0) + 1;
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) });
      res.end(body);
    };
    const cors = corsHeaders(req);
    if (req.method === 'GET' && req.url === '/healthz') return answer(200, {}, JSON.stringify({ ok: true }));
    if (req.method === 'OPTIONS') {
      // CORS preflight: the browser asks whether the Web UI's origin may POST with these headers.
      if (!cors || req.headers.origin === undefined) return answer(403, {});
      return answer(204, {
        ...cors,
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': 'Content-Type, X-Namespace, Authorization',
        'access-control-max-age': '600',
      });
    }
    handle(req)
      .then(({ status, body }) => answer(status, cors ?? {}, body))
      .catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        const headers: Record<string, string> = { ...(cors ?? {}) };
        if (status === 401) headers['www-authenticate'] = 'Bearer';
        if (status === 413) headers.connection = 'close';
        answer(status, headers, JSON.stringify({ error: err instanceof HttpError ? err.message : 'internal error' }));
      });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  const host = options.host ?? '127.0.0.1';
  await listenOn(server, {
    what: 'the codec server',
    port: options.port ?? 8491,
    host,
    setting: options.portSetting ?? 'CODEC_SERVER_PORT',
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    counts,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
