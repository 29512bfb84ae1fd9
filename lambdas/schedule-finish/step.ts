import { z } from 'zod';
import { migrationId } from '../shared/workflow-schemas';
import { TransientError } from '../shared/errors';
import { parseInput } from '../shared/input';
import { logger } from '../shared/observability';
import { isTransientAwsError, withRetry, type RetryPolicy } from '../shared/retry';
import type { StepRuntime } from '../shared/runtime';

/**
 * `{"action": "schedule", "migrationId"}`: at cutover, make the finish workflow start by itself
 * when the observation window ends. `{"action": "cancel", "migrationId"}`: once finished, remove
 * a schedule that has not fired.
 */
export const ScheduleFinishInputSchema = z.discriminatedUnion(
  'action',
  [z.strictObject({ action: z.literal('schedule'), migrationId }), z.strictObject({ action: z.literal('cancel'), migrationId })],
  { error: (issue) => (issue.code === 'invalid_union' ? "action must be 'schedule' or 'cancel'" : undefined) },
);

export type ScheduleFinishOutput =
  | { readonly action: 'scheduled'; readonly schedule: string; readonly at: string }
  | { readonly action: 'cancelled' | 'none'; readonly migrationId: string }
  | { readonly action: 'not-scheduled'; readonly why: string };

/**
 * The schedule is a convenience on top of a cutover that has already succeeded: a failure to make
 * one must not undo or fail the cutover. Throttling is retried here, with backoff; a failure that
 * outlasts the retries, or any other, is told to the operator with the time and input to start
 * the finish by hand.
 */
export async function scheduleFinishStep(event: unknown, runtime: StepRuntime, retry: RetryPolicy = {}): Promise<ScheduleFinishOutput> {
  const input = parseInput(ScheduleFinishInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  if (input.action === 'cancel') {
    const cancelled = await transient(() => runtime.finishes.cancelFinish(migration.id));
    return { action: cancelled ? 'cancelled' : 'none', migrationId: migration.id };
  }
  const state = await runtime.store.getState(migration.id);
  const since = state?.history.filter((h) => h.to === 'cut-over').at(-1)?.at;
  // Never in the past (a window of 0 minutes, or a re-run): a one-time schedule must still fire.
  const at = Math.max((since === undefined ? runtime.now() : Date.parse(since)) + migration.thresholds.observationMinutes * 60_000, runtime.now() + 60_000);
  const when = new Date(at).toISOString();
  try {
    // Retried here rather than by the workflow, so that a failure that outlasts the retries is still told.
    const schedule = await withRetry(() => transient(() => runtime.finishes.scheduleFinish(migration.id, at)), { ...retry, maxAttempts: 6 });
    return { action: 'scheduled', schedule, at: when };
  } catch (error) {
    const why = `the finish workflow could not be scheduled for ${when} (${(error as Error).message})`;
    logger.error('finish not scheduled', { migrationId: migration.id, error: error as Error });
    await runtime.notifier
      .notify({
        migrationId: migration.id,
        event: 'finish-not-scheduled',
        subject: `Ferry ${migration.id}: start the finish workflow by hand`,
        message:
          `Migration "${migration.id}" is cut over, but ${why}. Until the migration is finished, the source keeps an inactive replication ` +
          `slot that holds its WAL. After the observation window, at ${when}, start the finish workflow with {"migrationId": "${migration.id}"}.`,
      })
      .catch((notifyError: unknown) => logger.warn('finish-not-scheduled notification failed', { error: notifyError as Error }));
    return { action: 'not-scheduled', why };
  }
}

async function transient<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isTransientAwsError(error)) throw new TransientError(`EventBridge Scheduler is busy: ${(error as Error).message}`, { cause: error });
    throw error;
  }
}
