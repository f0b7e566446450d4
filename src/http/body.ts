/**
 * Reading a request body with a size limit, for the project's HTTP servers (callback service, codec server, provider
 * sandbox). Over the limit it stops collecting but keeps the socket: destroying the request would drop the
 * connection before the server could write its 413; the server answers and closes instead.
 */
import type http from 'node:http';

export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
  constructor(readonly limit: number) {
    super(`body over ${limit} bytes`);
  }
}

/** The client went away (or the socket failed) before the whole body arrived. */
export class BodyAborted extends Error {
  override readonly name = 'BodyAborted';
  constructor() {
    super('request aborted before the body was complete');
  }
}

/** The body's bytes; rejects with BodyTooLarge (declared or actual size over `limit`) or BodyAborted. */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) return reject(new BodyTooLarge(limit));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return reject(new BodyTooLarge(limit));
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => reject(new BodyAborted()));
    req.on('close', () => {
      if (!req.complete) reject(new BodyAborted());
    });
  });
}

/** The body as UTF-8 text (see readBody). */
export async function readTextBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return (await readBody(req, limit)).toString('utf8');
}
