import { z } from 'zod';
import { VerificationFailedError } from '../shared/verification/errors';
import { parseInput } from '../shared/input';
import type { StepRuntime } from '../shared/runtime';
import { describeDifferences, runVerification, type RunOutcome } from '../shared/verification/run';
import { WORKFLOW_LEASE_WAIT_MS } from '../shared/verification/lease';

/**
 * `{"migrationIds": [...]}` from the schedule (every minute, every configured migration), or
 * `{"migrationId", "owner", "failOnDifferences"}` from a workflow: the migrate workflow after its
 * comparison, the cutover before it freezes writes.
 */
export const VerifyChangesInputSchema = z.union([
  z.strictObject({ migrationIds: z.array(z.string().min(1)).min(1, 'must name at least one migration') }),
  z.strictObject({
    migrationId: z.string().min(1, 'is required'),
    /** The execution running it (the lease owner). */
    owner: z.string().min(1, 'is required'),
    /** Fail when a proven difference remains after the round. @default true */
    failOnDifferences: z.boolean().default(true),
    /**
     * Re-check rows that differed after the settle delay. The cutover's round before the freeze
     * sets false: its frozen check compares them exactly, and waiting only adds changes for it.
     * @default true
     */
    settle: z.boolean().default(true),
  }),
]);

export interface VerifyChangesOutput {
  readonly migrations: readonly RunOutcome[];
}

/**
 * One live verification round per migration (lambdas/shared/verification/run.ts). Scheduled:
 * each migration on its own, a failure of one reported in the output and never stopping the
 * others; a workflow's: errors are the step's.
 */
export async function verifyChangesStep(event: unknown, runtime: StepRuntime, deadline: number, requestId = 'local'): Promise<VerifyChangesOutput> {
  const input = parseInput(VerifyChangesInputSchema, event);
  if ('migrationIds' in input) {
    const migrations: RunOutcome[] = [];
    for (const id of new Set(input.migrationIds)) {
      migrations.push(
        await runVerification(runtime, id, { owner: `schedule:${requestId}`, scheduled: true, waitMs: 0, deadline }).catch(
          (error: unknown): RunOutcome => ({ migrationId: id, status: 'skipped', why: `round failed: ${(error as Error).name}: ${(error as Error).message}` }),
        ),
      );
    }
    return { migrations };
  }
  const outcome = await runVerification(runtime, input.migrationId, { owner: input.owner, scheduled: false, waitMs: WORKFLOW_LEASE_WAIT_MS, deadline, recheck: input.settle });
  if (input.failOnDifferences && outcome.status !== 'verified') {
    throw new VerificationFailedError(`Migration "${input.migrationId}" could not be verified: ${outcome.why}.`);
  }
  if (input.failOnDifferences && outcome.status === 'verified' && outcome.differences > 0) {
    const record = await runtime.store.getVerification(input.migrationId);
    throw new VerificationFailedError(
      `Migration "${input.migrationId}": ${outcome.differences} row(s) differ between source and target after replication caught up and neither side changed them:\n` +
        `${describeDifferences((record?.unresolved ?? []).filter((u) => u.status === 'difference'))}\n` +
        `Nothing was frozen or switched. Fix the rows (the next round sees the fix) or find why they differ; the 'verification' reports list them all.`,
    );
  }
  return { migrations: [outcome] };
}
