/**
 * Bytes over a plain TCP connection, for requests no HTTP client library would send: broken request lines,
 * oversized headers, contradictory lengths, and slow senders that trickle their bytes. Reads back only the status
 * code of the first answer.
 */
import net from 'node:net';

export interface RawExchange {
  /** Status code of the answer, if one arrived. */
  status?: number;
  /** The server closed (or reset) the connection without answering. */
  closedWithoutAnswer: boolean;
  /** We gave up waiting (the server neither answered nor closed). */
  timedOut: boolean;
  ms: number;
}

export interface RawOptions {
  /** Pause before each part after the first: a slow sender. @default 0 */
  gapMs?: number;
  /** Give up after this long. @default 30000 */
  timeoutMs?: number;
}

/** Writes `parts` one after another (with `gapMs` between them, stopping once answered or closed). */
export function rawExchange(port: number, parts: (string | Buffer)[], options: RawOptions = {}): Promise<RawExchange> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (timedOut: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(deadline);
      socket.destroy();
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(received)?.[1];
      resolve({
        status: status ? Number(status) : undefined,
        closedWithoutAnswer: !status && !timedOut,
        timedOut,
        ms: Date.now() - started,
      });
    };
    const deadline = setTimeout(() => finish(true), options.timeoutMs ?? 30_000);
    const writeFrom = (index: number) => {
      if (finished || index >= parts.length) return;
      socket.write(parts[index] as string | Buffer, () => {
        timer = setTimeout(() => writeFrom(index + 1), options.gapMs ?? 0);
      });
    };
    socket.on('connect', () => writeFrom(0));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (/\r\n\r\n/.test(received)) finish(false); // the status line and headers are all we read
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}
