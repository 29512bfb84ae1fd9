import { z } from 'zod';
import { parseInput } from '../shared/input';
import type { StepRuntime } from '../shared/runtime';
import { recordFullComparison } from '../shared/verification/full-comparison';
import { WORKFLOW_LEASE_WAIT_MS, withVerificationLease } from '../shared/verification/lease';
import { comparisonTimes, judgeComparison, type VerdictOutput } from './verdict';

const count = z.number().int().min(0);
const epochMs = z.number().int().min(0);

/** One Map item's result: `{table: {schema, name}, rounds, complete, equal, rowsCompared, differences, startedAt, finishedAt}`. */
const TableResultSchema = z.strictObject({
  table: z.strictObject({ schema: z.string().min(1), name: z.string().min(1) }),
  rounds: count,
  complete: z.boolean(),
  equal: z.boolean(),
  rowsCompared: count,
  differences: count,
  startedAt: epochMs.optional(),
  finishedAt: epochMs.nullable().optional(),
});

/**
 * `{"migrationId", "runId", "results": [...]}`; `settleMs` (optional) lets the message say a
 * difference was re-checked; `owner` (the execution) records the comparison in the migration's
 * change capture, whose proof it starts.
 */
export const ComparisonVerdictInputSchema = z.strictObject({
  migrationId: z.string().min(1, 'is required'),
  runId: z.string().min(1, 'is required').max(200),
  results: z.array(TableResultSchema).min(1, 'must hold at least one table (list-tables never returns none)'),
  settleMs: z.number().int().min(0).optional(),
  owner: z.string().min(1).optional(),
});


export async function comparisonVerdictStep(event: unknown, runtime: StepRuntime): Promise<VerdictOutput> {
  const input = parseInput(ComparisonVerdictInputSchema, event);
  runtime.migration(input.migrationId);
  const verdict = await judgeComparison(input, { store: runtime.store, metrics: runtime.metrics, now: runtime.now }).then(
    (output) => ({ output }),
    (error: unknown) => ({ error }),
  );
  // Passed or failed, the capture learns of it: only a passed comparison starts the proof.
  if (input.owner !== undefined) {
    const times = comparisonTimes(input.results, runtime.now());
    const equal = input.results.every((r) => r.complete && r.equal);
    await withVerificationLease(runtime.store, input.migrationId, { owner: input.owner, leaseMs: 60_000, waitMs: WORKFLOW_LEASE_WAIT_MS }, (lease) =>
      recordFullComparison(runtime.store, lease, { migrationId: input.migrationId, runId: input.runId, ...times, equal }),
    );
  }
  if ('error' in verdict) throw verdict.error;
  return verdict.output;
}
