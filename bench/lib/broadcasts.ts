/** Starting many broadcasts for a bench: the product's own start path, many in flight, one window for all. */
import type { Client } from '@temporalio/client';

import { startBroadcast } from '../../src/broadcast/start';
import { DEFAULT_REGION } from '../../src/provider/schemas';
import type { BroadcastRequest } from '../../src/shared/broadcast';
import { relayRequest } from '../../testkit/broadcasts';

import { progressEvery, times } from './concurrency';

export interface ManyBroadcasts {
  client: Client;
  taskQueue: string;
  count: number;
  /** StartTime of every broadcast (whole seconds: the provider's time format has no fraction). */
  startAtMs: number;
  durationMs: number;
  leadTimeSeconds: number;
  /** @default 60 */
  reconcileAfterSeconds?: number;
  /** Client calls in flight. @default 64 */
  concurrency?: number;
  idPrefix: string;
  log(line: string): void;
}

/** A start time `fromNowMs` ahead, rounded up to a whole second. */
export function wholeSecondAfter(fromNowMs: number): number {
  return Math.ceil((Date.now() + fromNowMs) / 1000) * 1000;
}

/** Starts `count` broadcasts sharing one window; resolves with their workflow IDs once all have started. */
export async function startManyBroadcasts(options: ManyBroadcasts): Promise<string[]> {
  const now = Date.now();
  const request = (): BroadcastRequest =>
    relayRequest(now, options.startAtMs - now, options.durationMs, {
      leadTimeSeconds: options.leadTimeSeconds,
      reconcileAfterSeconds: options.reconcileAfterSeconds ?? 60,
    });
  const ids = await times(
    options.count,
    options.concurrency ?? 64,
    async (i) => {
      const workflowId = `${options.idPrefix}-${i}`;
      await startBroadcast({
        client: options.client,
        taskQueue: options.taskQueue,
        workflowId,
        request: request(),
        defaultRegion: DEFAULT_REGION,
      });
      return workflowId;
    },
    progressEvery(Math.max(1, Math.ceil(options.count / 4)), options.count, 'started', options.log)
  );
  return ids;
}
