/**
 * The provider create queue serves the earliest StartTime first: each create activity carries a Temporal task
 * priority (`priorityKey`, lower first) from how soon its relay starts when it asks, so a create asked with little
 * time to spare goes ahead of the backlog of creates that have more. Pure: workflow code calls it.
 *
 * Bands, not exact order: a task queue has a few priority levels (server setting `matching.priorityLevels`, 5 by
 * default; a task without a key counts as 3, the middle). Within a band the queue is first come, first served, which
 * for creates asked with the same lead time is StartTime order already. The bands are wide around the usual lead
 * times (5 minutes by default, longer with `--lead-time auto`) so that a burst stays in one band.
 */

/** Upper bounds, in seconds from the ask to the StartTime, of priority keys 1 to 4; beyond the last, key 5. */
export const CREATE_PRIORITY_BANDS_SECONDS = [120, 600, 3_600, 21_600] as const;

export function createPriorityKey(startMs: number, nowMs: number): number {
  const spareSeconds = (startMs - nowMs) / 1000;
  const band = CREATE_PRIORITY_BANDS_SECONDS.findIndex((bound) => spareSeconds <= bound);
  return band === -1 ? CREATE_PRIORITY_BANDS_SECONDS.length + 1 : band + 1;
}
