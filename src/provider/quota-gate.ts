import { ACTIONS, type ActionName } from './schemas';

/**
 * Keeps one process's provider calls within the per-second quota as the provider counts it: at most `limit` calls
 * in any sliding window. The provider queue's server-side rate limit spreads calls across the fleet, but it is a
 * token bucket that lets a burst through (up to twice the rate within one second after an idle spell), and pacing
 * by send time alone is not enough either: a stall on either side (a busy event loop, a slow network) makes calls
 * sent 100 ms apart arrive together, and the provider counts arrivals.
 *
 * So a call holds one of `limit` slots from the moment it is sent until `windowMs` after its answer came back. The
 * provider saw the call at some moment between those two, so the call that takes the slot next arrives at least a
 * window later: no window at the provider can hold more than `limit` calls, whatever the jitter. The price is the
 * round trip: the ceiling is limit / (window + round trip + margin), 9.9/s for a 10/s quota and a local provider.
 */
export interface QuotaGateOptions {
  /** Calls allowed in any window. */
  limit: number;
  /** @default 1000 */
  windowMs?: number;
  /** Added to the window for clock granularity at the provider. @default 10 */
  marginMs?: number;
}

/** Call when the answer (or the failure) is in: the slot frees a window later. Idempotent. */
export type ReleaseSlot = () => void;

export class QuotaGate {
  readonly #holdMs: number;
  #free: number;
  /** Callers waiting for a slot, first come first served. */
  readonly #waiting: (() => void)[] = [];

  constructor(options: QuotaGateOptions) {
    if (!(Number.isInteger(options.limit) && options.limit > 0)) {
      throw new RangeError(`quota gate limit must be a positive integer, got ${options.limit}`);
    }
    this.#free = options.limit;
    this.#holdMs = (options.windowMs ?? 1000) + (options.marginMs ?? 10);
  }

  /** Resolves when a call may be sent now, with the function to call once its answer is in. */
  async acquire(): Promise<ReleaseSlot> {
    if (this.#free > 0 && this.#waiting.length === 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Unref'd: a slot still cooling down must not keep a finished process alive.
      setTimeout(() => this.#handOver(), this.#holdMs).unref();
    };
  }

  #handOver(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}

/**
 * The provider's quota is per action: seed 000 says of CreateLivePullToPush "This API supports up to 10 calls per
 * second per user", and each sibling states its own limit. So every action has its own budget, and Describe traffic
 * at its limit never makes a Create wait. This is the one place budgets are decided (client gate, sandbox and the
 * worker's task-queue limits all read it).
 *
 * Assumption (seeds silent on how the service counts): one budget per action name and access key, counted over any
 * one-second window. The legacy APIs are documented higher (Add 15/s, Delete 30/s, Describe 50/s); they run at the
 * default unless raised by an override.
 */
export type ActionBudgets = Record<ActionName, number>;

/** Calls per second the seed allows each pull-to-push action, per user. */
export const SEED_QUOTA_PER_SECOND = 10;

/** Each action's calls per second: `perAction` where given, else `defaultPerSecond`. */
export function actionBudgets(
  defaultPerSecond: number = SEED_QUOTA_PER_SECOND,
  perAction: Partial<ActionBudgets> = {}
): ActionBudgets {
  const budgets = {} as ActionBudgets;
  for (const action of ACTIONS) budgets[action] = perAction[action] ?? defaultPerSecond;
  return budgets;
}

/** One QuotaGate per action, each with its own budget. */
export class ActionQuotaGates {
  readonly #gates = new Map<ActionName, QuotaGate>();

  constructor(budgets: ActionBudgets, options: Omit<QuotaGateOptions, 'limit'> = {}) {
    for (const [action, limit] of Object.entries(budgets) as [ActionName, number][]) {
      this.#gates.set(action, new QuotaGate({ ...options, limit }));
    }
  }

  /** Waits for a slot of this action's own budget (see QuotaGate.acquire). */
  acquire(action: ActionName): Promise<ReleaseSlot> {
    const gate = this.#gates.get(action);
    if (!gate) throw new RangeError(`no quota budget for action ${action}`);
    return gate.acquire();
  }
}
