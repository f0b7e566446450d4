/**
 * Provider activities heartbeat while they run, so that when a worker dies (crash, OOM kill, lost host) Temporal
 * retries its in-flight provider call after the heartbeat timeout instead of waiting for the whole start-to-close
 * timeout. Every provider activity is idempotent (create adopts, delete treats "not found" as done), so a retry
 * that overlaps a slow-but-alive attempt is safe.
 */
import { Context } from '@temporalio/activity';

/**
 * First heartbeat after this long, then at this period (the SDK throttles what it sends to the server to about
 * 0.8 × the heartbeat timeout): calls that finish sooner, nearly all of them, cost no heartbeat at all.
 */
const HEARTBEAT_EVERY_MS = 1_000;

type AsyncFn = (...args: never[]) => Promise<unknown>;

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called directly, not as an activity (unit tests)
  }
}

function heartbeating<F extends AsyncFn>(fn: F): F {
  const wrapped = async (...args: Parameters<F>) => {
    const context = currentContext();
    if (!context?.info.heartbeatTimeoutMs) return fn(...args);
    const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      return await fn(...args);
    } finally {
      clearInterval(timer);
    }
  };
  return wrapped as F;
}

/** The same activities, each heartbeating while it runs when its caller set a heartbeat timeout. */
export function withHeartbeats<T extends Record<string, AsyncFn>>(activities: T): T {
  return Object.fromEntries(Object.entries(activities).map(([name, fn]) => [name, heartbeating(fn)])) as T;
}
