import { z } from 'zod';
import { parseInput } from '../shared/input';
import { withDatabases, type StepRuntime } from '../shared/runtime';
import { CHECK_IDS } from '../shared/preflight/checks';
import { runPreflightStep, type PreflightStepSummary } from '../shared/preflight/run-step';

/** `{"migrationId": "orders"}`; `runId` and `waive` (check ids) are optional. */
export const PreflightInputSchema = z.strictObject({
  migrationId: z.string().min(1, 'is required'),
  runId: z.string().min(1).max(200).optional(),
  waive: z
    .array(z.string().refine((id) => CHECK_IDS.includes(id), { error: (issue) => `no check named '${String(issue.input)}' (checks: ${CHECK_IDS.join(', ')})` }))
    .default([]),
});

/**
 * The preflight step: parse, run every check against both databases, store the report. The
 * replication engine is opened on the same databases (as withEngine does) but only when a check
 * asks for the replication's state, and an engine that cannot be opened does not stop preflight:
 * the checks are told why the state is unknown.
 */
export async function preflightStep(event: unknown, runtime: StepRuntime): Promise<PreflightStepSummary> {
  const input = parseInput(PreflightInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  return withDatabases(
    runtime,
    migration,
    (databases) =>
      runPreflightStep(input, migration, {
        source: databases.source,
        target: databases.target,
        store: runtime.store,
        metrics: runtime.metrics,
        engine: () => runtime.engine(migration, databases),
        restorePoints: runtime.restorePoints,
      }),
    { max: 2 },
  );
}
