/**
 * The callback service: receives the provider's task events at `<base>/callbacks/v1/<workflowId>/<token>` and turns
 * each into a `taskEvent` signal. It answers 2xx only after Temporal accepted the signal, so the provider retries
 * otherwise. Checks run in this order, the first failing one decides the answer: 404 for any other path, 405 for
 * a method other than POST, 401/403 for a missing/wrong token, 415 for a declared content type that is not JSON or
 * text (the provider's is unconfirmed, so a request without one is accepted), 413 for a body over the limit
 * (declared or streamed), 400 for a malformed body, 404 for an unknown or finished workflow, 503 when Temporal is
 * unreachable. Broken HTTP gets Node's answers: 400, 431 for headers over 16 KiB, 408 for a sender slower than the
 * timeouts. No input can crash it.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { DataConverter, Logger } from '@temporalio/common';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';

import { BodyAborted, BodyTooLarge, readTextBody } from '../http/body';
import { listenOn } from '../http/listen';
import { getLogger } from '../observability/logging';
import { RateLimitedLog } from '../observability/rate-limited-log';
import { taskEventSignal } from '../workflows/messages';

import { CallbackParseError, parseCallback } from './parse';
import { CALLBACK_PATH_PREFIX, tokenMatches } from './tokens';

export type CallbackOutcome =
  | 'delivered'
  | 'missing-token'
  | 'bad-token'
  | 'malformed'
  | 'too-large'
  | 'unknown-workflow'
  | 'temporal-unavailable'
  | 'not-found'
  | 'method-not-allowed'
  | 'unsupported-media-type'
  /** The body never arrived: the client went away or was timed out (that answer is counted as `bad-http`). */
  | 'aborted'
  /** Not HTTP, headers too large, or too slow: answered by the HTTP layer (see `clientError`). */
  | 'bad-http';

export interface CallbackServiceOptions {
  /** @default 8490; 0 picks a free port */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** The variable or flag that sets `port`, named when the port is taken. @default 'CALLBACK_PORT' */
  portSetting?: string;
  secret: string;
  /** An existing client, or the connection to open one. */
  client?: Client;
  /**
   * Opened as a NativeConnection (the SDK's Rust core client, as workers use) rather than the pure-JS gRPC client: at
   * 500 signals/s on 2 cores the pure-JS client fell behind in one of two runs (BENCHMARKS.md, callbacks).
   */
  connection?: NativeConnectionOptions;
  namespace?: string;
  /** Payload codecs (encryption) for the client it opens; signals are payloads too. */
  dataConverter?: DataConverter;
  /** Largest body accepted, in bytes. @default 65536 */
  maxBodyBytes?: number;
  /** Called once per request with its outcome (metrics). */
  onOutcome?: (outcome: CallbackOutcome) => void;
  /** Where each request's outcome is logged (never its token or query). @default getLogger('callbacks') */
  logger?: Logger;
  /**
   * Rejected callbacks logged per window; the rest are counted into one `callback rejections not logged` record per
   * window, so a flood of hostile requests cannot flood the log. @default { limit: 50, windowMs: 60_000 }
   */
  rejectionLog?: { limit: number; windowMs: number };
}

export interface RunningCallbackService {
  url: string;
  port: number;
  /** Requests answered, by outcome. */
  counts: Record<CallbackOutcome, number>;
  close(): Promise<void>;
}

const DEFAULT_REJECTION_LOG = { limit: 50, windowMs: 60_000 };

const STATUS: Record<CallbackOutcome, number> = {
  delivered: 200,
  'missing-token': 401,
  'bad-token': 403,
  malformed: 400,
  'too-large': 413,
  'unknown-workflow': 404,
  'temporal-unavailable': 503,
  'not-found': 404,
  'method-not-allowed': 405,
  'unsupported-media-type': 415,
  aborted: 400,
  'bad-http': 400,
};

/** How often sockets are checked against the header/request timeouts (Node's 30 s default lets slow senders stay). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** A body declared as one of these is parsed; anything else declared is refused unread (415). */
function isAcceptedContentType(header: string | undefined): boolean {
  if (header === undefined) return true;
  const type = (header.split(';')[0] ?? '').trim().toLowerCase();
  return (
    ['application/json', 'text/json', 'text/plain'].includes(type) || /^application\/[a-z0-9.+-]+\+json$/.test(type)
  );
}

/** What Node itself answers to broken HTTP (we only add the count). */
function clientErrorResponse(code: string | undefined): string {
  const status =
    code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? '408 Request Timeout'
      : code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : '400 Bad Request';
  return `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
}

/** A request's outcome, and what the log line says about it. */
interface Handled {
  outcome: CallbackOutcome;
  reason?: string;
  taskId?: string;
  kind?: string;
}

/** `/callbacks/v1/<workflowId>/<token>` → its parts; undefined for any other path. */
function parsePath(url: string): { workflowId: string; token?: string } | undefined {
  const path = url.split('?')[0] ?? '';
  if (!path.startsWith(CALLBACK_PATH_PREFIX)) return undefined;
  const parts = path.slice(CALLBACK_PATH_PREFIX.length).split('/');
  if (parts.length < 1 || parts.length > 2 || !parts[0]) return undefined;
  try {
    return { workflowId: decodeURIComponent(parts[0]), token: parts[1] || undefined };
  } catch {
    return undefined;
  }
}

export async function startCallbackService(options: CallbackServiceOptions): Promise<RunningCallbackService> {
  const limit = options.maxBodyBytes ?? 64 * 1024;
  let ownConnection: NativeConnection | undefined;
  let client = options.client;
  if (!client) {
    ownConnection = await NativeConnection.connect(options.connection ?? {});
    client = new Client({
      connection: ownConnection,
      namespace: options.namespace ?? 'default',
      dataConverter: options.dataConverter,
    });
  }
  const temporal = client;
  const counts = Object.fromEntries(Object.keys(STATUS).map((k) => [k, 0])) as Record<CallbackOutcome, number>;

  const log = options.logger ?? getLogger('callbacks');
  const rejections = new RateLimitedLog({
    ...(options.rejectionLog ?? DEFAULT_REJECTION_LOG),
    // Outcomes as one string: the redactor masks any field whose name holds "token" (as `bad-token` does).
    summarize: (held, notLogged, windowMs) =>
      log.warn('callback rejections not logged', {
        notLogged,
        byOutcome: Object.entries(held)
          .map(([outcome, n]) => `${outcome}=${n}`)
          .join(' '),
        windowSeconds: windowMs / 1000,
      }),
  });

  async function handle(req: http.IncomingMessage): Promise<Handled> {
    const route = parsePath(req.url ?? '');
    if (!route) return { outcome: 'not-found' };
    if (req.method !== 'POST') return { outcome: 'method-not-allowed', reason: 'callbacks are POSTed' };
    if (!route.token) return { outcome: 'missing-token' };
    if (!tokenMatches(options.secret, route.workflowId, route.token)) return { outcome: 'bad-token' };
    if (!isAcceptedContentType(req.headers['content-type'])) {
      return { outcome: 'unsupported-media-type', reason: 'body must be JSON (application/json)' };
    }
    let event;
    let notes: string[];
    try {
      ({ event, notes } = parseCallback(await readTextBody(req, limit), Math.floor(Date.now() / 1000)));
    } catch (err) {
      if (err instanceof BodyTooLarge) return { outcome: 'too-large', reason: `body over ${limit} bytes` };
      if (err instanceof BodyAborted) return { outcome: 'aborted' };
      if (err instanceof CallbackParseError) return { outcome: 'malformed', reason: err.message };
      return { outcome: 'malformed', reason: 'unreadable body' };
    }
    try {
      await temporal.workflow.getHandle(route.workflowId).signal(taskEventSignal, event);
      return {
        outcome: 'delivered',
        taskId: event.taskId,
        kind: event.kind,
        ...(notes.length ? { reason: notes.join('; ') } : {}),
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { outcome: 'unknown-workflow', reason: 'no running workflow' };
      return { outcome: 'temporal-unavailable', reason: 'signal not accepted; retry later' };
    }
  }

  const server = http.createServer({ connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS }, (req, res) => {
    if (req.method === 'GET' && (req.url === '/healthz' || req.url === '/health')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
      return;
    }
    handle(req)
      .catch((): Handled => ({ outcome: 'temporal-unavailable', reason: 'internal error' }))
      .then(({ outcome, reason, taskId, kind }) => {
        counts[outcome]++;
        options.onOutcome?.(outcome);
        // The workflow ID only (clipped: it comes from the request), never the token or the query.
        const workflowId = parsePath(req.url ?? '')?.workflowId.slice(0, 256);
        const fields = { outcome, status: STATUS[outcome], workflowId, taskId, event: kind, reason };
        if (outcome === 'delivered') log.info('callback delivered', fields);
        else if (rejections.admit(outcome)) {
          log.log(outcome === 'not-found' ? 'DEBUG' : 'WARN', 'callback rejected', fields);
        }
        if (res.headersSent || res.destroyed) return;
        const status = STATUS[outcome];
        res.writeHead(status, {
          'content-type': 'application/json',
          connection: status === 413 ? 'close' : 'keep-alive',
          ...(status === 405 ? { allow: 'POST' } : {}),
        });
        res.end(JSON.stringify(status < 300 ? { ok: true } : { error: outcome, ...(reason ? { reason } : {}) }));
      })
      .catch(() => res.destroy());
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    counts['bad-http']++;
    options.onOutcome?.('bad-http');
    // Like Node's default handler: answer only if nothing was written on this connection yet.
    if (socket.writable && socket.bytesWritten === 0 && err.code !== 'ECONNRESET') {
      socket.write(clientErrorResponse(err.code));
    }
    socket.destroy();
  });
  // Slow senders must not hold sockets forever.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;

  await listenOn(server, {
    what: 'the callback service',
    port: options.port ?? 8490,
    host: options.host ?? '127.0.0.1',
    setting: options.portSetting ?? 'CALLBACK_PORT',
  }).catch(async (err: unknown) => {
    await ownConnection?.close();
    throw err;
  });
  // A flood that stops still gets its summary, without waiting for the next rejection.
  const rollTimer = setInterval(() => rejections.roll(), Math.min(rejections.windowMs, 10_000)).unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    counts,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      clearInterval(rollTimer);
      rejections.flush();
      await ownConnection?.close();
    },
  };
}
