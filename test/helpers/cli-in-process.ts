/** The client script run in the test's own process: fast, and no server needed for bad input. */
import { main } from '../../src/client';

/** Runs the client script in this process (`main(argv)`), capturing what it writes; no child process, no server. */
export async function runInProcess(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true)),
    jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true)),
  ];
  try {
    return { code: await main(argv), out: out.join(''), err: err.join('') };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
