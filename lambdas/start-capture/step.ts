import { z } from 'zod';
import { migrationId, runId } from '../shared/workflow-schemas';
import { parseInput } from '../shared/input';
import { withDatabases, type StepRuntime } from '../shared/runtime';
import { applyProofFor } from '../shared/verification/applied';
import { startCapture, type StartCaptureResult } from '../shared/verification/capture';
import { WORKFLOW_LEASE_WAIT_MS, withVerificationLease } from '../shared/verification/lease';

/** `{"migrationId", "runId", "owner"}`: the migrate run, and the execution that holds the migration lock. */
export const StartCaptureInputSchema = z.strictObject({ migrationId, runId, owner: z.string().min(1, 'is required') });

/**
 * The capture start waits up to two minutes for the target (START_APPLY_WAIT_MS): the lease outlasts
 * that, and the function's 5 minutes bound it. Follows from those waits, so not in the config.
 */
const LEASE_MS = 5 * 60_000;

/**
 * Starts recording which rows change, on both databases, before the migrate workflow's full
 * comparison reads anything (or reuses the run's capture when it is intact). See
 * lambdas/shared/verification/capture.ts.
 */
export async function startCaptureStep(event: unknown, runtime: StepRuntime): Promise<StartCaptureResult> {
  const input = parseInput(StartCaptureInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  const result = await withDatabases(runtime, migration, (dbs) =>
    withVerificationLease(runtime.store, migration.id, { owner: input.owner, leaseMs: LEASE_MS, waitMs: WORKFLOW_LEASE_WAIT_MS }, (lease) =>
      startCapture({ migration, ...dbs, store: runtime.store, lease, now: runtime.now }, input.runId, applyProofFor(migration, 'forward', dbs)),
    ),
  );
  return result!;
}
