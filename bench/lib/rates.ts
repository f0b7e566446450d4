/** Rates of timestamped events, as a provider's per-second quota sees them. */

/** Most events within any window of `windowMs` (an event at t counts in [t, t + windowMs)). */
export function maxInWindow(timestampsMs: readonly number[], windowMs = 1000): number {
  const sorted = [...timestampsMs].sort((a, b) => a - b);
  let max = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[last] as number) - (sorted[first] as number) >= windowMs) first++;
    max = Math.max(max, last - first + 1);
  }
  return max;
}

/** Events per second from the first event to the last ((n − 1) intervals); 0 with fewer than two events. */
export function meanRatePerSecond(timestampsMs: readonly number[]): number {
  if (timestampsMs.length < 2) return 0;
  const first = Math.min(...timestampsMs);
  const last = Math.max(...timestampsMs);
  return last === first ? Infinity : ((timestampsMs.length - 1) * 1000) / (last - first);
}

/** Events in consecutive windows of `bucketMs` from the first event: where a rate sagged, and when. */
export function countsPerBucket(timestampsMs: readonly number[], bucketMs: number): number[] {
  if (timestampsMs.length === 0) return [];
  const first = Math.min(...timestampsMs);
  const counts: number[] = [];
  for (const t of timestampsMs) {
    const bucket = Math.floor((t - first) / bucketMs);
    while (counts.length <= bucket) counts.push(0);
    counts[bucket] = (counts[bucket] ?? 0) + 1;
  }
  return counts;
}
