import { z } from 'zod';
import { parseInput } from '../shared/input';
import { withDatabases, type StepRuntime } from '../shared/runtime';
import { CHECK_IDS } from './checks';
import { runPreflightStep, type PreflightStepSummary } from './run-step';

/** `{"migrationId": "orders"}`; `runId` and `waive` (check ids) are optional. */
export const PreflightInputSchema = z.strictObject({
  migrationId: z.string().min(1, 'is required'),
  runId: z.string().min(1).max(200).optional(),
  waive: z
    .array(z.string().refine((id) => CHECK_IDS.includes(id), { error: (issue) => `no check named '${String(issue.input)}' (checks: ${CHECK_IDS.join(', ')})` }))
    .default([]),
});

/** The preflight step: parse, run every check against both databases, store the report. */
export async function preflightStep(event: unknown, runtime: StepRuntime): Promise<PreflightStepSummary> {
  const input = parseInput(PreflightInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  return withDatabases(
    runtime,
    migration,
    ({ source, target }) => runPreflightStep(input, migration, { source, target, store: runtime.store, metrics: runtime.metrics }),
    { max: 2 },
  );
}
