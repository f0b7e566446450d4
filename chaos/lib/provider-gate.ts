/**
 * An HTTP relay between the worker and the provider (sandbox) that can hold one answer: when the provider has
 * answered a chosen action successfully, a hook runs (e.g. SIGKILL the worker) before the answer is passed on. This
 * is the "provider did it, the worker never learnt it" moment, hit exactly rather than by racing a poll.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProviderGate {
  url: string;
  /**
   * The next successful answer to `action` (whose request contains `mentioning`, URL-decoded, when given) waits for
   * `hook` before it is passed on, or dropped if its caller died meanwhile. Resolves once the hook has run.
   */
  holdNextAnswer(action: string, hook: () => Promise<void>, mentioning?: string): Promise<void>;
  close(): Promise<void>;
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** The API action of a request: the `x-acs-action` header (V3 signatures) or the `Action` parameter (V1). */
function actionOf(req: http.IncomingMessage, body: Buffer): string | undefined {
  const header = req.headers['x-acs-action'];
  if (typeof header === 'string') return header;
  const query = new URL(req.url ?? '/', 'http://gate').searchParams.get('Action');
  return query ?? new URLSearchParams(body.toString('utf8')).get('Action') ?? undefined;
}

export async function startProviderGate(targetUrl: string): Promise<ProviderGate> {
  const target = new URL(targetUrl);
  let held:
    | { action: string; mentioning?: string; hook: () => Promise<void>; done: () => void; failed: (err: Error) => void }
    | undefined;
  const mentions = (req: http.IncomingMessage, body: Buffer, text: string | undefined) => {
    if (text === undefined) return true;
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return decode(req.url ?? '').includes(text) || decode(body.toString('utf8')).includes(text);
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const action = actionOf(req, body);
      const answer = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>(
        (resolve, reject) => {
          const forward = http.request(
            { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
            (upstream) => {
              readAll(upstream).then(
                (b) => resolve({ status: upstream.statusCode ?? 502, headers: upstream.headers, body: b }),
                reject
              );
            }
          );
          forward.on('error', reject);
          forward.end(body);
        }
      );
      const gate = held;
      if (gate && action === gate.action && answer.status === 200 && mentions(req, body, gate.mentioning)) {
        held = undefined;
        await gate.hook().then(gate.done, gate.failed);
      }
      if (!res.destroyed) res.writeHead(answer.status, answer.headers).end(answer.body);
    })().catch(() => {
      if (!res.destroyed) res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    holdNextAnswer(action, hook, mentioning) {
      return new Promise<void>((done, failed) => {
        held = { action, mentioning, hook, done, failed };
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
