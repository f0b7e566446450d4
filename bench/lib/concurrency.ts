/** Driving many client calls at once without opening thousands of requests together. */

/**
 * Calls `fn(0..count-1)` with at most `limit` calls in flight and resolves with the results in index order.
 * `onProgress(done)` is told after each call, e.g. to log every thousandth start.
 */
export async function times<R>(
  count: number,
  limit: number,
  fn: (index: number) => Promise<R>,
  onProgress?: (done: number) => void
): Promise<R[]> {
  const results: R[] = new Array<R>(count);
  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      results[index] = await fn(index);
      onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, lane));
  return results;
}

/** Logs `what: done/total` at every `step` completions, for use as `onProgress`. */
export function progressEvery(step: number, total: number, what: string, log: (line: string) => void) {
  return (done: number) => {
    if (done % step === 0 || done === total) log(`${what}: ${done}/${total}`);
  };
}
