import { z } from 'zod';
import { parseInput } from '../shared/input';
import type { StepRuntime } from '../shared/runtime';
import { judgeComparison, type VerdictOutput } from './verdict';

const count = z.number().int().min(0);

/** One Map item's result: `{table: {schema, name}, rounds, complete, equal, rowsCompared, differences}`. */
const TableResultSchema = z.strictObject({
  table: z.strictObject({ schema: z.string().min(1), name: z.string().min(1) }),
  rounds: count,
  complete: z.boolean(),
  equal: z.boolean(),
  rowsCompared: count,
  differences: count,
});

/** `{"migrationId", "runId", "results": [...]}`; `settleMs` (optional) lets the message say a difference was re-checked. */
export const ComparisonVerdictInputSchema = z.strictObject({
  migrationId: z.string().min(1, 'is required'),
  runId: z.string().min(1, 'is required').max(200),
  results: z.array(TableResultSchema).min(1, 'must hold at least one table (list-tables never returns none)'),
  settleMs: z.number().int().min(0).optional(),
});

export async function comparisonVerdictStep(event: unknown, runtime: StepRuntime): Promise<VerdictOutput> {
  const input = parseInput(ComparisonVerdictInputSchema, event);
  runtime.migration(input.migrationId);
  return judgeComparison(input, { store: runtime.store, metrics: runtime.metrics, now: runtime.now });
}
