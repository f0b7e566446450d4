/**
 * The client script's `main(argv)` run in this process, as if in a child with piped output: one call at a time
 * (process.env and the standard streams are the process's own), with the environment the caller gives, and what the
 * call writes captured. Much faster than a child (no ts-node start per call); testkit/cli.ts runs the real child.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

import { main } from '../src/client';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface InProcessOptions {
  /** The whole environment of the call, made from the process's own; without it, the call sees process.env as is. */
  env?: (current: NodeJS.ProcessEnv) => NodeJS.ProcessEnv;
  /** The working directory of the call (relative file paths resolve against it). @default process.cwd() */
  cwd?: string;
}

interface Capture {
  stdout: string[];
  stderr: string[];
}

/** The call a write comes from: writes made by anything else in this process (workers, jest) pass through. */
const currentCall = new AsyncLocalStorage<Capture>();
let queue: Promise<unknown> = Promise.resolve();

/** `main(argv)` in this process; resolves with its exit code and what it wrote (never rejects on a non-zero code). */
export function runClientMain(argv: string[], options: InProcessOptions = {}): Promise<CliResult> {
  const call = queue.then(() => runAlone(argv, options));
  queue = call.catch(() => undefined);
  return call;
}

async function runAlone(argv: string[], options: InProcessOptions): Promise<CliResult> {
  const capture: Capture = { stdout: [], stderr: [] };
  const undo: (() => void)[] = [];
  try {
    if (options.env) undo.push(replaceEnv(options.env({ ...process.env })));
    if (options.cwd) {
      const cwd = process.cwd();
      process.chdir(options.cwd);
      undo.push(() => process.chdir(cwd));
    }
    undo.push(redirect(process.stdout, capture.stdout), redirect(process.stderr, capture.stderr));
    const code = await currentCall.run(capture, () => main(argv));
    return { code, stdout: capture.stdout.join(''), stderr: capture.stderr.join('') };
  } finally {
    for (const restore of undo.reverse()) restore();
  }
}

/** Makes process.env exactly `env` (keys mutated in place: process.env itself stays Node's); returns the undo. */
function replaceEnv(env: NodeJS.ProcessEnv): () => void {
  const saved = { ...process.env };
  const setExactly = (target: NodeJS.ProcessEnv) => {
    for (const key of Object.keys(process.env)) if (target[key] === undefined) delete process.env[key];
    for (const [key, value] of Object.entries(target)) if (value !== undefined) process.env[key] = value;
  };
  setExactly(env);
  return () => setExactly(saved);
}

type WriteCallback = (err?: Error | null) => void;

/**
 * Sends the call's writes on `stream` to `into`, and shows the call a pipe (isTTY false, as in a child whose output
 * is captured: no progress bar, no screen clearing). Returns the undo.
 */
function redirect(stream: NodeJS.WriteStream, into: string[]): () => void {
  const originalWrite = Object.getOwnPropertyDescriptor(stream, 'write');
  const originalIsTTY = Object.getOwnPropertyDescriptor(stream, 'isTTY');
  const write = stream.write.bind(stream);
  const isTTY = stream.isTTY;
  Object.defineProperty(stream, 'write', {
    configurable: true,
    writable: true,
    value: (chunk: unknown, encoding?: BufferEncoding | WriteCallback, callback?: WriteCallback): boolean => {
      if (!currentCall.getStore()) return write(chunk as string, encoding as BufferEncoding, callback);
      into.push(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
      const done = typeof encoding === 'function' ? encoding : callback;
      if (done) process.nextTick(done);
      return true;
    },
  });
  Object.defineProperty(stream, 'isTTY', {
    configurable: true,
    get: () => (currentCall.getStore() ? false : isTTY),
  });
  return () => {
    for (const [name, descriptor] of [
      ['write', originalWrite],
      ['isTTY', originalIsTTY],
    ] as const) {
      if (descriptor) Object.defineProperty(stream, name, descriptor);
      else delete (stream as unknown as Record<string, unknown>)[name];
    }
  };
}
