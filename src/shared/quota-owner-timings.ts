/**
 * Timings of the quota owner's election, in one place because their safety depends on each other.
 *
 * An owner cut off from Temporal at time p keeps calling at most until p + MAX_UNCONFIRMED_MS (its lease lapses,
 * src/provider-quota/lease.ts), plus one call's round trip. The server heard its last heartbeat at the earliest at
 * p − HEARTBEAT_THROTTLE_MS, so it times the activity out at p − HEARTBEAT_THROTTLE_MS + HEARTBEAT_TIMEOUT_MS at the
 * earliest, retries it after RETRY_INTERVAL_MS, and the next owner waits QUIET_PERIOD_MS before its first call:
 *
 *   first call of the next owner ≥ p + 10 − 1 + 1 + 1.5 = p + 11.5 s; last call of the old one ≤ p + 4 s + round trip.
 *
 * The provider counts calls over one-second windows, so the gap (7.5 s less a round trip) keeps the two owners' calls
 * out of any common window. A SIGKILLed owner makes no calls at all; the cost of a failover is the gap itself, about
 * HEARTBEAT_TIMEOUT_MS + RETRY_INTERVAL_MS + QUIET_PERIOD_MS.
 *
 * Assumption: the owner process does not stall (event loop frozen) between admitting a call and sending it for longer
 * than that gap, and a request it abandoned after its client timeout does not reach the provider much later. The
 * provider takes no fencing token, so a time-based lease cannot rule either out: on a machine so overloaded that
 * workflow tasks take seconds, a burst can breach the quota this way (BENCHMARKS.md, quota-burst). The timeouts are
 * generous because a loaded machine (event loops stalled for seconds) must not make a healthy owner lose its term.
 */
/** The owner activity's heartbeat timeout: how long a dead owner keeps the quota. */
export const HEARTBEAT_TIMEOUT_MS = 10_000;
/** Heartbeats reach the server at least this often (the owner queue worker's maxHeartbeatThrottleInterval). */
export const HEARTBEAT_THROTTLE_MS = 1_000;
/** The owner re-reads the server's record of its activity this often. */
export const CONFIRM_EVERY_MS = 1_000;
/**
 * An owner that could not confirm itself for this long holds its calls (ProviderQuotaLease) until a confirmation
 * comes or its term ends.
 */
export const MAX_UNCONFIRMED_MS = 4_000;
/** Delay before the owner activity is retried on another worker. */
export const RETRY_INTERVAL_MS = 1_000;
/** A new owner waits this long before its first call: the previous owner's last calls leave the window. */
export const QUIET_PERIOD_MS = 1_500;
/**
 * An owner steps down after this long so the owner workflow can continue-as-new now and then; a new election follows
 * at once (usually the same worker wins it).
 */
export const TERM_MS = 24 * 60 * 60 * 1000;
