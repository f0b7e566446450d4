/**
 * The callback service: receives the provider's task events at `<base>/callbacks/v1/<workflowId>/<token>` and turns
 * each into a `taskEvent` signal. It answers 2xx only after Temporal accepted the signal, so the provider retries
 * otherwise; 401/403 for a missing/wrong token, 400 for a malformed body, 404 for an unknown workflow, 413 for a
 * body over the limit, 503 when Temporal is unreachable. No input can crash it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { Client, Connection, WorkflowNotFoundError, type ConnectionOptions } from '@temporalio/client';

import { taskEventSignal } from '../workflows/messages';

import { CallbackParseError, parseCallbackBody } from './parse';
import { CALLBACK_PATH_PREFIX, tokenMatches } from './tokens';

export type CallbackOutcome =
  | 'delivered'
  | 'missing-token'
  | 'bad-token'
  | 'malformed'
  | 'too-large'
  | 'unknown-workflow'
  | 'temporal-unavailable'
  | 'not-found';

export interface CallbackServiceOptions {
  /** @default 8490; 0 picks a free port */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  secret: string;
  /** An existing client, or the connection to open one. */
  client?: Client;
  connection?: ConnectionOptions;
  namespace?: string;
  /** Largest body accepted, in bytes. @default 65536 */
  maxBodyBytes?: number;
  /** Called once per request with its outcome (metrics). */
  onOutcome?: (outcome: CallbackOutcome) => void;
}

export interface RunningCallbackService {
  url: string;
  port: number;
  /** Requests answered, by outcome. */
  counts: Record<CallbackOutcome, number>;
  close(): Promise<void>;
}

const STATUS: Record<CallbackOutcome, number> = {
  delivered: 200,
  'missing-token': 401,
  'bad-token': 403,
  malformed: 400,
  'too-large': 413,
  'unknown-workflow': 404,
  'temporal-unavailable': 503,
  'not-found': 404,
};

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return reject(new BodyTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
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
  let ownConnection: Connection | undefined;
  let client = options.client;
  if (!client) {
    ownConnection = await Connection.connect(options.connection);
    client = new Client({ connection: ownConnection, namespace: options.namespace ?? 'default' });
  }
  const temporal = client;
  const counts = Object.fromEntries(Object.keys(STATUS).map((k) => [k, 0])) as Record<CallbackOutcome, number>;

  async function handle(req: http.IncomingMessage): Promise<{ outcome: CallbackOutcome; reason?: string }> {
    const route = parsePath(req.url ?? '');
    if (!route || req.method !== 'POST') return { outcome: 'not-found' };
    if (!route.token) return { outcome: 'missing-token' };
    if (!tokenMatches(options.secret, route.workflowId, route.token)) return { outcome: 'bad-token' };
    let event;
    try {
      event = parseCallbackBody(await readBody(req, limit));
    } catch (err) {
      if (err instanceof BodyTooLarge) return { outcome: 'too-large', reason: `body over ${limit} bytes` };
      if (err instanceof CallbackParseError) return { outcome: 'malformed', reason: err.message };
      return { outcome: 'malformed', reason: 'unreadable body' };
    }
    try {
      await temporal.workflow.getHandle(route.workflowId).signal(taskEventSignal, event);
      return { outcome: 'delivered' };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { outcome: 'unknown-workflow', reason: 'no running workflow' };
      return { outcome: 'temporal-unavailable', reason: 'signal not accepted; retry later' };
    }
  }

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/healthz' || req.url === '/health')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
      return;
    }
    handle(req)
      .catch(() => ({ outcome: 'temporal-unavailable' as const, reason: 'internal error' }))
      .then(({ outcome, reason }) => {
        counts[outcome]++;
        options.onOutcome?.(outcome);
        if (res.headersSent || res.destroyed) return;
        const status = STATUS[outcome];
        res.writeHead(status, {
          'content-type': 'application/json',
          connection: status === 413 ? 'close' : 'keep-alive',
        });
        res.end(JSON.stringify(status < 300 ? { ok: true } : { error: outcome, ...(reason ? { reason } : {}) }));
      })
      .catch(() => res.destroy());
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  // Slow senders must not hold sockets forever.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8490, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    counts,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await ownConnection?.close();
    },
  };
}
