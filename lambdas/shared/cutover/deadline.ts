import { FreezeExpiredError } from '../freeze/errors';

/**
 * Every step between a freeze and its thaw checks the freeze's deadline first: past it, the
 * workflow must thaw instead of starting more work.
 */
export function assertBeforeDeadline(deadline: number | undefined, now: number, what: string): void {
  if (deadline !== undefined && now >= deadline) {
    throw new FreezeExpiredError(
      `The write freeze reached its maximum duration (ended ${new Date(deadline).toISOString()}) before ${what}. ` +
        `The workflow thaws the source and returns to phase "ready"; raise thresholds.maxWriteFreezeSeconds or find what was slow in the execution history.`,
    );
  }
}
