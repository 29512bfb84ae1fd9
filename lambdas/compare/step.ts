import { z } from 'zod';
import { parseInput } from '../shared/input';
import { withDatabases, type StepRuntime } from '../shared/runtime';
import { runCompare, type CompareStepSummary } from './run-compare';

/** `{"migrationId": "orders", "runId": "..."}`; tables, settleMs and maxKeys are optional. */
export const CompareInputSchema = z.strictObject({
  migrationId: z.string().min(1, 'is required'),
  runId: z.string().min(1, 'is required').max(200),
  tables: z.array(z.string().regex(/^[^.\s]+\.[^.\s]+$/, "must be 'schema.table' (wildcards * and ? allowed)")).min(1).optional(),
  settleMs: z.number().int().min(0).max(600_000).default(0),
  maxKeys: z.number().int().min(0).max(1000).default(100),
});

/** The compare step: compares until done or until `deadline` (epoch ms), resuming from checkpoints. */
export async function compareStep(event: unknown, runtime: StepRuntime, deadline: number): Promise<CompareStepSummary> {
  const input = parseInput(CompareInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  return withDatabases(runtime, migration, ({ source, target }) =>
    runCompare(input, migration, { source, target, store: runtime.store, metrics: runtime.metrics, now: runtime.now, deadline }),
  );
}
