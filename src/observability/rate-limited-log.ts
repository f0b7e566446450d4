/**
 * A cap on how many records of one kind a flood can write: the first `limit` in each window are written, the rest
 * only counted, and the count is written as one summary record when the window ends (on the next record, on the
 * timer its owner runs, or on close). Metrics still count every event; this only keeps the log readable.
 */
export interface RateLimitedLogOptions {
  /** Records written per window. */
  limit: number;
  windowMs: number;
  /** Writes the summary of a window in which records were held back: how many, by kind. */
  summarize: (held: Record<string, number>, total: number, windowMs: number) => void;
  /** @default Date.now */
  now?: () => number;
}

export class RateLimitedLog {
  private windowStart: number | undefined;
  private written = 0;
  private held: Record<string, number> = {};
  private heldTotal = 0;
  private readonly now: () => number;

  constructor(private readonly options: RateLimitedLogOptions) {
    this.now = options.now ?? Date.now;
  }

  get windowMs(): number {
    return this.options.windowMs;
  }

  /** True when a record of `kind` may be written now; otherwise it is counted for the window's summary. */
  admit(kind: string): boolean {
    this.roll();
    this.windowStart ??= this.now();
    if (this.written < this.options.limit) {
      this.written++;
      return true;
    }
    this.held[kind] = (this.held[kind] ?? 0) + 1;
    this.heldTotal++;
    return false;
  }

  /** Ends the window if it is over (a summary when something was held back). */
  roll(): void {
    if (this.windowStart !== undefined && this.now() - this.windowStart >= this.options.windowMs) this.flush();
  }

  /** Ends the window now: the summary of what was held back, if anything. */
  flush(): void {
    if (this.heldTotal > 0) this.options.summarize(this.held, this.heldTotal, this.options.windowMs);
    this.windowStart = undefined;
    this.written = 0;
    this.held = {};
    this.heldTotal = 0;
  }
}
