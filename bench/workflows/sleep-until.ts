/** Baseline of the timers bench: a workflow that does nothing but sleep until a due time. */
import { sleep } from '@temporalio/workflow';

export async function sleepUntil(dueAtMs: number): Promise<void> {
  await sleep(Math.max(dueAtMs - Date.now(), 1));
}
