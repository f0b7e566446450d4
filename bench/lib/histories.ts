/** Event times out of workflow histories, for lateness figures measured by the server's own clock. */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

import { times } from './concurrency';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = temporal.api.enums.v1;

export function eventTimeMs(event: HistoryEvent): number {
  const t = event.eventTime;
  if (!t) throw new Error(`event ${event.eventId} has no time`);
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/** The histories of `workflowIds`, fetched `concurrency` at a time. */
export async function fetchHistories(
  client: Client,
  workflowIds: readonly string[],
  concurrency = 32
): Promise<HistoryEvent[][]> {
  return times(workflowIds.length, concurrency, async (i) => {
    const history = await client.workflow.getHandle(workflowIds[i] as string).fetchHistory();
    return history.events ?? [];
  });
}

/** Time of the first event of `type` (matching `where`, if given); undefined when there is none. */
export function firstEventTime(
  events: readonly HistoryEvent[],
  type: temporal.api.enums.v1.EventType,
  where: (e: HistoryEvent) => boolean = () => true
): number | undefined {
  const event = events.find((e) => e.eventType === type && where(e));
  return event ? eventTimeMs(event) : undefined;
}

export { EventType };

/** Events of `type` across all histories (e.g. workflow task timeouts: a sticky task that waited too long). */
export function countEvents(histories: readonly (readonly HistoryEvent[])[], type: temporal.api.enums.v1.EventType) {
  let n = 0;
  for (const events of histories) for (const e of events) if (e.eventType === type) n++;
  return n;
}
