/**
 * A time budget: work stops before the deadline with room for one more unit of the slowest
 * kind seen so far, so a Lambda returns before its 15 minutes are up.
 */
export class TimeBudget {
  private longestMs = 0;

  constructor(
    private readonly deadline: number | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when starting another unit (of about `extraMs` more) could overrun the deadline. */
  exhausted(extraMs = 0): boolean {
    if (this.deadline === undefined) return false;
    return this.now() + this.longestMs + extraMs > this.deadline;
  }

  /** Times one unit of work, to learn how long the next may take. */
  async measure<T>(fn: () => Promise<T>): Promise<T> {
    const start = this.now();
    try {
      return await fn();
    } finally {
      this.longestMs = Math.max(this.longestMs, this.now() - start);
    }
  }

  elapsedSince(start: number): number {
    return this.now() - start;
  }

  get clock(): () => number {
    return this.now;
  }
}
