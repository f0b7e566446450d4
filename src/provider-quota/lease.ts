/**
 * Whether this process may call the provider now. The provider's quota is per access key, so exactly one worker
 * process of a fleet (the quota owner, elected by ./owner.ts) makes provider calls, and its in-process QuotaGate is
 * then a fleet-wide gate. The lease is that process's own view of its ownership:
 *
 * - it is taken when the owner activity starts here, and released when it ends;
 * - while held, calls go out at once only if the owner activity was confirmed as the current one (the server's record
 *   names this attempt) within the last `maxUnconfirmedMs`; otherwise they wait for the next confirmation. An owner cut off from Temporal therefore stops calling
 *   within that time, long before the server times its activity out and elects another owner (see src/shared/quota-owner-timings.ts for
 *   the margin).
 *
 * The provider client awaits `admit()` after a quota slot is taken and before it signs, so a call that waited in the
 * gate while ownership moved elsewhere is refused, not sent.
 */
import { HEARTBEAT_TIMEOUT_MS, MAX_UNCONFIRMED_MS } from '../shared/quota-owner-timings';

/** Thrown by a call attempted without a valid lease: retryable, the call is retried where the lease is held. */
export class QuotaLeaseNotHeld extends Error {
  override readonly name = 'QuotaLeaseNotHeld';
}

export interface CallGuard {
  /**
   * Resolves when this process may call the provider now; rejects with QuotaLeaseNotHeld when it does not own the
   * quota (or stops owning it while the call waits).
   */
  admit(): Promise<void>;
}

export interface QuotaLeaseOptions {
  /** Longest time since the last confirmation during which calls go out at once. @default MAX_UNCONFIRMED_MS */
  maxUnconfirmedMs?: number;
  /**
   * How long a call waits for a late confirmation before it is refused: a slow describe on a loaded machine must not
   * fail every call in flight. @default HEARTBEAT_TIMEOUT_MS (by then the server has elected another owner)
   */
  maxWaitMs?: number;
  /** Monotonic clock in ms (tests). @default performance.now */
  now?: () => number;
}

export class ProviderQuotaLease implements CallGuard {
  readonly #maxUnconfirmedMs: number;
  readonly #maxWaitMs: number;
  readonly #now: () => number;
  /** Monotonic time of the last confirmation; undefined when not held. */
  #confirmedAt: number | undefined;
  /** Calls waiting for a confirmation: settled by confirm() or release(). */
  #waiting: { resolve(): void; reject(err: Error): void }[] = [];

  constructor(options: QuotaLeaseOptions = {}) {
    this.#maxUnconfirmedMs = options.maxUnconfirmedMs ?? MAX_UNCONFIRMED_MS;
    this.#maxWaitMs = options.maxWaitMs ?? HEARTBEAT_TIMEOUT_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The owner activity started in this process and was confirmed current. */
  take(): void {
    this.#confirmedAt = this.#now();
    this.#settle();
  }

  /** The server's record still names this process's owner attempt. No effect when not held. */
  confirm(): void {
    if (this.#confirmedAt === undefined) return;
    this.#confirmedAt = this.#now();
    this.#settle();
  }

  /** Ownership ended here (stepped down, lost, or shutting down): waiting calls are refused. */
  release(): void {
    this.#confirmedAt = undefined;
    this.#settle();
  }

  /** Held and confirmed recently enough to call. */
  get valid(): boolean {
    return this.#confirmedAt !== undefined && this.#now() - this.#confirmedAt <= this.#maxUnconfirmedMs;
  }

  /** Held at all (confirmed or not): the owner activity still runs here. */
  get held(): boolean {
    return this.#confirmedAt !== undefined;
  }

  async admit(): Promise<void> {
    if (this.valid) return;
    if (!this.held) throw notHeld();
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.#waiting.push({ resolve, reject });
        timer = setTimeout(() => {
          this.#waiting = this.#waiting.filter((w) => w.resolve !== resolve);
          reject(
            new QuotaLeaseNotHeld(
              `this worker could not confirm it still owns the provider quota for ${this.#maxWaitMs} ms; ` +
                'the call is retried by the owner'
            )
          );
        }, this.#maxWaitMs);
      });
    } finally {
      clearTimeout(timer);
    }
  }

  #settle(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) {
      if (this.held) w.resolve();
      else w.reject(notHeld());
    }
  }
}

function notHeld(): QuotaLeaseNotHeld {
  return new QuotaLeaseNotHeld('this worker does not own the provider quota; the call is retried by the owner');
}
