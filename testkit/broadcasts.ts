/** Small builders and waits shared by the broadcast lifecycle suites. */
import type { WorkflowHandle } from '@temporalio/client';

import type { BroadcastState, BroadcastStatus, RelayBroadcastRequest, TaskEvent } from '../src/shared/broadcast';
import { isoSeconds } from '../src/shared/time';
import { statusQuery } from '../src/workflows/messages';

let counter = 0;

/** A valid live relay request whose window starts `startInMs` from `nowMs` and lasts `durationMs`. */
export function relayRequest(
  nowMs: number,
  startInMs: number,
  durationMs: number,
  extra: Partial<RelayBroadcastRequest> = {}
): RelayBroadcastRequest {
  counter++;
  return {
    relay: {
      Region: 'cn-shanghai',
      SourceType: 'live',
      SourceProtocol: 'rtmp',
      SourceUrls: [`rtmp://source.example.com/live/feed-${counter}`],
      DstUrl: `rtmp://ingest.example.com/app/stream-${process.pid}-${Date.now()}-${counter}`,
      StartTime: isoSeconds(new Date(nowMs + startInMs)),
      EndTime: isoSeconds(new Date(nowMs + startInMs + durationMs)),
      RetryInterval: 60,
      RetryCount: 3,
    },
    leadTimeSeconds: 300,
    reconcileAfterSeconds: 60,
    // Suites that play the provider's callbacks under skipped time: the sandbox's task clock runs in real time, so a
    // Describe while Running would contradict the simulated hours.
    reconcileRunningSeconds: 86_400,
    ...extra,
  };
}

/** Polls the status query (real time) until `predicate` holds. */
export async function waitForStatus(
  handle: WorkflowHandle,
  predicate: (s: BroadcastStatus) => boolean,
  what: string,
  timeoutMs = 20_000
): Promise<BroadcastStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: BroadcastStatus | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(statusQuery);
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; last status: ${JSON.stringify(last)}`);
}

export const inState = (state: BroadcastState) => (s: BroadcastStatus) => s.state === state;

/** A provider callback as the callback service would signal it. */
export function callback(taskId: string, kind: TaskEvent['kind'], eventTime: number, reason?: string): TaskEvent {
  return { kind, eventTime, taskId, source: 'callback', ...(reason ? { reason } : {}) };
}

export const statesOf = (status: BroadcastStatus): BroadcastState[] =>
  status.transitions.map((t) => t.state).filter((s, i, all) => i === 0 || all[i - 1] !== s);
